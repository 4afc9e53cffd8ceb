//! On a customer record in the full-screen interface: `A` writes the subject access export
//! (admin, manager) to a new 0600 file and its plain text next to it; `E` erases (admin)
//! only when the customer's name is typed exactly. Other roles are told no.
#![allow(clippy::unwrap_used)]

mod tui_common;

use std::os::unix::fs::PermissionsExt;

use kasefet::client::Backend;
use kasefet::service::{Error, Request};
use kasefet::tui::App;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn open(app: &mut App, name: &str) {
    press(app, KeyCode::Char('2'));
    press(app, KeyCode::Char('/'));
    typ(app, name);
    press(app, KeyCode::Enter);
    press(app, KeyCode::Enter);
}

fn snap(app: &App, name: &str) {
    filtered().bind(|| {
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
        }
    });
}

#[test]
fn a_manager_writes_the_subject_export_to_private_files() {
    let world = World::new();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("dana.json");
    let mut app = world.app("maya");
    open(&mut app, "Dana Cohen");
    press(&mut app, KeyCode::Char('A'));
    let asked = render(&app, 120, 40);
    assert!(asked.contains("Subject access export"), "{asked}");
    snap(&app, "manager_subject_export");
    ctrl(&mut app, 'u');
    typ(&mut app, path.to_str().unwrap());
    press(&mut app, KeyCode::Enter);
    let done = render(&app, 120, 40);
    assert!(done.contains("Subject export written"), "{done}");
    let json = std::fs::read_to_string(&path).unwrap();
    assert!(json.contains("Dana Cohen") && json.contains("kasefet-subject-export/1"));
    let txt = out.path().join("dana.json.txt");
    assert!(
        std::fs::read_to_string(&txt)
            .unwrap()
            .contains("Everything Kasefet holds")
    );
    for p in [&path, &txt] {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
    // A second export to the same file is refused, and the first is left as it was.
    press(&mut app, KeyCode::Char('A'));
    ctrl(&mut app, 'u');
    typ(&mut app, path.to_str().unwrap());
    press(&mut app, KeyCode::Enter);
    assert!(render(&app, 120, 40).contains("exists already"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), json);
    // A folder that is not there: said plainly, nothing written.
    ctrl(&mut app, 'u');
    let nowhere = out.path().join("missing").join("x.json");
    typ(&mut app, nowhere.to_str().unwrap());
    press(&mut app, KeyCode::Enter);
    assert!(render(&app, 120, 40).contains("cannot write"));
    assert!(!nowhere.exists());
}

#[test]
fn staff_and_managers_are_told_what_they_may_not_do() {
    let world = World::new();
    let mut app = world.app("sam");
    open(&mut app, "Dana Cohen");
    press(&mut app, KeyCode::Char('A'));
    assert!(render(&app, 120, 40).contains("The staff role cannot export a customer's data."));
    let mut app = world.app("maya");
    open(&mut app, "Dana Cohen");
    press(&mut app, KeyCode::Char('E'));
    let shown = render(&app, 120, 40);
    assert!(
        shown.contains("The manager role cannot erase customers."),
        "{shown}"
    );
    assert!(!shown.contains("for good"), "{shown}");
}

#[test]
fn an_admin_erases_only_after_typing_the_name() {
    let world = World::new();
    let id = world.customers["noam"];
    let mut app = world.app("ada");
    open(&mut app, "Noam Peretz");
    press(&mut app, KeyCode::Char('E'));
    snap(&app, "admin_erase");
    typ(&mut app, "Noam");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "subject request");
    press(&mut app, KeyCode::Enter);
    let refused = render(&app, 120, 40);
    assert!(refused.contains("The name does not match"), "{refused}");
    let mut b = world.backend("ada");
    assert!(b.call(Request::CustomerGet { id, reveal: false }).is_ok());
    // Back to the name (its text is replaced by what is typed), in full this time.
    press(&mut app, KeyCode::BackTab);
    ctrl(&mut app, 'u');
    typ(&mut app, "Noam Peretz");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    let done = render(&app, 120, 40);
    assert!(done.contains("Erased;"), "{done}");
    let r = b.call(Request::CustomerGet { id, reveal: false });
    assert!(matches!(r, Err(Error::NotFound(_))), "{r:?}");
    assert!(
        done.contains("nothing here"),
        "the list no longer holds Noam: {done}"
    );
}
