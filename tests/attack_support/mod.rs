//! A real `kasefet serve` process on a temporary socket, for the attack tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kasefet::auth::totp::TotpSecret;
use kasefet::client::Backend;
use kasefet::client::remote::Remote;
use kasefet::crypto::{Password, SecretText};
use kasefet::domain::Role;
use kasefet::service::Request;

#[path = "../common/mod.rs"]
pub mod common;

pub use common::PASSWORD;

pub struct Served {
    pub dir: tempfile::TempDir,
    pub child: Option<Child>,
    pub dana: TotpSecret,
}

impl Served {
    /// A fresh database (admin `dana`) served with `extra` appended to the config.
    pub fn start(extra: &str) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let dana = common::init_with_binary(dir.path(), extra);
        let mut s = Served {
            dir,
            child: None,
            dana,
        };
        s.spawn();
        s
    }

    pub fn spawn(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_kasefet"))
            .current_dir(self.dir.path())
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
        self.child = Some(child);
        let t = Instant::now();
        while !self.socket().exists() || Remote::connect(&self.socket()).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(15),
                "server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("k.sock")
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// A connection signed in as `dana`, the admin.
    pub fn admin(&self) -> Remote {
        let mut r = Remote::connect(&self.socket()).unwrap();
        r.login("dana", &Password::new(PASSWORD), &now_code(&self.dana))
            .unwrap();
        r
    }

    /// Adds an account with `PASSWORD` and a fresh TOTP secret, and returns the secret.
    pub fn provision(&self, admin: &mut Remote, name: &str, role: Role) -> TotpSecret {
        let totp = TotpSecret::generate().unwrap();
        admin
            .call(Request::UserAdd {
                username: name.into(),
                display_name: format!("{name} tester"),
                role,
                password: Some(SecretText::new(PASSWORD.into())),
                totp_secret: Some(SecretText::new(totp.to_base32().to_string())),
            })
            .unwrap();
        totp
    }

    /// Sends SIGTERM and waits at most `within` for the server to exit; true if it did.
    pub fn terminate(&mut self, within: Duration) -> bool {
        let Some(child) = self.child.as_mut() else {
            return true;
        };
        let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        let t = Instant::now();
        while t.elapsed() < within {
            if child.try_wait().unwrap().is_some() {
                self.child = None;
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn now_code(secret: &TotpSecret) -> String {
    secret.code_at(jiff::Timestamp::now().as_second() as u64)
}
