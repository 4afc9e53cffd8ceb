//! The store, the door and the audit chain, through `Service` on real temporary databases.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use kasefet::domain::customer::{Address, CustomerStatus};
use kasefet::domain::{CustomerInput, CustomerSensitive, EmployeeHr, EmployeeInput, TaskInput};
use kasefet::service::{Error, Request, Response};
use kasefet::store::{Store, Tree};

fn customer(name: &str) -> CustomerInput {
    CustomerInput {
        name: name.into(),
        ..Default::default()
    }
}

fn created(r: Response) -> u64 {
    match r {
        Response::Created { id } => id,
        other => panic!("expected Created, got {other:?}"),
    }
}

#[test]
fn canary_never_reaches_the_files() {
    let db = TestDb::new();
    let s = db.admin();
    let c = |f: &str| format!("CANARY{f}ZQ");
    let input = CustomerInput {
        name: c("name"),
        company: Some(c("company")),
        emails: vec!["canaryemailzq@example.org".into()],
        phones: vec!["+1 555 0100 777".into()],
        address: Address {
            street: Some(c("street")),
            city: Some(c("city")),
            postal_code: Some(c("postal")),
            country: Some(c("country")),
        },
        tags: vec![c("tag")],
        source: Some(c("source")),
        sensitive: Some(CustomerSensitive {
            national_id: Some(c("natid")),
            private_notes: Some(c("notes")),
            payment_last4: Some("4242".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let id = created(
        db.service
            .handle(&s, Request::CustomerCreate { input })
            .unwrap(),
    );
    db.service
        .handle(
            &s,
            Request::CustomerAddInteraction {
                id,
                kind: kasefet::domain::InteractionKind::Call,
                text: c("interaction"),
            },
        )
        .unwrap();
    let task = TaskInput {
        title: c("tasktitle"),
        description: Some(c("taskdesc")),
        customer: Some(id),
        ..Default::default()
    };
    let tid = created(
        db.service
            .handle(&s, Request::TaskCreate { input: task })
            .unwrap(),
    );
    db.service
        .handle(
            &s,
            Request::TaskComment {
                id: tid,
                text: c("comment"),
            },
        )
        .unwrap();
    let emp = EmployeeInput {
        name: c("empname"),
        title: Some(c("title")),
        department: Some(c("dept")),
        email: Some("canaryempzq@example.org".into()),
        hr: Some(EmployeeHr {
            national_id: Some(c("empnatid")),
            salary: Some(c("salary")),
            bank_account: Some(c("bank")),
            emergency_contact: Some(c("emergency")),
            notes: Some(c("hrnotes")),
            ..Default::default()
        }),
        ..Default::default()
    };
    db.service
        .handle(&s, Request::EmployeeCreate { input: emp })
        .unwrap();
    db.service.logout(&s);
    db.service.store().flush().unwrap();

    let needles: Vec<Vec<u8>> = vec![
        b"CANARY".to_vec(),
        b"canaryemailzq".to_vec(),
        b"canaryempzq".to_vec(),
        b"5550100777".to_vec(),
        b"dana".to_vec(),
        b"Dana Admin".to_vec(),
        PASSWORD.as_bytes().to_vec(),
    ];
    let files = files(&db.path());
    assert!(!files.is_empty());
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for n in &needles {
            assert!(
                !contains(&bytes, n),
                "{} contains {:?}",
                f.display(),
                String::from_utf8_lossy(n)
            );
        }
    }
}

#[test]
fn a_flipped_bit_or_a_moved_value_names_the_record() {
    let db = TestDb::new();
    let s = db.admin();
    let a = created(
        db.service
            .handle(
                &s,
                Request::CustomerCreate {
                    input: customer("Alpha"),
                },
            )
            .unwrap(),
    );
    let b = created(
        db.service
            .handle(
                &s,
                Request::CustomerCreate {
                    input: customer("Beta"),
                },
            )
            .unwrap(),
    );
    db.service.logout(&s);
    let path = db.path();
    drop(db.service);

    // Tamper with the raw tree while no service holds the database.
    {
        let store = Store::open(&path, 8 << 20).unwrap();
        let c = Tree::Customers;
        let va = store.get_raw(c, &a.to_be_bytes()).unwrap().unwrap();
        let mut flipped = va.to_vec();
        let n = flipped.len() - 3;
        flipped[n] ^= 0x01;
        store
            .write_uncovered(c, &a.to_be_bytes(), Some(&flipped))
            .unwrap();
        let vb = store.get_raw(c, &b.to_be_bytes()).unwrap().unwrap();
        store
            .write_uncovered(c, &999u64.to_be_bytes(), Some(&vb))
            .unwrap();
        store.flush().unwrap();
    }
    let service =
        kasefet::service::Service::open(&path, cheap_settings(), db.clock.clone()).unwrap();
    db.clock.advance(30);
    let code = db.totp.code_at(db.clock.now() as u64);
    // One damaged record must not lock everyone out: both are quarantined and named, the
    // rest loads, and nothing is written over them.
    let login = service
        .login(
            "dana",
            &kasefet::crypto::Password::new(PASSWORD),
            &code,
            &Default::default(),
        )
        .unwrap();
    let s = login.session;
    let events = match service
        .handle(
            &s,
            Request::AuditList {
                offset: 0,
                limit: 20,
            },
        )
        .unwrap()
    {
        Response::Audit(e) => e,
        other => panic!("{other:?}"),
    };
    let q = events
        .iter()
        .find(|e| e.action == "integrity.quarantine")
        .expect("a quarantine entry");
    assert!(q.detail.contains("customers/1"), "{}", q.detail);
    assert!(q.detail.contains("customers/999"), "{}", q.detail);
    assert!(
        q.detail.contains("differ from what was last committed"),
        "{}",
        q.detail
    );
    let err = service
        .handle(
            &s,
            Request::CustomerGet {
                id: a,
                reveal: false,
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("customers/1"), "{err}");
    let ok = service.handle(
        &s,
        Request::CustomerGet {
            id: b,
            reveal: false,
        },
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn updates_from_a_stale_version_conflict_and_name_who() {
    let db = TestDb::new();
    let s1 = db.admin();
    let s2 = db.admin();
    let id = created(
        db.service
            .handle(
                &s1,
                Request::CustomerCreate {
                    input: customer("Gamma"),
                },
            )
            .unwrap(),
    );
    let get = |s| match db
        .service
        .handle(s, Request::CustomerGet { id, reveal: false })
        .unwrap()
    {
        Response::Customer(c) => *c,
        other => panic!("{other:?}"),
    };
    let c1 = get(&s1);
    let c2 = get(&s2);
    let mut d1 = c1.data.clone();
    d1.status = CustomerStatus::Active;
    db.service
        .handle(
            &s1,
            Request::CustomerUpdate {
                id,
                version: c1.stamp.version,
                input: d1,
            },
        )
        .unwrap();
    let mut d2 = c2.data.clone();
    d2.name = "Gamma Two".into();
    let err = db
        .service
        .handle(
            &s2,
            Request::CustomerUpdate {
                id,
                version: c2.stamp.version,
                input: d2,
            },
        )
        .unwrap_err();
    match &err {
        Error::Conflict { by, version, .. } => {
            assert_eq!(by, "dana");
            assert_eq!(*version, 2);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(err.exit_code(), kasefet::service::exit::CONFLICT);
    let now = get(&s1);
    assert_eq!(now.data.status, CustomerStatus::Active);
    assert_eq!(now.data.name, "Gamma");
}

#[test]
fn a_totp_code_works_once() {
    let db = TestDb::new();
    db.clock.advance(30);
    let code = db.totp.code_at(db.clock.now() as u64);
    let pw = kasefet::crypto::Password::new(PASSWORD);
    db.service
        .login("dana", &pw, &code, &Default::default())
        .unwrap();
    let again = db
        .service
        .login("dana", &pw, &code, &Default::default())
        .unwrap_err();
    assert!(matches!(again, Error::AuthFailed));
    // Also across a restart of the service.
    let path = db.path();
    drop(db.service);
    let service =
        kasefet::service::Service::open(&path, cheap_settings(), db.clock.clone()).unwrap();
    assert!(matches!(
        service.login("dana", &pw, &code, &Default::default()),
        Err(Error::AuthFailed)
    ));
}

#[test]
fn unknown_user_wrong_password_and_wrong_code_read_the_same() {
    let db = TestDb::new();
    db.clock.advance(30);
    let code = db.totp.code_at(db.clock.now() as u64);
    let good = kasefet::crypto::Password::new(PASSWORD);
    let bad = kasefet::crypto::Password::new("not the password at all");
    let a = db
        .service
        .login("nobody", &good, &code, &Default::default())
        .unwrap_err()
        .to_string();
    let b = db
        .service
        .login("dana", &bad, &code, &Default::default())
        .unwrap_err()
        .to_string();
    let c = db
        .service
        .login("dana", &good, "000000", &Default::default())
        .unwrap_err()
        .to_string();
    assert_eq!(a, b);
    assert_eq!(b, c);
}

#[test]
fn escape_strings_are_stored_stripped() {
    let db = TestDb::new();
    let s = db.admin();
    for (i, evil) in [
        "\x1b]52;c;AAAA\x07",
        "\x1b[2J",
        "\x1b]0;owned\x07",
        "\u{9b}",
        "\r",
        "\u{202E}",
    ]
    .iter()
    .enumerate()
    {
        let name = format!("Name{i}{evil}End");
        let id = created(
            db.service
                .handle(
                    &s,
                    Request::CustomerCreate {
                        input: customer(&name),
                    },
                )
                .unwrap(),
        );
        let Response::Customer(c) = db
            .service
            .handle(&s, Request::CustomerGet { id, reveal: false })
            .unwrap()
        else {
            panic!()
        };
        assert!(
            !c.data
                .name
                .chars()
                .any(|ch| ch.is_control() || ('\u{202a}'..='\u{202e}').contains(&ch)),
            "{:?}",
            c.data.name
        );
        assert!(c.data.name.starts_with(&format!("Name{i}")) & c.data.name.ends_with("End"));
    }
}

#[test]
fn hebrew_arabic_and_accents_are_kept_exactly() {
    let db = TestDb::new();
    let s = db.admin();
    for name in ["נועה לוי", "نور الهدى", "José Ñúñez-Çelik", "Zoë Ångström"]
    {
        let id = created(
            db.service
                .handle(
                    &s,
                    Request::CustomerCreate {
                        input: customer(name),
                    },
                )
                .unwrap(),
        );
        let Response::Customer(c) = db
            .service
            .handle(&s, Request::CustomerGet { id, reveal: false })
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(c.data.name, name);
    }
    let Response::Customers(hits) = db
        .service
        .handle(
            &s,
            Request::CustomerSearch {
                query: "jose nunez".into(),
                limit: 10,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(hits.len(), 1);
}

#[test]
fn search_is_case_accent_and_phone_digit_insensitive() {
    let db = TestDb::new();
    let s = db.admin();
    let input = CustomerInput {
        name: "Noa Levi".into(),
        company: Some("Levi Optics".into()),
        emails: vec!["noa@levi.example".into()],
        phones: vec!["+972-50-123-4567".into()],
        tags: vec!["vip".into()],
        ..Default::default()
    };
    db.service
        .handle(&s, Request::CustomerCreate { input })
        .unwrap();
    for q in [
        "levi",
        "LEVI",
        "optics",
        "noa@levi",
        "0501234567",
        "972501234567",
        "123-4567",
        "vip",
        "noa levi",
    ] {
        let Response::Customers(hits) = db
            .service
            .handle(
                &s,
                Request::CustomerSearch {
                    query: q.into(),
                    limit: 10,
                },
            )
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(hits.len(), 1, "query {q:?}");
    }
    let Response::Customers(none) = db
        .service
        .handle(
            &s,
            Request::CustomerSearch {
                query: "cohen".into(),
                limit: 10,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert!(none.is_empty());
}

#[test]
fn every_change_and_view_is_audited_and_the_chain_verifies() {
    let db = TestDb::new();
    let s = db.admin();
    let id = created(
        db.service
            .handle(
                &s,
                Request::CustomerCreate {
                    input: customer("Delta"),
                },
            )
            .unwrap(),
    );
    db.service
        .handle(&s, Request::CustomerGet { id, reveal: true })
        .unwrap();
    db.service
        .handle(&s, Request::CustomerDelete { id })
        .unwrap();
    let Response::Audit(list) = db
        .service
        .handle(
            &s,
            Request::AuditList {
                offset: 0,
                limit: 50,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    let actions: Vec<&str> = list.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "database.init",
        "user.create",
        "login",
        "customer.create",
        "customer.reveal",
        "customer.delete",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let Response::AuditReport(r) = db.service.handle(&s, Request::AuditVerify).unwrap() else {
        panic!()
    };
    assert!(r.ok(), "{r:?}");
}

#[test]
fn the_schema_version_is_checked_at_open() {
    let db = TestDb::new();
    let path = db.path();
    drop(db.service);
    {
        let raw = common::raw_sled(&path);
        let meta = raw.open_tree("meta").unwrap();
        meta.insert("schema", kasefet::store::codec::encode(&99u32).unwrap())
            .unwrap();
        raw.flush().unwrap();
    }
    let err =
        kasefet::service::Service::open(&path, cheap_settings(), db.clock.clone()).unwrap_err();
    assert!(err.to_string().contains("newer Kasefet"), "{err}");
}

#[test]
fn a_data_directory_open_to_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::new();
    let path = db.path();
    drop(db.service);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err =
        kasefet::service::Service::open(&path, cheap_settings(), db.clock.clone()).unwrap_err();
    assert!(err.to_string().contains("chmod 700"), "{err}");
}

#[test]
fn a_second_process_on_the_same_directory_is_told_why() {
    let db = TestDb::new();
    // sled's lock is per process, so use the binary for the second opener.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .args(["--data-dir"])
        .arg(db.path())
        .args(["--user", "dana", "--totp", "123456", "customer", "list"])
        .env("KASEFET_PASSWORD_FILE", "/dev/null")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(kasefet::service::exit::UNAVAILABLE),
        "{err}"
    );
    assert!(
        err.contains("in use by another process") & err.contains("kasefet serve"),
        "{err}"
    );
}
