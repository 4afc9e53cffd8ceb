//! Shared test helpers: a real database in a temporary directory, cheap argon2 settings,
//! and sign-in with codes from the real TOTP implementation.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kasefet::auth::totp::TotpSecret;
use kasefet::crypto::{KdfParams, Password, SecretKey};
use kasefet::service::{Clock, Login, NewAdmin, Peer, Service, Session, Settings};

pub const PASSWORD: &str = "correct horse battery staple 42";
pub const START: i64 = 1_790_000_000;

pub fn cheap_settings() -> Settings {
    Settings {
        kdf: KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        ..Settings::default()
    }
}

pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub service: Arc<Service>,
    pub clock: Clock,
    pub totp: TotpSecret,
    pub recovery: SecretKey,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let clock = Clock::manual(START);
        let totp = TotpSecret::generate().unwrap();
        let (service, recovery) = Service::init(
            &dir.path().join("db"),
            cheap_settings(),
            clock.clone(),
            NewAdmin {
                username: "dana",
                display_name: "Dana Admin",
                password: &Password::new(PASSWORD),
                totp: &totp,
                recovery_codes: None,
            },
        )
        .unwrap();
        TestDb {
            dir,
            service: Arc::new(service),
            clock,
            totp,
            recovery,
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("db")
    }

    /// Signs the admin in; moves the clock one TOTP step so every call gets a fresh code.
    pub fn admin(&self) -> Session {
        self.login_as("dana", &self.totp).session
    }

    /// The newest 1,000 audit entries, as `s` may read them.
    pub fn audit_log(&self, s: &Session) -> Vec<kasefet::domain::AuditEvent> {
        match self.service.handle(
            s,
            kasefet::service::Request::AuditList {
                offset: 0,
                limit: 1000,
            },
        ) {
            Ok(kasefet::service::Response::Audit(log)) => log,
            other => panic!("audit list: {other:?}"),
        }
    }

    pub fn login_as(&self, user: &str, totp: &TotpSecret) -> Login {
        self.clock.advance(30);
        let code = totp.code_at(self.clock.now() as u64);
        self.service
            .login(user, &Password::new(PASSWORD), &code, &Peer::default())
            .unwrap()
    }
}

/// Every file under `dir`, recursively.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Adds a fully provisioned account (password `PASSWORD`, a fresh TOTP secret) and returns
/// its secret.
pub fn provision(
    db: &TestDb,
    admin: &Session,
    username: &str,
    role: kasefet::domain::Role,
) -> TotpSecret {
    use kasefet::crypto::SecretText;
    let secret = TotpSecret::generate().unwrap();
    let r = db.service.handle(
        admin,
        kasefet::service::Request::UserAdd {
            username: username.into(),
            display_name: format!("{username} display"),
            role,
            password: Some(SecretText::new(PASSWORD.into())),
            totp_secret: Some(SecretText::new(secret.to_base32().to_string())),
        },
    );
    assert!(r.is_ok(), "provisioning {username}: {r:?}");
    secret
}

pub const CHEAP_CONFIG: &str =
    "[security]\nargon2_memory_kib = 8192\nargon2_iterations = 1\nargon2_parallelism = 1\n";

/// A data directory made the way an admin makes one with the real binary: in `dir`,
/// `kasefet.toml` (cheap argon2, then `extra`), `pw`, and `kasefet init --admin dana`
/// writing the database `db`, the TOTP secret `t` and the recovery key `rk`.
pub fn init_with_binary(dir: &Path, extra: &str) -> TotpSecret {
    std::fs::write(dir.join("kasefet.toml"), format!("{CHEAP_CONFIG}{extra}")).unwrap();
    std::fs::write(dir.join("pw"), format!("{PASSWORD}\n")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(dir)
        .args([
            "--config",
            "kasefet.toml",
            "--data-dir",
            "db",
            "init",
            "--admin",
            "dana",
        ])
        .args([
            "--password-file",
            "pw",
            "--totp-secret-file",
            "t",
            "--recovery-key-file",
            "rk",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "init: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    TotpSecret::from_base32(&std::fs::read_to_string(dir.join("t")).unwrap()).unwrap()
}

/// `kasefet batch` with `script` on stdin, signed in as dana in a directory made by
/// `init_with_binary` (its TOTP code for now).
pub fn batch_as_dana(dir: &Path, secret: &TotpSecret, script: &str) -> std::process::Output {
    let code = secret.code_at(jiff::Timestamp::now().as_second() as u64);
    std::process::Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(dir)
        .args([
            "--config",
            "kasefet.toml",
            "--data-dir",
            "db",
            "--user",
            "dana",
            "--password-file",
            "pw",
            "--totp",
            &code,
            "batch",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(script.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap()
}

/// sled opened directly, as a test that damages or inspects the files does. sled lets go of
/// its file lock only when its background threads do, a few milliseconds after a `drop`:
/// the same retries as `Store::open`'s.
pub fn raw_sled(dir: &Path) -> sled::Db {
    for _ in 0..40 {
        match sled::open(dir) {
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            other => return other.unwrap(),
        }
    }
    panic!("{} stayed locked", dir.display())
}
