//! The duplicate question in the customer form: an email or phone another customer has
//! (in any spelling of it) stops the save and names who; `n` goes back to the form with
//! nothing lost, `y` saves. Editing a customer does not count itself.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::Backend;
use kasefet::service::{CustomerFilter, Request, Response};
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn names(w: &World) -> Vec<String> {
    let mut b = w.backend("ada");
    let list = match b
        .call(Request::CustomerList {
            filter: CustomerFilter::default(),
        })
        .unwrap()
    {
        Response::Customers(c) => c.into_iter().map(|c| c.name).collect(),
        other => panic!("{other:?}"),
    };
    b.logout();
    list
}

#[test]
fn a_new_customer_with_anothers_phone_is_saved_only_after_a_yes() {
    let w = World::new();
    let mut app = w.app("maya");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "Noam P.");
    press(&mut app, KeyCode::Enter); // kind
    press(&mut app, KeyCode::Enter); // company
    press(&mut app, KeyCode::Enter); // emails
    press(&mut app, KeyCode::Enter); // phones
    // Noam Peretz has 052-765-4321: the international form is the same number.
    typ(&mut app, "+972 52 765 4321");
    ctrl(&mut app, 's');
    let s = render(&app, 120, 40);
    assert!(s.contains("Possible duplicate"), "{s}");
    assert!(s.contains("Noam Peretz") && s.contains("same phone"), "{s}");
    filtered().bind(|| insta::assert_snapshot!("manager_customer_duplicate_120x40", s));
    assert!(!names(&w).contains(&"Noam P.".to_string()));

    // Enter is not a yes; `n` keeps the form as typed.
    press(&mut app, KeyCode::Enter);
    assert!(render(&app, 120, 40).contains("Possible duplicate"));
    typ(&mut app, "n");
    let s = render(&app, 120, 40);
    assert!(!s.contains("Possible duplicate"), "{s}");
    assert!(
        s.contains("+972 52 765 4321") && s.contains("Noam P."),
        "{s}"
    );
    assert!(!names(&w).contains(&"Noam P.".to_string()));

    ctrl(&mut app, 's');
    typ(&mut app, "y");
    let s = render(&app, 120, 40);
    assert!(!s.contains("Possible duplicate"), "{s}");
    assert!(names(&w).contains(&"Noam P.".to_string()), "{s}");

    // Editing the new one asks again (Noam Peretz still has the number); its own number
    // alone would not.
    let before = names(&w).len();
    press(&mut app, KeyCode::Char('e'));
    ctrl(&mut app, 's');
    assert!(render(&app, 120, 40).contains("Possible duplicate"));
    typ(&mut app, "y");
    assert_eq!(names(&w).len(), before);
}

#[test]
fn a_case_changed_email_is_caught_and_an_unrelated_edit_is_not_asked() {
    let w = World::new();
    let mut app = w.app("ada");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "D. Cohen");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, " Dana@Cohen.TEST ");
    ctrl(&mut app, 's');
    let s = render(&app, 120, 40);
    assert!(s.contains("Dana Cohen") && s.contains("same email"), "{s}");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    // Dana Cohen herself, edited: her own email and phone are no duplicate.
    press(&mut app, KeyCode::Char('/'));
    typ(&mut app, "Dana Cohen");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('e'));
    ctrl(&mut app, 's');
    let s = render(&app, 120, 40);
    assert!(!s.contains("Possible duplicate"), "{s}");
    assert!(s.contains("Saved"), "{s}");
}
