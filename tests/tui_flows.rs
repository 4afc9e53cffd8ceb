//! Key-driven flows through the TUI against a real `Service`: what a person does, key by
//! key, and what the database holds afterwards.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::client::{Backend, Local};
use kasefet::domain::{Role, TaskStatus, UserState};
use kasefet::service::{CustomerFilter, Request, Response, TaskFilter, TaskScope};
use kasefet::tui::App;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use tui_common::*;

fn customer(b: &mut Local, id: u64) -> kasefet::domain::Customer {
    match b.call(Request::CustomerGet { id, reveal: false }).unwrap() {
        Response::Customer(c) => *c,
        other => panic!("{other:?}"),
    }
}

fn customer_names(b: &mut Local) -> Vec<String> {
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

fn clear_field(app: &mut App) {
    ctrl(app, 'e');
    ctrl(app, 'u');
}

#[test]
fn wizard_creates_the_database_and_ends_signed_in() {
    let dir = tempfile::tempdir().unwrap();
    let clock = kasefet::service::Clock::manual(T0);
    let target = kasefet::tui::screens::wizard::Target {
        data_dir: dir.path().join("data"),
        settings: settings(),
        config_file: Some(dir.path().join("conf/kasefet.toml")),
        backup_dir: dir.path().join("backups"),
    };
    let mut opts = options(&clock);
    opts.org = String::new();
    let mut app = App::wizard(target, opts).unwrap();
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
    // Read the secret off the screen, as a person types it into an app.
    let screen = render(&app, 120, 40);
    let secret = screen
        .lines()
        .skip_while(|l| !l.contains("Or type this secret:"))
        .nth(1)
        .map(|l| l.rsplit("  ").next().unwrap().replace(' ', ""))
        .unwrap();
    let totp = kasefet::auth::totp::TotpSecret::from_base32(&secret).unwrap();
    typ(&mut app, "000000");
    press(&mut app, KeyCode::Enter);
    assert!(
        render(&app, 80, 24).contains("not right"),
        "a wrong code is refused"
    );
    clear_field(&mut app);
    typ(&mut app, &totp.code_at(T0 as u64));
    press(&mut app, KeyCode::Enter);
    assert!(
        dir.path().join("data").exists(),
        "the database exists once the code is right"
    );
    // The recovery key: refuse to go on until it is confirmed stored.
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert!(render(&app, 80, 24).contains("store it first"));
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Enter);
    let key_file = dir.path().join("recovery.txt");
    typ(&mut app, &key_file.display().to_string());
    press(&mut app, KeyCode::Enter);
    let codes: Vec<String> = render(&app, 120, 40)
        .split_whitespace()
        .filter(|w| {
            w.len() > 10
                && w.contains('-')
                && w.chars().all(|c| c == '-' || c.is_ascii_alphanumeric())
        })
        .map(str::to_string)
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes are shown");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "home");
    assert_eq!(app.me().unwrap().role, Role::Admin);
    assert!(render(&app, 120, 40).contains("Levi & Sons"));

    use std::os::unix::fs::PermissionsExt;
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert!(kasefet::crypto::recovery::parse(&key).is_ok());
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let config = kasefet::config::Config::load(&dir.path().join("conf/kasefet.toml")).unwrap();
    assert_eq!(config.organisation.name, "Levi & Sons");
    assert!(dir.path().join("backups").is_dir());
    drop(app);

    // Sign in again later, once with a code and once with a recovery code.
    let service = std::sync::Arc::new(
        kasefet::service::Service::open(&dir.path().join("data"), settings(), clock.clone())
            .unwrap(),
    );
    let mut app = App::sign_in(Box::new(Local::new(service.clone())), options(&clock));
    clock.advance(30);
    typ(&mut app, "noa");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, &codes[3]);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "home");
    assert!(render(&app, 120, 40).contains("A recovery code was used; 9 left"));
}

