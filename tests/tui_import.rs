//! The import screen and export from Customers, driven by keys: an admin imports a CSV
//! (path, mapping changed on the screen, dry run, progress, a `y`), sees it in the list and
//! reverts it; a manager imports too; staff and auditors are told no, hr never sees
//! customers; an export writes the filtered customers 0600 and asks before replacing.
#![allow(clippy::unwrap_used)]

mod tui_common;

use std::os::unix::fs::PermissionsExt;

use kasefet::client::Backend;
use kasefet::domain::Role;
use kasefet::service::{CustomerFilter, Request, Response};
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn snap(name: &str, app: &kasefet::tui::App) {
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = render(app, w, h);
        filtered().bind(|| insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen));
    }
}

fn customers(w: &World) -> usize {
    let mut b = w.backend("ada");
    let n = match b
        .call(Request::CustomerList {
            filter: CustomerFilter::default(),
        })
        .unwrap()
    {
        Response::Customers(c) => c.len(),
        other => panic!("{other:?}"),
    };
    b.logout();
    n
}

const CSV: &str = "Name,E-mail,Telefon,City\n\
Noa Levi,noa@example.org,054-1234567,Haifa\n\
Avi Ben,avi@example.org,052-1112223,Eilat\n\
Bad Row,not-an-email,,\n\
Dana Again,DANA@cohen.test,,Tel Aviv\n";

/// `user`'s app on the Import screen's list, opened from Customers with `I`.
fn import_screen(w: &World, user: &str) -> kasefet::tui::App {
    let mut app = w.app(user);
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(app.screen(), "customers");
    typ(&mut app, "I");
    app
}

#[test]
fn an_admin_imports_with_a_dry_run_a_changed_mapping_and_a_yes_then_reverts() {
    let w = World::new();
    let file = w.dir.path().join("contacts.csv");
    std::fs::write(&file, CSV).unwrap();
    let before = customers(&w);
    let mut app = import_screen(&w, "ada");
    let s = render(&app, 80, 24);
    assert!(s.contains("No import yet"), "{s}");
    snap("admin_import_empty", &app);

    // The path, then mode and tag as they are.
    typ(&mut app, "n");
    typ(&mut app, &file.display().to_string());
    snap("admin_import_path", &app);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "imported");
    press(&mut app, KeyCode::Enter);
    let s = render(&app, 120, 40);
    assert!(s.contains("contacts.csv"), "{s}");
    assert!(s.contains("Telefon") && s.contains("not imported"), "{s}");

    // Telefon is not a column name Kasefet knows: cycle it to `phone` on the screen.
    let telefon = 2;
    for _ in 0..telefon {
        press(&mut app, KeyCode::Down);
    }
    let steps = kasefet::transfer::Field::ALL
        .iter()
        .position(|f| f.as_str() == "phone")
        .unwrap()
        + 1;
    for _ in 0..steps {
        typ(&mut app, "e");
    }
    let s = render(&app, 120, 40);
    assert!(
        s.lines()
            .any(|l| l.contains("Telefon") && l.contains("phone")),
        "{s}"
    );
    snap("admin_import_review", &app);

    // The dry run: a progress bar while the rows go, then the counts; nothing written.
    typ(&mut app, "c");
    assert!(app.busy(), "the dry run waits for the bar to be drawn");
    let s = render(&app, 80, 24);
    assert!(s.contains("Sending rows: 0 of 4"), "{s}");
    app.tick();
    let s = render(&app, 80, 24);
    assert!(s.contains("checking them in one pass"), "{s}");
    assert!(s.contains("100%"), "{s}");
    while app.busy() {
        app.tick();
    }
    let s = render(&app, 120, 40);
    assert!(s.contains("Dry run (nothing written)"), "{s}");
    assert!(s.contains("would create 2"), "{s}");
    assert!(s.contains("would update 1"), "{s}");
    assert!(s.contains("line 4:"), "the refused row, by line: {s}");
    assert_eq!(customers(&w), before, "a dry run writes nothing");
    snap("admin_import_dry_run", &app);

    // Enter is not a yes; `n` is a no; `y` imports.
    typ(&mut app, "i");
    snap("admin_import_confirm", &app);
    press(&mut app, KeyCode::Enter);
    assert!(render(&app, 80, 24).contains("Import customers"));
    assert_eq!(customers(&w), before);
    typ(&mut app, "n");
    assert_eq!(customers(&w), before);
    typ(&mut app, "i");
    typ(&mut app, "y");
    assert!(app.busy());
    while app.busy() {
        app.tick();
    }
    assert_eq!(customers(&w), before + 2);
    let s = render(&app, 120, 40);
    assert!(s.contains("Import 1 done"), "{s}");
    assert!(s.contains("created 2, updated 1"), "{s}");
    snap("admin_import_done", &app);

    // The list shows it; revert asks, Enter does nothing, `y` reverts.
    press(&mut app, KeyCode::Esc);
    let s = render(&app, 120, 40);
    assert!(s.contains("contacts.csv") && s.contains("ada"), "{s}");
    snap("admin_import_list", &app);
    typ(&mut app, "u");
    press(&mut app, KeyCode::Enter);
    assert_eq!(customers(&w), before + 2, "Enter is not a yes");
    typ(&mut app, "y");
    assert_eq!(customers(&w), before);
    let s = render(&app, 120, 40);
    assert!(s.contains("Import 1 reverted"), "{s}");
    assert!(s.contains("reverted"), "{s}");

    // `?` lists the import keys.
    typ(&mut app, "?");
    let s = render(&app, 120, 40);
    assert!(s.contains("revert the highlighted import"), "{s}");
    assert!(s.contains("Import"), "{s}");
    press(&mut app, KeyCode::Esc);

    // Esc goes back to the customers.
    press(&mut app, KeyCode::Esc);
    assert!(render(&app, 120, 40).contains("Dana Cohen"));
}

