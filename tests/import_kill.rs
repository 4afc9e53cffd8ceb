//! A large import SIGKILLed while its commit is being written: the database opens afterwards
//! (no false damage alarm) and holds either every row of the file or none of them.
//!
//! The kill is timed by the data file growing: sled writes the commit's records to its log
//! as it applies them, so growth past the size at sign-in means the commit is under way.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const ROWS: usize = 40_000;

fn cmd(dir: &Path, step: i64, totp: &kasefet::auth::totp::TotpSecret) -> Command {
    let now = jiff::Timestamp::now().as_second() / 30 + step;
    let code = totp.code_at((now * 30) as u64);
    let mut c = Command::new(env!("CARGO_BIN_EXE_kasefet"));
    c.current_dir(dir)
        .args([
            "--config",
            "kasefet.toml",
            "--data-dir",
            "db",
            "--user",
            "dana",
        ])
        .args(["--password-file", "pw", "--totp", &code])
        .env_remove("KASEFET_USER")
        .env_remove("KASEFET_TOTP")
        .env_remove("KASEFET_PASSWORD_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn data_file(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("db").join("db")).map_or(0, |m| m.len())
}

/// Starts the import and kills it once the data file grew by `grown` bytes (or lets it end).
/// Returns whether it finished on its own.
fn import_killed_after(dir: &Path, totp: &kasefet::auth::totp::TotpSecret, grown: u64) -> bool {
    let before = data_file(dir);
    let mut child = cmd(dir, -1, totp)
        .args(["import", "customers", "big.csv"])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        if data_file(dir) >= before + grown || Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn an_import_killed_mid_commit_leaves_all_or_nothing_and_a_database_that_opens() {
    let mut csv = String::from("Name,Email,Phone\n");
    for i in 0..ROWS {
        csv.push_str(&format!(
            "Person {i},p{i}@example.org,+972 54-{:03}-{:04}\n",
            i / 10_000,
            i % 10_000
        ));
    }
    let mut killed = 0;
    for grown in [256 * 1024, 2 << 20, 6 << 20] {
        let dir = tempfile::tempdir().unwrap();
        let totp = common::init_with_binary(dir.path(), "");
        std::fs::write(dir.path().join("big.csv"), &csv).unwrap();
        let finished = import_killed_after(dir.path(), &totp, grown);
        killed += usize::from(!finished);
        let list = cmd(dir.path(), 1, &totp)
            .args(["--json", "customer", "list"])
            .output()
            .unwrap();
        assert!(
            list.status.success(),
            "after a kill at +{grown} bytes the database must open: {}",
            text(&list)
        );
        let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
        let n = v.as_array().map_or(0, Vec::len);
        assert!(
            n == 0 || n == ROWS,
            "killed at +{grown} bytes (finished: {finished}): {n} of {ROWS} customers"
        );
        if finished {
            assert_eq!(n, ROWS);
        }
        eprintln!("kill at +{grown} bytes: finished {finished}, {n} customers after");
    }
    assert!(
        killed > 0,
        "no round was killed mid-import; the test proved nothing"
    );
}
