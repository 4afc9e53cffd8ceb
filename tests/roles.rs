//! The role table, cell by cell: every role × every `Request` variant is allowed or refused
//! exactly as `domain::role` says, and the row-level limits ("own customers", "their tasks")
//! hold.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use kasefet::domain::role::{Permission, Scope, scope};
use kasefet::domain::{CustomerInput, EmployeeInput, Outcome, Role, TaskInput};
use kasefet::service::{CustomerFilter, Error, ExportFormat, ExportWhat, Request, Response};

fn created(r: Response) -> u64 {
    match r {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_role_meets_every_request_as_the_table_says() {
    for role in Role::ALL {
        let db = TestDb::new();
        let admin = db.admin();
        let secret = provision(&db, &admin, "actor", role);
        let actor_id = match db
            .service
            .handle(
                &admin,
                Request::UserGet {
                    username: "actor".into(),
                },
            )
            .unwrap()
        {
            Response::User(u) => u.id,
            other => panic!("{other:?}"),
        };
        // Fixtures the actor owns or is assigned, so row-level limits do not hide the table.
        let input = CustomerInput {
            name: "Owned".into(),
            owner: Some(actor_id),
            ..Default::default()
        };
        created(
            db.service
                .handle(&admin, Request::CustomerCreate { input })
                .unwrap(),
        );
        let task = TaskInput {
            title: "Assigned".into(),
            assignee: Some(actor_id),
            ..Default::default()
        };
        created(
            db.service
                .handle(&admin, Request::TaskCreate { input: task })
                .unwrap(),
        );
        created(
            db.service
                .handle(
                    &admin,
                    Request::EmployeeCreate {
                        input: EmployeeInput {
                            name: "E".into(),
                            ..Default::default()
                        },
                    },
                )
                .unwrap(),
        );

        for req in Request::examples() {
            let action = req.action();
            let want = req.reach(|p| scope(role, p));
            // A fresh session per request: some requests (password change) end the old one.
            let s = db.login_as("actor", &secret).session;
            let got = db.service.handle(&s, req.clone());
            match (want, &got) {
                (Scope::None, Err(Error::Denied(_))) => {}
                (Scope::None, other) => panic!("{role}: {action} should be denied, got {other:?}"),
                (_, Err(Error::Denied(m))) => {
                    panic!("{role}: {action} should be allowed, was denied: {m}")
                }
                _ => {}
            }
            db.service.logout(&s);
        }
    }
}

fn customer_export(reveal: bool) -> Request {
    Request::Export {
        what: ExportWhat::Customers,
        format: ExportFormat::Csv,
        reveal,
        filter: CustomerFilter::default(),
        bom: false,
        after: None,
        limit: 0,
    }
}

/// No role today may export customers without seeing every customer's sensitive fields,
/// so the rule is met with a column of the table no role has, then through the service.
#[test]
fn sensitive_fields_in_a_customer_export_need_the_reveal_permission_on_every_customer() {
    let column = |sensitive: Scope| {
        move |p: Permission| match p {
            Permission::CustomerAdmin => Scope::All,
            Permission::CustomerSensitive => sensitive,
            _ => Scope::None,
        }
    };
    let reveal = customer_export(true);
    assert_eq!(reveal.also_needs(), Some(Permission::CustomerSensitive));
    assert_eq!(reveal.reach(column(Scope::All)), Scope::All);
    assert_eq!(
        reveal.reach(column(Scope::Own)),
        Scope::None,
        "own customers only"
    );
    assert_eq!(reveal.reach(column(Scope::None)), Scope::None);
    assert_eq!(
        customer_export(false).reach(column(Scope::None)),
        Scope::All
    );
    for role in Role::ALL {
        let may = reveal.reach(|p| scope(role, p)) != Scope::None;
        let reveals_all = scope(role, Permission::CustomerSensitive) == Scope::All;
        assert!(!may || reveals_all, "{role} exports what it cannot reveal");
    }

    // Refused in the service as any request the table refuses: denied, and audited so.
    let db = TestDb::new();
    let admin = db.admin();
    let secret = provision(&db, &admin, "sam", Role::Staff);
    let sam = db.login_as("sam", &secret).session;
    assert!(matches!(
        db.service.handle(&sam, customer_export(true)),
        Err(Error::Denied(_))
    ));
    let log = db.audit_log(&admin);
    assert!(log.iter().any(|e| e.action == "export"
        && e.username.as_deref() == Some("sam")
        && e.outcome == Outcome::Denied));
    assert!(matches!(
        db.service.handle(&admin, customer_export(true)),
        Ok(Response::Exported { .. })
    ));
}

#[test]
fn staff_reach_only_their_own_customers_for_writes_and_reveals() {
    let db = TestDb::new();
    let admin = db.admin();
    let secret = provision(&db, &admin, "sam", Role::Staff);
    let sam = db.login_as("sam", &secret).session;
    let theirs = created(
        db.service
            .handle(
                &admin,
                Request::CustomerCreate {
                    input: CustomerInput {
                        name: "Admin's".into(),
                        sensitive: Some(kasefet::domain::CustomerSensitive {
                            national_id: Some("123".into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
    );
    let mine = created(
        db.service
            .handle(
                &sam,
                Request::CustomerCreate {
                    input: CustomerInput {
                        name: "Sam's".into(),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
    );

    // Reading is for everyone with customer access; the sensitive part is masked.
    let Response::Customer(c) = db
        .service
        .handle(
            &sam,
            Request::CustomerGet {
                id: theirs,
                reveal: false,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert!(c.data.sensitive.is_none());
    assert!(matches!(
        db.service.handle(
            &sam,
            Request::CustomerGet {
                id: theirs,
                reveal: true
            }
        ),
        Err(Error::Denied(_))
    ));
    assert!(matches!(
        db.service.handle(
            &sam,
            Request::CustomerUpdate {
                id: theirs,
                version: 1,
                input: c.data.clone()
            }
        ),
        Err(Error::Denied(_))
    ));
    // Logging a call on a colleague's customer is everyday work: allowed.
    assert!(matches!(
        db.service.handle(
            &sam,
            Request::CustomerAddInteraction {
                id: theirs,
                kind: kasefet::domain::InteractionKind::Call,
                text: "x".into()
            }
        ),
        Ok(Response::Done)
    ));
    // Their own: reveal and edit work.
    assert!(
        db.service
            .handle(
                &sam,
                Request::CustomerGet {
                    id: mine,
                    reveal: true
                }
            )
            .is_ok()
    );
    let Response::Customer(m) = db
        .service
        .handle(
            &sam,
            Request::CustomerGet {
                id: mine,
                reveal: false,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    let mut d = m.data.clone();
    d.status = kasefet::domain::CustomerStatus::Active;
    assert!(
        db.service
            .handle(
                &sam,
                Request::CustomerUpdate {
                    id: mine,
                    version: m.stamp.version,
                    input: d
                }
            )
            .is_ok()
    );
    // Nor can staff hand a customer to someone else.
    let mut d = m.data.clone();
    d.owner = Some(1);
    assert!(matches!(
        db.service.handle(
            &sam,
            Request::CustomerUpdate {
                id: mine,
                version: m.stamp.version + 1,
                input: d
            }
        ),
        Err(Error::Denied(_))
    ));
    // Denials are audited.
    let log = db.audit_log(&admin);
    assert!(log.iter().any(|e| e.action == "customer.reveal" && e.outcome == kasefet::domain::Outcome::Denied));
}

#[test]
fn staff_and_hr_see_only_their_tasks_and_hr_fields_stay_with_hr() {
    let db = TestDb::new();
    let admin = db.admin();
    let s_secret = provision(&db, &admin, "sam", Role::Staff);
    let h_secret = provision(&db, &admin, "hila", Role::Hr);
    let other = created(
        db.service
            .handle(
                &admin,
                Request::TaskCreate {
                    input: TaskInput {
                        title: "Admin only".into(),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
    );
    let sam = db.login_as("sam", &s_secret).session;
    let own = created(
        db.service
            .handle(
                &sam,
                Request::TaskCreate {
                    input: TaskInput {
                        title: "Sam's".into(),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
    );
    assert!(matches!(
        db.service.handle(&sam, Request::TaskGet { id: other }),
        Err(Error::NotFound(_))
    ));
    assert!(
        db.service
            .handle(&sam, Request::TaskGet { id: own })
            .is_ok()
    );
    let Response::Tasks(all) = db
        .service
        .handle(
            &sam,
            Request::TaskList {
                filter: kasefet::service::TaskFilter {
                    scope: kasefet::service::TaskScope::All,
                    ..Default::default()
                },
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(all.iter().map(|t| t.id).collect::<Vec<_>>(), vec![own]);

    let emp = kasefet::domain::EmployeeInput {
        name: "Avi".into(),
        hr: Some(kasefet::domain::EmployeeHr {
            salary: Some("9000".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = created(
        db.service
            .handle(&admin, Request::EmployeeCreate { input: emp })
            .unwrap(),
    );
    let Response::Employee(seen) = db
        .service
        .handle(
            &sam,
            Request::EmployeeGet {
                id: e,
                reveal: false,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert!(seen.data.hr.is_none());
    assert!(matches!(
        db.service.handle(
            &sam,
            Request::EmployeeGet {
                id: e,
                reveal: true
            }
        ),
        Err(Error::Denied(_))
    ));
    let hila = db.login_as("hila", &h_secret).session;
    let Response::Employee(hr) = db
        .service
        .handle(
            &hila,
            Request::EmployeeGet {
                id: e,
                reveal: true,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(hr.data.hr.unwrap().salary.as_deref(), Some("9000"));
    assert!(matches!(
        db.service.handle(
            &hila,
            Request::CustomerList {
                filter: Default::default()
            }
        ),
        Err(Error::Denied(_))
    ));
}
