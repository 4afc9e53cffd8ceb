//! Every screen for every role at 80×24 and 120×40, rendered from a real `Service` on a
//! temporary database into a `TestBackend`, compared with insta snapshots (dates, times
//! and ids filtered).
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::auth::totp::TotpSecret;
use kasefet::client::Local;
use kasefet::crypto::SecretText;
use kasefet::domain::{Permission, Role, role::allows};
use kasefet::service::{Request, Response};
use kasefet::tui::App;
use kasefet::tui::screens::wizard::{Step, Target};
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// Snapshots the app at both sizes under `name`.
fn snap(app: &App, name: &str) {
    let settings = filtered();
    settings.bind(|| {
        for (w, h) in SIZES {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
        }
    });
}

fn role_screens(world: &World, role: Role) {
    let r = role.as_str();
    let mut app = world.app(username(role));
    press(&mut app, KeyCode::Char('1'));
    snap(&app, &format!("{r}_home"));
    press(&mut app, KeyCode::Char('?'));
    snap(&app, &format!("{r}_help"));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    typ(&mut app, "co");
    snap(&app, &format!("{r}_lookup"));
    press(&mut app, KeyCode::Esc);

    if allows(role, Permission::CustomerRead) {
        press(&mut app, KeyCode::Char('2'));
        assert_eq!(app.screen(), "customers");
        snap(&app, &format!("{r}_customers"));
        press(&mut app, KeyCode::Enter);
        snap(&app, &format!("{r}_customer"));
        if allows(role, Permission::CustomerSensitive) {
            // Dana is owned by sam: staff may reveal her too.
            press(&mut app, KeyCode::Char('r'));
            snap(&app, &format!("{r}_customer_revealed"));
        }
        press(&mut app, KeyCode::Esc);
        if allows(role, Permission::CustomerWrite) {
            press(&mut app, KeyCode::Char('n'));
            snap(&app, &format!("{r}_customer_new"));
            press(&mut app, KeyCode::Esc);
        }
    }
    if allows(role, Permission::TaskRead) {
        press(&mut app, KeyCode::Char('3'));
        assert_eq!(app.screen(), "tasks");
        snap(&app, &format!("{r}_tasks"));
        press(&mut app, KeyCode::Enter);
        snap(&app, &format!("{r}_task"));
        press(&mut app, KeyCode::Esc);
    }
    press(&mut app, KeyCode::Char('4'));
    assert_eq!(app.screen(), "employees");
    snap(&app, &format!("{r}_employees"));
    press(&mut app, KeyCode::Enter);
    if allows(role, Permission::EmployeeHr) {
        press(&mut app, KeyCode::Char('r'));
    }
    snap(&app, &format!("{r}_employee"));
    press(&mut app, KeyCode::Esc);
    if allows(role, Permission::UserAdmin) {
        press(&mut app, KeyCode::Char('5'));
        assert_eq!(app.screen(), "users");
        snap(&app, &format!("{r}_users"));
    }
    if allows(role, Permission::AuditRead) {
        press(&mut app, KeyCode::Char('6'));
        assert_eq!(app.screen(), "audit");
        snap(&app, &format!("{r}_audit"));
    }
    ctrl(&mut app, 'l');
    assert_eq!(app.screen(), "locked");
    snap(&app, &format!("{r}_locked"));
}

#[test]
fn admin_screens() {
    role_screens(&World::new(), Role::Admin);
}

#[test]
fn manager_screens() {
    role_screens(&World::new(), Role::Manager);
}

#[test]
fn staff_screens() {
    role_screens(&World::new(), Role::Staff);
}

#[test]
fn hr_screens() {
    role_screens(&World::new(), Role::Hr);
}

#[test]
fn auditor_screens() {
    role_screens(&World::new(), Role::Auditor);
}