#[test]
fn sign_in_failure_then_success_with_notice() {
    let world = World::new();
    let mut app = world.app_with(Box::new(Local::new(world.service.clone())));
    typ(&mut app, "sam");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "wrong wrong wrong wrong");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, &world.code("sam"));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "sign-in");
    let text = render(&app, 80, 24);
    assert!(
        text.contains("sign-in failed: the username, password or code is not right"),
        "{text}"
    );
    assert!(!text.contains("wrong wrong"), "the password is not kept");
    // The username stays; focus is on the password.
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    world.clock.advance(30);
    typ(&mut app, &world.code("sam"));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "home");
    assert!(
        render(&app, 120, 40).contains("1 failed attempts since"),
        "{}",
        render(&app, 120, 40)
    );
}

/// Enter on the code says "Signing in…" before the sign-in runs (a large database takes a
/// second or two to open), and keys pressed meanwhile change nothing.
#[test]
fn the_screen_says_it_is_signing_in_before_it_does() {
    let world = World::new();
    let mut app = world.app_with(Box::new(Local::new(world.service.clone())));
    typ(&mut app, "sam");
    app.key(key_event(KeyCode::Enter, KeyModifiers::NONE));
    typ(&mut app, PASSWORD);
    app.key(key_event(KeyCode::Enter, KeyModifiers::NONE));
    typ(&mut app, &world.code("sam"));
    app.key(key_event(KeyCode::Enter, KeyModifiers::NONE));
    assert!(app.busy());
    let text = render(&app, 80, 24);
    assert!(text.contains("Signing in…"), "{text}");
    typ(&mut app, "junk");
    app.key(key_event(KeyCode::Esc, KeyModifiers::NONE));
    assert!(!app.should_quit(), "Esc while signing in does not quit");
    assert!(!render(&app, 80, 24).contains("junk"));
    app.tick();
    assert!(!app.busy());
    assert_eq!(app.screen(), "home");
}

/// The TOTP secret of an enrolment screen, read off it as a person types it into an app
/// (from the otpauth URL, which is on one line at 120×40).
fn secret_on_screen(app: &App) -> kasefet::auth::totp::TotpSecret {
    let screen = render(app, 120, 40);
    let at = screen.find("secret=").expect(&screen) + "secret=".len();
    let secret: String = screen[at..]
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || ('2'..='7').contains(c))
        .collect();
    kasefet::auth::totp::TotpSecret::from_base32(&secret).unwrap()
}

/// A new account, all against the real service: one-time password → new password → TOTP →
/// recovery codes → home; and the next sign-in uses the new password and the new phone.
#[test]
fn sign_in_with_enrolment() {
    let world = World::new();
    let otp = world.add_pending_user("lea", "Lea New", Role::Staff);
    let mut app = world.app_with(Box::new(Local::new(world.service.clone())));
    typ(&mut app, "lea");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, &otp);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "setup", "{}", render(&app, 80, 24));
    // Too short, then different, then right.
    typ(&mut app, "short");
    assert!(render(&app, 80, 24).contains("5/15 characters"));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert!(
        render(&app, 80, 24).contains("too short") || render(&app, 80, 24).contains("at least")
    );
    clear_field(&mut app);
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "something else entirely");
    press(&mut app, KeyCode::Enter);
    assert!(render(&app, 80, 24).contains("differs from the first"));
    clear_field(&mut app);
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Or type this secret:"), "{screen}");
    assert!(screen.contains('█'), "and the QR code is drawn\n{screen}");
    let totp = secret_on_screen(&app);
    // A wrong code is refused by the service, and the enrolment stays open.
    let right = totp.code_at(world.clock.now() as u64);
    typ(
        &mut app,
        if right == "111111" {
            "222222"
        } else {
            "111111"
        },
    );
    press(&mut app, KeyCode::Enter);
    assert!(
        render(&app, 80, 24).contains("not right"),
        "{}",
        render(&app, 80, 24)
    );
    clear_field(&mut app);
    typ(&mut app, &right);
    press(&mut app, KeyCode::Enter);
    let codes = render(&app, 120, 40);
    assert!(codes.contains("Your recovery codes"), "{codes}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "home", "{}", render(&app, 80, 24));
    drop(app);

    // The account is active now: password and the phone just enrolled.
    world.clock.advance(30);
    let mut app = world.app_with(Box::new(Local::new(world.service.clone())));
    typ(&mut app, "lea");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, &totp.code_at(world.clock.now() as u64));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "home", "{}", render(&app, 80, 24));
}

