//! Issue 13, bugs 2, 3 and 7 and the `backup list` friction, through the real binary:
//! two databases sharing a backup folder, two manual backups in one day, a "last backup"
//! whose file is gone, sizes and contents in the listing, and what a restore says.
#![allow(clippy::unwrap_used)]

mod office_common;

use std::path::{Path, PathBuf};

use office_common::{Office, err, text};

const BACKUP: &str = "[backup]\ndir = \"bk\"\nkeep_daily = 1\nkeep_monthly = 0\n";

fn ok(o: &std::process::Output) -> String {
    assert!(o.status.success(), "stderr: {}", err(o));
    text(o)
}

/// `(path, name)` of every backup `backup list --json` shows for database `db`.
fn listed(o: &Office, db: &str) -> Vec<(PathBuf, String)> {
    let v: serde_json::Value =
        serde_json::from_str(&ok(&o.run_in(db, &["backup", "list", "--json"], None))).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                // Relative to the working directory, as the configured folder is.
                o.path().join(b["path"].as_str().unwrap()),
                b["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn backup_run(o: &Office, db: &str) -> String {
    // Backups are named by the second they start.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(&o.run_in(db, &["backup", "run"], None))
}

fn folder_of(p: &Path) -> PathBuf {
    p.parent().unwrap().to_path_buf()
}

#[test]
fn two_databases_sharing_a_backup_folder_never_touch_each_other() {
    let o = Office::new(BACKUP);
    backup_run(&o, "db");
    let first = listed(&o, "db");
    assert_eq!(first.len(), 1);
    let (a_path, a_name) = first[0].clone();
    let a_dir = folder_of(&a_path);
    assert_ne!(a_dir, o.p("bk"), "backups go to a folder of their database");
    // An old backup of the first database that its own retention would remove.
    let old = a_dir.join("kasefet-20200101T000000Z.kbak");
    std::fs::copy(&a_path, &old).unwrap();

    o.init("d2");
    let run = backup_run(&o, "d2");
    assert!(!run.contains("retention removed"), "{run}");
    assert!(
        a_path.exists() && old.exists(),
        "d2's retention touched db's backups"
    );
    let second = listed(&o, "d2");
    assert_eq!(second.len(), 1, "{second:?}");
    assert_ne!(folder_of(&second[0].0), a_dir);

    let doctor = text(&o.run_in("d2", &["doctor"], None));
    assert!(
        !doctor.contains(&a_name),
        "d2's doctor names db's backup: {doctor}"
    );
    assert!(!doctor.contains("no backup has been taken yet"), "{doctor}");
    assert!(doctor.contains(&second[0].1), "{doctor}");

    // The first database's own retention does remove its old one, and only that.
    let run = backup_run(&o, "db");
    assert!(
        run.contains("retention removed kasefet-20200101T000000Z.kbak"),
        "{run}"
    );
    assert!(!old.exists() && a_path.exists() && second[0].0.exists());
}

#[test]
fn a_second_manual_backup_the_same_day_keeps_the_first() {
    let o = Office::new(BACKUP);
    backup_run(&o, "db");
    let run = backup_run(&o, "db");
    assert!(!run.contains("retention removed"), "{run}");
    assert_eq!(listed(&o, "db").len(), 2);
}

#[test]
fn last_backup_never_names_a_file_that_is_gone() {
    let o = Office::new(BACKUP);
    backup_run(&o, "db");
    backup_run(&o, "db");
    let all = listed(&o, "db");
    let (newest, newest_name) = all[0].clone();
    let older_name = all[1].1.clone();
    std::fs::remove_file(&newest).unwrap();
    let list = ok(&o.run(&["backup", "list"], None));
    assert!(!list.contains(&newest_name), "{list}");
    assert!(
        list.contains(&format!("last backup {older_name}")),
        "{list}"
    );
    let doctor = text(&o.run(&["doctor"], None));
    assert!(!doctor.contains(&newest_name), "{doctor}");
}

#[test]
fn backup_list_shows_small_sizes_and_whole_contents_and_restore_names_the_database() {
    let o = Office::new(BACKUP);
    backup_run(&o, "db");
    let list = ok(&o.run(&["backup", "list"], None));
    assert!(!list.contains("0.0 MiB"), "{list}");
    assert!(list.contains(" KiB"), "{list}");
    assert!(!list.contains('…'), "{list}");
    assert!(
        list.contains("audit"),
        "the contents column is whole: {list}"
    );

    let (path, _) = listed(&o, "db")[0].clone();
    let restore = ok(&o.run(
        &[
            "backup",
            "restore",
            path.to_str().unwrap(),
            "--to",
            "copy",
            "--recovery-key-file",
            "db.rk",
        ],
        None,
    ));
    assert!(restore.contains("same database (id "), "{restore}");
}
