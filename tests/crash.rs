//! A killed process loses nothing it acknowledged: SIGKILL in the middle of a stream of
//! durable writes, then every acknowledged record is present and the audit chain verifies.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use kasefet::auth::records::RECOVERY_KEY;
use kasefet::auth::totp::TotpSecret;
use kasefet::crypto::Envelope;
use kasefet::domain::Customer;
use kasefet::store::{Store, Tree, Vault, codec};

/// A code for a step after `last` that the binary will accept now (current or next step).
fn next_code(secret: &TotpSecret, last: &mut i64) -> String {
    loop {
        let cur = jiff::Timestamp::now().as_second() / 30;
        let step = (*last + 1).max(cur);
        if step <= cur + 1 {
            *last = step;
            return secret.code_at((step * 30) as u64);
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

#[test]
fn sigkill_during_writes_keeps_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let secret = common::init_with_binary(dir.path(), "");
    let bin = env!("CARGO_BIN_EXE_kasefet");
    let base = |c: &mut Command| {
        c.current_dir(dir.path())
            .arg("--data-dir")
            .arg(p("db"))
            .arg("--config")
            .arg(p("kasefet.toml"));
    };
    let mut last = 0;
    let recovery =
        kasefet::crypto::recovery::parse(&std::fs::read_to_string(p("rk")).unwrap()).unwrap();

    for round in 0..3u64 {
        let mut cmd = Command::new(bin);
        base(&mut cmd);
        let code = next_code(&secret, &mut last);
        let mut child = cmd
            .args([
                "--user",
                "dana",
                "--password-file",
                "pw",
                "--totp",
                &code,
                "batch",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            for i in 0..2000 {
                if writeln!(stdin, "customer add --name 'Crash {round}-{i}' --tag crash").is_err() {
                    break;
                }
            }
        });
        let mut acked = Vec::new();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        while let Some(Ok(line)) = lines.next() {
            if let Some(id) = line.strip_prefix("created customer ") {
                acked.push(id.parse::<u64>().unwrap());
            }
            if acked.len() >= 40 + 30 * round as usize {
                child.kill().unwrap();
                break;
            }
        }
        let _ = child.wait();
        let _ = writer.join();

        assert!(
            !acked.is_empty(),
            "round {round}: the batch acknowledged nothing"
        );

        // Read the database the way an operator with the recovery key could, without a
        // sign-in, so the check itself uses no TOTP step.
        let store = Store::open(&p("db"), 8 << 20).unwrap();
        let env: Envelope =
            codec::decode(&store.get_raw(Tree::Keyring, RECOVERY_KEY).unwrap().unwrap()).unwrap();
        let vault = Vault::new(env.open_with_key(&recovery).unwrap());
        for id in &acked {
            let c: Option<Customer> = vault
                .get(&store, Tree::Customers, &id.to_be_bytes())
                .unwrap();
            assert!(
                c.is_some_and(|c| c.data.name.starts_with(&format!("Crash {round}-"))),
                "round {round}: acknowledged customer {id} lost"
            );
        }
        let report = kasefet::audit::verify(&store, &vault).unwrap();
        assert!(report.ok(), "round {round}: {report:?}");
    }
}