/// A security policy is configured: the first sign-in asks for it, the real service records
/// the acceptance, and the next sign-in goes straight to Home.
#[test]
fn the_security_policy_is_accepted_once() {
    let world = World::empty_with(|s| {
        *s = s
            .clone()
            .with_policy_text("Lock your screen when you leave your desk.");
    });
    let mut app = world.app_with(Box::new(Local::new(world.service.clone())));
    world.sign_in(&mut app, "sam");
    assert_eq!(app.screen(), "setup", "{}", render(&app, 80, 24));
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Lock your screen when you leave your desk."),
        "{text}"
    );
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "setup", "not without ticking the box");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "home", "{}", render(&app, 80, 24));
    assert!(render(&app, 120, 40).contains("Policy accepted"));
    let mut admin = world.backend("ada");
    match admin.call(Request::SecuritySummary).unwrap() {
        Response::Security {
            policy_not_accepted,
            ..
        } => {
            assert!(!policy_not_accepted.contains(&"sam".to_string()));
            assert!(policy_not_accepted.contains(&"maya".to_string()));
        }
        other => panic!("{other:?}"),
    }
    admin.logout();
    drop(app);
    let mut app = world.app_with(Box::new(Local::new(world.service.clone())));
    world.sign_in(&mut app, "sam");
    assert_eq!(app.screen(), "home", "asked once");
}

#[test]
fn add_edit_and_delete_a_customer() {
    let world = World::new();
    let mut app = world.app("maya");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "Rivka Katz");
    press(&mut app, KeyCode::Enter); // kind
    press(&mut app, KeyCode::Enter); // company
    typ(&mut app, "Katz Ltd");
    press(&mut app, KeyCode::Enter); // emails
    typ(&mut app, "rivka@");
    ctrl(&mut app, 's');
    let text = render(&app, 80, 24);
    assert!(
        text.contains("✗ email:"),
        "the error is shown next to the email field\n{text}"
    );
    // Focus went to the field in error.
    clear_field(&mut app);
    typ(&mut app, "rivka@katz.test");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "+972 54 000 1111");
    ctrl(&mut app, 's');
    let text = render(&app, 120, 40);
    assert!(
        text.contains("Rivka Katz") && text.contains("rivka@katz.test"),
        "{text}"
    );
    let mut b = world.backend("ada");
    assert!(customer_names(&mut b).contains(&"Rivka Katz".to_string()));

    press(&mut app, KeyCode::Char('e'));
    clear_field(&mut app);
    typ(&mut app, "Rivka Katz-Levi");
    ctrl(&mut app, 's');
    assert!(render(&app, 120, 40).contains("Rivka Katz-Levi"));
    assert!(customer_names(&mut b).contains(&"Rivka Katz-Levi".to_string()));

    press(&mut app, KeyCode::Char('d'));
    assert!(render(&app, 80, 24).contains("Delete the customer Rivka Katz-Levi?"));
    press(&mut app, KeyCode::Char('n'));
    assert!(
        customer_names(&mut b).contains(&"Rivka Katz-Levi".to_string()),
        "no means no"
    );
    press(&mut app, KeyCode::Char('d'));
    press(&mut app, KeyCode::Char('y'));
    assert!(!customer_names(&mut b).contains(&"Rivka Katz-Levi".to_string()));
    assert!(!render(&app, 120, 40).contains("Rivka Katz-Levi"));
}

