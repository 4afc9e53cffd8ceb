//! Keystroke-to-results time in the customer search with 100,000 customers: each key goes
//! through the app (keymap, screen, `Request::CustomerSearch` on a real `Service`) and the
//! frame is drawn, as in the terminal. The target is 50 ms.
//!
//! `cargo bench --bench tui_search` (set `TUI_BENCH_CUSTOMERS` for another count).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use kasefet::auth::totp::TotpSecret;
use kasefet::client::{Backend, Local};
use kasefet::crypto::{KdfParams, Password};
use kasefet::domain::CustomerInput;
use kasefet::service::{Clock, NewAdmin, Request, Service, Settings};
use kasefet::tui::theme::Theme;
use kasefet::tui::{App, Options};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

const PASSWORD: &str = "plum quartz ferry lantern 42";
const FIRST: [&str; 16] = [
    "Dana", "Noam", "Yael", "Omer", "Maya", "Itai", "Tamar", "Eitan", "Noa", "Amit", "Shira",
    "Yossi", "Lior", "Rina", "Avi", "Hila",
];
const LAST: [&str; 16] = [
    "Cohen",
    "Levi",
    "Mizrahi",
    "Peretz",
    "Biton",
    "Dahan",
    "Friedman",
    "Katz",
    "Azoulay",
    "Malka",
    "Ohana",
    "Shapiro",
    "Gabay",
    "Klein",
    "Avraham",
    "Ben-David",
];

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent {
        code: c,
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    }
}

fn stats(name: &str, mut v: Vec<Duration>) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = v[v.len() / 2];
    let p95 = v[(v.len() * 95 / 100).min(v.len() - 1)];
    println!(
        "{name:<38} n={:<3} min {:>7.2} ms  median {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms",
        v.len(),
        ms(v[0]),
        ms(median),
        ms(p95),
        ms(v[v.len() - 1])
    );
}

fn main() {
    let n: usize = std::env::var("TUI_BENCH_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(1_772_442_000);
    let settings = Settings {
        kdf: KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        idle_lock_secs: 24 * 3600,
        // No security policy to accept first: the bench measures the search, from Home.
        policy_version: String::new(),
        ..Settings::default()
    };
    let totp = TotpSecret::generate().unwrap();
    let pw = Password::new(PASSWORD);
    let (service, _key) = Service::init(
        &dir.path().join("data"),
        settings,
        clock.clone(),
        NewAdmin {
            username: "ada",
            display_name: "Ada Admin",
            password: &pw,
            totp: &totp,
            recovery_codes: None,
        },
    )
    .unwrap();
    let service = Arc::new(service);
    let mut seed = Local::new(service.clone());
    seed.login("ada", &pw, &totp.code_at(clock.now() as u64))
        .unwrap();
    let t = Instant::now();
    // In batches, as an import writes them: one durable commit per customer would take
    // longer than the rest of the bench at a million.
    let mut batch = Vec::with_capacity(5000);
    for i in 0..n {
        let name = format!("{} {} {i}", FIRST[i % 16], LAST[(i / 16) % 16]);
        let input = CustomerInput {
            name,
            company: Some(format!("{} Ltd", LAST[(i / 7) % 16])),
            emails: vec![format!("c{i}@example.test")],
            phones: vec![format!(
                "05{} {:03} {:04}",
                i % 10,
                (i / 10) % 1000,
                i % 10_000
            )],
            tags: vec![["vip", "north", "south", "export"][i % 4].into()],
            ..Default::default()
        };
        batch.push(input);
        if batch.len() == 5000 || i + 1 == n {
            seed.call(Request::CustomerImport {
                inputs: std::mem::take(&mut batch),
                dry_run: false,
            })
            .unwrap();
        }
    }
    println!(
        "created {n} customers in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // The app signed in, on the Customers tab, with the search box open.
    let mut opts = Options::new(clock.clone());
    opts.theme = Theme::plain();
    opts.idle_secs = 24 * 3600;
    let mut app = App::sign_in(Box::new(Local::new(service.clone())), opts);
    clock.advance(30);
    let code = totp.code_at(clock.now() as u64);
    for text in ["ada", "\n", PASSWORD, "\n", code.as_str(), "\n"] {
        for c in text.chars() {
            app.key(key(if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            }));
        }
    }
    // The sign-in runs on the tick after the frame that says "Signing in…".
    while app.busy() {
        app.tick();
    }
    assert_eq!(app.screen(), "home");
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut step = |app: &mut App, k: KeyEvent| {
        let t = Instant::now();
        app.key(k);
        term.draw(|f| app.draw(f)).unwrap();
        t.elapsed()
    };
    let mut open = Vec::new();
    let mut home = Vec::new();
    for _ in 0..5 {
        open.push(step(&mut app, key(KeyCode::Char('2'))));
        home.push(step(&mut app, key(KeyCode::Char('1'))));
    }
    step(&mut app, key(KeyCode::Char('2')));
    step(&mut app, key(KeyCode::Char('/')));

    let mut typing = Vec::new();
    let mut deleting = Vec::new();
    for _ in 0..5 {
        for word in ["cohen", "yael mizrahi", "050-12", "c4242@", "zzz"] {
            for c in word.chars() {
                typing.push(step(&mut app, key(KeyCode::Char(c))));
            }
            for _ in word.chars() {
                deleting.push(step(&mut app, key(KeyCode::Backspace)));
            }
        }
    }
    assert_eq!(app.screen(), "customers");
    println!("keystroke → results drawn, 120×40, {n} customers:");
    stats("type a letter (search as you type)", typing);
    stats("backspace (search again)", deleting);
    stats("open the Customers tab (full list)", open);
    stats("open Home (tasks, recent, charts)", home);
}