#[test]
fn a_manager_imports_and_a_bad_path_is_said_plainly() {
    let w = World::new();
    let file = w.dir.path().join("people.vcf");
    std::fs::write(
        &file,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Rina Shapiro\r\nEMAIL;TYPE=work:rina@example.org\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let before = customers(&w);
    let mut app = import_screen(&w, "maya");
    typ(&mut app, "n");
    typ(&mut app, "/nowhere/at/all.csv");
    ctrl(&mut app, 's');
    let s = render(&app, 120, 40);
    assert!(s.contains("cannot read /nowhere/at/all.csv"), "{s}");
    // A device is no file (it would be read forever).
    for _ in 0.."/nowhere/at/all.csv".len() {
        press(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "/dev/zero");
    ctrl(&mut app, 's');
    let s = render(&app, 120, 40);
    assert!(s.contains("/dev/zero is not a regular file"), "{s}");
    for _ in 0.."/dev/zero".len() {
        press(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "/nowhere/at/all.csv");
    // The typed path stays, to be fixed.
    for _ in 0.."/nowhere/at/all.csv".len() {
        press(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, &file.display().to_string());
    ctrl(&mut app, 's');
    let s = render(&app, 120, 40);
    assert!(s.contains("vCard"), "{s}");
    snap("manager_import_vcard", &app);
    typ(&mut app, "c");
    while app.busy() {
        app.tick();
    }
    typ(&mut app, "i");
    typ(&mut app, "y");
    while app.busy() {
        app.tick();
    }
    assert_eq!(customers(&w), before + 1);
    press(&mut app, KeyCode::Esc);
    assert!(render(&app, 120, 40).contains("maya"));
}

#[test]
fn staff_and_auditors_are_told_no_and_hr_has_no_customers() {
    let w = World::new();
    for role in [Role::Staff, Role::Auditor] {
        let mut app = import_screen(&w, username(role));
        let s = render(&app, 120, 40);
        assert!(
            s.contains(&format!("The {role} role cannot import customers.")),
            "{s}"
        );
        assert!(!s.contains("Imports"), "{s}");
        typ(&mut app, "X");
        let s = render(&app, 120, 40);
        assert!(
            s.contains(&format!("The {role} role cannot export customers.")),
            "{s}"
        );
        snap(&format!("{role}_import_refused"), &app);
        typ(&mut app, "?");
        let help = render(&app, 120, 40);
        assert!(!help.contains("import customers from a file"), "{help}");
        assert!(!help.contains("export the customers shown"), "{help}");
    }
    let app = w.app(username(Role::Hr));
    assert!(!app.tabs().contains(&kasefet::tui::screens::Tab::Customers));
    // The service refuses them whatever a screen shows.
    let mut b = w.backend("sam");
    assert!(matches!(
        b.call(Request::ImportList),
        Err(kasefet::service::Error::Denied(_))
    ));
}

#[test]
fn export_writes_the_filtered_customers_0600_and_asks_before_replacing() {
    let w = World::new();
    let out = w.dir.path().join("north.csv");
    let mut app = w.app("ada");
    press(&mut app, KeyCode::Char('2'));
    // Filter by the tag `north` (two of the four), then export.
    typ(&mut app, "#");
    typ(&mut app, "north");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "X");
    let s = render(&app, 120, 40);
    assert!(
        s.contains("Export customers") && s.contains("tag north"),
        "{s}"
    );
    typ(&mut app, &out.display().to_string());
    snap("admin_export_form", &app);
    ctrl(&mut app, 's');
    // The screen says so before the export runs; keys meanwhile do nothing.
    assert!(app.busy());
    assert!(render(&app, 120, 40).contains("Exporting…"));
    settle(&mut app);
    let s = render(&app, 120, 40);
    assert!(s.contains("Exported 2 customers to"), "{s}");
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(
        csv.contains("Noam Peretz") && csv.contains("דנה לוי"),
        "{csv}"
    );
    assert!(!csv.contains("Dana Cohen"), "only the filter: {csv}");
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Again to the same file, as JSON: asked first; `n` keeps the old file, `y` replaces.
    typ(&mut app, "X");
    typ(&mut app, &out.display().to_string());
    press(&mut app, KeyCode::Enter);
    typ(&mut app, " ");
    press(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    let s = render(&app, 120, 40);
    assert!(s.contains("already exists"), "{s}");
    snap("admin_export_replace", &app);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "n");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), csv);
    ctrl(&mut app, 's');
    typ(&mut app, "y");
    settle(&mut app);
    let json = std::fs::read_to_string(&out).unwrap();
    assert!(json.trim_start().starts_with('['), "{json}");
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Audited with the count, never the contents.
    let mut b = w.backend("ada");
    let Response::Audit(events) = b
        .call(Request::AuditList {
            offset: 0,
            limit: 10_000,
        })
        .unwrap()
    else {
        panic!()
    };
    let exports: Vec<_> = events.iter().filter(|e| e.action == "export").collect();
    assert_eq!(exports.len(), 2, "{exports:#?}");
    assert!(exports[0].detail.starts_with("2 customers"), "{exports:#?}");
    assert!(!exports.iter().any(|e| e.detail.contains("Noam")));
}

/// The `--reveal` and `--bom` of `export customers`, on the form: written, 0600, audited.
#[test]
fn export_offers_excel_and_the_sensitive_fields_to_admins_and_managers() {
    let w = World::new();
    for (round, user) in [(1, "ada"), (2, "maya")] {
        let mut app = w.app(user);
        press(&mut app, KeyCode::Char('2'));
        typ(&mut app, "X");
        let s = render(&app, 120, 40);
        assert!(s.contains("Encoding") && s.contains("‹ UTF-8 ›"), "{s}");
        assert!(s.contains("Sensitive") && s.contains("(audited)"), "{s}");

        // With both: the BOM's three bytes first, the national ids in the file.
        let out = w.dir.path().join(format!("{user}-excel.csv"));
        typ(&mut app, &out.display().to_string());
        press(&mut app, KeyCode::Enter); // the format stays csv
        press(&mut app, KeyCode::Enter);
        typ(&mut app, " ");
        press(&mut app, KeyCode::Enter);
        typ(&mut app, " ");
        let s = render(&app, 120, 40);
        assert!(s.contains("‹ UTF-8 with BOM (Excel) ›"), "{s}");
        assert!(s.contains("[x] yes"), "{s}");
        if user == "ada" {
            snap("admin_export_excel_sensitive", &app);
        }
        ctrl(&mut app, 's');
        settle(&mut app);
        let s = render(&app, 120, 40);
        assert!(
            s.contains("Exported 4 customers with their sensitive fields to"),
            "{s}"
        );
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM first");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.starts_with("kasefet id,"), "{text}");
        assert!(
            text.contains("national id") && text.contains("012345678"),
            "{text}"
        );
        assert!(text.contains("דנה לוי"), "{text}");
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );

        // Neither, as before: no BOM, no national id.
        let plain = w.dir.path().join(format!("{user}-plain.csv"));
        typ(&mut app, "X");
        typ(&mut app, &plain.display().to_string());
        ctrl(&mut app, 's');
        settle(&mut app);
        let bytes = std::fs::read(&plain).unwrap();
        assert!(bytes.starts_with(b"kasefet id,"), "no BOM");
        assert!(!String::from_utf8_lossy(&bytes).contains("012345678"));

        // A BOM is for CSV: JSON ignores the choice.
        let json = w.dir.path().join(format!("{user}.json"));
        typ(&mut app, "X");
        typ(&mut app, &json.display().to_string());
        press(&mut app, KeyCode::Enter);
        typ(&mut app, " ");
        press(&mut app, KeyCode::Enter);
        typ(&mut app, " ");
        ctrl(&mut app, 's');
        settle(&mut app);
        let bytes = std::fs::read(&json).unwrap();
        assert_eq!(bytes.first(), Some(&b'['), "JSON starts as JSON");

        // The audit says which export carried the sensitive fields.
        let mut b = w.backend("ada");
        let Response::Audit(events) = b
            .call(Request::AuditList {
                offset: 0,
                limit: 10_000,
            })
            .unwrap()
        else {
            panic!()
        };
        let exports: Vec<_> = events.iter().filter(|e| e.action == "export").collect();
        assert_eq!(exports.len(), 3 * round, "{exports:#?}");
        let revealed = exports
            .iter()
            .filter(|e| e.detail.contains("with sensitive fields"))
            .count();
        assert_eq!(revealed, round, "one of each three: {exports:#?}");
        assert!(!exports.iter().any(|e| e.detail.contains("012345678")));
        b.logout();
    }
}