#[test]
fn search_as_you_type_and_filters() {
    let world = World::new();
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('/'));
    typ(&mut app, "050-123");
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Dana Cohen") && !text.contains("Noam Peretz"),
        "phone digits find Dana\n{text}"
    );
    ctrl(&mut app, 'u');
    typ(&mut app, "日本");
    assert!(render(&app, 80, 24).contains("山田 太郎"));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('m'));
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Dana Cohen") && !text.contains("Noam Peretz"),
        "only sam's customers\n{text}"
    );
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Char('s'));
    let text = render(&app, 80, 24);
    assert!(
        text.contains("status lead") && text.contains("דנה לוי") && !text.contains("Dana Cohen"),
        "{text}"
    );
}

#[test]
fn log_an_interaction() {
    let world = World::new();
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter);
    assert!(render(&app, 80, 24).contains("Timeline (1)"));
    press(&mut app, KeyCode::Char('i'));
    press(&mut app, KeyCode::Right); // email
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "Sent the price list.");
    // Only Ctrl-S logs it (issue 13: Enter past the last field never saves).
    ctrl(&mut app, 's');
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Timeline (2)") && text.contains("Sent the price list."),
        "{text}"
    );
    let mut b = world.backend("ada");
    let c = customer(&mut b, world.customers["dana"]);
    assert_eq!(c.interactions.last().unwrap().text, "Sent the price list.");
    assert_eq!(c.interactions.last().unwrap().kind.as_str(), "email");
}

#[test]
fn create_a_task_for_a_customer_and_finish_it() {
    let world = World::new();
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('t'));
    assert_eq!(app.screen(), "tasks");
    let text = render(&app, 80, 24);
    assert!(
        text.contains("New task") && text.contains("Dana Cohen"),
        "linked to the customer\n{text}"
    );
    typ(&mut app, "Send the signed contract");
    ctrl(&mut app, 's');
    press(&mut app, KeyCode::Char('f'));
    press(&mut app, KeyCode::Char('f'));
    press(&mut app, KeyCode::Char('f')); // all
    let text = render(&app, 120, 40);
    assert!(text.contains("Send the signed contract"), "{text}");
    let list = |b: &mut Local| match b
        .call(Request::TaskList {
            filter: TaskFilter {
                scope: TaskScope::All,
                ..Default::default()
            },
        })
        .unwrap()
    {
        Response::Tasks(t) => t,
        other => panic!("{other:?}"),
    };
    let mut b = world.backend("ada");
    let task = list(&mut b)
        .into_iter()
        .find(|t| t.data.title == "Send the signed contract")
        .unwrap();
    assert_eq!(task.data.customer, Some(world.customers["dana"]));
    // Select it and mark it done.
    press(&mut app, KeyCode::Char('g'));
    for _ in 0..10 {
        if selected_row(&app).contains("Send the signed contract") {
            break;
        }
        press(&mut app, KeyCode::Down);
    }
    assert!(selected_row(&app).contains("Send the signed contract"));
    press(&mut app, KeyCode::Char('x'));
    let task = list(&mut b).into_iter().find(|t| t.id == task.id).unwrap();
    assert_eq!(task.data.status, TaskStatus::Done);
    // And jump from a task to its customer.
    press(&mut app, KeyCode::Char('g'));
    press(&mut app, KeyCode::Char('c'));
    assert_eq!(app.screen(), "customers");
    assert!(render(&app, 80, 24).contains("Timeline"));
}

