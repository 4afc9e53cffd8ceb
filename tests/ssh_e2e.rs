//! Staff over SSH: a real `sshd` on 127.0.0.1 whose ForceCommand is Kasefet, reached with a
//! real `ssh` inside tmux: the sign-in screen, a signed-in home screen, a clean exit.
//! Skipped, saying why, where sshd, ssh or tmux cannot run (`.ci/run` installs them).
#![allow(clippy::unwrap_used)]

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PW: &str = "correct horse battery staple 42";

fn have(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn tmux(sock: &Path, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .arg("-S")
        .arg(sock)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_for(sock: &Path, what: &str, secs: u64) -> Result<String, String> {
    let start = Instant::now();
    loop {
        let s = tmux(sock, &["capture-pane", "-p", "-t", "ssh"]);
        if s.contains(what) {
            return Ok(s);
        }
        if start.elapsed() > Duration::from_secs(secs) {
            return Err(s);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Sshd(Child);
impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn staff_reach_kasefet_through_sshd_with_a_forcecommand() {
    let sshd = ["/usr/sbin/sshd", "/usr/bin/sshd"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let (Some(sshd), true, true) = (sshd, have("ssh", "-V"), have("tmux", "-V")) else {
        eprintln!(
            "SKIPPED staff_reach_kasefet_through_sshd_with_a_forcecommand: needs sshd, ssh and tmux (`.ci/run` installs openssh-server and tmux)"
        );
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let bin = env!("CARGO_BIN_EXE_kasefet");
    let secret = common::init_with_binary(d, "");

    for (key, kind) in [("host_key", "ed25519"), ("user_key", "ed25519")] {
        let ok = Command::new("ssh-keygen")
            .args(["-q", "-t", kind, "-N", "", "-f"])
            .arg(d.join(key))
            .status()
            .unwrap();
        assert!(ok.success());
    }
    std::fs::copy(d.join("user_key.pub"), d.join("authorized_keys")).unwrap();
    let _ = std::fs::create_dir_all("/run/sshd");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let user = std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            let out = Command::new("id").arg("-un").output().unwrap();
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        });
    let force = format!(
        "{bin} --config {} --data-dir {}",
        d.join("kasefet.toml").display(),
        d.join("db").display()
    );
    let conf = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {pid}\nAuthorizedKeysFile {ak}\n\
         StrictModes no\nUsePAM no\nPermitRootLogin yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
         PubkeyAuthentication yes\nAllowUsers {user}\nForceCommand {force}\nPermitTTY yes\nDisableForwarding yes\n\
         X11Forwarding no\nPermitUserRC no\nLogLevel ERROR\n",
        hk = d.join("host_key").display(),
        pid = d.join("sshd.pid").display(),
        ak = d.join("authorized_keys").display(),
    );
    std::fs::write(d.join("sshd_config"), conf).unwrap();
    let check = Command::new(sshd)
        .arg("-t")
        .arg("-f")
        .arg(d.join("sshd_config"))
        .output()
        .unwrap();
    if !check.status.success() {
        eprintln!(
            "SKIPPED: sshd refuses the test config here: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        return;
    }
    let server = Sshd(
        Command::new(sshd)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(d.join("sshd_config"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(10) {
            eprintln!("SKIPPED: sshd did not start listening on 127.0.0.1:{port}");
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    let sock = d.join("tmux.sock");
    let ssh = format!(
        "ssh -tt -p {port} -i {key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes {user}@127.0.0.1 ignored-by-forcecommand; echo SSH_EXIT=$?; sleep 60",
        key = d.join("user_key").display()
    );
    tmux(
        &sock,
        &[
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
            "-s",
            "ssh",
            &ssh,
        ],
    );
    let signin = wait_for(&sock, "Username", 20);
    let _guard = server;
    let screen = match signin {
        Ok(s) => s,
        Err(s) => {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(&sock)
                .arg("kill-server")
                .output();
            panic!("no sign-in screen over ssh; the terminal shows:\n{s}");
        }
    };
    assert!(screen.contains("Password"), "{screen}");
    let keys = |text: &str, enter: bool| {
        tmux(&sock, &["send-keys", "-t", "ssh", "-l", text]);
        std::thread::sleep(Duration::from_millis(150));
        if enter {
            tmux(&sock, &["send-keys", "-t", "ssh", "Enter"]);
            std::thread::sleep(Duration::from_millis(150));
        }
    };
    keys("dana", true);
    keys(PW, true);
    keys(
        &secret.code_at(jiff::Timestamp::now().as_second() as u64),
        true,
    );
    // The first admin has not accepted the security policy yet: it comes first.
    if wait_for(&sock, "Security policy", 20).is_ok() {
        tmux(&sock, &["send-keys", "-t", "ssh", "Space"]);
        std::thread::sleep(Duration::from_millis(150));
        tmux(&sock, &["send-keys", "-t", "ssh", "Enter"]);
    }
    // The status line names who is signed in; waiting for it (not just the tab bar) avoids
    // reading a half-drawn first frame on a busy machine.
    let home = wait_for(&sock, "dana · admin", 20);
    let quit = home.as_ref().ok().map(|_| {
        tmux(&sock, &["send-keys", "-t", "ssh", "q"]);
        wait_for(&sock, "SSH_EXIT=", 20)
    });
    let _ = Command::new("tmux")
        .arg("-S")
        .arg(&sock)
        .arg("kill-server")
        .output();
    let home = home.unwrap_or_else(|s| panic!("not signed in over ssh; the terminal shows:\n{s}"));
    assert!(home.contains("1 Home"), "{home}");
    let end = quit
        .unwrap()
        .unwrap_or_else(|s| panic!("kasefet did not exit over ssh:\n{s}"));
    assert!(end.contains("SSH_EXIT=0"), "{end}");
}
