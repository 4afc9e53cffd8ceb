//! Marketing consent keeps how it was recorded (form, phone, e-mail, paper...): in its
//! history, on `customer show`, in the subject export; a full backup verify opens the
//! consent records; erasure removes them with the rest of the person.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestDb, provision};
use kasefet::backup::{self, BackupConfig, Db, Key, Trigger};
use kasefet::domain::{CustomerInput, Role};
use kasefet::privacy::consent::Method;
use kasefet::privacy::subject::render_text;
use kasefet::service::{Error, Request, Response, Session};

fn create(db: &TestDb, s: &Session, name: &str) -> u64 {
    match db
        .service
        .handle(
            s,
            Request::CustomerCreate {
                input: CustomerInput {
                    name: name.into(),
                    ..Default::default()
                },
            },
        )
        .unwrap()
    {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    }
}

fn consent(db: &TestDb, s: &Session, id: u64, given: bool, how: Method) {
    db.service
        .handle(
            s,
            Request::CustomerConsent {
                id,
                given,
                how,
                date: None,
            },
        )
        .unwrap();
}

fn history(db: &TestDb, s: &Session, id: u64) -> Vec<kasefet::privacy::subject::ConsentEvent> {
    match db
        .service
        .handle(s, Request::ConsentHistory { id })
        .unwrap()
    {
        Response::Consent(e) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn consent_history_says_how_each_change_was_recorded_and_reaches_the_export() {
    let db = TestDb::new();
    let s = db.admin();
    let id = create(&db, &s, "Consentcanary Person");
    consent(&db, &s, id, true, Method::Phone);
    // A plain edit that withdraws it: recorded as an edit, how unknown.
    let c = match db
        .service
        .handle(&s, Request::CustomerGet { id, reveal: true })
        .unwrap()
    {
        Response::Customer(c) => c,
        other => panic!("{other:?}"),
    };
    assert!(c.data.marketing_consent);
    assert_eq!(c.data.consent_date, Some(db.service.clock().today()));
    let mut d = c.data.clone();
    d.marketing_consent = false;
    d.consent_date = None;
    db.service
        .handle(
            &s,
            Request::CustomerUpdate {
                id,
                version: c.stamp.version,
                input: d,
            },
        )
        .unwrap();
    consent(&db, &s, id, true, Method::Paper);
    consent(&db, &s, id, false, Method::Email);

    let h = history(&db, &s, id);
    let seen: Vec<(bool, &str, Option<&str>)> = h
        .iter()
        .map(|e| (e.given, e.recorded.as_str(), e.how.as_deref()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (true, "consent", Some("phone")),
            (false, "edit", None),
            (true, "consent", Some("paper")),
            (false, "consent", Some("email")),
        ]
    );
    // The field history still reads as before: consent records are not versions.
    match db
        .service
        .handle(&s, Request::CustomerHistory { id })
        .unwrap()
    {
        Response::History(h) => assert_eq!(h.len(), 4, "{h:?}"),
        other => panic!("{other:?}"),
    }
    let x = match db
        .service
        .handle(&s, Request::SubjectExport { id })
        .unwrap()
    {
        Response::SubjectExport(x) => x,
        other => panic!("{other:?}"),
    };
    assert_eq!(x.consent, h);
    let json = serde_json::to_string(&x).unwrap();
    assert!(json.contains("\"how\":\"paper\""), "{json}");
    let text = render_text(&x);
    assert!(text.contains("(consent, by phone)"), "{text}");
    assert!(
        text.contains("withdrawn  by dana (consent, by email)"),
        "{text}"
    );
}

#[test]
fn consent_is_refused_where_an_edit_would_be_and_for_bad_dates() {
    let db = TestDb::new();
    let s = db.admin();
    let id = create(&db, &s, "Someone");
    let secret = provision(&db, &s, "sam", Role::Staff);
    let sam = db.login_as("sam", &secret).session;
    let r = db.service.handle(
        &sam,
        Request::CustomerConsent {
            id,
            given: true,
            how: Method::Form,
            date: None,
        },
    );
    assert!(matches!(r, Err(Error::Denied(_))), "{r:?}");
    let tomorrow = db.service.clock().today().tomorrow().unwrap();
    for (given, date) in [
        (true, Some(tomorrow)),
        (false, Some(db.service.clock().today())),
    ] {
        let r = db.service.handle(
            &s,
            Request::CustomerConsent {
                id,
                given,
                how: Method::Form,
                date,
            },
        );
        assert!(matches!(r, Err(Error::Invalid(_))), "{r:?}");
    }
    assert!(history(&db, &s, id).is_empty());
}

#[test]
fn a_full_verify_opens_consent_records_and_erasure_removes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let db = TestDb::new();
    let s = db.admin();
    let id = create(&db, &s, "Verified Person");
    consent(&db, &s, id, true, Method::InPerson);
    let cfg = BackupConfig::new(tmp.path().to_path_buf());
    let w = backup::run(
        &Db::Service {
            service: &db.service,
            by: Some(&s),
        },
        &cfg,
        Trigger::Manual,
    )
    .unwrap();
    let v = backup::verify(&w.written.path, Some(&Key::Recovery(&db.recovery)), None).unwrap();
    assert!(v.ok(), "{:?}", v.full);

    let history_keys = || db.service.store().tree(kasefet::store::Tree::History).len();
    assert_eq!(history_keys(), 2, "one kept version and one consent record");
    db.service
        .handle(
            &s,
            Request::CustomerErase {
                id,
                reason: "subject request".into(),
            },
        )
        .unwrap();
    assert_eq!(history_keys(), 0);
}

#[test]
fn the_cli_records_consent_and_show_prints_how() {
    let dir = tempfile::tempdir().unwrap();
    let secret = common::init_with_binary(dir.path(), "");
    let script = "customer add --name Cliconsent\ncustomer consent 1 --given --how in-person\ncustomer consent 1 --given --how fax\ncustomer show 1\n";
    let out = common::batch_as_dana(dir.path(), &secret, script);
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("marketing consent given (by in_person)"),
        "{text}\n{err}"
    );
    assert!(err.contains("\"fax\" is not one of"), "{err}");
    assert!(text.contains("consent history:"), "{text}");
    assert!(text.contains("recorded by in_person"), "{text}");
}