/// The row drawn reversed: the selection.
fn selected_row(app: &App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    let buf = t.backend().buffer();
    for y in 0..buf.area.height {
        let reversed = (0..buf.area.width)
            .filter(|x| {
                buf[(*x, y)]
                    .modifier
                    .contains(ratatui::style::Modifier::REVERSED)
            })
            .count();
        if reversed > 40 {
            return (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
        }
    }
    String::new()
}

#[test]
fn conflict_on_save_shows_who_and_offers_overwrite_or_reload() {
    let world = World::new();
    let mut app = world.app("maya");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter); // Dana
    press(&mut app, KeyCode::Char('e'));
    clear_field(&mut app);
    typ(&mut app, "Dana Cohen-Mizrahi");
    // Meanwhile ada saves first.
    let mut b = world.backend("ada");
    let id = world.customers["dana"];
    let c = customer(&mut b, id);
    let input = kasefet::domain::CustomerInput {
        company: Some("Cohen Holdings".into()),
        sensitive: None,
        ..c.data.clone()
    };
    b.call(Request::CustomerUpdate {
        id,
        version: c.stamp.version,
        input,
    })
    .unwrap();
    ctrl(&mut app, 's');
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Someone else saved first") && text.contains("changed by ada at"),
        "{text}"
    );
    press(&mut app, KeyCode::Char('o'));
    let c = customer(&mut b, id);
    assert_eq!(c.data.name, "Dana Cohen-Mizrahi", "overwrite saves mine");

    press(&mut app, KeyCode::Char('e'));
    clear_field(&mut app);
    typ(&mut app, "Dana M.");
    let input = kasefet::domain::CustomerInput {
        name: "Dana Theirs".into(),
        sensitive: None,
        ..c.data.clone()
    };
    b.call(Request::CustomerUpdate {
        id,
        version: c.stamp.version,
        input,
    })
    .unwrap();
    ctrl(&mut app, 's');
    assert!(render(&app, 80, 24).contains("Someone else saved first"));
    press(&mut app, KeyCode::Char('r'));
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Dana Theirs") && !text.contains("Dana M."),
        "reload shows theirs in the form\n{text}"
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(customer(&mut b, id).data.name, "Dana Theirs");
}

#[test]
fn other_peoples_changes_show_up_without_a_restart() {
    let world = World::new();
    let mut app = world.app("maya");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter); // Dana, open
    assert!(!app.tick(), "nothing to do within ten seconds");
    // Meanwhile ada adds a customer and changes Dana (her sign-in moves the clock on).
    let mut b = world.backend("ada");
    let input = kasefet::domain::CustomerInput {
        name: "Zeev Ohana".into(),
        ..Default::default()
    };
    b.call(Request::CustomerCreate { input }).unwrap();
    let id = world.customers["dana"];
    let c = customer(&mut b, id);
    let input = kasefet::domain::CustomerInput {
        company: Some("Cohen Holdings".into()),
        sensitive: None,
        ..c.data.clone()
    };
    b.call(Request::CustomerUpdate {
        id,
        version: c.stamp.version,
        input,
    })
    .unwrap();
    assert!(app.tick(), "the screen loads again after ten seconds");
    let text = render(&app, 120, 40);
    assert!(
        text.contains("Zeev Ohana") && text.contains("Cohen Holdings"),
        "the new customer in the list and the change in the open record\n{text}"
    );
    let views = |b: &mut Local| match b
        .call(Request::AuditList {
            offset: 0,
            limit: 500,
        })
        .unwrap()
    {
        Response::Audit(events) => events
            .iter()
            .filter(|e| e.action == "customer.view" && e.username.as_deref() == Some("maya"))
            .count(),
        other => panic!("{other:?}"),
    };
    let before = views(&mut b);
    world.clock.advance(11);
    assert!(!app.tick(), "nothing changed, so nothing is reloaded");
    // Another record changes: the list reloads, the unchanged open record is left alone.
    b.call(Request::CustomerCreate {
        input: kasefet::domain::CustomerInput {
            name: "Yael Third".into(),
            ..Default::default()
        },
    })
    .unwrap();
    world.clock.advance(11);
    assert!(app.tick());
    assert_eq!(
        views(&mut b),
        before,
        "an unchanged open record is not fetched (and audited) again"
    );

    // A form being filled in is left alone; saving over their change is a conflict.
    press(&mut app, KeyCode::Char('e'));
    clear_field(&mut app);
    typ(&mut app, "Dana C.");
    let c = customer(&mut b, id);
    let input = kasefet::domain::CustomerInput {
        name: "Dana Theirs".into(),
        sensitive: None,
        ..c.data.clone()
    };
    b.call(Request::CustomerUpdate {
        id,
        version: c.stamp.version,
        input,
    })
    .unwrap();
    world.clock.advance(11);
    assert!(!app.tick(), "no reload under the person's hands");
    assert!(render(&app, 80, 24).contains("Dana C."));
    ctrl(&mut app, 's');
    assert!(render(&app, 80, 24).contains("Someone else saved first"));
    press(&mut app, KeyCode::Char('r'));
    press(&mut app, KeyCode::Esc);

    // Tasks too; and nothing is asked of the server once the person has walked away, so
    // its own idle lock still works.
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('m')); // everyone's
    let input = kasefet::domain::TaskInput {
        title: "Order new toner".into(),
        ..Default::default()
    };
    b.call(Request::TaskCreate { input }).unwrap();
    assert!(!render(&app, 120, 40).contains("Order new toner"));
    world.clock.advance(11);
    assert!(app.tick());
    assert!(render(&app, 120, 40).contains("Order new toner"));
    world.clock.advance(121);
    assert!(!app.tick(), "idle for two minutes: no refresh");
}

