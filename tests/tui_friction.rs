//! The friction bullets of issue 13 that had no key-driven test yet.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::Backend;
use kasefet::service::{Request, Response};
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn interactions(world: &World, key: &str) -> usize {
    let mut b = world.backend("ada");
    match b
        .call(Request::CustomerGet {
            id: world.customers[key],
            reveal: false,
        })
        .unwrap()
    {
        Response::Customer(c) => c.interactions.len(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn enter_past_the_last_field_of_the_interaction_form_does_not_log_it() {
    let world = World::new();
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('i'));
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "Left a voicemail");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Tab);
    let form = render(&app, 120, 40);
    assert!(form.contains("Log an interaction"), "{form}");
    assert_eq!(interactions(&world, "dana"), 1);
    ctrl(&mut app, 's');
    assert!(render(&app, 120, 40).contains("Logged the call"));
    assert_eq!(interactions(&world, "dana"), 2);
}

#[test]
fn a_revealed_private_note_keeps_a_space_after_its_label() {
    let world = World::new();
    let mut app = world.app("maya");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('e'));
    for _ in 0..40 {
        press(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "Prefers Spanish");
    ctrl(&mut app, 's');
    press(&mut app, KeyCode::Char('r'));
    let record = render(&app, 120, 40);
    assert!(record.contains("Private note Prefers Spanish"), "{record}");
    assert!(!record.contains("notePrefers"), "{record}");
}

#[test]
fn the_tasks_week_view_leaves_out_overdue_tasks() {
    let world = World::new();
    let mut app = world.app("maya");
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('m'));
    // open → overdue → due this week.
    press(&mut app, KeyCode::Char('f'));
    press(&mut app, KeyCode::Char('f'));
    let week = render(&app, 120, 40);
    assert!(week.contains("due this week"), "{week}");
    // Due two days ago: overdue, not this week's.
    assert!(!week.contains("Send the renewa"), "{week}");
    assert!(week.contains("Call back about"), "{week}");
    assert!(week.contains("Prepare the qua"), "{week}");
}

#[test]
fn home_and_backups_count_only_this_databases_backups() {
    let shared = tempfile::tempdir().unwrap();
    let folder = shared.path().join("backups");
    let with_folder = |s: &mut kasefet::service::Settings| {
        s.backup = Some(kasefet::backup::BackupConfig::new(folder.clone()));
    };
    let first = World::empty_with(with_folder);
    let taken = first.backup_now();
    let second = World::empty_with(with_folder);
    let mut app = second.app("ada");
    let home = render(&app, 120, 40);
    assert!(!home.contains(&taken), "{home}");
    press(&mut app, KeyCode::Char('7'));
    let backups = render(&app, 120, 40);
    assert!(
        backups.contains("No backup has been taken yet"),
        "{backups}"
    );
    assert!(!backups.contains(&taken), "{backups}");
    // And the first database's own screen lists it.
    let mut app = first.app("ada");
    press(&mut app, KeyCode::Char('7'));
    assert!(render(&app, 120, 40).contains(&taken));
}
