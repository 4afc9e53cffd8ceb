//! The Trash and History views in the full-screen interface, driven by keys: `T` on
//! Customers lists deleted customers and `u` restores one (admin, manager; staff are told
//! no); `H` on a customer shows who changed which field (sensitive values masked for a role
//! that may not reveal them), `v` reverts after a `y` and never on Enter.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::{Backend, Local};
use kasefet::domain::CustomerSensitive;
use kasefet::privacy::RecordKind;
use kasefet::service::{Request, Response};
use kasefet::tui::App;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn snap(app: &App, name: &str) {
    filtered().bind(|| {
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
        }
    });
}

fn open(app: &mut App, name: &str) {
    press(app, KeyCode::Char('2'));
    press(app, KeyCode::Char('/'));
    typ(app, name);
    press(app, KeyCode::Enter);
    press(app, KeyCode::Enter);
}

fn get(b: &mut Local, id: u64) -> kasefet::domain::Customer {
    match b.call(Request::CustomerGet { id, reveal: true }).unwrap() {
        Response::Customer(c) => *c,
        other => panic!("{other:?}"),
    }
}

/// An admin changes Noam's tags and national id, so there is history to show.
fn change_noam(world: &World) -> (u64, u64) {
    let mut b = world.backend("ada");
    let id = world.customers["noam"];
    let c = get(&mut b, id);
    let before = c.stamp.version;
    let mut d = c.data.clone();
    d.tags = vec!["south".into()];
    d.sensitive = Some(CustomerSensitive {
        national_id: Some("987654321".into()),
        ..d.sensitive.clone().unwrap_or_default()
    });
    b.call(Request::CustomerUpdate {
        id,
        version: c.stamp.version,
        input: d,
    })
    .unwrap();
    (id, before)
}

#[test]
fn an_admin_restores_a_deleted_customer_from_the_trash_view() {
    let world = World::new();
    let mut b = world.backend("ada");
    b.call(Request::CustomerDelete {
        id: world.customers["noam"],
    })
    .unwrap();
    let mut app = world.app("ada");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('T'));
    let shown = render(&app, 120, 40);
    assert!(
        shown.contains("Trash · 1 customers") && shown.contains("Noam Peretz"),
        "{shown}"
    );
    snap(&app, "admin_trash");
    press(&mut app, KeyCode::Char('?'));
    let help = render(&app, 120, 40);
    assert!(help.contains("bring the highlighted record back"), "{help}");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('u'));
    let after = render(&app, 120, 40);
    assert!(after.contains("The customer trash is empty."), "{after}");
    assert!(
        after.contains("Noam Peretz is back with its timeline"),
        "{after}"
    );
    match b
        .call(Request::TrashList {
            kind: RecordKind::Customer,
        })
        .unwrap()
    {
        Response::Trash(items) => assert!(items.is_empty()),
        other => panic!("{other:?}"),
    }
    press(&mut app, KeyCode::Esc);
    assert!(render(&app, 120, 40).contains("Noam Peretz"));
}

#[test]
fn staff_are_told_the_trash_is_not_theirs() {
    let world = World::new();
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('T'));
    let shown = render(&app, 120, 40);
    assert!(!shown.contains("Trash ·"), "{shown}");
    assert!(
        shown.contains("The staff role cannot open the customer trash."),
        "{shown}"
    );
    press(&mut app, KeyCode::Char('?'));
    assert!(!render(&app, 120, 40).contains("the trash: deleted customers"));
}