#[test]
fn idle_lock_hides_everything_and_ctrl_l_locks_at_once() {
    let world = World::new();
    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('2'));
    assert!(render(&app, 80, 24).contains("Dana Cohen"));
    world.clock.advance(14 * 60);
    assert!(!app.tick(), "not yet");
    world.clock.advance(60);
    assert!(app.tick());
    assert_eq!(app.screen(), "locked");
    for (w, h) in [(80, 24), (120, 40)] {
        let text = render(&app, w, h);
        for secret in ["Dana", "Cohen", "דנה", "山田", "Customers", "renewal"] {
            assert!(
                !text.contains(secret),
                "{secret} shows on the lock screen\n{text}"
            );
        }
        assert!(text.contains("locked for sam"));
    }
    // The password alone unlocks the real service's session, and the work comes back.
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "customers");
    assert!(render(&app, 80, 24).contains("Dana Cohen"));

    // Ctrl-L locks at once; a wrong password is refused by the service, the right one
    // brings the work back as it was.
    let backend = Local::new(world.service.clone());
    let mut opts = world.options();
    opts.idle_secs = 60;
    let mut app = App::sign_in(Box::new(backend), opts);
    world.sign_in(&mut app, "sam");
    press(&mut app, KeyCode::Char('2'));
    ctrl(&mut app, 'l');
    assert_eq!(app.screen(), "locked");
    typ(&mut app, "not it at all, no");
    press(&mut app, KeyCode::Enter);
    assert!(render(&app, 80, 24).contains("not the password"));
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "customers");
    world.clock.advance(61);
    // A key after the idle time locks instead of acting.
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.screen(), "locked");
}

#[test]
fn quitting_with_unsaved_edits_asks_first() {
    let world = World::new();
    let mut app = world.app("maya");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "Half typed");
    ctrl(&mut app, 'c');
    assert!(render(&app, 80, 24).contains("unsaved changes in Customers"));
    press(&mut app, KeyCode::Char('n'));
    assert!(!app.should_quit());
    assert!(render(&app, 80, 24).contains("Half typed"));
    ctrl(&mut app, 'c');
    press(&mut app, KeyCode::Char('y'));
    assert!(app.should_quit());

    let mut app = world.app("sam");
    press(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit(), "nothing unsaved: q quits at once");
}

