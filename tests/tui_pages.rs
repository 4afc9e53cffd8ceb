//! The Customers list by the page (issue 12): the screen holds only the window around the
//! selection, jumps with Home/End/PgUp/PgDn and g/G without loading everything, counts
//! "rows a–b of N", and keeps the selection on its record when others add customers.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::{Backend, Local};
use kasefet::domain::CustomerInput;
use kasefet::service::{Request, Response};
use ratatui::crossterm::event::KeyCode;
use tui_common::recording::{Log, Recording};
use tui_common::*;

const N: usize = 2_000;

fn world_with_many() -> World {
    let world = World::empty();
    let mut admin = world.backend("ada");
    let inputs = (0..N)
        .map(|i| CustomerInput {
            name: format!("Customer {i:05}"),
            ..Default::default()
        })
        .collect();
    admin
        .call(Request::CustomerImport {
            inputs,
            dry_run: false,
        })
        .unwrap();
    admin.logout();
    world
}

/// The count on the list's bottom border.
fn bottom_label(screen: &str) -> String {
    screen
        .lines()
        .find_map(|l| {
            let rest = &l[l.find("rows ")?..];
            Some(rest[..rest.find(" ─").unwrap_or(rest.len())].to_string())
        })
        .unwrap_or_default()
}

/// A key, then a frame drawn, as the event loop does (paging goes by the rows drawn).
fn step(app: &mut kasefet::tui::App, code: KeyCode) -> String {
    press(app, code);
    render(app, 120, 40)
}

#[test]
fn jumps_load_only_the_window_and_count_the_rows() {
    let world = world_with_many();
    let log = Log::default();
    let backend = Recording {
        inner: Local::new(world.service.clone()),
        log: log.clone(),
    };
    let mut app = world.app_with(Box::new(backend));
    world.sign_in(&mut app, "ada");
    let first = step(&mut app, KeyCode::Char('2'));
    assert_eq!(bottom_label(&first), "rows 1–34 of 2,000", "{first}");
    assert!(first.contains("Customer 00000"), "{first}");

    let end = step(&mut app, KeyCode::End);
    assert_eq!(bottom_label(&end), "rows 1,967–2,000 of 2,000", "{end}");
    assert!(end.contains("Customer 01999"), "{end}");

    let up = step(&mut app, KeyCode::PageUp);
    assert_eq!(bottom_label(&up), "rows 1,966–1,999 of 2,000", "{up}");

    let home = step(&mut app, KeyCode::Char('g'));
    assert_eq!(bottom_label(&home), "rows 1–34 of 2,000", "{home}");
    let mut down = String::new();
    for _ in 0..10 {
        down = step(&mut app, KeyCode::PageDown);
    }
    assert!(down.contains("Customer 00340"), "{down}");
    assert_eq!(bottom_label(&down), "rows 308–341 of 2,000", "{down}");
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
        filtered().bind(|| insta::assert_snapshot!("customers_paged_120x40", down));
    });
    assert!(step(&mut app, KeyCode::Char('G')).contains("Customer 01999"));

    let log = log.borrow();
    // Never the whole list: every answer is a window of a few screens at most.
    assert!(
        log.iter().all(|(a, _)| *a != "customer.list"),
        "the screen asked for the whole list: {log:?}"
    );
    let biggest = log.iter().map(|(_, n)| *n).max().unwrap_or(0);
    assert!(biggest <= 200, "a window of {biggest} rows");
    let pages = log.iter().filter(|(a, _)| *a == "customer.page").count();
    // Entering, End, PgUp, g, every other of the ten page-downs, G: steps inside the
    // margin ask nothing (Home asks for one page and counts months by offsets).
    assert!(pages <= 24, "{pages} page requests: {log:?}");
}

#[test]
fn the_selection_stays_on_its_record_when_others_add_customers_above_it() {
    let world = world_with_many();
    let mut app = world.app("ada");
    step(&mut app, KeyCode::Char('2'));
    for _ in 0..5 {
        step(&mut app, KeyCode::PageDown);
    }
    let open = step(&mut app, KeyCode::Enter);
    let name = "Customer 00170";
    assert!(open.contains(&format!("│{name}  [lead]")), "{open}");
    // Someone else adds customers that sort before it.
    let mut other = world.backend("ada");
    for i in 0..30 {
        other
            .call(Request::CustomerCreate {
                input: CustomerInput {
                    name: format!("Customer 0000{i:02}a"),
                    ..Default::default()
                },
            })
            .unwrap();
    }
    // The screen notices on its own (the revision moved) and reloads only the window.
    world.clock.advance(5);
    app.tick();
    let quiet = render(&app, 120, 40);
    assert!(quiet.contains(&format!("│{name}  [lead]")), "{quiet}");
    assert_eq!(bottom_label(&quiet), "rows 168–201 of 2,030", "{quiet}");
    ctrl(&mut app, 'r');
    let after = render(&app, 120, 40);
    assert!(
        after.contains(&format!("│{name}  [lead]")),
        "still open: {after}"
    );
    assert!(after.contains("of 2,030"), "{after}");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    let again = render(&app, 120, 40);
    assert!(
        again.contains(&format!("│{name}  [lead]")),
        "the selection moved with its record: {again}"
    );
}

#[test]
fn tasks_and_the_audit_log_name_customers_without_loading_the_list() {
    let world = world_with_many();
    let mut admin = world.backend("ada");
    let Response::Customers(hits) = admin
        .call(Request::CustomerSearch {
            query: "customer 01234".into(),
            limit: 1,
        })
        .unwrap()
    else {
        panic!()
    };
    let linked = hits[0].id;
    admin
        .call(Request::TaskCreate {
            input: kasefet::domain::TaskInput {
                title: "Call about the renewal".into(),
                customer: Some(linked),
                ..Default::default()
            },
        })
        .unwrap();
    // A view puts the customer in the audit log by id.
    admin
        .call(Request::CustomerGet {
            id: linked,
            reveal: false,
        })
        .unwrap();
    admin.logout();
    let log = Log::default();
    let backend = Recording {
        inner: Local::new(world.service.clone()),
        log: log.clone(),
    };
    let mut app = world.app_with(Box::new(backend));
    world.sign_in(&mut app, "ada");
    let tasks = step(&mut app, KeyCode::Char('3'));
    assert!(tasks.contains("Customer 01234"), "{tasks}");
    let audit = step(&mut app, KeyCode::Char('6'));
    assert!(audit.contains("Customer 01234"), "{audit}");
    let log = log.borrow();
    assert!(
        log.iter().all(|(a, _)| *a != "customer.list"),
        "a screen asked for the whole list: {log:?}"
    );
    assert!(log.iter().any(|(a, _)| *a == "customer.names"), "{log:?}");
}
