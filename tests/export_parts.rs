//! Exports in parts: the parts of any size, put end to end, are byte for byte the file one
//! part makes, in every format and of every kind; a record removed or added between parts
//! is neither sent twice nor shifts the rest; every part is audited with its fingerprint;
//! and through the real server a file bigger than one part arrives whole.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestDb;
use kasefet::client::download::{Wanted, download};
use kasefet::domain::{CustomerInput, EmployeeInput, Id, TaskInput};
use kasefet::service::{CustomerFilter, ExportFormat, ExportWhat, Request, Response, Session};

/// One part: its bytes, count, last id and whether more follow.
fn part(
    db: &TestDb,
    s: &Session,
    w: &Wanted,
    after: Option<Id>,
    limit: u32,
) -> (Vec<u8>, usize, Option<Id>, bool) {
    match db.service.handle(s, w.part(after, limit)).unwrap() {
        Response::Exported {
            bytes,
            count,
            last,
            more,
            ..
        } => (bytes, count, last, more),
        o => panic!("{o:?}"),
    }
}

/// Every part of `limit` records, end to end, and how many parts there were.
fn in_parts(db: &TestDb, s: &Session, w: &Wanted, limit: u32) -> (Vec<u8>, usize) {
    let (mut out, mut parts, mut after) = (Vec::new(), 0, None);
    loop {
        let (bytes, _, last, more) = part(db, s, w, after, limit);
        out.extend(bytes);
        parts += 1;
        if !more {
            return (out, parts);
        }
        after = last;
    }
}

fn seed(db: &TestDb, s: &Session, n: usize) {
    for i in 0..n {
        let input = CustomerInput {
            name: format!("Customer {i} \"quoted\", with a comma"),
            emails: vec![format!("c{i}@example.org")],
            tags: vec![["vip", "lead"][i % 2].into()],
            ..Default::default()
        };
        db.service
            .handle(s, Request::CustomerCreate { input })
            .unwrap();
        let input = TaskInput {
            title: format!("Task {i}"),
            ..Default::default()
        };
        db.service.handle(s, Request::TaskCreate { input }).unwrap();
        let input = EmployeeInput {
            name: format!("Employee {i}"),
            ..Default::default()
        };
        db.service
            .handle(s, Request::EmployeeCreate { input })
            .unwrap();
    }
}

fn wanted(what: ExportWhat, format: ExportFormat, bom: bool) -> Wanted {
    Wanted {
        what,
        format,
        reveal: false,
        filter: CustomerFilter::default(),
        bom,
    }
}

#[test]
fn parts_end_to_end_are_the_whole_file_in_every_format() {
    let db = TestDb::new();
    let s = db.admin();
    seed(&db, &s, 7);
    let cases = [
        (ExportWhat::Customers, ExportFormat::Csv, true),
        (ExportWhat::Customers, ExportFormat::Json, false),
        (ExportWhat::Customers, ExportFormat::Vcard, false),
        (ExportWhat::Tasks, ExportFormat::Csv, false),
        (ExportWhat::Tasks, ExportFormat::Json, false),
        (ExportWhat::Employees, ExportFormat::Csv, true),
        (ExportWhat::Employees, ExportFormat::Json, false),
    ];
    for (what, format, bom) in cases {
        let w = wanted(what, format, bom);
        let (whole, parts) = in_parts(&db, &s, &w, 0);
        assert_eq!(parts, 1, "{what:?} {format:?}");
        for limit in [1, 2, 3, 6, 7, 8] {
            let (joined, parts) = in_parts(&db, &s, &w, limit);
            assert_eq!(parts, 7usize.div_ceil(limit as usize).max(1), "{limit}");
            assert_eq!(
                String::from_utf8_lossy(&joined),
                String::from_utf8_lossy(&whole),
                "{what:?} {format:?} in parts of {limit}"
            );
        }
        if format == ExportFormat::Json {
            let v: serde_json::Value = serde_json::from_slice(&whole).unwrap();
            assert_eq!(v.as_array().unwrap().len(), 7);
        }
    }
    // A filter is applied part by part as to the whole.
    let mut w = wanted(ExportWhat::Customers, ExportFormat::Csv, false);
    w.filter.tag = Some("vip".into());
    let (whole, _) = in_parts(&db, &s, &w, 0);
    assert_eq!(in_parts(&db, &s, &w, 2).0, whole);
    assert_eq!(String::from_utf8_lossy(&whole).lines().count(), 1 + 4);
    // And so is the search box's language of conditions.
    let mut w = wanted(ExportWhat::Customers, ExportFormat::Json, false);
    w.filter.query = Some("tag:lead".into());
    let (whole, _) = in_parts(&db, &s, &w, 0);
    assert_eq!(in_parts(&db, &s, &w, 2).0, whole);
    let v: serde_json::Value = serde_json::from_slice(&whole).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
}