fn user(b: &mut Local, name: &str) -> kasefet::domain::User {
    match b
        .call(Request::UserGet {
            username: name.into(),
        })
        .unwrap()
    {
        Response::User(u) => *u,
        other => panic!("{other:?}"),
    }
}

/// The one-time password in the popup, as the admin reads it out.
fn one_time_password_on_screen(app: &App) -> String {
    let screen = render(app, 80, 24);
    let line = screen
        .lines()
        .skip_while(|l| !l.contains("they choose their own password"))
        .nth(2)
        .expect(&screen);
    line.trim_matches(|c: char| c == '│' || c.is_whitespace())
        .to_string()
}

#[test]
fn admin_adds_a_user_and_sees_the_one_time_password_once() {
    let world = World::new();
    let mut app = world.app("ada");
    press(&mut app, KeyCode::Char('5'));
    assert_eq!(app.screen(), "users");
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "lea");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "Lea Mizrahi");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('m')); // manager
    ctrl(&mut app, 's');
    let text = render(&app, 80, 24);
    assert!(
        text.contains("One-time password for lea") && text.contains("shown only now"),
        "{text}"
    );
    let otp = one_time_password_on_screen(&app);
    assert!(otp.len() >= 12, "{otp:?}\n{text}");
    press(&mut app, KeyCode::Esc);
    assert!(!render(&app, 80, 24).contains(&otp), "gone once closed");
    assert!(render(&app, 80, 24).contains("Lea Mizrahi"));
    let mut b = world.backend("ada");
    let lea = user(&mut b, "lea");
    assert_eq!(lea.role, Role::Manager);
    assert_eq!(lea.state, UserState::Pending);
    // The password read off the screen signs lea in, to set up her account.
    world.clock.advance(30);
    let mut lea_app = world.app_with(Box::new(Local::new(world.service.clone())));
    typ(&mut lea_app, "lea");
    press(&mut lea_app, KeyCode::Enter);
    typ(&mut lea_app, &otp);
    press(&mut lea_app, KeyCode::Enter);
    press(&mut lea_app, KeyCode::Enter);
    assert_eq!(lea_app.screen(), "setup", "{}", render(&lea_app, 80, 24));
    drop(lea_app);

    // Destructive account changes ask first; no means no.
    press(&mut app, KeyCode::Char('g')); // ada
    press(&mut app, KeyCode::Char('L'));
    assert!(render(&app, 80, 24).contains("Lock ada?"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(user(&mut b, "ada").state, UserState::Active);
    // sam: lock, then unlock; reset the password (a new one-time password, shown once).
    press(&mut app, KeyCode::Char('G'));
    assert!(selected_row(&app).contains("sam"), "{}", selected_row(&app));
    press(&mut app, KeyCode::Char('L'));
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(user(&mut b, "sam").state, UserState::Locked);
    assert!(render(&app, 80, 24).contains("Locked"));
    press(&mut app, KeyCode::Char('u'));
    assert_eq!(user(&mut b, "sam").state, UserState::Active);
    press(&mut app, KeyCode::Char('p'));
    press(&mut app, KeyCode::Char('y'));
    let text = render(&app, 80, 24);
    assert!(text.contains("One-time password for sam"), "{text}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(user(&mut b, "sam").state, UserState::Pending);
    // Change a role.
    press(&mut app, KeyCode::Char('r'));
    press(&mut app, KeyCode::Char(' ')); // staff → hr
    press(&mut app, KeyCode::Char(' ')); // → manager (by privilege)
    press(&mut app, KeyCode::Enter);
    assert_eq!(user(&mut b, "sam").role, Role::Manager);
}

#[test]
fn a_role_cannot_reach_a_hidden_screen_by_its_key() {
    let world = World::new();
    for (user, hidden) in [
        ("sam", vec!['5', '6', '7']),
        ("hila", vec!['2', '5', '6', '7']),
        ("avi", vec!['5', '7']),
        ("maya", vec!['5', '6', '7']),
    ] {
        let mut app = world.app(user);
        for k in hidden {
            press(&mut app, KeyCode::Char(k));
            assert_eq!(app.screen(), "home", "{user} reached a hidden tab with {k}");
        }
        let mut seen = Vec::new();
        for _ in 0..8 {
            press(&mut app, KeyCode::Tab);
            seen.push(app.screen());
        }
        let allowed: Vec<String> = app
            .tabs()
            .iter()
            .map(|t| t.title().to_lowercase())
            .collect();
        assert!(
            seen.iter().all(|s| allowed.contains(s)),
            "{user}: {seen:?} vs {allowed:?}"
        );
        let bar = render(&app, 120, 40);
        let first = bar.lines().next().unwrap();
        for t in ["Users", "Audit", "Customers", "Backups"] {
            if !allowed.contains(&t.to_lowercase()) {
                assert!(!first.contains(t), "{user} sees the {t} tab");
            }
        }
    }
    // The quick lookup does not lead hr to customers either.
    let mut app = world.app("hila");
    press(&mut app, KeyCode::Char('/'));
    typ(&mut app, "Dana");
    assert!(!render(&app, 80, 24).contains("Dana Cohen"));
}

#[test]
fn quick_lookup_opens_the_record() {
    let world = World::new();
    let mut app = world.app("maya");
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('/'));
    typ(&mut app, "peretz");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "customers");
    assert!(render(&app, 80, 24).contains("noam@peretz.test"));
    // Ctrl-K opens it from the customers tab, where / searches the list.
    ctrl(&mut app, 'k');
    typ(&mut app, "payroll");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "tasks");
}

