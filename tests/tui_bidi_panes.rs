//! `[display] bidi` beyond table cells (issue 13): the record and detail panes, titles,
//! Home, the status line and popups. Under `terminal` the text goes out in logical order;
//! under `reorder` every right-to-left run is in visual order and nothing is left logical.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::{Backend, Local};
use kasefet::config::Bidi;
use kasefet::service::Request;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

const LOGICAL: &str = "דנה לוי";
const VISUAL: &str = "יול הנד";

fn app(world: &World, mode: Bidi) -> kasefet::tui::App {
    let mut opts = world.options();
    opts.bidi = mode;
    opts.org = "חברת לוי".into();
    let mut app = kasefet::tui::App::sign_in(Box::new(Local::new(world.service.clone())), opts);
    world.sign_in(&mut app, "maya");
    app
}

/// Only one order of the Hebrew name on screen: the one `mode` sends.
fn one_order(screen: &str, mode: Bidi) {
    let (want, never) = match mode {
        Bidi::Terminal => (LOGICAL, VISUAL),
        Bidi::Reorder => (VISUAL, LOGICAL),
    };
    assert!(screen.contains(want), "{screen}");
    assert!(!screen.contains(never), "{screen}");
}

fn label(mode: Bidi) -> &'static str {
    match mode {
        Bidi::Terminal => "terminal",
        Bidi::Reorder => "reorder",
    }
}

/// The Hebrew customer's record: its pane, its title in the edit form, a question about it.
fn record(mode: Bidi) {
    let world = World::new();
    let mut app = app(&world, mode);
    let home = render(&app, 120, 40);
    one_order(&home, mode);
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let screen = render(&app, 120, 40);
    one_order(&screen, mode);
    match mode {
        Bidi::Terminal => assert!(screen.contains("Company      חברת לוי"), "{screen}"),
        Bidi::Reorder => assert!(screen.contains("Company      יול תרבח"), "{screen}"),
    }
    filtered().bind(|| {
        insta::assert_snapshot!(format!("bidi_{}_home", label(mode)), home);
        insta::assert_snapshot!(format!("bidi_{}_record", label(mode)), screen);
    });
    press(&mut app, KeyCode::Char('d'));
    let asked = render(&app, 120, 40);
    one_order(&asked, mode);
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Char('e'));
    let edit = render(&app, 120, 40);
    assert!(edit.contains("Edit"), "{edit}");
    one_order(&edit, mode);
}

#[test]
fn a_record_pane_in_terminal_order() {
    record(Bidi::Terminal);
}

#[test]
fn a_record_pane_reordered() {
    record(Bidi::Reorder);
}

/// A task for the Hebrew customer, open; then the status line naming the customer.
fn task_and_status(mode: Bidi) {
    let world = World::new();
    let mut app = app(&world, mode);
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let task = render(&app, 120, 40);
    assert!(task.contains("╭ Task"), "{task}");
    one_order(&task, mode);
    filtered().bind(|| insta::assert_snapshot!(format!("bidi_{}_task", label(mode)), task));

    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let mut admin = world.backend("ada");
    admin
        .call(Request::CustomerDelete {
            id: world.customers["hebrew"],
        })
        .unwrap();
    admin.logout();
    world.clock.advance(30);
    app.tick();
    let screen = render(&app, 120, 40);
    let status = screen.lines().last().unwrap_or_default().to_string();
    assert!(status.contains("was deleted by someone else"), "{screen}");
    one_order(&status, mode);
}

#[test]
fn a_task_and_the_status_line_in_terminal_order() {
    task_and_status(Bidi::Terminal);
}

#[test]
fn a_task_and_the_status_line_reordered() {
    task_and_status(Bidi::Reorder);
}