#[test]
fn sign_in_screens() {
    let world = World::new();
    let mut app = world.app_with(Box::new(Local::new(world.service.clone())));
    snap(&app, "sign_in");
    typ(&mut app, "maya");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "not the password at all");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "123456");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "sign-in");
    snap(&app, "sign_in_failed");
    let tiny = render(&app, 79, 23);
    assert!(tiny.contains("enlarge the window"), "{tiny}");
    insta::assert_snapshot!("too_small_60x12", render(&app, 60, 12));
}

fn wizard_app(world_dir: &std::path::Path) -> App {
    let target = Target {
        data_dir: world_dir.join("data"),
        settings: settings(),
        config_file: Some(world_dir.join("kasefet.toml")),
        backup_dir: world_dir.join("backups"),
    };
    let secret = TotpSecret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
    let mut opts = options(&kasefet::service::Clock::manual(T0));
    opts.org = String::new();
    App::wizard_with_secret(target, opts, secret)
}

#[test]
fn wizard_screens() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = wizard_app(dir.path());
    let mut settings = filtered();
    settings.add_filter(r"[A-Z2-7]{4}(-[A-Z2-7]{1,4}){3,}", "[recovery key]");
    settings.add_filter(r"[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z-]+", "[recovery code]");
    settings.add_filter(&regex_escape(&dir.path().display().to_string()), "[tmp]");
    let shot = |app: &App, name: &str| {
        settings.bind(|| {
            for (w, h) in SIZES {
                insta::assert_snapshot!(format!("wizard_{name}_{w}x{h}"), render(app, w, h));
            }
        })
    };
    shot(&app, "1_organisation");
    typ(&mut app, "Levi & Sons");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.wizard_step(), Some(Step::Admin));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    shot(&app, "2_admin_errors");
    typ(&mut app, "noa");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "Noa Levi");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.wizard_step(), Some(Step::Password));
    typ(&mut app, "short");
    shot(&app, "3_password");
    for _ in 0.."short".len() {
        press(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.wizard_step(), Some(Step::Totp));
    shot(&app, "4_totp");
    let secret = TotpSecret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
    typ(&mut app, &secret.code_at(T0 as u64));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.wizard_step(),
        Some(Step::RecoveryKey),
        "{}",
        render(&app, 80, 24)
    );
    shot(&app, "5_recovery_key");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.wizard_step(), Some(Step::Codes));
    shot(&app, "6_codes");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.wizard_step(), Some(Step::Backup));
    shot(&app, "7_backup");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "home");
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '/' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// The account setup a new user goes through, with the accounts-contract requests answered
/// by a script (the service here refuses them until the accounts branch lands).
#[test]
fn account_setup_screens() {
    let world = World::empty();
    world.add_user_directly(
        "lea",
        "Lea New",
        Role::Staff,
        kasefet::domain::UserState::Pending,
        None,
        "one-time-0TP-xyz",
    );
    let secret = TotpSecret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
    let url = secret.otpauth_url("lea").to_string();
    let backend = Scripted {
        inner: Local::new(world.service.clone()),
        answer: Box::new(move |req| match req {
            Request::AccountChangePassword { .. } => Some(Ok(Response::Done)),
            Request::AccountBeginTotp => Some(Ok(Response::TotpEnrolment {
                secret_base32: SecretText::new("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into()),
                otpauth_url: SecretText::new(url.clone()),
            })),
            Request::AccountConfirmTotp { .. } => Some(Ok(Response::RecoveryCodes(
                (0..10)
                    .map(|i| SecretText::new(format!("abcd-efgh-jk{i:02}")))
                    .collect(),
            ))),
            _ => None,
        }),
        unlock_ok: false,
    };
    let mut app = world.app_with(Box::new(backend));
    typ(&mut app, "lea");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "one-time-0TP-xyz");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "setup", "{}", render(&app, 80, 24));
    typ(&mut app, "lea");
    snap(&app, "setup_1_password");
    for _ in 0..3 {
        press(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    snap(&app, "setup_2_enrol");
    typ(&mut app, "123456");
    press(&mut app, KeyCode::Enter);
    snap(&app, "setup_3_codes");
}
