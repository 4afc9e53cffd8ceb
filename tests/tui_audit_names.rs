//! Audit targets read as names where the viewer may read the record, and Enter on an entry
//! opens it (issue 13), for each role that reads the log: admin and auditor.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::Backend;
use kasefet::service::Request;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

/// The audit log filtered by `words`, as `user` sees it.
fn audit_filtered(world: &World, user: &str, words: &str) -> kasefet::tui::App {
    let mut app = world.app(user);
    press(&mut app, KeyCode::Char('6'));
    assert_eq!(app.screen(), "audit", "{}", render(&app, 120, 40));
    press(&mut app, KeyCode::Char('f'));
    typ(&mut app, words);
    press(&mut app, KeyCode::Enter);
    app
}

/// The table rows of the screen (lines inside the pane with a sequence number).
fn rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|l| {
            l.trim_start_matches('│')
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}

fn names_and_opens(user: &str) {
    let world = World::new();
    let mut app = audit_filtered(&world, user, "customer.create");
    let screen = render(&app, 120, 40);
    let listed = rows(&screen);
    assert_eq!(listed.len(), 4, "{screen}");
    for name in ["Noam Peretz", "山田 太郎", "דנה לוי", "Dana Cohen"] {
        assert!(listed.iter().any(|r| r.contains(name)), "{name}: {screen}");
    }
    assert!(!screen.contains("customer:"), "{screen}");
    // Newest first: Noam Peretz was created last.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "customers");
    let record = render(&app, 120, 40);
    assert!(record.contains("╭ Customer"), "{record}");
    assert!(record.contains("noam@peretz.test"), "{record}");

    let mut app = audit_filtered(&world, user, "task.create");
    let screen = render(&app, 120, 40);
    assert!(screen.contains("Review access rights"), "{screen}");
    assert!(screen.contains("Send the renewal offer"), "{screen}");
    assert!(!screen.contains("task:"), "{screen}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "tasks");
    let task = render(&app, 120, 40);
    assert!(task.contains("╭ Task"), "{task}");
    assert!(task.contains("no due date"), "{task}");

    let mut app = audit_filtered(&world, user, "employee.create");
    let screen = render(&app, 120, 40);
    assert!(screen.contains("Hila HR"), "{screen}");
    assert!(!screen.contains("employee:"), "{screen}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "employees");
    assert!(render(&app, 120, 40).contains("People partner"));
}

#[test]
fn the_admin_sees_names_and_enter_opens_the_record() {
    names_and_opens("ada");
}

#[test]
fn the_auditor_sees_names_and_enter_opens_the_record() {
    names_and_opens("avi");
}

#[test]
fn a_name_finds_its_entries() {
    let world = World::new();
    let app = audit_filtered(&world, "avi", "noam peretz");
    let screen = render(&app, 120, 40);
    let listed = rows(&screen);
    assert!(!listed.is_empty(), "{screen}");
    assert!(listed.iter().all(|r| r.contains("Noam Peretz")), "{screen}");
}

#[test]
fn a_record_nobody_may_read_any_more_keeps_its_id() {
    let world = World::new();
    let noam = world.customers["noam"];
    let mut admin = world.backend("ada");
    admin.call(Request::CustomerDelete { id: noam }).unwrap();
    admin.logout();
    for user in ["ada", "avi"] {
        let app = audit_filtered(&world, user, "customer.create");
        let screen = render(&app, 120, 40);
        assert!(screen.contains(&format!("customer:{noam}")), "{screen}");
        assert!(!screen.contains("Noam Peretz"), "{screen}");
        // Nor does its name find it.
        let app = audit_filtered(&world, user, "noam");
        assert!(rows(&render(&app, 120, 40)).is_empty());
    }
}

#[test]
fn a_customer_created_while_the_log_is_open_gets_its_name() {
    let world = World::new();
    let mut app = audit_filtered(&world, "avi", "customer.create");
    let mut maya = world.backend("maya");
    maya.call(Request::CustomerCreate {
        input: kasefet::domain::CustomerInput {
            name: "Yael Bar".into(),
            ..Default::default()
        },
    })
    .unwrap();
    world.clock.advance(30);
    app.tick();
    let screen = render(&app, 120, 40);
    assert!(screen.contains("Yael Bar"), "{screen}");
}

#[test]
fn the_audit_log_with_names_at_120_columns() {
    let world = World::new();
    let app = audit_filtered(&world, "avi", "create");
    let screen = render(&app, 120, 40);
    filtered().bind(|| insta::assert_snapshot!("auditor_audit_names_120x40", screen));
}
