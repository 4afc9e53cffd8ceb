//! Key-driven flows for what admins watch over, against a real `Service`: backups (the
//! screen, the status line, Home, the nightly run), live sessions, and the security picture.
#![allow(clippy::unwrap_used)]

mod tui_common;

use std::time::{Duration, Instant};

use kasefet::client::{Backend, Local};
use kasefet::crypto::Password;
use kasefet::service::{Error, Request, Response};
use kasefet::tui::nightly::Nightly;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

/// The status line: the last row of the screen, or two when a long note takes a second.
fn status(app: &kasefet::tui::App) -> String {
    let screen = render(app, 120, 40);
    let lines: Vec<&str> = screen.lines().collect();
    let [.., above, last] = lines.as_slice() else {
        panic!("{screen}")
    };
    if above.starts_with(' ') && !above.contains('│') && !above.contains('╯') {
        format!("{above} {}", last.trim())
    } else {
        last.to_string()
    }
}

#[test]
fn backups_screen_lists_takes_and_verifies_backups() {
    let world = World::new();
    let first = world.backup_now();
    // Yesterday's: retention keeps the newest of each day, and this test wants two.
    world.clock.advance(20 * 3600);
    let mut app = world.app("ada");
    assert!(status(&app).contains("backup 20 h ago"), "{}", status(&app));
    press(&mut app, KeyCode::Char('7'));
    assert_eq!(app.screen(), "backups");
    let text = render(&app, 120, 40);
    assert!(
        text.contains(&first) && text.contains("4 customers") && text.contains("not yet"),
        "{text}"
    );

    world.clock.advance(60);
    // The screen says what is happening before the work starts.
    press(&mut app, KeyCode::Char('r'));
    assert!(
        status(&app).contains("Taking a backup…"),
        "{}",
        status(&app)
    );
    assert!(app.tick());
    assert!(!app.busy());
    let text = render(&app, 120, 40);
    assert!(text.contains("Backup taken: kasefet-"), "{text}");
    assert!(
        status(&app).contains("backup 0 min ago"),
        "{}",
        status(&app)
    );
    let files = std::fs::read_dir(world.backup_dir()).unwrap().count();
    assert_eq!(files, 2, "{text}");

    // Verify the new one (highlighted) in full.
    press_and_wait(&mut app, KeyCode::Char('v'));
    let text = render(&app, 120, 40);
    assert!(status(&app).contains("Verified in full: "), "{text}");
    assert!(text.contains("yes, in full"), "{text}");

    // A damaged file fails, plainly, and the list says so.
    let path = world.backup_dir().join(&first);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();
    press(&mut app, KeyCode::Down);
    press_and_wait(&mut app, KeyCode::Char('v'));
    let text = render(&app, 120, 40);
    let row = text.lines().find(|l| l.contains("FAILED")).unwrap_or("");
    assert!(!row.is_empty(), "{text}");
    assert!(status(&app).contains("kasefet: ") || status(&app).len() > 30);

    // Every one of these is in the audit log.
    let mut b = world.backend("ada");
    let Response::Audit(events) = b
        .call(Request::AuditList {
            offset: 0,
            limit: 50,
        })
        .unwrap()
    else {
        panic!()
    };
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"backup.run") && actions.contains(&"backup.verify"));
}

#[test]
fn no_backup_folder_is_said_plainly() {
    let world = World::empty_with(|s| s.backup = None);
    let mut app = world.app("ada");
    assert!(status(&app).contains("! backups off"), "{}", status(&app));
    let home = render(&app, 120, 40);
    assert!(
        home.contains(
            "! Backups: no backup folder is configured: set [backup] dir in kasefet.toml"
        ),
        "{home}"
    );
    press(&mut app, KeyCode::Char('7'));
    let text = render(&app, 80, 24);
    assert!(
        text.contains("no backup folder is configured: set [backup] dir in"),
        "{text}"
    );
    press_and_wait(&mut app, KeyCode::Char('r'));
    assert!(render(&app, 120, 40).contains("no backup folder is configured"));
}

#[test]
fn a_failing_backup_shows_on_home_and_in_the_status_line() {
    // The folder's path is taken by a file: the run fails however privileged the test is.
    let world = World::empty_with(|s| {
        let dir = s.backup.as_ref().unwrap().dir.clone();
        std::fs::write(dir, "not a folder").unwrap();
    });
    let mut app = world.app("ada");
    press(&mut app, KeyCode::Char('7'));
    press_and_wait(&mut app, KeyCode::Char('r'));
    assert!(
        status(&app).contains("cannot use the backup folder"),
        "{}",
        render(&app, 120, 40)
    );
    // The folder cannot even be listed, so that is what Home and the status line say.
    press(&mut app, KeyCode::Char('1'));
    assert!(
        status(&app).contains("! backup failing"),
        "{}",
        status(&app)
    );
    let home = render(&app, 120, 40);
    assert!(
        home.contains("! Backups: cannot use the backup folder"),
        "{home}"
    );
    assert!(home.contains("Backup    ! failing"), "{home}");

    // A folder that lists but cannot take the file: the status record says it failed.
    let world = World::new();
    let dir = world.backup_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let name = kasefet::backup::file_name(world.clock.now() + 60).unwrap();
    // The backup's own name is taken by a folder, so the final rename fails.
    std::fs::create_dir_all(dir.join(&name)).unwrap();
    let mut app = world.app("ada");
    world.clock.advance(60 - 30);
    press(&mut app, KeyCode::Char('7'));
    press_and_wait(&mut app, KeyCode::Char('r'));
    assert!(status(&app).contains("! backup failed"), "{}", status(&app));
    press(&mut app, KeyCode::Char('1'));
    let home = render(&app, 120, 40);
    assert!(
        home.contains("! Backups: no backup has been taken yet; the last attempt failed"),
        "{home}"
    );
    assert!(home.contains("Backup    ! last attempt failed"), "{home}");
}

