//! A database written by an earlier release (tests/fixtures/db-v1, made by
//! tests/fixtures/make-db-v1.sh with the binary of schema 1) opens with today's binary,
//! migrates at open, keeps every record, its audit chain and its backup, and takes new writes.
//! The fixture is never regenerated: it stands for the databases offices already have.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use kasefet::auth::totp::TotpSecret;
use serde_json::Value;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/db-v1");

/// Copies the fixture into `to` with the private modes Kasefet insists on (git keeps none).
fn copy_private(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_private(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
}

fn kasefet(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(dir)
        .args(["--config", "kasefet.toml", "--data-dir", "db"])
        .args(args)
        .env_remove("KASEFET_USER")
        .env_remove("KASEFET_TOTP")
        .env_remove("KASEFET_PASSWORD_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}, stderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `lines` as one `batch` under a single sign-in of `user` and returns each line's JSON.
fn batch(dir: &Path, user: &str, lines: &[&str]) -> Vec<Value> {
    let secret = TotpSecret::from_base32(
        &std::fs::read_to_string(dir.join(format!("{user}.totp"))).unwrap(),
    )
    .unwrap();
    let code = secret.code_at(jiff::Timestamp::now().as_second() as u64);
    let out = ok(&kasefet(
        dir,
        &[
            "--user",
            user,
            "--password-file",
            "pw",
            "--totp",
            &code,
            "--json",
            "batch",
        ],
        &lines.join("\n"),
    ));
    let values: Vec<Value> = serde_json::Deserializer::from_str(&out)
        .into_iter::<Value>()
        .map(|v| v.unwrap())
        .collect();
    assert_eq!(values.len(), lines.len(), "{out}");
    values
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.pointer(field).unwrap().as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_schema_1_database_opens_migrates_and_keeps_every_record() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("office");
    copy_private(Path::new(FIXTURE), &d);

    let got = batch(
        &d,
        "dana",
        &[
            "customer list",
            "customer show 1",
            "customer show 2 --reveal",
            "task list --all",
            "employee show 1 --reveal",
            "user list",
            "audit verify",
        ],
    );
    assert_eq!(
        names(&got[0], "/name"),
        ["Miriam Levi", "Yosef Amar", "Galil Tools"]
    );
    let miriam = &got[1];
    assert_eq!(miriam["data"]["company"], "Levi Olive Press");
    assert_eq!(miriam["data"]["emails"][0], "miriam@levi.example");
    assert_eq!(miriam["data"]["address"]["city"], "Haifa");
    assert_eq!(
        names(&miriam["interactions"], "/text"),
        [
            "First call about the autumn order",
            "Asked for the price list"
        ]
    );
    let yosef = got[2].to_string();
    assert!(yosef.contains("123456782"), "{yosef}");
    assert!(yosef.contains("Prefers calls after 17:00"), "{yosef}");
    assert_eq!(
        names(&got[3], "/data/title"),
        ["Send the autumn price list", "Renew the office lease"]
    );
    assert_eq!(got[3][0]["data"]["customer"], 1);
    assert_eq!(got[3][0]["comments"][0]["text"], "Price list sent by email");
    let noa = got[4].to_string();
    assert!(
        noa.contains("Noa Ben-David") & noa.contains("21000"),
        "{noa}"
    );
    assert_eq!(names(&got[5], "/username"), ["dana", "sam"]);
    assert_eq!(got[5][1]["role"], "staff");
    assert!(got[6]["problem"].is_null(), "{}", got[6]);
    assert!(got[6]["entries"].as_u64().unwrap() >= 16, "{}", got[6]);

    // The second account still signs in with its own envelope and sees its task.
    // The old database takes new writes, and the old backup still verifies with the old key.
    let sam = batch(
        &d,
        "sam",
        &["task list", "customer add --name \"After Upgrade\""],
    );
    assert_eq!(
        names(&sam[0], "/data/title"),
        ["Send the autumn price list"]
    );
    assert!(sam[1]["id"].as_u64().unwrap() > 3, "{}", sam[1]);
    let bk = std::fs::read_dir(db_folder(&d.join("bk")))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "kbak"))
        .unwrap();
    let verified = ok(&kasefet(
        &d,
        &[
            "backup",
            "verify",
            "--full",
            "--recovery-key-file",
            "rk",
            bk.to_str().unwrap(),
        ],
        "",
    ));
    assert!(verified.contains("3 customers"), "{verified}");
    let run = ok(&kasefet(&d, &["backup", "run"], ""));
    assert!(run.contains("4 customers"), "{run}");
}

#[test]
fn a_database_from_a_newer_kasefet_is_refused_with_a_clear_message() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("office");
    copy_private(Path::new(FIXTURE), &d);
    {
        let raw = common::raw_sled(&d.join("db"));
        let meta = raw.open_tree("meta").unwrap();
        meta.insert("schema", kasefet::store::codec::encode(&99u32).unwrap())
            .unwrap();
        raw.flush().unwrap();
    }
    let secret =
        TotpSecret::from_base32(&std::fs::read_to_string(d.join("dana.totp")).unwrap()).unwrap();
    let code = secret.code_at(jiff::Timestamp::now().as_second() as u64);
    let out = kasefet(
        &d,
        &[
            "--user",
            "dana",
            "--password-file",
            "pw",
            "--totp",
            &code,
            "customer",
            "list",
        ],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("newer Kasefet (schema 99") & err.contains("upgrade kasefet"),
        "{err}"
    );
}

/// This database's backup folder: backups live in `<[backup] dir>/db-<id>/`.
fn db_folder(root: &std::path::Path) -> std::path::PathBuf {
    std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.is_dir()
                & p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("db-"))
        })
        .unwrap_or_else(|| root.to_path_buf())
}