/// The choice is offered only where the role table lets see every customer's sensitive
/// fields; the service refuses the request from anyone else whatever a screen offers.
#[test]
fn only_roles_that_may_reveal_are_offered_the_sensitive_fields() {
    use kasefet::tui::screens::Me;
    use kasefet::tui::screens::import::export::{ExportForm, offers_reveal};
    for role in [
        Role::Admin,
        Role::Manager,
        Role::Staff,
        Role::Hr,
        Role::Auditor,
    ] {
        let me = Me {
            id: 1,
            username: username(role).into(),
            display_name: String::new(),
            role,
        };
        let offered = offers_reveal(&me);
        assert_eq!(
            offered,
            matches!(role, Role::Admin | Role::Manager),
            "{role}"
        );
        let form = ExportForm::new(CustomerFilter::default(), false, offered);
        assert_eq!(
            form.form.fields.iter().any(|f| f.key == "sensitive"),
            offered,
            "{role}"
        );
    }
    let w = World::new();
    let mut b = w.backend("sam");
    assert!(matches!(
        b.call(Request::Export {
            what: kasefet::service::ExportWhat::Customers,
            format: kasefet::service::ExportFormat::Csv,
            reveal: true,
            filter: CustomerFilter::default(),
            bom: false,
            after: None,
            limit: 0,
        }),
        Err(kasefet::service::Error::Denied(_))
    ));
}

