//! An office made with the real binary in a temporary directory: `kasefet.toml` with cheap
//! argon2 (plus what a test adds), an admin "dana" made by `kasefet init`, and sign-ins with
//! fresh TOTP codes (each step works once, so a test that signs in often waits).
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use kasefet::auth::totp::TotpSecret;

pub const CHEAP: &str =
    "[security]\nargon2_memory_kib = 8192\nargon2_iterations = 1\nargon2_parallelism = 1\n";

pub struct Office {
    pub dir: tempfile::TempDir,
    /// The database directory this office's commands use (`--data-dir`).
    pub db: String,
    last_step: std::cell::Cell<i64>,
}

impl Office {
    /// `extra` is appended to the config, e.g. a `[backup]` section.
    pub fn new(extra: &str) -> Office {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kasefet.toml"), format!("{CHEAP}{extra}")).unwrap();
        std::fs::write(dir.path().join("pw"), "correct horse battery staple 42\n").unwrap();
        let o = Office {
            dir,
            db: "db".into(),
            last_step: std::cell::Cell::new(0),
        };
        o.init("db");
        o
    }

    /// A second database in the same folder, sharing the config and the admin's TOTP file name
    /// prefix `<db>.totp`.
    pub fn init(&self, db: &str) {
        let totp = format!("{db}.totp");
        let out = self.run_in(
            db,
            &[
                "init",
                "--admin",
                "dana",
                "--password-file",
                "pw",
                "--totp-secret-file",
                &totp,
                "--recovery-key-file",
                &format!("{db}.rk"),
            ],
            None,
        );
        assert!(out.status.success(), "init {db}: {}", err(&out));
    }

    pub fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.run_in(&self.db, args, stdin)
    }

    pub fn run_in(&self, db: &str, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kasefet"));
        cmd.current_dir(self.dir.path())
            .arg("--data-dir")
            .arg(self.p(db))
            .arg("--config")
            .arg(self.p("kasefet.toml"))
            .args(args)
            .env_remove("KASEFET_USER")
            .env_remove("KASEFET_TOTP")
            .env_remove("KASEFET_PASSWORD_FILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    }

    /// A code for a step no earlier sign-in of this office used.
    pub fn code(&self, db: &str) -> String {
        let secret = TotpSecret::from_base32(
            &std::fs::read_to_string(self.p(&format!("{db}.totp"))).unwrap(),
        )
        .unwrap();
        loop {
            let cur = jiff::Timestamp::now().as_second() / 30;
            let step = (self.last_step.get() + 1).max(cur);
            if step <= cur + 1 {
                self.last_step.set(step);
                return secret.code_at((step * 30) as u64);
            }
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
    }

    pub fn signed_in(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let code = self.code(&self.db);
        let mut all = vec!["--user", "dana", "--password-file", "pw", "--totp", &code];
        all.extend_from_slice(args);
        self.run(&all, stdin)
    }
}

pub fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
