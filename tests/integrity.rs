//! Damage and forgery through the real binary: a store that sled brought back in an older
//! state, a missing anchor, backups rewritten with a fixed checksum, and restores that cannot
//! authenticate their file.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use kasefet::backup::{RawRecord, read_records, write_records};
use kasefet::store::Tree;

fn kasefet(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(dir)
        .args(["--config", "kasefet.toml", "--data-dir", "db"])
        .args(args)
        .env_remove("KASEFET_USER")
        .env_remove("KASEFET_TOTP")
        .env_remove("KASEFET_PASSWORD_FILE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "unexpectedly ok: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Signed-in commands, each with the next unused TOTP step (the window accepts ±1 step).
struct Admin {
    secret: kasefet::auth::totp::TotpSecret,
    step: i64,
}

impl Admin {
    fn new(secret: kasefet::auth::totp::TotpSecret) -> Self {
        Admin {
            secret,
            step: jiff::Timestamp::now().as_second() / 30 - 1,
        }
    }

    fn run(&mut self, d: &Path, args: &[&str]) -> Output {
        let code = self.secret.code_at((self.step * 30) as u64);
        self.step += 1;
        let mut all = vec!["--user", "dana", "--password-file", "pw", "--totp", &code];
        all.extend_from_slice(args);
        kasefet(d, &all)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn a_store_behind_its_anchor_is_not_served_and_a_missing_anchor_is_damage() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let secret = common::init_with_binary(d, "");
    let mut admin = Admin::new(secret);
    ok(&admin.run(d, &["customer", "add", "--name", "Kept"]));
    // sled recovering an older state looks like this: the files as they were before later
    // commits, beside the anchor those commits wrote.
    copy_dir(&d.join("db"), &d.join("older"));
    ok(&admin.run(d, &["customer", "add", "--name", "Lost"]));
    std::fs::rename(d.join("db"), d.join("newer")).unwrap();
    std::fs::rename(d.join("older"), d.join("db")).unwrap();
    std::fs::copy(
        d.join("newer").join("integrity.anchor"),
        d.join("db").join("integrity.anchor"),
    )
    .unwrap();

    let o = kasefet(d, &["customer", "list"]);
    assert_eq!(
        o.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let msg = err(&o);
    assert!(msg.contains("behind its integrity anchor"), "{msg}");
    assert!(msg.contains("ends at audit entry"), "{msg}");
    assert!(msg.contains("kasefet backup restore"), "{msg}");
    let doctor = kasefet(d, &["doctor"]);
    assert!(!doctor.status.success());
    let out = String::from_utf8_lossy(&doctor.stdout);
    assert!(out.contains("behind its integrity anchor"), "{out}");

    // An admin can take the older state into service, knowingly and on the record.
    let o = kasefet(d, &["repair"]);
    assert_eq!(o.status.code(), Some(2));
    let out = ok(&admin.run(d, &["repair", "--accept-loss"]));
    assert!(out.contains("accepted as it is"), "{out}");
    assert!(out.contains("behind its integrity anchor"), "{out}");
    ok(&kasefet(d, &["doctor"]));

    // The newer state with its anchor gone is damage too.
    std::fs::remove_dir_all(d.join("db")).unwrap();
    std::fs::rename(d.join("newer"), d.join("db")).unwrap();
    ok(&kasefet(d, &["doctor"]));
    std::fs::remove_file(d.join("db").join("integrity.anchor")).unwrap();
    let o = kasefet(d, &["customer", "list"]);
    assert_eq!(o.status.code(), Some(7));
    assert!(err(&o).contains("anchor"));
}

/// A backup with `records` changed and a checksum that matches again, as an attacker who
/// knows the format (and not the key) would write it.
fn forge(
    good: &Path,
    to: &Path,
    change: impl FnOnce(&mut kasefet::backup::Manifest, &mut Vec<RawRecord>),
) {
    let (mut manifest, mut records) = read_records(good).unwrap();
    change(&mut manifest, &mut records);
    let _ = std::fs::remove_file(to);
    write_records(to, &manifest, &records).unwrap();
    // The keyless check passes: the checksum alone proves nothing.
    kasefet::backup::check_integrity(to).unwrap();
}

fn full_verify_fails(d: &Path, file: &Path) -> String {
    let f = file.to_str().unwrap();
    let msg = err(&kasefet(
        d,
        &["backup", "verify", f, "--full", "--recovery-key-file", "rk"],
    ));
    let to = d.join(format!(
        "restored-{}",
        file.file_name().unwrap().to_string_lossy()
    ));
    let r = err(&kasefet(
        d,
        &[
            "backup",
            "restore",
            f,
            "--to",
            to.to_str().unwrap(),
            "--recovery-key-file",
            "rk",
        ],
    ));
    assert!(!to.exists(), "{r}");
    msg
}

#[test]
fn forged_backups_fail_full_verify_and_restore() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let backup = format!("[backup]\ndir = \"{}\"\n", d.join("bk").display());
    let secret = common::init_with_binary(d, &backup);
    let mut admin = Admin::new(secret);
    ok(&admin.run(d, &["customer", "add", "--name", "First"]));
    ok(&kasefet(d, &["backup", "run"]));
    // Retention keeps one a day, so the older one is kept aside.
    let older = d.join("older.kbak");
    let first = std::fs::read_dir(db_folder(&d.join("bk")))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::copy(&first, &older).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(&admin.run(d, &["customer", "add", "--name", "Second"]));
    let pw2 = d.join("pw2");
    std::fs::write(&pw2, format!("{}\n", common::PASSWORD)).unwrap();
    ok(&admin.run(
        d,
        &[
            "user",
            "add",
            "sam",
            "--display-name",
            "Sam",
            "--role",
            "staff",
            "--initial-password-file",
            "pw2",
        ],
    ));
    ok(&kasefet(d, &["backup", "run"]));
    let mut files: Vec<_> = std::fs::read_dir(db_folder(&d.join("bk")))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let newer = files.last().unwrap().clone();
    // The untouched file passes and says which check ran.
    let f = newer.to_str().unwrap();
    let out = ok(&kasefet(
        d,
        &["backup", "verify", f, "--full", "--recovery-key-file", "rk"],
    ));
    assert!(out.contains("store digest authenticated"), "{out}");

    // (a) a customer removed.
    let a = d.join("a.kbak");
    forge(&newer, &a, |_, r| {
        let i = r.iter().position(|x| x.tree == Tree::Customers).unwrap();
        r.remove(i);
    });
    let msg = full_verify_fails(d, &a);
    assert!(msg.contains("store digest"), "{msg}");

    // (b) the audit tail cut and the older head put in the manifest (and its meta record),
    // with or without the older backup's digest too.
    let (old_manifest, old_records) = read_records(&older).unwrap();
    let old_seq = old_manifest.audit_head.seq;
    for with_old_digest in [false, true] {
        let b = d.join(format!("b{with_old_digest}.kbak"));
        forge(&newer, &b, |m, r| {
            r.retain(|x| {
                x.tree != Tree::Audit || kasefet::store::key_id(&x.key).unwrap() <= old_seq
            });
            for x in r.iter_mut().filter(|x| x.tree == Tree::Meta) {
                let same = |k: &[u8]| x.key == k;
                let from_old = |k: &[u8]| {
                    old_records
                        .iter()
                        .find(|o| o.tree == Tree::Meta && o.key == k)
                        .unwrap()
                        .value
                        .clone()
                };
                if same(b"audit_head") || (with_old_digest && same(b"store_digest")) {
                    x.value = from_old(&x.key.clone());
                }
            }
            m.audit_head = old_manifest.audit_head;
            if with_old_digest {
                m.store_digest = old_manifest.store_digest.clone();
            }
        });
        let msg = full_verify_fails(d, &b);
        assert!(msg.contains("store digest"), "{with_old_digest}: {msg}");
    }

    // (c) a key envelope pointed at another account (sam's envelope claiming dana's id).
    let c = d.join("c.kbak");
    forge(&newer, &c, |_, r| {
        use kasefet::auth::records::KeyringEntry;
        let entries: Vec<(usize, KeyringEntry)> = r
            .iter()
            .enumerate()
            .filter(|(_, x)| x.tree == Tree::Keyring && x.key != b"recovery")
            .map(|(i, x)| (i, kasefet::store::codec::decode(&x.value).unwrap()))
            .collect();
        let dana = entries.iter().map(|(_, e)| e.user).min().unwrap();
        let (i, sam) = entries.into_iter().find(|(_, e)| e.user != dana).unwrap();
        let moved = KeyringEntry { user: dana, ..sam };
        r[i].value = kasefet::store::codec::encode(&moved).unwrap();
    });
    let msg = full_verify_fails(d, &c);
    assert!(msg.contains("store digest"), "{msg}");

    // A changed manifest (its digest's generation, and the meta record kept in step so the
    // keyless check passes): the digest's MAC fails.
    let m = d.join("m.kbak");
    forge(&newer, &m, |m, r| {
        let dg = m.store_digest.as_mut().unwrap();
        dg.generation += 1;
        let bytes = dg.encode().unwrap();
        for x in r.iter_mut() {
            if x.tree == Tree::Meta && x.key == b"store_digest" {
                x.value = bytes.clone();
            }
        }
    });
    let msg = full_verify_fails(d, &m);
    assert!(msg.contains("fails its MAC"), "{msg}");
}

#[test]
fn restore_without_a_key_refuses_unless_unverified() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let backup = format!("[backup]\ndir = \"{}\"\n", d.join("bk").display());
    let secret = common::init_with_binary(d, &backup);
    let mut admin = Admin::new(secret);
    ok(&admin.run(d, &["customer", "add", "--name", "Restored"]));
    ok(&kasefet(d, &["backup", "run"]));
    let file = std::fs::read_dir(db_folder(&d.join("bk")))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let f = file.to_str().unwrap();
    let to = d.join("restored");
    let o = kasefet(d, &["backup", "restore", f, "--to", to.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    let msg = err(&o);
    assert!(msg.contains("could not authenticate"), "{msg}");
    assert!(msg.contains("--unverified"), "{msg}");
    assert!(!to.exists());
    let out = ok(&kasefet(
        d,
        &[
            "backup",
            "restore",
            f,
            "--to",
            to.to_str().unwrap(),
            "--unverified",
        ],
    ));
    assert!(out.contains("NOT authenticated"), "{out}");
    // The restored directory has no anchor yet, and opens; its first unseal writes one.
    let o = Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(d)
        .args([
            "--config",
            "kasefet.toml",
            "--data-dir",
            "restored",
            "doctor",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("database opens"), "{out}");
}

#[test]
fn a_damaged_record_is_quarantined_and_named_not_fatal() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let secret = common::init_with_binary(d, "");
    let mut admin = Admin::new(secret);
    // Three sign-ins fit the TOTP window (one step back, now, one ahead).
    ok(&admin.run(d, &["customer", "add", "--name", "Damaged"]));
    {
        let store = kasefet::store::Store::open(&d.join("db"), 8 << 20).unwrap();
        let key = kasefet::store::id_key(1);
        let mut v = store
            .get_raw(Tree::Customers, &key)
            .unwrap()
            .unwrap()
            .to_vec();
        let n = v.len() - 5;
        v[n] ^= 0x20;
        store
            .write_uncovered(Tree::Customers, &key, Some(&v))
            .unwrap();
        store.flush().unwrap();
    }
    let doctor = admin.run(d, &["doctor"]);
    let out = String::from_utf8_lossy(&doctor.stdout);
    assert!(!doctor.status.success(), "{out}");
    assert!(
        out.contains("quarantined") && out.contains("customers/1"),
        "{out}"
    );
    // Everyone can still sign in and work; the damaged record is just not there.
    let list = ok(&admin.run(d, &["customer", "list"]));
    assert!(!list.contains("Damaged"), "{list}");
}

/// Points the keyring entry stored under `from`'s username hash at `to`'s user id, the way
/// attack (c) of issue 9 did inside a backup.
fn point_envelope(store: &kasefet::store::Store, from: &str, to: u64) {
    use kasefet::auth::records::{KeyringEntry, user_hash};
    let hash = user_hash(store.user_salt(), from);
    let t = store.tree(Tree::Keyring);
    let mut e: KeyringEntry =
        kasefet::store::codec::decode(&t.get(hash).unwrap().unwrap()).unwrap();
    e.user = to;
    t.insert(hash, kasefet::store::codec::encode(&e).unwrap())
        .unwrap();
    store.flush().unwrap();
}

#[test]
fn a_key_envelope_moved_to_another_account_does_not_open() {
    use kasefet::crypto::Password;
    use kasefet::service::Service;
    let db = common::TestDb::new();
    let admin = db.admin();
    let sam_totp = common::provision(&db, &admin, "sam", kasefet::domain::Role::Staff);
    db.service.logout(&admin);
    let path = db.path();
    let dana_id = 1;
    drop(db.service);
    {
        let store = kasefet::store::Store::open(&path, 8 << 20).unwrap();
        point_envelope(&store, "sam", dana_id);
    }
    let service = Service::open(&path, common::cheap_settings(), db.clock.clone()).unwrap();
    // Sam's password with dana's code (and with sam's own) no longer gives anyone a session.
    for totp in [&db.totp, &sam_totp] {
        db.clock.advance(30);
        let code = totp.code_at(db.clock.now() as u64);
        let r = service.login(
            "sam",
            &Password::new(common::PASSWORD),
            &code,
            &Default::default(),
        );
        assert!(r.is_err(), "a moved envelope opened a session");
    }
}

#[test]
fn schema_1_envelopes_migrate_at_sign_in_and_a_moved_one_is_refused() {
    use kasefet::auth::totp::TotpSecret;
    use kasefet::crypto::Password;
    use kasefet::service::{Clock, Service};
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/db-v1");
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("office");
    copy_dir(Path::new(fixture), &d);
    use std::os::unix::fs::PermissionsExt;
    for f in common::files(&d) {
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let secret = |u: &str| {
        TotpSecret::from_base32(
            std::fs::read_to_string(d.join(format!("{u}.totp")))
                .unwrap()
                .trim(),
        )
        .unwrap()
    };
    let now = jiff::Timestamp::now().as_second();
    let code = |u: &str, step: i64| secret(u).code_at(((now / 30 + step) * 30) as u64);
    let moved = d.join("moved");
    copy_dir(&d.join("db"), &moved);
    let pw = Password::new(common::PASSWORD);

    // Sam signs in with an old envelope; it is sealed again bound to sam, and still opens.
    {
        let service =
            Service::open(&d.join("db"), common::cheap_settings(), Clock::System).unwrap();
        let store = service.store();
        let hash = kasefet::auth::records::user_hash(store.user_salt(), "sam");
        let before = store.get_raw(Tree::Keyring, &hash).unwrap().unwrap();
        let l = service
            .login("sam", &pw, &code("sam", -1), &Default::default())
            .unwrap();
        service.logout(&l.session);
        let after = store.get_raw(Tree::Keyring, &hash).unwrap().unwrap();
        assert_ne!(before, after, "the schema 1 envelope was not sealed again");
        let l = service
            .login("sam", &pw, &code("sam", 0), &Default::default())
            .unwrap();
        service.logout(&l.session);
    }
    // In a copy migrated but not yet signed into, sam's old envelope pointed at dana's id
    // is refused: it is not the entry the migration found.
    {
        let store = kasefet::store::Store::open(&moved, 8 << 20).unwrap();
        point_envelope(&store, "sam", 1);
    }
    let service = Service::open(&moved, common::cheap_settings(), Clock::System).unwrap();
    for (u, step) in [("dana", -1), ("sam", 0)] {
        let r = service.login("sam", &pw, &code(u, step), &Default::default());
        assert!(
            r.is_err(),
            "a moved schema 1 envelope opened a session ({u}'s code)"
        );
    }
    let l = service.login("dana", &pw, &code("dana", 1), &Default::default());
    assert!(l.is_ok(), "{:?}", l.err());
}

#[test]
fn a_store_behind_the_newest_backup_it_made_is_not_served() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let backup = format!("[backup]\ndir = \"{}\"\n", d.join("bk").display());
    let secret = common::init_with_binary(d, &backup);
    let mut admin = Admin::new(secret);
    ok(&admin.run(d, &["customer", "add", "--name", "Kept"]));
    // The older state keeps its own anchor: only the backup shows it is behind.
    copy_dir(&d.join("db"), &d.join("older"));
    ok(&admin.run(d, &["customer", "add", "--name", "In the backup"]));
    ok(&kasefet(d, &["backup", "run"]));
    std::fs::remove_dir_all(d.join("db")).unwrap();
    std::fs::rename(d.join("older"), d.join("db")).unwrap();
    let o = kasefet(d, &["customer", "list"]);
    assert_eq!(o.status.code(), Some(7));
    let msg = err(&o);
    assert!(msg.contains("behind the newest backup"), "{msg}");
    assert!(msg.contains("kasefet backup restore"), "{msg}");
    let doctor = String::from_utf8_lossy(&kasefet(d, &["doctor"]).stdout).into_owned();
    assert!(doctor.contains("behind the newest backup"), "{doctor}");
    // Taking it as it is moves it past that backup.
    let out = ok(&admin.run(d, &["repair", "--accept-loss"]));
    assert!(
        out.contains("in service again") && out.contains("behind the newest backup"),
        "{out}"
    );
    ok(&kasefet(d, &["doctor"]));
}

#[test]
fn a_schema_1_backup_restores_only_when_told_it_cannot_be_authenticated() {
    let fixture = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/db-v1"));
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    copy_dir(fixture, d.join("office").as_path());
    let d = d.join("office");
    use std::os::unix::fs::PermissionsExt;
    for f in common::files(&d) {
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let bk = std::fs::read_dir(db_folder(&d.join("bk")))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "kbak"))
        .unwrap();
    let f = bk.to_str().unwrap();
    let args = [
        "backup",
        "restore",
        f,
        "--to",
        "restored",
        "--recovery-key-file",
        "rk",
    ];
    let msg = err(&kasefet(&d, &args));
    assert!(
        msg.contains("could not be authenticated") && msg.contains("--unverified"),
        "{msg}"
    );
    let mut unverified = args.to_vec();
    unverified.push("--unverified");
    let out = ok(&kasefet(&d, &unverified));
    assert!(out.contains("NOT authenticated"), "{out}");
    let o = Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(&d)
        .args([
            "--config",
            "kasefet.toml",
            "--data-dir",
            "restored",
            "doctor",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("database opens"), "{out}");
}

/// This database's backup folder: backups live in `<[backup] dir>/db-<id>/`.
fn db_folder(root: &std::path::Path) -> std::path::PathBuf {
    std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("db-"))
        })
        .unwrap_or_else(|| root.to_path_buf())
}
