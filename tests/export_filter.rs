//! `export --filter`: the search box's conditions (`city:` `tag:` `status:` `owner:me`
//! `company:`) choose who leaves in the file, exactly; free words, which would also find
//! near misses, are refused with the word named; the audit entry counts the conditions
//! and never copies them.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestDb;
use kasefet::domain::CustomerInput;
use kasefet::domain::customer::Address;
use kasefet::service::{CustomerFilter, Error, ExportFormat, ExportWhat, Request, Response};

fn add(db: &TestDb, s: &kasefet::service::Session, name: &str, city: &str, tag: &str) {
    db.service
        .handle(
            s,
            Request::CustomerCreate {
                input: CustomerInput {
                    name: name.into(),
                    tags: vec![tag.into()],
                    address: Address {
                        city: Some(city.into()),
                        ..Default::default()
                    },
                    ..Default::default()
                },
            },
        )
        .unwrap();
}

fn exported(db: &TestDb, s: &kasefet::service::Session, q: &str) -> Result<String, Error> {
    match db.service.handle(
        s,
        Request::Export {
            what: ExportWhat::Customers,
            format: ExportFormat::Csv,
            reveal: false,
            filter: CustomerFilter {
                query: Some(q.into()),
                ..Default::default()
            },
            bom: false,
            after: None,
            limit: 0,
        },
    )? {
        Response::Exported { bytes, .. } => Ok(String::from_utf8(bytes).unwrap()),
        o => panic!("{o:?}"),
    }
}

#[test]
fn conditions_choose_exactly_and_free_words_are_refused() {
    let db = TestDb::new();
    let admin = db.admin();
    add(&db, &admin, "Noa Levi", "Haifa", "vip");
    add(&db, &admin, "Noam Peretz", "Haifa", "north");
    add(&db, &admin, "Avi Ben", "Eilat", "vip");
    add(&db, &admin, "Rina Shapiro", "Tel Aviv", "vip");

    let csv = exported(&db, &admin, "city:haifa tag:vip").unwrap();
    assert!(csv.contains("Noa Levi"), "{csv}");
    assert!(!csv.contains("Noam") && !csv.contains("Avi Ben"), "{csv}");
    let csv = exported(&db, &admin, "city:\"tel aviv\"").unwrap();
    assert!(
        csv.contains("Rina Shapiro") && !csv.contains("Haifa"),
        "{csv}"
    );
    // A city nobody lives in: an empty file with its header, not near misses.
    let csv = exported(&db, &admin, "city:haifx").unwrap();
    assert_eq!(csv.lines().count(), 1, "{csv}");

    // "noa" would also find Noam (a typo away): refused, naming the word.
    let e = exported(&db, &admin, "noa city:haifa").unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    assert!(e.to_string().contains("\"noa\" is not a condition"), "{e}");
    // The list takes the same conditions.
    let Response::Customers(list) = db
        .service
        .handle(
            &admin,
            Request::CustomerList {
                filter: CustomerFilter {
                    query: Some("tag:vip".into()),
                    ..Default::default()
                },
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(list.len(), 3);

    let Response::Audit(events) = db
        .service
        .handle(
            &admin,
            Request::AuditList {
                offset: 0,
                limit: 1000,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    let ex: Vec<_> = events.iter().filter(|e| e.action == "export").collect();
    assert!(
        ex.iter().any(|e| e.detail.contains("query=2 conditions")),
        "{ex:#?}"
    );
    assert!(ex.iter().any(|e| e.detail.contains("query=1 conditions")));
    assert!(!ex.iter().any(|e| e.detail.to_lowercase().contains("haifa")));
}

#[test]
fn the_binary_takes_filter_and_says_what_is_wrong() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let totp = common::init_with_binary(dir, "");
    let run = |step: i64, args: &[&str]| {
        let now = jiff::Timestamp::now().as_second() / 30 - 1 + step;
        std::process::Command::new(env!("CARGO_BIN_EXE_kasefet"))
            .current_dir(dir)
            .args(["--config", "kasefet.toml", "--data-dir", "db"])
            .args(["--user", "dana", "--password-file", "pw", "--totp"])
            .arg(totp.code_at((now * 30) as u64))
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let o = run(
        0,
        &["customer", "add", "--name", "Noa Levi", "--city", "Haifa"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(1, &["export", "customers", "--filter", "city:haifa"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Noa Levi"));
    let o = run(2, &["export", "customers", "--filter", "levi"]);
    assert_eq!(o.status.code(), Some(kasefet::service::exit::INVALID));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("\"levi\" is not a condition"), "{err}");
}
