//! The customer record in the full-screen interface: its linked tasks and how its consent
//! was recorded.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::Backend;
use kasefet::privacy::consent::Method;
use kasefet::service::Request;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn open_dana(app: &mut kasefet::tui::App) -> String {
    press(app, KeyCode::Char('2'));
    press(app, KeyCode::Char('/'));
    typ(app, "Dana Cohen");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Enter);
    render(app, 120, 40)
}

#[test]
fn the_record_says_how_consent_was_recorded_and_lists_its_tasks() {
    let world = World::new();
    let mut b = world.backend("ada");
    b.call(Request::CustomerConsent {
        id: world.customers["dana"],
        given: true,
        how: Method::Phone,
        date: None,
    })
    .unwrap();
    let mut app = world.app("maya");
    let text = open_dana(&mut app);
    let line = text.lines().find(|l| l.contains("Consent")).unwrap();
    assert!(
        line.contains("yes since") && line.contains("· by phone"),
        "{text}"
    );
    assert!(text.contains("Tasks (1)"), "{text}");

    b.call(Request::CustomerConsent {
        id: world.customers["dana"],
        given: false,
        how: Method::Email,
        date: None,
    })
    .unwrap();
    let mut app = world.app("maya");
    let text = open_dana(&mut app);
    let line = text.lines().find(|l| l.contains("Consent")).unwrap();
    assert!(line.contains("no · withdrawn by email"), "{text}");
}
