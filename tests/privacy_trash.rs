//! Delete goes to the trash: restore brings a record back with its timeline and links, the
//! nightly purge removes it after the window, and the CLI says all of it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestDb, provision};
use kasefet::backup::Db;
use kasefet::domain::{CustomerInput, EmployeeInput, InteractionKind, Role, TaskInput};
use kasefet::privacy::RecordKind;
use kasefet::service::{Error, Request, Response};

const DAY: i64 = 86_400;

fn created(r: Response) -> u64 {
    match r {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    }
}

fn trash(db: &TestDb, s: &kasefet::service::Session, kind: RecordKind) -> Vec<u64> {
    match db.service.handle(s, Request::TrashList { kind }).unwrap() {
        Response::Trash(items) => items.into_iter().map(|i| i.id).collect(),
        other => panic!("{other:?}"),
    }
}

fn customer_with_task(db: &TestDb, s: &kasefet::service::Session) -> (u64, u64) {
    let id = created(
        db.service
            .handle(
                s,
                Request::CustomerCreate {
                    input: CustomerInput {
                        name: "Trashcanary Person".into(),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
    );
    db.service
        .handle(
            s,
            Request::CustomerAddInteraction {
                id,
                kind: InteractionKind::Call,
                text: "called about the quote".into(),
            },
        )
        .unwrap();
    let task = created(
        db.service
            .handle(
                s,
                Request::TaskCreate {
                    input: TaskInput {
                        title: "Send the quote".into(),
                        customer: Some(id),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
    );
    (id, task)
}

#[test]
fn a_deleted_customer_waits_in_the_trash_and_comes_back_with_timeline_and_tasks() {
    let db = TestDb::new();
    let s = db.admin();
    let (id, task) = customer_with_task(&db, &s);
    db.service
        .handle(&s, Request::CustomerDelete { id })
        .unwrap();

    let gone = db
        .service
        .handle(&s, Request::CustomerGet { id, reveal: false });
    assert!(matches!(gone, Err(Error::NotFound(_))), "{gone:?}");
    let t = match db
        .service
        .handle(&s, Request::TaskGet { id: task })
        .unwrap()
    {
        Response::Task(t) => t,
        other => panic!("{other:?}"),
    };
    assert_eq!(t.data.customer, None, "a deleted customer keeps no links");
    assert_eq!(trash(&db, &s, RecordKind::Customer), vec![id]);

    let r = db
        .service
        .handle(
            &s,
            Request::TrashRestore {
                kind: RecordKind::Customer,
                id,
            },
        )
        .unwrap();
    assert_eq!(r, Response::Restored { relinked: 1 });
    let c = match db
        .service
        .handle(&s, Request::CustomerGet { id, reveal: true })
        .unwrap()
    {
        Response::Customer(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(c.data.name, "Trashcanary Person");
    assert_eq!(c.interactions.len(), 1);
    assert!(c.data.sensitive.is_some());
    let t = match db
        .service
        .handle(&s, Request::TaskGet { id: task })
        .unwrap()
    {
        Response::Task(t) => t,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        t.data.customer,
        Some(id),
        "the restore links the task again"
    );
    assert!(trash(&db, &s, RecordKind::Customer).is_empty());
    // Found by search again: the index knows it.
    match db
        .service
        .handle(
            &s,
            Request::CustomerSearch {
                query: "trashcanary".into(),
                limit: 5,
            },
        )
        .unwrap()
    {
        Response::Customers(list) => assert_eq!(list.len(), 1),
        other => panic!("{other:?}"),
    }
    // A second restore finds nothing.
    let again = db.service.handle(
        &s,
        Request::TrashRestore {
            kind: RecordKind::Customer,
            id,
        },
    );
    assert!(matches!(again, Err(Error::NotFound(_))), "{again:?}");
}

#[test]
fn tasks_and_employees_go_to_the_trash_too() {
    let db = TestDb::new();
    let s = db.admin();
    let (_, task) = customer_with_task(&db, &s);
    let boss = created(
        db.service
            .handle(
                &s,
                Request::EmployeeCreate {
                    input: EmployeeInput {
                        name: "Boss".into(),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
    );
    let report = created(
        db.service
            .handle(
                &s,
                Request::EmployeeCreate {
                    input: EmployeeInput {
                        name: "Report".into(),
                        manager: Some(boss),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
    );
    db.service
        .handle(&s, Request::TaskDelete { id: task })
        .unwrap();
    db.service
        .handle(&s, Request::EmployeeDelete { id: boss })
        .unwrap();
    assert_eq!(trash(&db, &s, RecordKind::Task), vec![task]);
    assert_eq!(trash(&db, &s, RecordKind::Employee), vec![boss]);
    assert!(trash(&db, &s, RecordKind::Customer).is_empty());

    db.service
        .handle(
            &s,
            Request::TrashRestore {
                kind: RecordKind::Task,
                id: task,
            },
        )
        .unwrap();
    assert!(db.service.handle(&s, Request::TaskGet { id: task }).is_ok());
    let r = db
        .service
        .handle(
            &s,
            Request::TrashRestore {
                kind: RecordKind::Employee,
                id: boss,
            },
        )
        .unwrap();
    assert_eq!(r, Response::Restored { relinked: 1 });
    match db
        .service
        .handle(
            &s,
            Request::EmployeeGet {
                id: report,
                reveal: false,
            },
        )
        .unwrap()
    {
        Response::Employee(e) => assert_eq!(e.data.manager, Some(boss)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn staff_see_only_their_own_tasks_in_the_trash_and_not_the_customer_trash() {
    let db = TestDb::new();
    let admin = db.admin();
    let secret = provision(&db, &admin, "sam", Role::Staff);
    let (_, admins_task) = customer_with_task(&db, &admin);
    let sam = db.login_as("sam", &secret).session;
    let own = created(
        db.service
            .handle(
                &sam,
                Request::TaskCreate {
                    input: TaskInput {
                        title: "Mine".into(),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
    );
    db.service
        .handle(&sam, Request::TaskDelete { id: own })
        .unwrap();
    db.service
        .handle(&admin, Request::TaskDelete { id: admins_task })
        .unwrap();
    assert_eq!(trash(&db, &sam, RecordKind::Task), vec![own]);
    let theirs = db.service.handle(
        &sam,
        Request::TrashRestore {
            kind: RecordKind::Task,
            id: admins_task,
        },
    );
    assert!(matches!(theirs, Err(Error::NotFound(_))), "{theirs:?}");
    let customers = db.service.handle(
        &sam,
        Request::TrashList {
            kind: RecordKind::Customer,
        },
    );
    assert!(matches!(customers, Err(Error::Denied(_))), "{customers:?}");
}

#[test]
fn the_nightly_purge_removes_expired_trash_only_and_says_how_much() {
    let db = TestDb::new();
    let s = db.admin();
    let (old, _) = customer_with_task(&db, &s);
    db.service
        .handle(&s, Request::CustomerDelete { id: old })
        .unwrap();
    db.clock.advance(20 * DAY);
    let s = db.admin();
    let (young, _) = customer_with_task(&db, &s);
    db.service
        .handle(&s, Request::CustomerDelete { id: young })
        .unwrap();
    let nightly = Db::Service {
        service: &db.service,
        by: None,
    };
    // Day 20: nothing is 30 days old yet.
    let p = kasefet::privacy::nightly::purge_trash(&nightly).unwrap();
    assert_eq!(p.total(), 0);

    db.clock.advance(11 * DAY);
    let p = kasefet::privacy::nightly::purge_trash(&nightly).unwrap();
    assert_eq!(p.customers, 1);
    let s = db.admin();
    assert_eq!(trash(&db, &s, RecordKind::Customer), vec![young]);
    let r = db.service.handle(
        &s,
        Request::TrashRestore {
            kind: RecordKind::Customer,
            id: old,
        },
    );
    assert!(matches!(r, Err(Error::NotFound(_))), "{r:?}");
    // Nothing of the purged record is left in the trash tree.
    let keys = db.service.store().len(kasefet::store::Tree::Trash);
    assert_eq!(keys, 1);
    // The purge is on the record, by count.
    let events = match db
        .service
        .handle(
            &s,
            Request::AuditList {
                offset: 0,
                limit: 50,
            },
        )
        .unwrap()
    {
        Response::Audit(e) => e,
        other => panic!("{other:?}"),
    };
    let purge = events.iter().find(|e| e.action == "trash.purge").unwrap();
    assert!(purge.detail.contains("1 customers"), "{}", purge.detail);
}

#[test]
fn a_purge_due_while_sealed_happens_at_the_next_sign_in() {
    let db = TestDb::new();
    let s = db.admin();
    let (id, _) = customer_with_task(&db, &s);
    db.service
        .handle(&s, Request::CustomerDelete { id })
        .unwrap();
    db.service.logout(&s);
    assert!(!db.service.is_unsealed());
    db.clock.advance(31 * DAY);
    let nightly = Db::Service {
        service: &db.service,
        by: None,
    };
    // The trash is covered by the store digest, which only the key can keep current: a
    // sealed run says so and removes nothing.
    let e = kasefet::privacy::nightly::purge_trash(&nightly).unwrap_err();
    assert!(e.contains("sealed"), "{e}");
    assert_eq!(db.service.store().len(kasefet::store::Tree::Trash), 1);
    // The first sign-in after that purges it, in the commit that records it.
    let s = db.admin();
    assert_eq!(db.service.store().len(kasefet::store::Tree::Trash), 0);
    assert_eq!(
        db.service.store().tree(kasefet::store::Tree::History).len(),
        0,
        "its earlier versions go with it"
    );
    let r = db.service.handle(
        &s,
        Request::TrashRestore {
            kind: RecordKind::Customer,
            id,
        },
    );
    assert!(matches!(r, Err(Error::NotFound(_))), "{r:?}");
    let events = match db
        .service
        .handle(
            &s,
            Request::AuditList {
                offset: 0,
                limit: 50,
            },
        )
        .unwrap()
    {
        Response::Audit(e) => e,
        other => panic!("{other:?}"),
    };
    let purge = events
        .iter()
        .find(|e| e.action == "trash.purge" && e.outcome == kasefet::domain::Outcome::Ok)
        .expect("the purge at sign-in is audited");
    assert!(purge.detail.contains("1 customers"), "{}", purge.detail);
    // The chain and the digest still verify: nothing was written around them.
    match db.service.handle(&s, Request::AuditVerify).unwrap() {
        Response::AuditReport(r) => assert!(r.ok(), "{r:?}"),
        other => panic!("{other:?}"),
    }
    // A nightly run now finds nothing left to do.
    let p = kasefet::privacy::nightly::purge_trash(&nightly).unwrap();
    assert_eq!(p.total(), 0);
}

#[test]
fn the_cli_deletes_to_the_trash_lists_it_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let secret = common::init_with_binary(dir.path(), "");
    let script = "customer add --name Clicanary\ncustomer delete 1\ncustomer trash\ncustomer restore 1\ncustomer show 1\ncustomer trash\n";
    let out = common::batch_as_dana(dir.path(), &secret, script);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("moved customer 1 to the trash"), "{text}");
    assert!(text.contains("PURGED AFTER"), "{text}");
    assert!(text.contains("restored customer 1"), "{text}");
    assert!(text.contains("the customer trash is empty"), "{text}");
    assert_eq!(text.matches("Clicanary").count(), 2, "{text}");
}
