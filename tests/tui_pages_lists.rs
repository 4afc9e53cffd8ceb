//! The Tasks and Employees lists by the page (issue 12), for every role that sees them:
//! the screen holds only the window around the selection, jumps with Home/End/PgUp/PgDn
//! and g/G without loading everything, counts "rows a–b of N", and keeps the selection on
//! its record across refreshes and after an add, an edit or a task marked done.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::Backend;
use kasefet::domain::{EmployeeInput, Id, Role, TaskInput};
use kasefet::service::{Request, Response};
use kasefet::tui::App;
use ratatui::crossterm::event::KeyCode;
use tui_common::recording::Log;
use tui_common::*;

/// Tasks assigned to each of sam and hila.
const TASKS_EACH: usize = 500;
const EMPLOYEES: usize = 500;

fn id_of(r: Response) -> Id {
    match r {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    }
}

fn user_id(world: &World, name: &str) -> Id {
    let mut admin = world.backend("ada");
    let Response::People(people) = admin.call(Request::People).unwrap() else {
        panic!()
    };
    people.into_iter().find(|p| p.username == name).unwrap().id
}

/// Task `i` of `who`, due `i + 1` days from today (`Sam task 0042`).
fn task_title(who: &str, i: usize) -> String {
    format!("{who} task {i:04}")
}

fn day(world: &World, d: usize) -> jiff::civil::Date {
    let today = world.clock.today();
    today.checked_add(jiff::Span::new().days(d as i64)).unwrap()
}

/// Accounts and 500 open tasks for each of sam and hila, made by ada, all dated.
fn world_with_tasks() -> World {
    let world = World::empty();
    let mut admin = world.backend("ada");
    for (who, name) in [("Sam", "sam"), ("Hila", "hila")] {
        let assignee = user_id(&world, name);
        for i in 0..TASKS_EACH {
            let input = TaskInput {
                title: task_title(who, i),
                due: Some(day(&world, i + 1)),
                assignee: Some(assignee),
                ..Default::default()
            };
            id_of(admin.call(Request::TaskCreate { input }).unwrap());
        }
    }
    admin.logout();
    world
}

/// The tasks `role` sees, in the service's order: by due date, then oldest first.
fn tasks_seen(role: Role) -> Vec<String> {
    (0..TASKS_EACH)
        .flat_map(|i| match role {
            Role::Staff => vec![task_title("Sam", i)],
            Role::Hr => vec![task_title("Hila", i)],
            _ => vec![task_title("Sam", i), task_title("Hila", i)],
        })
        .collect()
}

/// (first, last, total) of "rows a–b of N" on the list's bottom border.
fn bottom_label(screen: &str) -> (usize, usize, usize) {
    let label = screen
        .lines()
        .find_map(|l| {
            let rest = &l[l.find("rows ")? + 5..];
            Some(rest[..rest.find(" ─").unwrap_or(rest.len())].to_string())
        })
        .unwrap_or_else(|| panic!("no count on the border: {screen}"));
    let n = |s: &str| s.trim().replace(',', "").parse::<usize>().unwrap();
    let (range, total) = label.split_once(" of ").unwrap();
    let (a, b) = range.split_once('–').unwrap();
    (n(a), n(b), n(total))
}

/// A key, then a frame drawn, as the event loop does (paging goes by the rows drawn).
fn step(app: &mut App, code: KeyCode) -> String {
    press(app, code);
    render(app, 120, 40)
}

/// The rows the border counts are the rows on screen, and exactly those: `expected` is
/// the whole list in order. Returns the first and last place shown (1-based).
fn shows_window(screen: &str, expected: &[String]) -> (usize, usize) {
    let (a, b, total) = bottom_label(screen);
    assert_eq!(total, expected.len(), "{screen}");
    assert!(a >= 1 && a <= b && b <= total, "{a}–{b}: {screen}");
    for (i, row) in expected.iter().enumerate() {
        let on = screen.contains(row.as_str());
        assert_eq!(on, (a - 1..b).contains(&i), "{row} (place {i}): {screen}");
    }
    (a, b)
}

