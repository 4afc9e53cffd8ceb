//! In the full-screen interface a delete asks, and only `y` answers yes: Enter, the key
//! that moves through everything else, never confirms a destructive action.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::Backend;
use kasefet::privacy::RecordKind;
use kasefet::service::{CustomerFilter, Request, Response};
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn names(b: &mut kasefet::client::Local) -> Vec<String> {
    match b
        .call(Request::CustomerList {
            filter: CustomerFilter::default(),
        })
        .unwrap()
    {
        Response::Customers(list) => list.into_iter().map(|c| c.name).collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn enter_does_not_confirm_a_delete_and_y_moves_it_to_the_trash() {
    let world = World::new();
    let mut app = world.app("maya");
    let mut b = world.backend("maya");
    let before = names(&mut b);
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('d'));
    let asked = render(&app, 120, 40);
    assert!(asked.contains("Delete the customer"), "{asked}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(names(&mut b), before, "Enter deleted a customer");
    assert!(
        render(&app, 120, 40).contains("Delete the customer"),
        "the question stays open after Enter"
    );
    press(&mut app, KeyCode::Char('y'));
    let after = names(&mut b);
    assert_eq!(after.len() + 1, before.len());
    match b
        .call(Request::TrashList {
            kind: RecordKind::Customer,
        })
        .unwrap()
    {
        Response::Trash(items) => assert_eq!(items.len(), 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_shipped_keymap_never_binds_enter_to_yes() {
    let map = kasefet::tui::keymap::Keymap::defaults();
    let yes = map
        .keys_for(
            kasefet::tui::keymap::chain::CONFIRM,
            kasefet::tui::action::Action::Yes,
        )
        .unwrap_or_default();
    assert!(!yes.to_lowercase().contains("enter"), "{yes}");
    assert!(yes.contains('y'), "{yes}");
}
