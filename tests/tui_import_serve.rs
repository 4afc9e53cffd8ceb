//! The import screen over a real `kasefet serve` with a file past the 4 MiB request cap:
//! the rows go in parts, the bar moves part by part, and the server writes them in one
//! commit. A file of junk bytes and a folder are said plainly.
#![allow(clippy::unwrap_used)]

mod common;
mod tui_common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kasefet::client::Backend;
use kasefet::client::remote::Remote;
use kasefet::crypto::Password;
use kasefet::service::{Clock, CustomerFilter, Request, Response};
use kasefet::tui::App;
use ratatui::crossterm::event::KeyCode;
use tui_common::{ctrl, options, press, render, typ};

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
        assert!(t.elapsed() < Duration::from_secs(10), "no server");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn code(secret: &kasefet::auth::totp::TotpSecret, steps: i64) -> String {
    secret.code_at((jiff::Timestamp::now().as_second() + 30 * steps) as u64)
}

#[test]
fn a_big_file_goes_in_parts_with_a_moving_bar_and_lands_in_one_commit() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let dana = common::init_with_binary(dir, "");
    let _server = serve(dir);
    let n = 20_000;
    let mut csv = String::from("Name,Email,City,Notes\n");
    for i in 0..n {
        csv.push_str(&format!(
            "Person {i},p{i}@example.org,Haifa,{}\n",
            "Asked for the catalogue and a visit after the holidays. ".repeat(5)
        ));
    }
    assert!(csv.len() > 6 * 1024 * 1024, "{}", csv.len());
    std::fs::write(dir.join("big.csv"), &csv).unwrap();
    std::fs::write(
        dir.join("junk.csv"),
        [0xffu8, 0x00, 0x1b, 0x9b, 0xfe, 0x0a, 0x00],
    )
    .unwrap();

    let remote = Remote::connect(&dir.join("k.sock")).unwrap();
    let mut app = App::sign_in(Box::new(remote), options(&Clock::System));
    typ(&mut app, "dana");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, common::PASSWORD);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, &code(&dana, -1));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "home", "{}", render(&app, 120, 40));
    press(&mut app, KeyCode::Char('2'));
    typ(&mut app, "I");
    typ(&mut app, "n");

    // A folder, then junk: said, nothing else happens.
    typ(&mut app, &dir.display().to_string());
    ctrl(&mut app, 's');
    let s = render(&app, 120, 40);
    assert!(s.contains("is a folder"), "{s}");
    for _ in 0..dir.display().to_string().chars().count() {
        press(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, &dir.join("junk.csv").display().to_string());
    ctrl(&mut app, 's');
    let s = render(&app, 120, 40);
    assert!(!s.contains('\u{1b}') && !s.contains('\u{9b}'), "{s:?}");
    // Junk reads as a CSV whose one column is kept out: nothing to import, said so.
    assert!(s.contains("junk.csv") && s.contains("not imported"), "{s}");
    press(&mut app, KeyCode::Esc);
    assert!(render(&app, 120, 40).contains("which file"));

    // The big one.
    let typed = dir.join("big.csv").display().to_string();
    for _ in 0..200 {
        press(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, &typed);
    ctrl(&mut app, 's');
    let s = render(&app, 120, 40);
    assert!(s.contains(&format!("{n} rows read")), "{s}");
    typ(&mut app, "c");
    let mut shown = Vec::new();
    while app.busy() {
        let s = render(&app, 120, 40);
        if let Some(l) = s.lines().find(|l| l.contains("Sending rows:")) {
            shown.push(l.trim_matches(|c| c == '│' || c == ' ').to_string());
        }
        app.tick();
    }
    assert!(
        shown.len() >= 3,
        "begin and at least two more parts: {shown:?}"
    );
    assert!(shown.iter().any(|l| !l.contains(": 0 of")), "{shown:?}");
    let s = render(&app, 120, 40);
    assert!(s.contains(&format!("would create {n}")), "{s}");
    typ(&mut app, "i");
    typ(&mut app, "y");
    while app.busy() {
        app.tick();
    }
    let s = render(&app, 120, 40);
    assert!(s.contains(&format!("created {n}")), "{s}");

    let mut r = Remote::connect(&dir.join("k.sock")).unwrap();
    r.login("dana", &Password::new(common::PASSWORD), &code(&dana, 0))
        .unwrap();
    let Response::Customers(list) = r
        .call(Request::CustomerList {
            filter: CustomerFilter::default(),
        })
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(list.len(), n);
}