#[test]
fn escape_strings_in_stored_data_render_as_plain_text() {
    let world = World::new();
    let nasty = [
        "\x1b]52;c;AAAA\x07",
        "\x1b[2J",
        "\x1b]0;owned\x07",
        "\u{9b}31m",
        "carriage\rreturn",
        "\u{202e}reversed",
    ];
    for n in nasty {
        world.add_raw_customer(&format!("Evil {n} end"));
    }
    let mut app = world.app("ada");
    press(&mut app, KeyCode::Char('2'));
    let check = |app: &App| {
        for (w, h) in [(80, 24), (120, 40)] {
            let all = symbols(app, w, h);
            let bad: Vec<char> = all
                .chars()
                .filter(|c| {
                    c.is_control()
                        || ('\u{202a}'..='\u{202e}').contains(c)
                        || ('\u{2066}'..='\u{2069}').contains(c)
                })
                .collect();
            assert!(
                bad.is_empty(),
                "dangerous characters reached the screen: {bad:?}"
            );
        }
    };
    check(&app);
    let text = render(&app, 120, 40);
    for visible in [
        "]52;c;AAAA",
        "[2J",
        "]0;owned",
        "31m",
        "carriagereturn",
        "reversed",
    ] {
        assert!(text.contains(visible), "{visible} missing\n{text}");
    }
    // In the record, the lookup, and pasted into the search box.
    press(&mut app, KeyCode::Char('G'));
    press(&mut app, KeyCode::Enter);
    check(&app);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    app.paste("Evil \x1b[2J");
    check(&app);
    assert!(render(&app, 80, 24).contains("Evil [2J"));
}

#[test]
fn hebrew_and_wide_names_line_up() {
    let world = World::new();
    let mut app = world.app("ada");
    press(&mut app, KeyCode::Char('2'));
    let text = render(&app, 80, 24);
    let col = |needle: &str, status: &str| {
        let line = text.lines().find(|l| l.contains(needle)).unwrap();
        let at = line.find(status).unwrap();
        unicode_width::UnicodeWidthStr::width(&line[..at])
    };
    let latin = col("Dana Cohen", "active");
    assert_eq!(col("דנה לוי", "lead"), latin);
    assert_eq!(col("山田 太郎", "prospect"), latin);
    assert_eq!(col("Noam Peretz", "inactive"), latin);
}
