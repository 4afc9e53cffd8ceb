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

#[test]
fn staff_log_a_call_on_a_colleagues_customer_from_the_record() {
    let world = World::new();
    let mut app = world.app("sam");
    // Noam is Maya's customer, not Sam's.
    let text = open_dana_like(&mut app, "Noam Peretz");
    assert!(text.contains("Noam Peretz"), "{text}");
    press(&mut app, KeyCode::Char('i'));
    assert!(render(&app, 120, 40).contains("Log an interaction"));
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "Covered for Maya: asked about delivery");
    press(&mut app, KeyCode::Enter);
    let mut b = world.backend("ada");
    let c = match b
        .call(Request::CustomerGet {
            id: world.customers["noam"],
            reveal: false,
        })
        .unwrap()
    {
        kasefet::service::Response::Customer(c) => c,
        other => panic!("{other:?}"),
    };
    let last = c.interactions.last().expect("the call was logged");
    assert_eq!(last.text, "Covered for Maya: asked about delivery");
    let shown = render(&app, 120, 40);
    assert!(shown.contains("Covered for Maya"), "{shown}");
}

fn open_dana_like(app: &mut kasefet::tui::App, name: &str) -> String {
    press(app, KeyCode::Char('2'));
    press(app, KeyCode::Char('/'));
    typ(app, name);
    press(app, KeyCode::Enter);
    press(app, KeyCode::Enter);
    render(app, 120, 40)
}
