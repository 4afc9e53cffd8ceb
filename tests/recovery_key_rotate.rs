//! `recovery-key rotate` (issue 13, bug 9): a new key opens the database, the old one no
//! longer does, the admin proves who they are again, and the log says so.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{PASSWORD, TestDb};
use kasefet::auth::records::RECOVERY_KEY;
use kasefet::auth::totp::TotpSecret;
use kasefet::crypto::{Envelope, SecretText, recovery};
use kasefet::domain::Role;
use kasefet::service::{Error, Request, Response};
use kasefet::store::{Tree, codec};

fn recovery_envelope(db: &TestDb) -> Envelope {
    let raw = db
        .service
        .store()
        .get_raw(Tree::Keyring, RECOVERY_KEY)
        .unwrap()
        .unwrap();
    codec::decode(&raw).unwrap()
}

fn rotate(
    db: &TestDb,
    s: &kasefet::service::Session,
    pw: &str,
    code: String,
) -> Result<Response, Error> {
    db.service.handle(
        s,
        Request::RecoveryKeyRotate {
            password: SecretText::new(pw.into()),
            code,
        },
    )
}

#[test]
fn rotate_makes_a_new_key_and_revokes_the_old_one() {
    let db = TestDb::new();
    let admin = db.admin();
    let next = |steps: i64| db.totp.code_at((db.clock.now() + 30 * steps) as u64);
    // The code signed in with, a wrong password, a wrong code: refused, key unchanged.
    let used = db.totp.code_at(db.clock.now() as u64);
    assert!(rotate(&db, &admin, PASSWORD, used).is_err(), "a used code");
    assert!(rotate(&db, &admin, "not the password at all", next(1)).is_err());
    assert!(recovery_envelope(&db).open_with_key(&db.recovery).is_ok());

    let key = match rotate(&db, &admin, PASSWORD, next(1)).unwrap() {
        Response::RecoveryKey(k) => recovery::parse(k.expose()).unwrap(),
        other => panic!("{other:?}"),
    };
    let env = recovery_envelope(&db);
    assert!(env.open_with_key(&key).is_ok(), "the new key opens it");
    assert!(
        env.open_with_key(&db.recovery).is_err(),
        "the old one is revoked"
    );
    // The code is spent: the same one cannot rotate again.
    assert!(rotate(&db, &admin, PASSWORD, next(1)).is_err());

    let log = match db
        .service
        .handle(
            &admin,
            Request::AuditList {
                offset: 0,
                limit: 1000,
            },
        )
        .unwrap()
    {
        Response::Audit(l) => l,
        other => panic!("{other:?}"),
    };
    let rotations: Vec<_> = log
        .iter()
        .filter(|e| e.action == "database.recovery_key_rotate")
        .collect();
    assert_eq!(
        rotations.len(),
        4,
        "three refusals and the rotation: {rotations:?}"
    );
    assert!(
        rotations
            .iter()
            .any(|e| e.detail.contains("old one no longer opens"))
    );
}

#[test]
fn only_an_admin_rotates_the_key() {
    let db = TestDb::new();
    let admin = db.admin();
    let secret = common::provision(&db, &admin, "maya", Role::Manager);
    let maya = db.login_as("maya", &secret).session;
    let code = secret.code_at((db.clock.now() + 30) as u64);
    assert!(matches!(
        rotate(&db, &maya, PASSWORD, code),
        Err(Error::Denied(_))
    ));
    assert!(recovery_envelope(&db).open_with_key(&db.recovery).is_ok());
}

/// The real binary, as a script runs it: the new key in a 0600 file, the old one refused by
/// `recover`, the new one accepted.
#[test]
fn the_command_writes_the_new_key_and_recover_takes_only_it() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let dana = common::init_with_binary(dir, "");
    let now = jiff::Timestamp::now().as_second();
    let code = |s: &TotpSecret, steps: i64| s.code_at((now + 30 * steps) as u64);
    let kasefet = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kasefet"))
            .current_dir(dir)
            .args(["--config", "kasefet.toml", "--data-dir", "db"])
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = kasefet(&[
        "--user",
        "dana",
        "--password-file",
        "pw",
        "--totp",
        &code(&dana, 0),
        "recovery-key",
        "rotate",
        "--code",
        &code(&dana, 1),
        "--recovery-key-file",
        "rk2",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("rk2"), "{stdout}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("rk2"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    std::fs::write(
        dir.join("pw2"),
        "another long passphrase for the office 7\n",
    )
    .unwrap();
    let old = kasefet(&[
        "--password-file",
        "pw2",
        "recover",
        "--recovery-key-file",
        "rk",
        "--admin",
        "dana",
        "--totp-secret-file",
        "t2",
    ]);
    assert!(
        !old.status.success(),
        "the old key still opens the database"
    );
    assert!(String::from_utf8_lossy(&old.stderr).contains("does not open"));
    let new = kasefet(&[
        "--password-file",
        "pw2",
        "recover",
        "--recovery-key-file",
        "rk2",
        "--admin",
        "dana",
        "--totp-secret-file",
        "t3",
    ]);
    assert!(
        new.status.success(),
        "{}",
        String::from_utf8_lossy(&new.stderr)
    );

    // Without --code on a script: a clear refusal, nothing changed.
    let none = kasefet(&[
        "--user",
        "dana",
        "--password-file",
        "pw2",
        "--totp",
        "000000",
        "recovery-key",
        "rotate",
    ]);
    assert!(!none.status.success());
}
