//! Sensitive fields in the customer forms (issue 13): the edit form loads them for a role
//! that may see them (an audited reveal, as `r` is), the new-customer form offers them, and
//! a role that may not never sees or sends them.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::{Backend, Local};
use kasefet::domain::{Customer, Id};
use kasefet::service::{Request, Response};
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn revealed(b: &mut Local, id: Id) -> Customer {
    match b.call(Request::CustomerGet { id, reveal: true }).unwrap() {
        Response::Customer(c) => *c,
        other => panic!("{other:?}"),
    }
}

/// Audit entries `action` on `target`, by `who`.
fn audited(world: &World, who: &str, action: &str, target: &str) -> usize {
    let mut admin = world.backend("ada");
    match admin
        .call(Request::AuditList {
            offset: 0,
            limit: 1000,
        })
        .unwrap()
    {
        Response::Audit(list) => list
            .iter()
            .filter(|e| {
                e.action == action
                    && e.target == target
                    && e.username.as_deref() == Some(who)
                    && e.outcome == kasefet::domain::Outcome::Ok
            })
            .count(),
        other => panic!("{other:?}"),
    }
}

/// The value shown in the form row labelled `label`.
fn form_row(app: &kasefet::tui::App, label: &str) -> String {
    render(app, 120, 40)
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_managers_edit_form_loads_the_sensitive_fields_with_an_audited_reveal() {
    let world = World::new();
    let dana = world.customers["dana"];
    let target = format!("customer:{dana}");
    let mut app = world.app("maya");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('e'));
    assert!(
        form_row(&app, "National id").contains("012345678"),
        "{}",
        render(&app, 120, 40)
    );
    assert!(form_row(&app, "Card last four").contains("4242"));
    assert_eq!(audited(&world, "maya", "customer.reveal", &target), 1);
    // The last field is the private notes: written, saved, and the rest kept.
    for _ in 0..40 {
        press(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "Prefers Spanish");
    ctrl(&mut app, 's');
    assert!(render(&app, 120, 40).contains("Saved"));
    let c = revealed(&mut world.backend("ada"), dana);
    let s = c.data.sensitive.unwrap();
    assert_eq!(s.private_notes.as_deref(), Some("Prefers Spanish"));
    assert_eq!(s.national_id.as_deref(), Some("012345678"));
    assert_eq!(s.payment_last4.as_deref(), Some("4242"));
    // Saving does not show them in the record: that still takes `r`.
    let record = render(&app, 120, 40);
    assert!(!record.contains("012345678"), "{record}");
    assert!(!record.contains("Prefers Spanish"), "{record}");
}

#[test]
fn staff_get_their_own_customers_sensitive_fields_in_the_edit_form() {
    let world = World::new();
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('2'));
    // Dana Cohen is sam's.
    press(&mut app, KeyCode::Char('e'));
    assert!(form_row(&app, "National id").contains("012345678"));
}

#[test]
fn the_new_customer_form_offers_the_sensitive_fields() {
    let world = World::new();
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "Rivka Stern");
    let form = render(&app, 120, 40);
    assert!(form.contains("National id"), "{form}");
    assert!(form.contains("Card last four"), "{form}");
    for _ in 0..40 {
        press(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "Allergic to cats");
    // Card last four sits just above the notes.
    press(&mut app, KeyCode::BackTab);
    typ(&mut app, "9876");
    ctrl(&mut app, 's');
    assert!(
        render(&app, 120, 40).contains("Customer created"),
        "{}",
        render(&app, 120, 40)
    );
    let mut sam = world.backend("sam");
    let id = match sam
        .call(Request::CustomerSearch {
            query: "Rivka".into(),
            limit: 5,
        })
        .unwrap()
    {
        Response::Customers(l) => l[0].id,
        other => panic!("{other:?}"),
    };
    let s = revealed(&mut sam, id).data.sensitive.unwrap();
    assert_eq!(s.private_notes.as_deref(), Some("Allergic to cats"));
    assert_eq!(s.payment_last4.as_deref(), Some("9876"));
}

#[test]
fn roles_that_may_not_see_them_never_get_them_in_a_form() {
    let world = World::new();
    let noam = world.customers["noam"];
    // Staff on a colleague's customer: no form, no reveal.
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('e'));
    let screen = render(&app, 120, 40);
    assert!(!screen.contains("National id"), "{screen}");
    assert!(!screen.contains("012345678"), "{screen}");
    // The auditor reads customers but has no form at all.
    let mut avi = world.app("avi");
    press(&mut avi, KeyCode::Char('2'));
    press(&mut avi, KeyCode::Char('e'));
    press(&mut avi, KeyCode::Char('n'));
    let screen = render(&avi, 120, 40);
    assert!(!screen.contains("National id"), "{screen}");
    assert!(!screen.contains("012345678"), "{screen}");
    for who in ["sam", "avi"] {
        assert_eq!(
            audited(&world, who, "customer.reveal", &format!("customer:{noam}")),
            0
        );
    }
}
