//! A filter that drops the open record from the list closes it (issue 13: "the auditor's
//! detail pane keeps showing a record the filtered list no longer has"); one the list still
//! has stays open.
#![allow(clippy::unwrap_used)]

mod tui_common;

use ratatui::crossterm::event::KeyCode;
use tui_common::*;

/// The right-hand pane of a 120-column screen: the record or the preview.
fn pane(app: &kasefet::tui::App) -> String {
    render(app, 120, 40)
        .lines()
        .map(|l| l.chars().skip(66).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_auditors_customer_pane_follows_the_status_filter() {
    let world = World::new();
    let mut app = world.app("avi");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter);
    let open = pane(&app);
    assert!(open.contains("╭ Customer"), "{open}");
    assert!(open.contains("dana@cohen.test"), "{open}");
    // Leads only: Dana Cohen (active) is no longer listed, so her record closes.
    press(&mut app, KeyCode::Char('s'));
    let filtered = render(&app, 120, 40);
    assert!(filtered.contains("status lead"), "{filtered}");
    assert!(!filtered.contains("Dana Cohen"), "{filtered}");
    assert!(!filtered.contains("dana@cohen.test"), "{filtered}");
    assert!(pane(&app).contains("╭ Preview"), "{filtered}");
}

#[test]
fn a_record_the_filtered_list_still_has_stays_open() {
    let world = World::new();
    let mut app = world.app("avi");
    press(&mut app, KeyCode::Char('2'));
    // דנה לוי, the one lead.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert!(pane(&app).contains("levi@example.test"), "{}", pane(&app));
    press(&mut app, KeyCode::Char('s'));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("status lead"), "{screen}");
    assert!(pane(&app).contains("levi@example.test"), "{screen}");
    assert!(pane(&app).contains("╭ Customer"), "{screen}");
}

#[test]
fn the_auditors_task_pane_follows_the_view_filter() {
    let world = World::new();
    let mut app = world.app("avi");
    press(&mut app, KeyCode::Char('3'));
    // Everyone's tasks (an auditor has none of their own).
    press(&mut app, KeyCode::Char('m'));
    let list = render(&app, 120, 40);
    let row = list
        .lines()
        .filter(|l| l.contains("│"))
        .position(|l| l.contains("Review access r"))
        .expect(&list);
    let first = list
        .lines()
        .filter(|l| l.contains("│"))
        .position(|l| l.contains("Send the renewa"))
        .expect(&list);
    for _ in first..row {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    let open = pane(&app);
    assert!(open.contains("Review access rights"), "{open}");
    // Overdue only: a task with no due date is not overdue.
    press(&mut app, KeyCode::Char('f'));
    let overdue = render(&app, 120, 40);
    assert!(overdue.contains("Send the renewa"), "{overdue}");
    assert!(!overdue.contains("Review access r"), "{overdue}");
}