/// Pages through the list on screen by End, PgUp, g, PgDn and G, checking every frame
/// against `expected`; returns the rows shown per screen.
fn page_through(app: &mut App, first: String, expected: &[String]) -> usize {
    let n = expected.len();
    let (a, h) = shows_window(&first, expected);
    assert_eq!(a, 1);
    let (a, b) = shows_window(&step(app, KeyCode::End), expected);
    assert_eq!((a, b), (n - h + 1, n));
    let (a, b) = shows_window(&step(app, KeyCode::PageUp), expected);
    assert_eq!((a, b), (n - h, n - 1));
    let (a, b) = shows_window(&step(app, KeyCode::Char('g')), expected);
    assert_eq!((a, b), (1, h));
    let mut last = (0, 0);
    for _ in 0..10 {
        last = shows_window(&step(app, KeyCode::PageDown), expected);
    }
    // Ten pages down the selection is on place 10h, at the bottom of the screen.
    assert_eq!(last.1, 10 * h + 1);
    let (a, b) = shows_window(&step(app, KeyCode::Char('G')), expected);
    assert_eq!((a, b), (n - h + 1, n));
    h
}

/// Every answer the screen got was a window, never the whole list.
fn only_windows(log: &Log, whole: &str, page: &str) {
    let log = log.borrow();
    assert!(
        log.iter().all(|(a, _)| *a != whole),
        "the screen asked for {whole}: {log:?}"
    );
    assert!(log.iter().any(|(a, _)| *a == page), "{log:?}");
    let biggest = log.iter().map(|(_, n)| *n).max().unwrap_or(0);
    assert!(biggest <= 200, "a window of {biggest} rows: {log:?}");
}

#[test]
fn every_role_pages_through_tasks_without_loading_them_all() {
    let world = world_with_tasks();
    for (user, _, role) in USERS {
        let (mut app, log) = world.recorded_app(user);
        // Home loads its own counts; only what the Tasks screen asks for is looked at.
        log.borrow_mut().clear();
        let mut first = step(&mut app, KeyCode::Char('3'));
        assert_eq!(app.screen(), "tasks", "{user}");
        if matches!(role, Role::Manager | Role::Auditor) {
            // Nothing is theirs: everyone's tasks.
            assert!(first.contains("no rows"), "{user}: {first}");
            first = step(&mut app, KeyCode::Char('m'));
        }
        let expected = tasks_seen(role);
        let total = format!("{} tasks", expected.len());
        assert!(first.contains(&total), "{user}: {first}");
        page_through(&mut app, first, &expected);
        // The highlighted row is the last: it opens.
        press(&mut app, KeyCode::Up);
        let open = step(&mut app, KeyCode::Enter);
        let title = &expected[expected.len() - 2];
        assert_eq!(open.matches(title.as_str()).count(), 2, "{user}: {open}");
        only_windows(&log, "task.list", "task.page");
    }
}

#[test]
fn the_task_selection_stays_on_its_task_across_refreshes_and_changes() {
    let world = world_with_tasks();
    let mut app = world.app("sam");
    let mut expected = tasks_seen(Role::Staff);
    let h = shows_window(&step(&mut app, KeyCode::Char('3')), &expected).1;
    for _ in 0..5 {
        step(&mut app, KeyCode::PageDown);
    }
    let open = step(&mut app, KeyCode::Enter);
    let title = expected[5 * h].clone();
    assert_eq!(open.matches(title.as_str()).count(), 2, "{title}: {open}");

    // Someone else adds tasks for sam due today: they sort before it.
    let sam = user_id(&world, "sam");
    let mut other = world.backend("ada");
    let today = world.clock.today();
    for i in 0..30 {
        let input = TaskInput {
            title: format!("Today {i:02}"),
            due: Some(today),
            assignee: Some(sam),
            ..Default::default()
        };
        id_of(other.call(Request::TaskCreate { input }).unwrap());
    }
    world.clock.advance(5);
    app.tick();
    let quiet = render(&app, 120, 40);
    assert_eq!(
        quiet.matches(title.as_str()).count(),
        2,
        "still open: {quiet}"
    );
    assert_eq!(bottom_label(&quiet).2, TASKS_EACH + 30, "{quiet}");
    press(&mut app, KeyCode::Esc);
    let again = step(&mut app, KeyCode::Enter);
    assert_eq!(
        again.matches(title.as_str()).count(),
        2,
        "the selection moved with its task: {again}"
    );
    expected.splice(0..0, (0..30).map(|i| format!("Today {i:02}")));

    // An edit keeps it selected.
    press(&mut app, KeyCode::Char('e'));
    // Short enough to show whole beside the open task.
    press(&mut app, KeyCode::End);
    typ(&mut app, "!");
    ctrl(&mut app, 's');
    let edited = format!("{title}!");
    let place = expected.iter().position(|t| *t == title).unwrap();
    expected[place] = edited.clone();
    let opened = step(&mut app, KeyCode::Enter);
    assert_eq!(opened.matches(edited.as_str()).count(), 2, "{opened}");
    shows_window(&opened, &expected);

    // Marked done it leaves the open view, and the next task takes its place.
    press(&mut app, KeyCode::Char('x'));
    expected.remove(place);
    let next = step(&mut app, KeyCode::Enter);
    let following = &expected[place];
    assert_eq!(next.matches(following.as_str()).count(), 2, "{next}");
    shows_window(&next, &expected);

    // A new task (undated: last) is selected once saved.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "Undated new one");
    ctrl(&mut app, 's');
    expected.push("Undated new one".into());
    let added = step(&mut app, KeyCode::Enter);
    assert_eq!(added.matches("Undated new one").count(), 2, "{added}");
    let (_, b) = shows_window(&added, &expected);
    assert_eq!(b, expected.len());
}

