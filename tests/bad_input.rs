//! Issue 9 §6 through the real binary: config numbers out of range, every form of a card
//! number, invisible characters, implausible birth dates and data files open to others.
#![allow(clippy::unwrap_used)]

mod office_common;

use std::os::unix::fs::PermissionsExt;

use office_common::{Office, err, text};

/// The sixteen forms of issue 9 (the last ten were stored before).
const CARD_FORMS: [&str; 16] = [
    "4111111111111111",
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "4111 1111-1111 1111",
    "٤١١١١١١١١١١١١١١١",
    "４１１１１１１１１１１１１１１１",
    "4111.1111.1111.1111",
    "4111/1111/1111/1111",
    "4111_1111_1111_1111",
    "4111,1111,1111,1111",
    "4111  1111  1111  1111",
    "4111\u{a0}1111\u{a0}1111\u{a0}1111",
    "4111\u{2009}1111\u{2009}1111\u{2009}1111",
    "4111\u{200b}1111\u{200b}1111\u{200b}1111",
    "४१११ ११११ ११११ ११११",
    "4111 - 1111 - 1111 - 1111",
];

#[test]
fn config_numbers_out_of_range_stop_the_program_with_the_key_named() {
    let dir = tempfile::tempdir().unwrap();
    for (line, key) in [
        (
            "[security]\nlock_minutes = 0\n",
            "security.lock_minutes = 0",
        ),
        (
            "[security]\nlock_minutes = 9223372036854775807\n",
            "security.lock_minutes = 9223372036854775807",
        ),
        (
            "[security]\nargon2_memory_kib = 16777216\n",
            "security.argon2_memory_kib = 16777216",
        ),
        (
            "[storage]\ncache_mb = 18446744073709551615\n",
            "storage.cache_mb",
        ),
    ] {
        std::fs::write(dir.path().join("k.toml"), line).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kasefet"))
            .current_dir(dir.path())
            .args(["--config", "k.toml", "--data-dir", "db", "doctor"])
            .output()
            .unwrap();
        let e = err(&out);
        assert!(!out.status.success(), "{line}: accepted");
        assert!(e.contains(key) && e.contains("out of range"), "{line}: {e}");
        assert!(!e.contains("panicked"), "{e}");
    }
}

#[test]
fn card_numbers_invisible_characters_and_odd_birth_dates_are_refused_or_cleaned() {
    let o = Office::new("");
    let mut script = String::new();
    for (i, form) in CARD_FORMS.iter().enumerate() {
        script.push_str(&format!(
            "customer add --name 'Card {i}' --source 'paid {form}'\n"
        ));
    }
    script.push_str("customer add --name 'Old' --birth-date 0000-01-01\n");
    script.push_str("customer add --name 'Future' --birth-date 2999-01-01\n");
    script.push_str(
        "customer add --name '\u{200b}Da\u{feff}na\u{200e} Co\u{2028}hen\u{061c}' --company 'Ac\u{200f}me'\n",
    );
    script.push_str("customer add --name 'می\u{200c}خواهم'\n");
    script.push_str("customer list --json\n");
    let out = o.signed_in(&["batch"], Some(&script));
    let (stdout, stderr) = (text(&out), err(&out));
    assert!(stderr.contains("batch: 3 succeeded, 18 failed"), "{stderr}");
    for i in 1..=16 {
        assert!(
            stderr.contains(&format!(
                "line {i}: invalid input: source: looks like a full card number"
            )),
            "form {} was not refused: {stderr}",
            CARD_FORMS[i - 1]
        );
    }
    assert!(
        stderr.contains(
            "line 17: invalid input: date of birth: 0000-01-01 is not a plausible birth date"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "line 18: invalid input: date of birth: 2999-01-01 is not a plausible birth date"
        ),
        "{stderr}"
    );
    let json_line = stdout.lines().find(|l| l.starts_with('[')).unwrap();
    let list: serde_json::Value = serde_json::from_str(json_line).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{stdout}");
    assert!(
        names.contains(&"Dana Cohen"),
        "invisible characters kept: {names:?}"
    );
    assert!(
        names.contains(&"می\u{200c}خواهم"),
        "ZWNJ inside a word dropped: {names:?}"
    );
    assert!(
        !stdout.contains('\u{200b}') && !stdout.contains('\u{feff}') && !stdout.contains("\\u200b")
    );
}

#[test]
fn a_data_file_open_to_others_is_made_private_and_named() {
    let o = Office::new("");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let conf = o.p("db").join("conf");
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = o.run(&["doctor"], None);
    let said = text(&out);
    assert!(said.contains("database opens"), "{said}");
    assert!(
        said.contains("open to other users and are now private") && said.contains("conf"),
        "{said}"
    );
    assert_eq!(mode(&conf), 0o600);

    // Through a command too: a warning on stderr, and the command works.
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = o.signed_in(&["customer", "list"], None);
    assert!(out.status.success(), "{}", err(&out));
    assert!(
        err(&out).contains("warning: 1 file(s) in the data directory"),
        "{}",
        err(&out)
    );
    assert_eq!(mode(&conf), 0o600);
}
