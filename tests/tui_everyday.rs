//! Everyday use of the TUI as a new office tried it (issue 13): a key-driven flow for each
//! defect, against the real service.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::{Backend, Local};
use kasefet::domain::Role;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use tui_common::*;

/// The TOTP secret of an enrolment screen, read off the otpauth URL as a person would.
fn secret_on_screen(app: &kasefet::tui::App) -> kasefet::auth::totp::TotpSecret {
    let screen = render(app, 120, 40);
    let at = screen.find("secret=").expect(&screen) + "secret=".len();
    let secret: String = screen[at..]
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || ('2'..='7').contains(c))
        .collect();
    kasefet::auth::totp::TotpSecret::from_base32(&secret).unwrap()
}

/// One-time password → new password → TOTP → recovery codes, typed; ends where setup ends.
fn first_session(world: &World, name: &str, role: Role) -> kasefet::tui::App {
    let otp = world.add_pending_user(name, "New Person", role);
    let mut app = world.app_with(Box::new(Local::new(world.service.clone())));
    typ(&mut app, name);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, &otp);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "setup", "{}", render(&app, 80, 24));
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    let totp = secret_on_screen(&app);
    typ(&mut app, &totp.code_at(world.clock.now() as u64));
    press(&mut app, KeyCode::Enter);
    assert!(render(&app, 120, 40).contains("Your recovery codes"));
    press(&mut app, KeyCode::Enter);
    app
}

#[test]
fn a_new_staff_members_first_session_shows_the_customers() {
    let world = World::new();
    let mut app = first_session(&world, "bob", Role::Staff);
    assert_eq!(app.screen(), "home", "{}", render(&app, 120, 40));
    let home = render(&app, 120, 40);
    assert!(!home.contains("No customers yet"), "{home}");
    press(&mut app, KeyCode::Char('2'));
    let list = render(&app, 120, 40);
    assert!(list.contains("Dana Cohen"), "{list}");
    app.key(key_event(KeyCode::Char('r'), KeyModifiers::CONTROL));
    let again = render(&app, 120, 40);
    assert!(!again.contains("finish setting up"), "{again}");
    assert!(again.contains("Dana Cohen"), "{again}");
}

#[test]
fn a_new_hr_members_first_session_shows_the_employees() {
    let world = World::new();
    let mut app = first_session(&world, "rina", Role::Hr);
    assert_eq!(app.screen(), "home", "{}", render(&app, 120, 40));
    assert!(app.tabs().iter().any(|t| t.title() == "Employees"));
    press(&mut app, KeyCode::Char('4'));
    let list = render(&app, 120, 40);
    assert!(list.contains("Maya Manager"), "{list}");
    assert!(!list.contains("finish setting up"), "{list}");
}

/// Up to the recovery-key step of the setup wizard: the database exists from here on.
fn wizard_to_the_recovery_key(dir: &std::path::Path) -> kasefet::tui::App {
    let clock = kasefet::service::Clock::manual(T0);
    let target = kasefet::tui::screens::wizard::Target {
        data_dir: dir.join("data"),
        settings: settings(),
        config_file: Some(dir.join("conf/kasefet.toml")),
        backup_dir: dir.join("backups"),
    };
    let mut opts = options(&clock);
    opts.org = String::new();
    let mut app = kasefet::tui::App::wizard(target, opts).unwrap();
    typ(&mut app, "Levi & Sons");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "noa");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "Noa Levi");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    let totp = secret_on_screen(&app);
    typ(&mut app, &totp.code_at(T0 as u64));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.wizard_step(),
        Some(kasefet::tui::screens::wizard::Step::RecoveryKey),
        "{}",
        render(&app, 120, 40)
    );
    app
}

#[test]
fn quitting_the_wizard_at_the_recovery_key_keeps_the_organisation_and_backup_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = wizard_to_the_recovery_key(dir.path());
    press(&mut app, KeyCode::Esc);
    let asked = render(&app, 120, 40);
    assert!(asked.contains("recovery-key rotate"), "{asked}");
    press(&mut app, KeyCode::Char('y'));
    assert!(app.should_quit());
    let config = kasefet::config::Config::load(&dir.path().join("conf/kasefet.toml")).unwrap();
    assert_eq!(config.organisation.name, "Levi & Sons");
    assert_eq!(
        config.backup.dir.as_deref(),
        Some(dir.path().join("backups").as_path())
    );
}

#[test]
fn ticking_the_recovery_key_box_clears_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = wizard_to_the_recovery_key(dir.path());
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert!(render(&app, 120, 40).contains("store it first"));
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Char(' '));
    let ticked = render(&app, 120, 40);
    assert!(!ticked.contains("store it first"), "{ticked}");
}

/// The customer list with a Hebrew customer, as the terminal gets it under each
/// `[display] bidi` mode (the Hebrew reads right in `reorder` on a left-to-right terminal).
fn customers_with_bidi(mode: kasefet::config::Bidi) -> String {
    let world = World::new();
    let mut opts = world.options();
    opts.bidi = mode;
    let mut app = kasefet::tui::App::sign_in(Box::new(Local::new(world.service.clone())), opts);
    world.sign_in(&mut app, "maya");
    press(&mut app, KeyCode::Char('2'));
    render(&app, 100, 24)
}

#[test]
fn right_to_left_names_in_terminal_order() {
    let screen = customers_with_bidi(kasefet::config::Bidi::Terminal);
    assert!(screen.contains("דנה לוי"), "{screen}");
    filtered().bind(|| insta::assert_snapshot!("bidi_terminal", screen));
}

