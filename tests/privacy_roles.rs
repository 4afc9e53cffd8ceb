//! The new cells of the role table, written out literally so a change to the table in code
//! cannot pass by changing the expectation with it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestDb, provision};
use kasefet::domain::role::{Scope, scope};
use kasefet::domain::{CustomerInput, InteractionKind, Permission, Role};
use kasefet::privacy::RecordKind;
use kasefet::service::request::roles_allowed;
use kasefet::service::{Error, Request, Response};

#[test]
fn logging_an_interaction_is_for_admin_manager_and_any_staff() {
    for (role, want) in [
        (Role::Admin, Scope::All),
        (Role::Manager, Scope::All),
        (Role::Staff, Scope::All),
        (Role::Hr, Scope::None),
        (Role::Auditor, Scope::None),
    ] {
        assert_eq!(scope(role, Permission::CustomerLog), want, "{role}");
    }
}

#[test]
fn trash_history_and_revert_follow_the_table() {
    use Role::*;
    let cases: Vec<(Request, Vec<Role>)> = vec![
        (
            Request::TrashList {
                kind: RecordKind::Customer,
            },
            vec![Admin, Manager],
        ),
        (
            Request::TrashRestore {
                kind: RecordKind::Customer,
                id: 1,
            },
            vec![Admin, Manager],
        ),
        (
            Request::TrashRestore {
                kind: RecordKind::Task,
                id: 1,
            },
            vec![Admin, Manager, Staff, Hr],
        ),
        (
            Request::TrashRestore {
                kind: RecordKind::Employee,
                id: 1,
            },
            vec![Admin, Hr],
        ),
        (
            Request::CustomerHistory { id: 1 },
            vec![Admin, Manager, Staff, Auditor],
        ),
        (
            Request::CustomerRevert { id: 1, to: 1 },
            vec![Admin, Manager, Staff],
        ),
        (
            Request::CustomerAddInteraction {
                id: 1,
                kind: InteractionKind::Call,
                text: "x".into(),
            },
            vec![Admin, Manager, Staff],
        ),
    ];
    for (req, roles) in cases {
        assert_eq!(roles_allowed(&req), roles, "{}", req.action());
    }
}

#[test]
fn staff_log_a_call_on_a_colleagues_customer_but_auditors_cannot() {
    let db = TestDb::new();
    let admin = db.admin();
    let staff = provision(&db, &admin, "sam", Role::Staff);
    let auditor = provision(&db, &admin, "aud", Role::Auditor);
    let id = match db
        .service
        .handle(
            &admin,
            Request::CustomerCreate {
                input: CustomerInput {
                    name: "Colleague's".into(),
                    ..Default::default()
                },
            },
        )
        .unwrap()
    {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    };
    let call = |s| {
        db.service.handle(
            s,
            Request::CustomerAddInteraction {
                id,
                kind: InteractionKind::Call,
                text: "rang back".into(),
            },
        )
    };
    let sam = db.login_as("sam", &staff).session;
    assert_eq!(call(&sam).unwrap(), Response::Done);
    let aud = db.login_as("aud", &auditor).session;
    assert!(matches!(call(&aud), Err(Error::Denied(_))));
    // Editing the record itself stays with its owner.
    let c = match db
        .service
        .handle(&sam, Request::CustomerGet { id, reveal: false })
        .unwrap()
    {
        Response::Customer(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(c.interactions.len(), 1);
    let edit = db.service.handle(
        &sam,
        Request::CustomerUpdate {
            id,
            version: c.stamp.version,
            input: c.data.clone(),
        },
    );
    assert!(matches!(edit, Err(Error::Denied(_))), "{edit:?}");
}
