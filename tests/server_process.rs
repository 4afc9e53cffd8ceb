//! `kasefet serve` as a process: SIGKILL mid-write keeps every acknowledged write, a stale
//! socket is replaced at restart, SIGTERM stops cleanly and removes the socket.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kasefet::auth::totp::TotpSecret;
use kasefet::client::Backend;
use kasefet::client::remote::Remote;
use kasefet::crypto::{Password, SecretText};
use kasefet::domain::{CustomerInput, Role};
use kasefet::service::{Request, Response};

const PW: &str = "correct horse battery staple 42";

fn serve(dir: &Path) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(dir)
        .args([
            "--data-dir",
            "db",
            "--config",
            "kasefet.toml",
            "--socket",
            "k.sock",
            "serve",
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while Remote::connect(&dir.join("k.sock")).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn code(secret: &TotpSecret) -> String {
    secret.code_at(jiff::Timestamp::now().as_second() as u64)
}

#[test]
fn sigkill_then_restart_keeps_acknowledged_writes_and_sigterm_is_clean() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let dana = common::init_with_binary(dir, "");
    let checker = TotpSecret::generate().unwrap();

    let mut server = serve(dir);
    let mut r = Remote::connect(&dir.join("k.sock")).unwrap();
    r.login("dana", &Password::new(PW), &code(&dana)).unwrap();
    r.call(Request::UserAdd {
        username: "checker".into(),
        display_name: "Checker".into(),
        role: Role::Manager,
        password: Some(SecretText::new(PW.into())),
        totp_secret: Some(SecretText::new(checker.to_base32().to_string())),
    })
    .unwrap();
    let mut acked = Vec::new();
    for i in 0..60 {
        match r.call(Request::CustomerCreate {
            input: CustomerInput {
                name: format!("Durable {i}"),
                ..Default::default()
            },
        }) {
            Ok(Response::Created { id }) => acked.push(id),
            other => panic!("{other:?}"),
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        dir.join("k.sock").exists(),
        "SIGKILL leaves the socket file behind"
    );

    let mut server = serve(dir);
    let mut c = Remote::connect(&dir.join("k.sock")).unwrap();
    c.login("checker", &Password::new(PW), &code(&checker))
        .unwrap();
    for id in &acked {
        assert!(
            matches!(
                c.call(Request::CustomerGet {
                    id: *id,
                    reveal: false
                }),
                Ok(Response::Customer(_))
            ),
            "customer {id} lost"
        );
    }
    c.logout();
    drop(c);

    rustix::process::kill_process(
        rustix::process::Pid::from_raw(server.id() as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let status = server.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        !dir.join("k.sock").exists(),
        "SIGTERM must remove the socket"
    );
}

#[test]
fn the_server_takes_the_catch_up_backup_while_sealed() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    common::init_with_binary(
        dir,
        &format!("[backup]\ndir = \"{}\"\n", dir.join("bk").display()),
    );
    let mut server = serve(dir);
    let started = Instant::now();
    let found = loop {
        // In the database's own folder inside bk.
        let n = match dir.join("bk").exists() {
            true => common::files(&dir.join("bk"))
                .iter()
                .filter(|p| p.to_string_lossy().ends_with(".kbak"))
                .count(),
            false => 0,
        };
        if n > 0 || started.elapsed() > Duration::from_secs(20) {
            break n;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        found, 1,
        "no catch-up backup from a server nobody signed in to"
    );
}