#[test]
fn right_to_left_names_reordered_for_the_terminal() {
    let screen = customers_with_bidi(kasefet::config::Bidi::Reorder);
    assert!(screen.contains("יול הנד"), "{screen}");
    assert!(!screen.contains("דנה לוי"), "{screen}");
    // Latin text and the columns are where they were.
    let plain = customers_with_bidi(kasefet::config::Bidi::Terminal);
    let col = |s: &str, what: &str| {
        s.lines()
            .find(|l| l.contains(what))
            .map(|l| l.find("Tel Aviv").or(l.find("lead")))
    };
    assert_eq!(col(&screen, "Dana Cohen"), col(&plain, "Dana Cohen"));
    filtered().bind(|| insta::assert_snapshot!("bidi_reorder", screen));
}

fn status_line(app: &kasefet::tui::App) -> String {
    let screen = render(app, 120, 40);
    screen.lines().rev().take(2).collect::<Vec<_>>().join("\n")
}

#[test]
fn staff_hear_why_they_cannot_change_a_colleagues_customer() {
    let world = World::new();
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Down);
    assert!(render(&app, 120, 40).contains("Noam Peretz"));
    press(&mut app, KeyCode::Char('e'));
    let edit = status_line(&app);
    assert!(
        edit.contains("Only its owner (maya), a manager or an admin can edit"),
        "{}",
        render(&app, 120, 40)
    );
    // `i` is allowed: staff log interactions on any customer they can read (issue 11).
    press(&mut app, KeyCode::Char('d'));
    assert!(status_line(&app).contains("The staff role cannot delete customers"));
}

#[test]
fn help_in_tasks_names_the_customer_key() {
    let world = World::new();
    let mut app = world.app("maya");
    press(&mut app, KeyCode::Char('3'));
    // The first row is a task with no customer: `c` is in help all the same.
    press(&mut app, KeyCode::Char('?'));
    let help = render(&app, 120, 40);
    assert!(
        help.lines()
            .any(|l| l.contains("│c ") && l.contains("open the linked customer")),
        "{help}"
    );
}

#[test]
fn the_role_picker_goes_by_privilege_and_asks_before_making_an_admin() {
    let world = World::new();
    let mut app = world.app("ada");
    press(&mut app, KeyCode::Char('5'));
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "lea");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "Lea Mizrahi");
    press(&mut app, KeyCode::Enter);
    // Tab past the last field stays in the form; it does not add the account.
    press(&mut app, KeyCode::Tab);
    assert!(!render(&app, 120, 40).contains("One-time password"));
    let role_row = |app: &kasefet::tui::App| {
        render(app, 120, 40)
            .lines()
            .find(|l| l.contains("Role") && l.contains("‹"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(role_row(&app).contains("staff"), "{}", role_row(&app));
    press(&mut app, KeyCode::Char(' '));
    assert!(role_row(&app).contains("hr"), "{}", role_row(&app));
    press(&mut app, KeyCode::Char(' '));
    assert!(role_row(&app).contains("manager"), "{}", role_row(&app));
    press(&mut app, KeyCode::Char(' '));
    assert!(role_row(&app).contains("admin"), "{}", role_row(&app));
    ctrl(&mut app, 's');
    let asked = render(&app, 120, 40);
    assert!(asked.contains("Add lea as an admin?"), "{asked}");
    // No: back to the form as it was.
    press(&mut app, KeyCode::Char('n'));
    let form = render(&app, 120, 40);
    assert!(form.contains("Lea Mizrahi"), "{form}");
    ctrl(&mut app, 's');
    press(&mut app, KeyCode::Char('y'));
    assert!(render(&app, 120, 40).contains("One-time password for lea"));
    let mut admin = world.backend("ada");
    match admin
        .call(kasefet::service::Request::UserGet {
            username: "lea".into(),
        })
        .unwrap()
    {
        kasefet::service::Response::User(u) => assert_eq!(u.role, Role::Admin),
        other => panic!("{other:?}"),
    }
}

#[test]
fn typing_into_a_prefilled_field_replaces_it_and_only_ctrl_s_saves() {
    let world = World::new();
    let mut app = world.app("maya");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('e'));
    // The name field has "Dana Cohen": typing replaces it.
    typ(&mut app, "Dana Katz");
    let form = render(&app, 120, 40);
    assert!(form.contains("Dana Katz"), "{form}");
    assert!(!form.contains("Dana CohenDana"), "{form}");
    // An arrow (or End) first edits in place: Company, past Kind.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::End);
    typ(&mut app, " Ltd");
    assert!(render(&app, 120, 40).contains("Cohen & Co Ltd"));
    // Tab through every field and past the last: nothing is saved.
    for _ in 0..40 {
        press(&mut app, KeyCode::Tab);
    }
    let mut b = world.backend("maya");
    let id = world.customers["dana"];
    let get = |b: &mut Local| match b
        .call(kasefet::service::Request::CustomerGet { id, reveal: false })
        .unwrap()
    {
        kasefet::service::Response::Customer(c) => c.data.name,
        other => panic!("{other:?}"),
    };
    assert_eq!(get(&mut b), "Dana Cohen");
    ctrl(&mut app, 's');
    assert_eq!(get(&mut b), "Dana Katz", "{}", render(&app, 120, 40));
}

#[test]
fn enter_on_an_audit_entry_opens_its_record() {
    let world = World::new();
    let mut app = world.app("ada");
    press(&mut app, KeyCode::Char('6'));
    press(&mut app, KeyCode::Char('f'));
    typ(&mut app, "customer.create");
    press(&mut app, KeyCode::Enter);
    let audit = render(&app, 120, 40);
    // Customers read as names where the role may read them (tests/tui_audit_names.rs).
    assert!(audit.contains("Noam Peretz"), "{audit}");
    // Account targets read as names.
    assert!(!audit.contains("user:1 "), "{audit}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "customers", "{}", render(&app, 120, 40));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("╭ Customer "), "{screen}");
}
