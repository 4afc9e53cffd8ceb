//! The real binary in a real terminal (tmux): wizard → its first backup, verified → sign in
//! → add a customer → find it → quit, with the terminal restored each time. Skipped, saying so, when tmux is missing.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kasefet::auth::totp::TotpSecret;

const PASSWORD: &str = "plum quartz ferry lantern 42";

struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn start(&self, session: &str, command: &str, env: &[(&str, String)]) {
        let mut args = vec!["new-session", "-d", "-x", "100", "-y", "30", "-s", session];
        let envs: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for e in &envs {
            args.push("-e");
            args.push(e);
        }
        args.push(command);
        self.run(&args);
    }

    fn screen(&self, session: &str) -> String {
        self.run(&["capture-pane", "-p", "-t", session])
    }

    fn keys(&self, session: &str, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", session, k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn text(&self, session: &str, text: &str) {
        self.run(&["send-keys", "-t", session, "-l", text]);
        std::thread::sleep(Duration::from_millis(100));
    }

    /// Waits until the screen shows `what`; panics with the screen after `secs`.
    fn wait(&self, session: &str, what: &str, secs: u64) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen(session);
            if s.contains(what) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(secs) {
                panic!("waited {secs}s for {what:?}; the screen shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The command a person runs, then what the terminal looks like afterwards.
fn command(bin: &str, data: &Path, config: &Path) -> String {
    format!(
        "{bin} --data-dir {} --config {}; echo EXIT=$?; stty -a | tr '\\n' ' '; echo; sleep 120",
        data.display(),
        config.display()
    )
}

/// After the program exits: it said so, and the terminal is back in cooked mode with echo.
/// Called once `stty` has printed (waiting for "EXIT=" alone raced it under load).
fn assert_restored(screen: &str) {
    assert!(screen.contains("EXIT=0"), "{screen}");
    let stty = screen
        .lines()
        .find(|l| l.contains("icanon"))
        .unwrap_or_default();
    let flags: Vec<&str> = stty.split_whitespace().collect();
    assert!(
        flags.contains(&"icanon") && flags.contains(&"echo"),
        "terminal left in raw mode:\n{screen}"
    );
    assert!(
        !screen.contains("1 Home"),
        "the alternate screen was not left:\n{screen}"
    );
}

#[test]
fn wizard_sign_in_add_find_quit_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!(
            "SKIPPED wizard_sign_in_add_find_quit_in_tmux: tmux is not installed (`.ci/run` installs it)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("kasefet.toml");
    std::fs::write(
        &config,
        "[security]\nargon2_memory_kib = 8192\nargon2_iterations = 1\nargon2_parallelism = 1\n",
    )
    .unwrap();
    let tmux = Tmux {
        socket: dir.path().join("tmux.sock"),
    };
    let env = [
        ("HOME", home.display().to_string()),
        (
            "XDG_CONFIG_HOME",
            home.join(".config").display().to_string(),
        ),
        (
            "XDG_DATA_HOME",
            home.join(".local/share").display().to_string(),
        ),
    ];
    let bin = env!("CARGO_BIN_EXE_kasefet");

    // First run: the wizard.
    tmux.start("w", &command(bin, &data, &config), &env);
    tmux.wait("w", "Kasefet setup", 20);
    tmux.text("w", "Levi & Sons");
    tmux.keys("w", &["Enter"]);
    tmux.text("w", "noa");
    tmux.keys("w", &["Enter"]);
    tmux.text("w", "Noa Levi");
    tmux.keys("w", &["Enter"]);
    tmux.text("w", PASSWORD);
    tmux.keys("w", &["Enter"]);
    tmux.text("w", PASSWORD);
    tmux.keys("w", &["Enter"]);
    let screen = tmux.wait("w", "Or type this secret:", 10);
    let secret: String = screen
        .lines()
        .skip_while(|l| !l.contains("Or type this secret:"))
        .skip(1)
        .map(|l| l.rsplit("  ").next().unwrap_or("").trim().to_string())
        .take_while(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c == ' ' || c.is_ascii_uppercase() || ('2'..='7').contains(&c))
        })
        .map(|part| part.replace(' ', ""))
        .collect();
    let totp =
        TotpSecret::from_base32(&secret).unwrap_or_else(|e| panic!("{e}: {secret:?}\n{screen}"));
    tmux.text("w", &totp.code_at(now()));
    tmux.keys("w", &["Enter"]);
    tmux.wait("w", "I have stored it", 20);
    tmux.keys("w", &["Space", "Enter", "Enter"]);
    tmux.wait("w", "Your recovery codes", 10);
    tmux.keys("w", &["Enter"]);
    tmux.wait("w", "Backup folder", 10);
    tmux.keys("w", &["Enter"]);
    // A new account accepts the security policy before anything else.
    tmux.wait("w", "Security policy", 10);
    tmux.keys("w", &["Space", "Enter"]);
    tmux.wait("w", "1 Home", 10);
    // The program owns the new database, so it took the first backup by itself; verify it.
    tmux.keys("w", &["7"]);
    let screen = tmux.wait("w", "Last backup kasefet-", 25);
    assert!(screen.contains("backup 0 min ago"), "{screen}");
    tmux.keys("w", &["v"]);
    tmux.wait("w", "yes, in full", 20);
    tmux.keys("w", &["q"]);
    assert_restored(&tmux.wait("w", "icanon", 10));
    // In the database's own folder inside kasefet-backups.
    let backups: Vec<_> = std::fs::read_dir(dir.path().join("kasefet-backups"))
        .unwrap()
        .flat_map(|folder| std::fs::read_dir(folder.unwrap().path()).unwrap())
        .collect();
    assert_eq!(backups.len(), 1, "one catch-up backup, complete");

    // Second run: sign in, add a customer, find it, quit.
    tmux.start("s", &command(bin, &data, &config), &env);
    tmux.wait("s", "sign in", 20);
    tmux.text("s", "noa");
    tmux.keys("s", &["Enter"]);
    tmux.text("s", PASSWORD);
    tmux.keys("s", &["Enter"]);
    tmux.text("s", &totp.code_at(now() + 30));
    tmux.keys("s", &["Enter"]);
    tmux.wait("s", "1 Home", 20);
    tmux.keys("s", &["2"]);
    tmux.wait("s", "search:", 10);
    tmux.keys("s", &["n"]);
    tmux.wait("s", "New customer", 10);
    tmux.text("s", "Zipora Testwoman");
    tmux.keys("s", &["Enter", "Enter"]);
    tmux.text("s", "Zeta Ltd");
    tmux.keys("s", &["C-s"]);
    tmux.wait("s", "Customer created", 10);
    tmux.keys("s", &["Escape"]);
    tmux.keys("s", &["/"]);
    tmux.text("s", "zipo");
    let found = tmux.wait("s", "Zipora Testwoman", 10);
    assert!(found.contains("Zeta Ltd"), "{found}");
    tmux.keys("s", &["Escape", "C-k"]);
    tmux.wait("s", "Quick lookup", 10);
    tmux.text("s", "zeta");
    tmux.wait("s", "customer Zipora", 10);
    tmux.keys("s", &["Enter"]);
    tmux.wait("s", "Timeline", 10);
    tmux.keys("s", &["Escape", "q"]);
    assert_restored(&tmux.wait("s", "icanon", 10));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("[organisation]") && text.contains("Levi & Sons"),
        "{text}"
    );
}
