//! Every change keeps the version it replaced, sealed: the history says who changed what,
//! masks sensitive values for roles that may not reveal them, and revert goes back.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestDb, contains, files, provision};
use kasefet::domain::{Customer, CustomerInput, CustomerSensitive, InteractionKind, Role};
use kasefet::privacy::changes::{HistoryEntry, MASK};
use kasefet::service::{Error, Request, Response, Session};

fn get(db: &TestDb, s: &Session, id: u64) -> Customer {
    match db
        .service
        .handle(s, Request::CustomerGet { id, reveal: true })
        .unwrap()
    {
        Response::Customer(c) => *c,
        other => panic!("{other:?}"),
    }
}

fn history(db: &TestDb, s: &Session, id: u64) -> Vec<HistoryEntry> {
    match db
        .service
        .handle(s, Request::CustomerHistory { id })
        .unwrap()
    {
        Response::History(h) => h,
        other => panic!("{other:?}"),
    }
}

fn edit(db: &TestDb, s: &Session, id: u64, f: impl FnOnce(&mut CustomerInput)) {
    let c = get(db, s, id);
    let mut d = c.data.clone();
    f(&mut d);
    db.service
        .handle(
            s,
            Request::CustomerUpdate {
                id,
                version: c.stamp.version,
                input: d,
            },
        )
        .unwrap();
}

fn setup() -> (TestDb, Session, u64) {
    let db = TestDb::new();
    let s = db.admin();
    let id = match db
        .service
        .handle(
            &s,
            Request::CustomerCreate {
                input: CustomerInput {
                    name: "Oldnamecanary".into(),
                    sensitive: Some(CustomerSensitive {
                        national_id: Some("NIDCANARY1".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            },
        )
        .unwrap()
    {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    };
    (db, s, id)
}

#[test]
fn history_names_each_change_and_masks_sensitive_values_for_who_may_not_reveal() {
    let (db, admin, id) = setup();
    let secret = provision(&db, &admin, "sam", Role::Staff);
    let me = get(&db, &admin, id).stamp.created_by;
    edit(&db, &admin, id, |d| {
        d.name = "Newname".into();
        d.sensitive.as_mut().unwrap().national_id = Some("NID2".into());
    });
    // A timeline entry by someone else between two edits is not an edit of theirs.
    let sam = db.login_as("sam", &secret).session;
    db.service
        .handle(
            &sam,
            Request::CustomerAddInteraction {
                id,
                kind: InteractionKind::Call,
                text: "rang".into(),
            },
        )
        .ok();
    edit(&db, &admin, id, |d| d.address.city = Some("Haifa".into()));

    let h = history(&db, &admin, id);
    assert_eq!(h.len(), 2, "{h:#?}");
    assert_eq!(h[0].version, 2);
    assert!(h.iter().all(|e| e.by == me), "{h:#?}");
    let name = h[0].changes.iter().find(|c| c.field == "name").unwrap();
    assert_eq!(
        (name.from.as_str(), name.to.as_str()),
        ("Oldnamecanary", "Newname")
    );
    let nid = h[0]
        .changes
        .iter()
        .find(|c| c.field == "national id")
        .unwrap();
    assert_eq!((nid.from.as_str(), nid.to.as_str()), ("NIDCANARY1", "NID2"));
    assert_eq!(h[1].changes.len(), 1);
    assert_eq!(h[1].changes[0].field, "city");

    // Staff who do not own the customer read the history with sensitive values masked.
    let h = history(&db, &sam, id);
    let nid = h[0]
        .changes
        .iter()
        .find(|c| c.field == "national id")
        .unwrap();
    assert_eq!((nid.from.as_str(), nid.to.as_str()), (MASK, MASK));
}

#[test]
fn revert_goes_back_and_is_itself_kept() {
    let (db, admin, id) = setup();
    edit(&db, &admin, id, |d| {
        d.name = "Newname".into();
        d.tags = vec!["vip".into()];
    });
    let r = db
        .service
        .handle(&admin, Request::CustomerRevert { id, to: 1 })
        .unwrap();
    assert_eq!(r, Response::Done);
    let c = get(&db, &admin, id);
    assert_eq!(c.data.name, "Oldnamecanary");
    assert!(c.data.tags.is_empty());
    assert_eq!(c.stamp.version, 3);
    let h = history(&db, &admin, id);
    assert_eq!(h.len(), 2);
    assert!(
        h[1].changes
            .iter()
            .any(|c| c.field == "name" && c.to == "Oldnamecanary")
    );
    // And the revert can be reverted.
    db.service
        .handle(&admin, Request::CustomerRevert { id, to: 2 })
        .unwrap();
    assert_eq!(get(&db, &admin, id).data.name, "Newname");

    let bad = db
        .service
        .handle(&admin, Request::CustomerRevert { id, to: 99 });
    assert!(matches!(bad, Err(Error::NotFound(_))), "{bad:?}");
}

#[test]
fn staff_cannot_revert_a_colleagues_customer() {
    let (db, admin, id) = setup();
    edit(&db, &admin, id, |d| d.name = "Newname".into());
    let secret = provision(&db, &admin, "sam", Role::Staff);
    let sam = db.login_as("sam", &secret).session;
    let r = db
        .service
        .handle(&sam, Request::CustomerRevert { id, to: 1 });
    assert!(matches!(r, Err(Error::Denied(_))), "{r:?}");
    assert_eq!(get(&db, &admin, id).data.name, "Newname");
}

#[test]
fn kept_versions_are_sealed_on_disk() {
    let (db, admin, id) = setup();
    edit(&db, &admin, id, |d| {
        d.name = "Newname".into();
        d.sensitive.as_mut().unwrap().national_id = None;
    });
    assert!(db.service.store().len(kasefet::store::Tree::History) > 0);
    db.service.store().flush().unwrap();
    for f in files(&db.path()) {
        let bytes = std::fs::read(&f).unwrap();
        for canary in ["Oldnamecanary", "NIDCANARY1"] {
            assert!(
                !contains(&bytes, canary.as_bytes()),
                "{canary} in {}",
                f.display()
            );
        }
    }
}