#[test]
fn records_removed_or_added_between_parts_are_not_repeated_or_skipped() {
    let db = TestDb::new();
    let s = db.admin();
    seed(&db, &s, 6);
    let w = wanted(ExportWhat::Customers, ExportFormat::Json, false);
    let (first, n, last, more) = part(&db, &s, &w, None, 3);
    assert_eq!((n, last, more), (3, Some(3), true));
    // The last one sent and one not yet sent go; a new one comes.
    for id in [3, 5] {
        db.service
            .handle(&s, Request::CustomerDelete { id })
            .unwrap();
    }
    let input = CustomerInput {
        name: "Late".into(),
        ..Default::default()
    };
    db.service
        .handle(&s, Request::CustomerCreate { input })
        .unwrap();
    let (rest, n, last, more) = part(&db, &s, &w, Some(3), 3);
    assert_eq!((n, last, more), (3, Some(7), false));
    let all: serde_json::Value = serde_json::from_slice(&[first, rest].concat()).unwrap();
    let ids: Vec<u64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 6, 7]);
}

#[test]
fn each_part_is_audited_with_its_own_fingerprint() {
    let db = TestDb::new();
    let s = db.admin();
    seed(&db, &s, 5);
    let w = wanted(ExportWhat::Customers, ExportFormat::Csv, false);
    let (a, ..) = part(&db, &s, &w, None, 3);
    let (b, ..) = part(&db, &s, &w, Some(3), 3);
    // Oldest first.
    let mut details: Vec<String> = db
        .audit_log(&s)
        .into_iter()
        .filter(|e| e.action == "export")
        .map(|e| e.detail)
        .collect();
    details.reverse();
    assert_eq!(details.len(), 2, "{details:?}");
    assert!(
        details[0].contains("3 customers") && details[0].contains("ids 1–3"),
        "{details:?}"
    );
    assert!(details[0].contains(&kasefet::transfer::fingerprint(&a)));
    assert!(details[1].contains("2 customers") && details[1].contains("ids 4–5"));
    assert!(details[1].contains(&kasefet::transfer::fingerprint(&b)));
    // One part for the whole file says nothing of parts.
    part(&db, &s, &w, None, 0);
    let last = db.audit_log(&s).into_iter().find(|e| e.action == "export");
    assert!(!last.unwrap().detail.contains("part"));
}

#[test]
fn download_gathers_every_part_and_stops_at_the_first_error() {
    let db = TestDb::new();
    let s = db.admin();
    seed(&db, &s, 3);
    let w = wanted(ExportWhat::Tasks, ExportFormat::Csv, false);
    let mut calls = 0;
    let mut out = Vec::new();
    let n = download(
        &w,
        &mut |r| {
            calls += 1;
            db.service.handle(&s, r)
        },
        &mut |b: &[u8]| {
            out.extend_from_slice(b);
            Ok::<(), kasefet::service::Error>(())
        },
    )
    .unwrap();
    assert_eq!((n, calls), (3, 1));
    assert_eq!(out, in_parts(&db, &s, &w, 0).0);
    let failed = download(&w, &mut |r| db.service.handle(&s, r), &mut |_: &[u8]| {
        Err(kasefet::service::Error::Refused("disk full".into()))
    });
    assert!(matches!(failed, Err(kasefet::service::Error::Refused(m)) if m == "disk full"));
}