const WITH_REJECTS: &str = "Name,E-mail,Telefon,City\n\
Noa Levi,noa@example.org,054-1234567,Haifa\n\
Bad Row,not-an-email,,\n\
=cmd(),=bad,,\n";

/// `import --rejects FILE`'s file, byte for byte: the line, the file's own cells (made
/// inert), and the reason.
const REJECTS_FILE: &str = "line,Name,E-mail,Telefon,City,reason\n\
3,Bad Row,not-an-email,,,email: is not a valid e-mail address\n\
4,'=cmd(),'=bad,,,email: is not a valid e-mail address\n";

#[test]
fn mapping_steps_back_and_ignores_and_the_refused_rows_go_to_a_file() {
    let w = World::new();
    for user in ["ada", "maya"] {
        let file = w.dir.path().join(format!("{user}-in.csv"));
        std::fs::write(&file, WITH_REJECTS).unwrap();
        let mut app = import_screen(&w, user);
        typ(&mut app, "n");
        typ(&mut app, &file.display().to_string());
        ctrl(&mut app, 's');
        let row = |s: &str, col: &str| {
            s.lines()
                .find(|l| l.contains(col) && !l.contains("Column in the file"))
                .map(|l| {
                    let words: Vec<&str> = l
                        .split(|c: char| c.is_whitespace() || c == '│')
                        .filter(|w| !w.is_empty())
                        .collect();
                    let at = words.iter().position(|w| *w == col).unwrap_or(0);
                    words[at + 1..].join(" ")
                })
                .unwrap_or_default()
        };

        // Backward from "not imported": the last field (ignore), then the one before it.
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Down);
        typ(&mut app, "E");
        assert_eq!(row(&render(&app, 120, 40), "Telefon"), "ignore");
        typ(&mut app, "E");
        let before_ignore =
            kasefet::transfer::Field::ALL[kasefet::transfer::Field::ALL.len() - 2].as_str();
        assert_eq!(row(&render(&app, 120, 40), "Telefon"), before_ignore);
        // Forward undoes it; back the rest of the way reaches phone.
        typ(&mut app, "e");
        assert_eq!(row(&render(&app, 120, 40), "Telefon"), "ignore");
        let ignore_at = kasefet::transfer::Field::ALL.len() - 1;
        let phone_at = kasefet::transfer::Field::ALL
            .iter()
            .position(|f| f.as_str() == "phone")
            .unwrap();
        for _ in 0..ignore_at - phone_at {
            typ(&mut app, "E");
        }
        assert_eq!(row(&render(&app, 120, 40), "Telefon"), "phone");
        // City was found by its name; `x` leaves it out in one key.
        press(&mut app, KeyCode::Down);
        assert_eq!(row(&render(&app, 120, 40), "City"), "city");
        typ(&mut app, "x");
        assert_eq!(row(&render(&app, 120, 40), "City"), "ignore");
        let s = render(&app, 120, 40);
        assert!(s.contains("x ignore"), "the footer names the keys: {s}");
        if user == "ada" {
            snap("admin_import_remapped", &app);
        }
        typ(&mut app, "?");
        let help = render(&app, 120, 40);
        assert!(
            help.contains("the highlighted column: next field"),
            "{help}"
        );
        assert!(
            help.contains("the highlighted column: previous field"),
            "{help}"
        );
        assert!(help.contains("not imported (ignore)"), "{help}");
        assert!(
            !help.contains("write the refused rows"),
            "no dry run yet: {help}"
        );
        press(&mut app, KeyCode::Esc);

        // No dry run yet: nothing to write.
        typ(&mut app, "w");
        assert!(!render(&app, 120, 40).contains("Write the refused rows"));
        typ(&mut app, "c");
        while app.busy() {
            app.tick();
        }
        let s = render(&app, 120, 40);
        assert!(s.contains("2 refused"), "{s}");
        assert!(s.contains("w writes the refused rows"), "{s}");
        typ(&mut app, "?");
        let help = render(&app, 120, 40);
        assert!(
            help.contains("write the refused rows to a CSV file"),
            "{help}"
        );
        press(&mut app, KeyCode::Esc);
        let s = render(&app, 120, 40);
        assert!(
            s.contains("w save refused"),
            "the footer, once the note is read: {s}"
        );

        // The path is asked, with a name beside the import's; Esc leaves it.
        typ(&mut app, "w");
        let s = render(&app, 120, 40);
        assert!(s.contains("Write the refused rows"), "{s}");
        assert!(s.contains(&format!("{user}-in-rejected.csv")), "{s}");
        assert!(s.contains("2 refused rows"), "{s}");
        press(&mut app, KeyCode::Esc);
        assert!(!render(&app, 120, 40).contains("Write the refused rows"));
        let out = w.dir.path().join(format!("{user}-rejected.csv"));
        typ(&mut app, "w");
        typ(&mut app, &out.display().to_string());
        if user == "ada" {
            snap("admin_import_rejects_path", &app);
        }
        ctrl(&mut app, 's');
        let s = render(&app, 120, 40);
        let full = std::fs::canonicalize(&out).unwrap();
        assert!(
            s.contains(&format!("Wrote 2 refused rows to {}", full.display())),
            "{s}"
        );
        assert!(s.contains("2 refused rows written to"), "{s}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), REJECTS_FILE);
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );
        if user == "ada" {
            snap("admin_import_rejects_written", &app);
        }

        // An existing file: asked; `n` keeps it, `y` replaces it (0600 again).
        std::fs::write(&out, "old").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
        typ(&mut app, "w");
        typ(&mut app, &out.display().to_string());
        ctrl(&mut app, 's');
        assert!(render(&app, 120, 40).contains("already exists"));
        press(&mut app, KeyCode::Enter);
        typ(&mut app, "n");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
        ctrl(&mut app, 's');
        typ(&mut app, "y");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), REJECTS_FILE);
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );

        // The import keeps the mapping: Telefon as the phone, City left out.
        typ(&mut app, "i");
        typ(&mut app, "y");
        while app.busy() {
            app.tick();
        }
        assert!(render(&app, 120, 40).contains("created 1"));
        let mut b = w.backend("ada");
        let Response::Customers(list) = b
            .call(Request::CustomerList {
                filter: CustomerFilter::default(),
            })
            .unwrap()
        else {
            panic!()
        };
        let noa = list.iter().find(|c| c.name == "Noa Levi").unwrap();
        let Response::Customer(noa) = b
            .call(Request::CustomerGet {
                id: noa.id,
                reveal: false,
            })
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(noa.data.phones.len(), 1, "{noa:?}");
        assert_eq!(noa.data.address.city, None, "City was ignored: {noa:?}");
        b.logout();
        // The second round finds Noa in the database: revert, so it starts alike.
        press(&mut app, KeyCode::Esc);
        typ(&mut app, "u");
        typ(&mut app, "y");
    }
}
