//! The TUI against a real `kasefet serve` that is stopped and started again (issue 13,
//! bug 5): it connects again by itself, says the server restarted, asks for the sign-in
//! again, and the form being edited is still there to save.
#![allow(clippy::unwrap_used)]

mod common;
mod tui_common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kasefet::auth::totp::TotpSecret;
use kasefet::client::remote::Remote;
use kasefet::service::Clock;
use kasefet::tui::App;
use ratatui::crossterm::event::KeyCode;
use tui_common::{ctrl, options, press, render, typ};

/// The server, stopped however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(dir)
        .args(["--data-dir", "db", "--config", "kasefet.toml"])
        .args(["--socket", "k.sock", "serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let t = Instant::now();
    while Remote::connect(&dir.join("k.sock")).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn stop(mut server: Server) {
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(server.0.id() as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    server.0.wait().unwrap();
}

/// A code for `steps` steps from now (the server takes one step either side, once).
fn code(secret: &TotpSecret, steps: i64) -> String {
    let now = jiff::Timestamp::now().as_second() + 30 * steps;
    secret.code_at(now as u64)
}

#[test]
fn the_tui_signs_in_again_after_the_server_restarts_and_keeps_the_form() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let dana = common::init_with_binary(dir, "");
    let server = serve(dir);

    let remote = Remote::connect(&dir.join("k.sock")).unwrap();
    let mut app = App::sign_in(Box::new(remote), options(&Clock::System));
    typ(&mut app, "dana");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, common::PASSWORD);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, &code(&dana, -1));
    press(&mut app, KeyCode::Enter);
    // The shipped security policy, accepted.
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "home", "{}", render(&app, 120, 40));
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "Rivka Katz");

    stop(server);
    // While it is away: a plain message, and nothing about the backups.
    ctrl(&mut app, 's');
    let away = render(&app, 120, 40);
    assert!(away.contains("stopped answering"), "{away}");
    assert!(!away.contains("backup failing"), "{away}");
    assert!(away.contains("Rivka Katz"), "the form is kept\n{away}");

    let server = serve(dir);
    ctrl(&mut app, 's');
    let asked = render(&app, 120, 40);
    assert_eq!(app.screen(), "locked", "{asked}");
    assert!(asked.contains("server restarted"), "{asked}");
    assert!(
        !asked.contains("Rivka Katz"),
        "nothing shows behind it\n{asked}"
    );
    assert!(!asked.contains("backup failing"), "{asked}");

    // A wrong password is said and asked again; then password and a fresh code.
    typ(&mut app, "not the password at all");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, &code(&dana, 0));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "locked", "{}", render(&app, 120, 40));
    assert!(render(&app, 120, 40).contains("not right"));
    typ(&mut app, common::PASSWORD);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, &code(&dana, 1));
    press(&mut app, KeyCode::Enter);
    let back = render(&app, 120, 40);
    assert_eq!(app.screen(), "customers", "{back}");
    assert!(back.contains("Rivka Katz"), "the form is as it was\n{back}");
    ctrl(&mut app, 's');
    let saved = render(&app, 120, 40);
    assert!(!saved.contains("stopped answering"), "{saved}");
    // The list is the restarted server's answer: the customer reached it.
    press(&mut app, KeyCode::Esc);
    let list = render(&app, 120, 40);
    assert!(list.contains("Rivka Katz"), "{saved}\n{list}");
    drop(app);
    stop(server);
}