#[test]
fn a_stale_backup_turns_into_a_warning_after_26_hours() {
    let world = World::new();
    world.backup_now();
    world.clock.advance(25 * 3600);
    let app = world.app("ada");
    assert!(status(&app).contains("backup 25 h ago"), "{}", status(&app));
    assert!(!render(&app, 120, 40).contains("! Backups:"));
    drop(app);
    world.clock.advance(2 * 3600);
    let app = world.app("ada");
    assert!(
        status(&app).contains("! backup 27 h old"),
        "{}",
        status(&app)
    );
    let home = render(&app, 120, 40);
    assert!(home.contains("! Backups: last backup kasefet-"), "{home}");
    assert!(home.contains("27 h ago"), "{home}");
    // Others see nothing of it.
    let app = world.app("maya");
    assert!(!status(&app).contains("backup"), "{}", status(&app));
}

#[test]
fn the_nightly_backup_runs_while_the_tui_owns_the_database() {
    let world = World::new();
    let nightly = Nightly::start(&world.service).unwrap().unwrap();
    // No backup yet: it catches up at once.
    let start = Instant::now();
    while std::fs::read_dir(world.backup_dir())
        .map(|d| d.count())
        .unwrap_or(0)
        == 0
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no catch-up backup"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(nightly.running());
    let t = Instant::now();
    drop(nightly);
    assert!(t.elapsed() < Duration::from_secs(5), "stops promptly");

    let none = World::empty_with(|s| s.backup = None);
    assert!(Nightly::start(&none.service).unwrap().is_none());
}

#[test]
fn admin_sees_live_sessions_and_ends_one() {
    let world = World::new();
    let mut sam = world.app("sam");
    let mut maya = world.backend("maya");
    let mut app = world.app("ada");
    press(&mut app, KeyCode::Char('5'));
    press(&mut app, KeyCode::Char('s'));
    let text = render(&app, 120, 40);
    assert!(text.contains("Live sessions (3)"), "{text}");
    let row = |who: &str| {
        render(&app, 120, 40)
            .lines()
            .find(|l| l.contains(&format!(" {who} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("ada").contains("this one"), "{text}");
    // Your own session is not ended from here.
    press(&mut app, KeyCode::Char('g'));
    press(&mut app, KeyCode::Char('x'));
    assert!(render(&app, 120, 40).contains("That is this session"));
    // maya's: asked first, no means no.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('x'));
    let text = render(&app, 80, 24);
    assert!(
        text.contains("End the session") && text.contains("of maya"),
        "{text}"
    );
    press(&mut app, KeyCode::Char('n'));
    assert!(maya.call(Request::Whoami).is_ok());
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Char('y'));
    let text = render(&app, 120, 40);
    assert!(
        text.contains("Live sessions (2)") && text.contains("ended"),
        "{text}"
    );
    assert!(matches!(
        maya.call(Request::Whoami),
        Err(Error::SessionEnded)
    ));
    // sam's too; sam's screen notices by itself and goes back to sign-in.
    press(&mut app, KeyCode::Char('G'));
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Char('y'));
    world.clock.advance(11);
    assert!(sam.tick());
    assert_eq!(sam.screen(), "sign-in");
    assert!(render(&sam, 80, 24).contains("Your session has ended"));
    // Back to the accounts.
    press(&mut app, KeyCode::Char('s'));
    assert!(render(&app, 80, 24).contains("Ada Admin"));
}

#[test]
fn home_shows_admins_the_security_picture() {
    let world = World::new();
    let mut b = world.backend("ada");
    b.call(Request::UserLock {
        username: "sam".into(),
    })
    .unwrap();
    b.logout();
    let mut failing = Local::new(world.service.clone());
    assert!(
        failing
            .login("avi", &Password::new("not the password at all"), "123456")
            .is_err()
    );
    let app = world.app("ada");
    let home = render(&app, 120, 40);
    let line = |label: &str| {
        home.lines()
            .find(|l| l.contains(label))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("Locked").contains("Locked    sam"), "{home}");
    assert!(line("Disabled").contains("none"), "{home}");
    assert!(line("Policy").contains("all accepted"), "{home}");
    assert!(line("Failed sign-ins, 24 h").contains(" 1"), "{home}");
    // Not for others.
    let app = world.app("maya");
    assert!(!render(&app, 120, 40).contains("Failed sign-ins"));
}
