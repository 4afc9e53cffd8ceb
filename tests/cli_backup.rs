//! Backups and doctor through the real binary: run and list without a sign-in, verify with
//! and without the recovery key, a damaged file refused, restore into a new directory that
//! the same account signs in to.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

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

#[test]
fn backup_run_list_verify_restore_and_doctor() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let backup = format!("[backup]\ndir = \"{}\"\n", d.join("bk").display());
    let secret = common::init_with_binary(d, &backup);
    let step = jiff::Timestamp::now().as_second() / 30;
    let code0 = secret.code_at((step * 30) as u64);
    ok(&kasefet(
        d,
        &[
            "--user",
            "dana",
            "--password-file",
            "pw",
            "--totp",
            &code0,
            "customer",
            "add",
            "--name",
            "Backed Up",
        ],
    ));

    let run = ok(&kasefet(d, &["backup", "run"]));
    assert!(run.contains("1 customers"), "{run}");
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&kasefet(d, &["backup", "list", "--json"]))).unwrap();
    let file = std::path::PathBuf::from(listed[0]["path"].as_str().unwrap());
    assert_eq!(file.parent().unwrap().parent().unwrap(), d.join("bk"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(d.join("bk"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );

    let f = file.to_str().unwrap();
    assert!(ok(&kasefet(d, &["backup", "verify", f])).contains("intact"));
    let full = ok(&kasefet(
        d,
        &["backup", "verify", f, "--full", "--recovery-key-file", "rk"],
    ));
    assert!(
        full.contains("audit chain") && full.contains("intact"),
        "{full}"
    );

    // Or with an admin's sign-in instead of the recovery key.
    let code1 = secret.code_at(((step + 1) * 30) as u64);
    let signed = ok(&kasefet(
        d,
        &[
            "--user",
            "dana",
            "--password-file",
            "pw",
            "--totp",
            &code1,
            "backup",
            "verify",
            f,
            "--full",
        ],
    ));
    assert!(signed.contains("audit chain"), "{signed}");

    // A damaged copy is refused by verify and restore, and restore leaves nothing behind.
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(d.join("damaged.kbak"), &bytes).unwrap();
    let bad = kasefet(d, &["backup", "verify", "damaged.kbak"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("damaged"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let bad = kasefet(d, &["backup", "restore", "damaged.kbak", "--to", "nope"]);
    assert!(!bad.status.success());
    assert!(!d.join("nope").exists());
    // Never over the live database.
    let live = kasefet(d, &["backup", "restore", f, "--to", "db"]);
    assert!(!live.status.success());

    let restored = ok(&kasefet(
        d,
        &[
            "backup",
            "restore",
            f,
            "--to",
            "db2",
            "--recovery-key-file",
            "rk",
        ],
    ));
    assert!(restored.contains("db2"), "{restored}");
    let code1 = secret.code_at(((step + 1) * 30) as u64);
    let out = Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(d)
        .args([
            "--config",
            "kasefet.toml",
            "--data-dir",
            "db2",
            "--user",
            "dana",
            "--password-file",
            "pw",
            "--totp",
            &code1,
            "customer",
            "list",
            "--json",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(list[0]["name"], "Backed Up");

    let doc = ok(&kasefet(d, &["doctor"]));
    assert!(doc.contains("data directory db is private"), "{doc}");
    assert!(doc.contains("newest backup"), "{doc}");
    std::fs::set_permissions(d.join("db"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let sick = kasefet(d, &["doctor"]);
    assert_eq!(sick.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&sick.stdout).contains("fix: chmod 700 db"));
}