#[test]
fn history_masks_sensitive_changes_for_a_role_that_may_not_reveal_them() {
    let world = World::new();
    change_noam(&world);
    // Sam (staff) does not own Noam: the national id change reads as a mask.
    let mut app = world.app("sam");
    open(&mut app, "Noam Peretz");
    press(&mut app, KeyCode::Char('H'));
    let shown = render(&app, 120, 40);
    assert!(shown.contains("History · Noam Peretz"), "{shown}");
    assert!(shown.contains("north → south"), "{shown}");
    assert!(shown.contains("national id"), "{shown}");
    assert!(!shown.contains("987654321"), "{shown}");
    snap(&app, "staff_history");
    // Not theirs to revert, and they are told so.
    press(&mut app, KeyCode::Char('v'));
    let told = render(&app, 120, 40);
    assert!(
        told.contains("Only whoever may edit this customer can revert it."),
        "{told}"
    );

    let mut app = world.app("maya");
    open(&mut app, "Noam Peretz");
    press(&mut app, KeyCode::Char('H'));
    let shown = render(&app, 120, 40);
    assert!(shown.contains("012345678 → 987654321"), "{shown}");
    snap(&app, "manager_history");
}

#[test]
fn revert_asks_and_only_y_sets_the_fields_back() {
    let world = World::new();
    let (id, before) = change_noam(&world);
    let mut b = world.backend("ada");
    let changed = get(&mut b, id);
    let mut app = world.app("maya");
    open(&mut app, "Noam Peretz");
    press(&mut app, KeyCode::Char('H'));
    // The oldest entry is the record as created: go there and ask to revert to it.
    press(&mut app, KeyCode::Char('G'));
    press(&mut app, KeyCode::Char('v'));
    let asked = render(&app, 120, 40);
    assert!(asked.contains("Revert customer"), "{asked}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        get(&mut b, id).stamp.version,
        changed.stamp.version,
        "Enter reverted"
    );
    press(&mut app, KeyCode::Char('y'));
    let now = get(&mut b, id);
    assert_eq!(now.data.tags, vec!["north".to_string()]);
    assert_eq!(
        now.data.sensitive.and_then(|s| s.national_id).as_deref(),
        Some("012345678")
    );
    assert_eq!(now.stamp.version, changed.stamp.version + 1);
    assert!(before < changed.stamp.version);
    assert!(render(&app, 120, 40).contains("Set back to version"));
}

fn first_id(b: &mut Local, req: Request) -> (u64, String) {
    match b.call(req).unwrap() {
        Response::Tasks(t) => (t[0].id, t[0].data.title.clone()),
        Response::Employees(e) => (e[0].id, e[0].data.name.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn tasks_and_employees_have_their_trash_too_for_those_who_may_restore() {
    let world = World::new();
    // Sam's own task, deleted by Sam.
    let mut sam = world.backend("sam");
    let (task, title) = first_id(
        &mut sam,
        Request::TaskList {
            filter: Default::default(),
        },
    );
    sam.call(Request::TaskDelete { id: task }).unwrap();
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('T'));
    let shown = render(&app, 120, 40);
    assert!(
        shown.contains("Trash · 1 tasks") && shown.contains(&title),
        "{shown}"
    );
    press(&mut app, KeyCode::Char('u'));
    assert!(render(&app, 120, 40).contains("The task trash is empty."));
    assert!(sam.call(Request::TaskGet { id: task }).is_ok());

    let mut hila = world.backend("hila");
    let (emp, name) = first_id(&mut hila, Request::EmployeeList);
    hila.call(Request::EmployeeDelete { id: emp }).unwrap();
    let mut app = world.app("hila");
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('T'));
    let shown = render(&app, 120, 40);
    assert!(
        shown.contains("Trash · 1 employees") && shown.contains(&name),
        "{shown}"
    );
    press(&mut app, KeyCode::Char('u'));
    assert!(
        hila.call(Request::EmployeeGet {
            id: emp,
            reveal: false
        })
        .is_ok()
    );

    // Staff may not restore employees; auditors restore no tasks.
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('T'));
    assert!(render(&app, 120, 40).contains("The staff role cannot open the employee trash."));
    let mut app = world.app("avi");
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('T'));
    assert!(render(&app, 120, 40).contains("The auditor role cannot open the task trash."));
}
