//! `client::upload`: an import cut into many parts reaches the service step by step (what
//! the TUI's progress bar and the CLI's progress line show), is written in one commit, and
//! is audited once; staff cannot stage one; a discarded one is gone.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestDb, provision};
use kasefet::client::upload::Upload;
use kasefet::client::{Backend, Local};
use kasefet::crypto::Password;
use kasefet::domain::{CustomerInput, Role};
use kasefet::service::{
    CustomerFilter, Error, ImportBatch, ImportMode, MatchOn, Request, Response,
};
use kasefet::transfer::ImportRow;

fn batch(n: usize) -> ImportBatch {
    ImportBatch {
        file_name: "many.csv".into(),
        file_sha256: "ab".repeat(32),
        source: "generic".into(),
        mapping: Vec::new(),
        rows: (0..n)
            .map(|i| ImportRow {
                line: i as u64 + 2,
                input: CustomerInput {
                    name: format!("Part Person {i}"),
                    emails: vec![format!("pp{i}@example.org")],
                    ..Default::default()
                },
                external_id: None,
                note: None,
            })
            .collect(),
        mode: ImportMode::Upsert,
        match_on: vec![MatchOn::Email],
        owner: None,
        tag: None,
        dry_run: false,
    }
}

fn local(db: &TestDb, user: &str, totp: &kasefet::auth::totp::TotpSecret) -> Local {
    db.clock.advance(30);
    let mut b = Local::new(db.service.clone());
    b.login(
        user,
        &Password::new(common::PASSWORD),
        &totp.code_at(db.clock.now() as u64),
    )
    .unwrap();
    b
}

fn count(b: &mut Local) -> usize {
    match b
        .call(Request::CustomerList {
            filter: CustomerFilter::default(),
        })
        .unwrap()
    {
        Response::Customers(c) => c.len(),
        o => panic!("{o:?}"),
    }
}

#[test]
fn many_parts_step_by_step_then_one_commit_audited_once() {
    let db = TestDb::new();
    let mut b = local(&db, "dana", &db.totp);
    // About 60 bytes a row: 2,000 rows in parts of 4 KiB is some thirty parts.
    let mut up = Upload::new(batch(2_000), 4 * 1024);
    assert_eq!((up.sent, up.total), (0, 2_000));
    let mut seen = Vec::new();
    while !up.sent_all() {
        up.step(&mut b).unwrap();
        seen.push(up.sent);
        assert_eq!(count(&mut b), 0, "nothing written while parts arrive");
    }
    assert!(seen.len() > 20, "{} parts", seen.len());
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&2_000));
    let dry = up.commit(&mut b, true).unwrap();
    assert_eq!((dry.dry_run, dry.created), (true, 2_000));
    let real = up.commit(&mut b, false).unwrap();
    assert_eq!((real.dry_run, real.created), (false, 2_000));
    assert_eq!(count(&mut b), 2_000);

    let Response::Audit(events) = b
        .call(Request::AuditList {
            offset: 0,
            limit: 10_000,
        })
        .unwrap()
    else {
        panic!()
    };
    let import: Vec<_> = events
        .iter()
        .filter(|e| e.action.starts_with("import."))
        .collect();
    // The dry run and the import; the parts themselves write nothing and log nothing.
    assert_eq!(import.len(), 2, "{import:#?}");
    assert!(import.iter().all(|e| e.action == "import.customers"));
    assert!(!import.iter().any(|e| e.detail.contains("Part Person")));
}

#[test]
fn staff_cannot_stage_and_a_discarded_import_is_gone() {
    let db = TestDb::new();
    let admin = db.admin();
    let sam = provision(&db, &admin, "sam", Role::Staff);
    let mut s = local(&db, "sam", &sam);
    let r = s.call(Request::ImportBegin {
        batch: Box::new(batch(3)),
    });
    assert!(matches!(r, Err(Error::Denied(_))), "{r:?}");

    let mut b = local(&db, "dana", &db.totp);
    let mut up = Upload::new(batch(10), 1024 * 1024);
    up.step(&mut b).unwrap();
    assert!(up.sent_all());
    up.discard(&mut b);
    assert!(up.commit(&mut b, false).is_err());
    assert_eq!(count(&mut b), 0);
    // A second begin replaces the first: the old token is spent.
    let Response::ImportStaged { token: first, .. } = b
        .call(Request::ImportBegin {
            batch: Box::new(batch(2)),
        })
        .unwrap()
    else {
        panic!()
    };
    b.call(Request::ImportBegin {
        batch: Box::new(batch(2)),
    })
    .unwrap();
    let r = b.call(Request::ImportCommit {
        token: first,
        dry_run: false,
    });
    assert!(
        matches!(&r, Err(Error::Refused(m)) if m.contains("no longer held")),
        "{r:?}"
    );
}

#[test]
fn four_imports_are_held_at_once_and_an_idle_one_makes_room() {
    let db = TestDb::new();
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut b = local(&db, "dana", &db.totp);
        b.call(Request::ImportBegin {
            batch: Box::new(batch(5)),
        })
        .unwrap();
        held.push(b);
    }
    let mut fifth = local(&db, "dana", &db.totp);
    let r = fifth.call(Request::ImportBegin {
        batch: Box::new(batch(5)),
    });
    assert!(
        matches!(&r, Err(Error::Refused(m)) if m.contains("4 imports are being sent")),
        "{r:?}"
    );
    // A session that ends takes its staged import with it.
    held.pop().unwrap().logout();
    fifth
        .call(Request::ImportBegin {
            batch: Box::new(batch(5)),
        })
        .unwrap();
    let mut sixth = local(&db, "dana", &db.totp);
    assert!(
        sixth
            .call(Request::ImportBegin {
                batch: Box::new(batch(5)),
            })
            .is_err(),
        "full again"
    );
    // Sixteen minutes on (the sessions lock after 15 idle minutes; the seventh is used
    // now), the idle ones make room.
    db.clock.advance(16 * 60);
    let mut seventh = local(&db, "dana", &db.totp);
    seventh
        .call(Request::ImportBegin {
            batch: Box::new(batch(5)),
        })
        .unwrap();
}

/// The same file twice, with a notes column: the second time nothing changes and the
/// timeline keeps one note, not two.
#[test]
fn the_same_file_with_notes_again_changes_nothing() {
    let db = TestDb::new();
    let mut b = local(&db, "dana", &db.totp);
    let with_notes = || {
        let mut x = batch(3);
        for r in &mut x.rows {
            r.note = Some("Met at the fair; wants the catalogue.".into());
        }
        x
    };
    let run = |b: &mut Local, x: ImportBatch| match b
        .call(Request::ImportCustomers { batch: Box::new(x) })
        .unwrap()
    {
        Response::ImportReport(r) => r,
        o => panic!("{o:?}"),
    };
    let first = run(&mut b, with_notes());
    assert_eq!(first.created, 3);
    let again = run(&mut b, with_notes());
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(again.import_id, None, "nothing to record");
    let Response::Customer(c) = b
        .call(Request::CustomerGet {
            id: 1,
            reveal: false,
        })
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(c.interactions.len(), 1, "{:?}", c.interactions);
    // A new note on a known customer still goes on the timeline.
    let mut other = with_notes();
    other.rows[0].note = Some("Called back about the price.".into());
    let third = run(&mut b, other);
    assert_eq!((third.updated, third.unchanged), (1, 2));
}
