//! The import screen in a real terminal (tmux), through the real binary: sign in, Customers,
//! `I`, a new import by path, dry run, `i` and `y`, the import listed, quit with the terminal
//! restored. Skipped, saying so, when tmux is missing.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

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

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "i", k]);
            std::thread::sleep(Duration::from_millis(80));
        }
    }

    fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "i", "-l", text]);
        std::thread::sleep(Duration::from_millis(120));
    }

    fn wait(&self, what: &str, secs: u64) -> String {
        let start = Instant::now();
        loop {
            let s = self.run(&["capture-pane", "-p", "-t", "i"]);
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

#[test]
fn import_a_csv_in_a_real_terminal() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED import_a_csv_in_a_real_terminal: tmux is not installed");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let totp = common::init_with_binary(dir, "");
    std::fs::write(
        dir.join("office.csv"),
        "First Name,Last Name,E-mail Address,Mobile Phone\nMiriam,Katz,miriam@example.org,050-1112222\nYosef,Dahan,yosef@example.org,050-3334444\n",
    )
    .unwrap();
    let tmux = Tmux {
        socket: dir.join("tmux.sock"),
    };
    let cmd = format!(
        "cd {} && {} --config kasefet.toml --data-dir db; echo EXIT=$?; stty -a | tr '\\n' ' '; echo; sleep 120",
        dir.display(),
        env!("CARGO_BIN_EXE_kasefet")
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-x",
        "100",
        "-y",
        "30",
        "-s",
        "i",
        "-e",
        "TERM=xterm-256color",
        &cmd,
    ]);
    tmux.wait("sign in", 20);
    tmux.text("dana");
    tmux.keys(&["Enter"]);
    tmux.text(common::PASSWORD);
    tmux.keys(&["Enter"]);
    let now = jiff::Timestamp::now().as_second() as u64;
    tmux.text(&totp.code_at(now));
    tmux.keys(&["Enter"]);
    tmux.wait("Security policy", 20);
    tmux.keys(&["Space", "Enter"]);
    tmux.wait("1 Home", 10);
    tmux.keys(&["2"]);
    tmux.wait("search:", 10);
    tmux.keys(&["I"]);
    tmux.wait("No import yet", 10);
    tmux.keys(&["n"]);
    tmux.wait("which file", 10);
    tmux.text(&dir.join("office.csv").display().to_string());
    tmux.keys(&["C-s"]);
    let s = tmux.wait("Kasefet field", 10);
    assert!(s.contains("2 rows read"), "{s}");
    assert!(s.contains("first_name") && s.contains("phone"), "{s}");
    tmux.keys(&["c"]);
    let s = tmux.wait("Dry run (nothing written)", 20);
    assert!(s.contains("would create 2"), "{s}");
    tmux.keys(&["i"]);
    tmux.wait("y import", 10);
    tmux.keys(&["Enter"]);
    tmux.wait("y import", 10);
    tmux.keys(&["y"]);
    let s = tmux.wait("Import 1 done", 20);
    assert!(s.contains("created 2"), "{s}");
    tmux.keys(&["Escape"]);
    tmux.wait("office.csv", 10);
    tmux.keys(&["Escape"]);
    let s = tmux.wait("Miriam Katz", 10);
    assert!(s.contains("Yosef Dahan"), "{s}");
    tmux.keys(&["q"]);
    let s = tmux.wait("icanon", 10);
    assert!(s.contains("EXIT=0"), "{s}");
    let stty = s.lines().find(|l| l.contains("icanon")).unwrap_or_default();
    let flags: Vec<&str> = stty.split_whitespace().collect();
    assert!(flags.contains(&"icanon") && flags.contains(&"echo"), "{s}");
}
