//! Duplicates in daily work: the warning, the candidate pairs, merge and its undo.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestDb;
use kasefet::domain::{Customer, CustomerInput, Role, TaskInput};
use kasefet::service::{Request, Response, Session};

fn add(db: &TestDb, s: &Session, name: &str, email: &str, phone: &str) -> u64 {
    let input = CustomerInput {
        name: name.into(),
        emails: if email.is_empty() {
            vec![]
        } else {
            vec![email.into()]
        },
        phones: if phone.is_empty() {
            vec![]
        } else {
            vec![phone.into()]
        },
        ..Default::default()
    };
    match db
        .service
        .handle(s, Request::CustomerCreate { input })
        .unwrap()
    {
        Response::Created { id } => id,
        o => panic!("{o:?}"),
    }
}

/// The ids the warning before a save names.
fn duplicates_of(db: &TestDb, s: &Session, input: CustomerInput, except: Option<u64>) -> Vec<u64> {
    match db
        .service
        .handle(
            s,
            Request::CustomerDuplicatesOf {
                input: Box::new(input),
                except,
            },
        )
        .unwrap()
    {
        Response::Duplicates(d) => d.into_iter().map(|d| d.a).collect(),
        o => panic!("{o:?}"),
    }
}

fn get(db: &TestDb, s: &Session, id: u64) -> Option<Customer> {
    match db
        .service
        .handle(s, Request::CustomerGet { id, reveal: false })
    {
        Ok(Response::Customer(c)) => Some(*c),
        _ => None,
    }
}

#[test]
fn pairs_by_email_phone_and_name() {
    let db = TestDb::new();
    let s = db.admin();
    add(&db, &s, "Noa Levi", "noa@example.org", "054-1234567");
    add(&db, &s, "N. Levi", "NOA@example.org ", "");
    add(&db, &s, "Someone", "", "+972 54 123 4567");
    add(&db, &s, "José Díaz", "", "");
    add(&db, &s, "jose diaz", "", "");
    add(&db, &s, "Unrelated", "u@example.org", "");
    let Response::Duplicates(p) = db.service.handle(&s, Request::CustomerDuplicates).unwrap()
    else {
        panic!()
    };
    let got: Vec<(u64, u64, &str)> = p.iter().map(|d| (d.a, d.b, d.reason.as_str())).collect();
    assert_eq!(
        got,
        [
            (1, 2, "same email"),
            (1, 3, "same phone"),
            (4, 5, "same name and company")
        ]
    );
    let check = |input: CustomerInput, except| duplicates_of(&db, &s, input, except);
    let noa = CustomerInput {
        name: "x".into(),
        phones: vec!["00972-54-123-4567".into()],
        ..Default::default()
    };
    assert_eq!(check(noa.clone(), None), [1, 3]);
    assert_eq!(
        check(noa, Some(1)),
        [3],
        "editing a record does not warn about itself"
    );
}

