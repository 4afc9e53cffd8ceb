//! Issue 13, bug 4: the backup folder chosen in the setup wizard is used at once: the
//! first backup goes there and the Backups screen lists it, with no restart.
#![allow(clippy::unwrap_used)]

mod tui_common;

use kasefet::tui::App;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

#[test]
fn the_wizards_backup_folder_takes_the_first_backup() {
    let dir = tempfile::tempdir().unwrap();
    let clock = kasefet::service::Clock::manual(T0);
    let offered = dir.path().join("offered-backups");
    let chosen = dir.path().join("chosen-backups");
    let target = kasefet::tui::screens::wizard::Target {
        data_dir: dir.path().join("data"),
        settings: settings(),
        config_file: Some(dir.path().join("conf/kasefet.toml")),
        backup_dir: offered.clone(),
    };
    let mut app = App::wizard(target, options(&clock)).unwrap();
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
    let screen = render(&app, 120, 40);
    let secret = screen
        .lines()
        .skip_while(|l| !l.contains("Or type this secret:"))
        .nth(1)
        .map(|l| l.rsplit("  ").next().unwrap().replace(' ', ""))
        .unwrap();
    let totp = kasefet::auth::totp::TotpSecret::from_base32(&secret).unwrap();
    typ(&mut app, &totp.code_at(T0 as u64));
    press(&mut app, KeyCode::Enter);
    // Recovery key: tick "stored", then go on; then past the recovery codes.
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    let screen = render(&app, 120, 40);
    assert!(screen.contains(&offered.display().to_string()), "{screen}");
    // Choose another folder than the one offered.
    ctrl(&mut app, 'e');
    ctrl(&mut app, 'u');
    typ(&mut app, &chosen.display().to_string());
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), "home", "{}", render(&app, 120, 40));
    assert!(!render(&app, 120, 40).contains("until Kasefet is started again"));

    clock.advance(60);
    press(&mut app, KeyCode::Char('7'));
    assert_eq!(app.screen(), "backups");
    press(&mut app, KeyCode::Char('r'));
    assert!(app.tick());
    let screen = render(&app, 120, 40);
    assert!(screen.contains("Backup taken: kasefet-"), "{screen}");
    let taken: Vec<_> = std::fs::read_dir(&chosen)
        .unwrap()
        .flat_map(|db| std::fs::read_dir(db.unwrap().path()).unwrap())
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(taken.len(), 1, "the backup is in the chosen folder");
    assert!(
        screen.contains(&taken[0]),
        "the Backups screen lists it: {screen}"
    );
    assert!(
        !offered.exists(),
        "nothing went to the folder offered first"
    );
}