fn employee_name(i: usize) -> String {
    format!("Employee {i:04}")
}

fn world_with_employees() -> World {
    let world = World::empty();
    let mut admin = world.backend("ada");
    // Made out of order: the service sorts them.
    for i in (0..EMPLOYEES).rev() {
        let input = EmployeeInput {
            name: employee_name(i),
            title: Some("Clerk".into()),
            ..Default::default()
        };
        id_of(admin.call(Request::EmployeeCreate { input }).unwrap());
    }
    admin.logout();
    world
}

#[test]
fn every_role_pages_through_the_directory_without_loading_it_all() {
    let world = world_with_employees();
    let expected: Vec<String> = (0..EMPLOYEES).map(employee_name).collect();
    for (user, _, _) in USERS {
        let (mut app, log) = world.recorded_app(user);
        log.borrow_mut().clear();
        let first = step(&mut app, KeyCode::Char('4'));
        assert_eq!(app.screen(), "employees", "{user}");
        page_through(&mut app, first, &expected);
        press(&mut app, KeyCode::Up);
        let open = step(&mut app, KeyCode::Enter);
        let name = &expected[EMPLOYEES - 2];
        assert_eq!(open.matches(name.as_str()).count(), 2, "{user}: {open}");
        only_windows(&log, "employee.list", "employee.page");
    }
}

#[test]
fn the_employee_selection_stays_on_its_record_when_others_add_people_before_it() {
    let world = world_with_employees();
    let mut expected: Vec<String> = (0..EMPLOYEES).map(employee_name).collect();
    let mut app = world.app("hila");
    let h = shows_window(&step(&mut app, KeyCode::Char('4')), &expected).1;
    for _ in 0..5 {
        step(&mut app, KeyCode::PageDown);
    }
    let open = step(&mut app, KeyCode::Enter);
    let name = expected[5 * h].clone();
    assert_eq!(open.matches(name.as_str()).count(), 2, "{name}: {open}");
    let mut other = world.backend("ada");
    for i in 0..30 {
        let input = EmployeeInput {
            name: format!("Aaron {i:02}"),
            ..Default::default()
        };
        id_of(other.call(Request::EmployeeCreate { input }).unwrap());
    }
    expected.splice(0..0, (0..30).map(|i| format!("Aaron {i:02}")));
    world.clock.advance(5);
    app.tick();
    let quiet = render(&app, 120, 40);
    assert_eq!(
        quiet.matches(name.as_str()).count(),
        2,
        "still open: {quiet}"
    );
    shows_window(&quiet, &expected);
    press(&mut app, KeyCode::Esc);
    let again = step(&mut app, KeyCode::Enter);
    assert_eq!(
        again.matches(name.as_str()).count(),
        2,
        "the selection moved with its record: {again}"
    );
    // A new employee is selected once saved.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "Zed Newcomer");
    ctrl(&mut app, 's');
    expected.push("Zed Newcomer".into());
    let added = render(&app, 120, 40);
    assert_eq!(added.matches("Zed Newcomer").count(), 2, "{added}");
    let (_, b) = shows_window(&added, &expected);
    assert_eq!(b, expected.len());
}