#[test]
fn merge_keeps_both_timelines_moves_tasks_and_reverts() {
    let db = TestDb::new();
    let s = db.admin();
    let keep = add(&db, &s, "Noa Levi", "noa@example.org", "");
    let other = add(&db, &s, "Noa L.", "noa.l@example.org", "054-1234567");
    for (id, text) in [(keep, "called"), (other, "met")] {
        db.service
            .handle(
                &s,
                Request::CustomerAddInteraction {
                    id,
                    kind: kasefet::domain::InteractionKind::Note,
                    text: text.into(),
                },
            )
            .unwrap();
    }
    let task = match db
        .service
        .handle(
            &s,
            Request::TaskCreate {
                input: TaskInput {
                    title: "follow up".into(),
                    customer: Some(other),
                    ..Default::default()
                },
            },
        )
        .unwrap()
    {
        Response::Created { id } => id,
        o => panic!("{o:?}"),
    };
    let staff = common::provision(&db, &s, "sam", Role::Staff);
    let sam = db.login_as("sam", &staff).session;
    assert!(
        db.service
            .handle(&sam, Request::CustomerMerge { keep, other })
            .is_err()
    );
    let Response::Merged { record } = db
        .service
        .handle(&s, Request::CustomerMerge { keep, other })
        .unwrap()
    else {
        panic!()
    };
    let k = get(&db, &s, keep).unwrap();
    assert_eq!(k.data.name, "Noa Levi");
    assert_eq!(k.data.emails, ["noa@example.org", "noa.l@example.org"]);
    assert_eq!(k.data.phones, ["054-1234567"]);
    assert_eq!(k.interactions.len(), 2);
    assert!(get(&db, &s, other).is_none());
    let Response::Task(t) = db
        .service
        .handle(&s, Request::TaskGet { id: task })
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(t.data.customer, Some(keep));

    db.service
        .handle(&s, Request::ImportRevert { id: record })
        .unwrap();
    let k = get(&db, &s, keep).unwrap();
    assert_eq!(k.data.emails, ["noa@example.org"]);
    assert_eq!(k.interactions.len(), 1);
    let o = get(&db, &s, other).unwrap();
    assert_eq!(o.data.phones, ["054-1234567"]);
    let Response::Task(t) = db
        .service
        .handle(&s, Request::TaskGet { id: task })
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(t.data.customer, Some(other));
    let Response::Audit(log) = db
        .service
        .handle(
            &s,
            Request::AuditList {
                offset: 0,
                limit: 500,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert!(
        log.iter()
            .any(|e| e.action == "customer.merge" && e.detail.contains("merged into"))
    );
}

/// The warning before a save names exactly the customers a full comparison would: the same
/// e-mail (case and spaces aside) or the same number's last nine digits (trunk and
/// international prefixes aside), on random records with numbers in every form.
#[test]
fn the_warning_finds_what_comparing_every_customer_finds() {
    let db = TestDb::new();
    let s = db.admin();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let number = |n: u64, form: u64| {
        let (a, b) = (n / 10_000, n % 10_000);
        match form {
            0 => format!("+972-54-{a:03}-{b:04}"),
            1 => format!("054{a:03}{b:04}"),
            2 => format!("(054) {a:03} {b:04}"),
            _ => format!("00972 54 {a:03}-{b:04}"),
        }
    };
    let key = |p: &str| {
        let d: String = p.chars().filter(char::is_ascii_digit).collect();
        let d = d.trim_start_matches('0').to_string();
        d[d.len().saturating_sub(9)..].to_string()
    };
    let mut stored: Vec<(u64, String, String)> = Vec::new();
    for i in 0..200 {
        let email = format!(
            "{}@Example.org",
            ["noa", "avi", "dana", "omar"][next(4) as usize]
        );
        let email = if next(2) == 0 {
            email.to_uppercase()
        } else {
            email
        };
        let phone = number(next(40), next(4));
        let id = add(&db, &s, &format!("Person {i}"), &email, &phone);
        stored.push((id, email.trim().to_lowercase(), key(&phone)));
    }
    for _ in 0..60 {
        let email = format!("{}@example.ORG", ["noa", "avi", "zed"][next(3) as usize]);
        let phone = number(next(60), next(4));
        let except = (next(3) == 0).then(|| 1 + next(200));
        let input = CustomerInput {
            name: "x".into(),
            emails: if next(2) == 0 {
                vec![email.clone()]
            } else {
                vec![]
            },
            phones: vec![phone.clone()],
            ..Default::default()
        };
        let want: Vec<u64> = stored
            .iter()
            .filter(|(id, e, p)| {
                Some(*id) != except
                    && ((!input.emails.is_empty() && *e == email.to_lowercase())
                        || *p == key(&phone))
            })
            .map(|(id, ..)| *id)
            .collect();
        let got = duplicates_of(&db, &s, input, except);
        assert_eq!(got, want, "{email} {phone} except {except:?}");
    }
}
