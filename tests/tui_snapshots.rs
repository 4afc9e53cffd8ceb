//! Every screen for every role at 80×24 and 120×40, rendered from a real `Service` on a
//! temporary database into a `TestBackend`, compared with insta snapshots (dates, times
//! and ids filtered).
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::auth::totp::TotpSecret;
use kasefet::client::Local;
use kasefet::domain::{Permission, Role, role::allows};
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
        press(&mut app, KeyCode::Char('s'));
        snap(&app, &format!("{r}_sessions"));
        press(&mut app, KeyCode::Char('s'));
    }
    if allows(role, Permission::AuditRead) {
        press(&mut app, KeyCode::Char('6'));
        assert_eq!(app.screen(), "audit");
        snap(&app, &format!("{r}_audit"));
    }
    if allows(role, Permission::Backup) {
        press(&mut app, KeyCode::Char('7'));
        assert_eq!(app.screen(), "backups");
        snap(&app, &format!("{r}_backups"));
        press_and_wait(&mut app, KeyCode::Char('v'));
        snap(&app, &format!("{r}_backups_verified"));
    }
    ctrl(&mut app, 'l');
    assert_eq!(app.screen(), "locked");
    snap(&app, &format!("{r}_locked"));
}

#[test]
fn admin_screens() {
    let world = World::new();
    // A backup taken, and a colleague signed in, so those screens have something to show.
    world.backup_now();
    let _maya = world.backend("maya");
    role_screens(&world, Role::Admin);
}

/// What admins see when backups need attention: stale on Home and in the status line, and
/// the Backups screen with no folder configured.
#[test]
fn backup_warning_screens() {
    let world = World::new();
    world.backup_now();
    world.clock.advance(27 * 3600);
    let mut app = world.app("ada");
    // Past the sign-in notice (where it came from differs by terminal).
    press(&mut app, KeyCode::Char('1'));
    snap(&app, "admin_home_backup_stale");

    let world = World::empty_with(|s| s.backup = None);
    let mut app = world.app("ada");
    press(&mut app, KeyCode::Char('7'));
    snap(&app, "admin_backups_off");
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

/// The account setup a new user goes through, against the real service: the secret, its QR
/// code and the recovery codes are fresh each run, so they are filtered.
#[test]
fn account_setup_screens() {
    let world = World::empty();
    let otp = world.add_pending_user("lea", "Lea New", Role::Staff);
    let mut app = world.app_with(Box::new(Local::new(world.service.clone())));
    typ(&mut app, "lea");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, &otp);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "setup", "{}", render(&app, 80, 24));
    let mut settings = filtered();
    // The QR code's rows, the secret grouped and in the URL, and the recovery codes.
    settings.add_filter(r"[█▀▄][█▀▄ ]{6,}[█▀▄]", "[qr]");
    settings.add_filter(r"\b[A-Z2-7]{4}( [A-Z2-7]{4})+\b", "[secret]");
    settings.add_filter(r"=[A-Z2-7]{16,}", "=[secret]");
    settings.add_filter(r"[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z-]+", "[recovery code]");
    let shot = |app: &App, name: &str| {
        settings.bind(|| {
            for (w, h) in SIZES {
                insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
            }
        })
    };
    typ(&mut app, "lea");
    shot(&app, "setup_1_password");
    for _ in 0..3 {
        press(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, PASSWORD);
    press(&mut app, KeyCode::Enter);
    shot(&app, "setup_2_enrol");
    let screen = render(&app, 120, 40);
    let at = screen.find("secret=").unwrap() + "secret=".len();
    let secret: String = screen[at..]
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || ('2'..='7').contains(c))
        .collect();
    let totp = TotpSecret::from_base32(&secret).unwrap();
    typ(&mut app, &totp.code_at(world.clock.now() as u64));
    press(&mut app, KeyCode::Enter);
    shot(&app, "setup_3_codes");
}
