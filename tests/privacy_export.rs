//! Subject access: the export holds every part (a canary in each), is audited, and the
//! audit log itself never holds a customer's personal data.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestDb, provision};
use kasefet::domain::{CustomerInput, CustomerSensitive, InteractionKind, Role, TaskInput};
use kasefet::service::{Error, Request, Response, Session};

const CANARIES: [&str; 7] = [
    "Namecanary",
    "NIDcanary",
    "Notecanary",
    "Callcanary",
    "Taskcanary",
    "Commentcanary",
    "Citycanary",
];

fn ok(db: &TestDb, s: &Session, r: Request) -> Response {
    db.service.handle(s, r).unwrap()
}

/// A customer with a canary in every part, viewed and changed, with consent given then
/// withdrawn.
fn subject(db: &TestDb, s: &Session) -> u64 {
    let id = match ok(
        db,
        s,
        Request::CustomerCreate {
            input: CustomerInput {
                name: "Namecanary Person".into(),
                emails: vec!["namecanary@example.test".into()],
                marketing_consent: true,
                sensitive: Some(CustomerSensitive {
                    national_id: Some("NIDcanary".into()),
                    private_notes: Some("Notecanary".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        },
    ) {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    };
    ok(
        db,
        s,
        Request::CustomerAddInteraction {
            id,
            kind: InteractionKind::Call,
            text: "Callcanary about the offer".into(),
        },
    );
    let task = match ok(
        db,
        s,
        Request::TaskCreate {
            input: TaskInput {
                title: "Taskcanary follow-up".into(),
                customer: Some(id),
                ..Default::default()
            },
        },
    ) {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    };
    ok(
        db,
        s,
        Request::TaskComment {
            id: task,
            text: "Commentcanary".into(),
        },
    );
    let c = match ok(db, s, Request::CustomerGet { id, reveal: true }) {
        Response::Customer(c) => c,
        other => panic!("{other:?}"),
    };
    let mut d = c.data.clone();
    d.marketing_consent = false;
    d.address.city = Some("Citycanary".into());
    ok(
        db,
        s,
        Request::CustomerUpdate {
            id,
            version: c.stamp.version,
            input: d,
        },
    );
    id
}

#[test]
fn the_export_holds_every_part_and_is_audited() {
    let db = TestDb::new();
    let s = db.admin();
    let id = subject(&db, &s);
    let x = match ok(&db, &s, Request::SubjectExport { id }) {
        Response::SubjectExport(x) => x,
        other => panic!("{other:?}"),
    };
    let json = serde_json::to_string(&x).unwrap();
    let text = kasefet::privacy::subject::render_text(&x);
    for canary in CANARIES {
        assert!(json.contains(canary), "{canary} missing from the JSON");
        assert!(
            text.contains(canary),
            "{canary} missing from the text:\n{text}"
        );
    }
    assert_eq!(x.tasks.len(), 1);
    assert_eq!(x.consent.len(), 2, "{:?}", x.consent);
    assert!(x.consent[0].given && !x.consent[1].given);
    assert!(text.contains("withdrawn"));
    let actions: Vec<&str> = x.audit.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "customer.create",
        "customer.reveal",
        "customer.edit",
        "customer.interaction",
    ] {
        assert!(actions.contains(&a), "{a} not in the trail: {actions:?}");
    }
    assert_eq!(x.history.len(), 1);
    // The export itself is on the record, and the next export shows it.
    let x2 = match ok(&db, &s, Request::SubjectExport { id }) {
        Response::SubjectExport(x) => x,
        other => panic!("{other:?}"),
    };
    assert!(
        x2.audit
            .iter()
            .any(|e| e.action == "customer.subject_export")
    );
}

#[test]
fn only_admin_and_manager_may_export_a_subject() {
    let db = TestDb::new();
    let s = db.admin();
    let id = subject(&db, &s);
    for role in [Role::Staff, Role::Hr, Role::Auditor] {
        let name = format!("u{}", role.as_str());
        let secret = provision(&db, &s, &name, role);
        let u = db.login_as(&name, &secret).session;
        let r = db.service.handle(&u, Request::SubjectExport { id });
        assert!(matches!(r, Err(Error::Denied(_))), "{role}: {r:?}");
    }
}

#[test]
fn audit_entries_never_hold_a_customers_personal_data() {
    let db = TestDb::new();
    let s = db.admin();
    let id = subject(&db, &s);
    // Refusals and conflicts write their reasons into the log: provoke some.
    let stale = db.service.handle(
        &s,
        Request::CustomerUpdate {
            id,
            version: 1,
            input: CustomerInput {
                name: "Namecanary Conflict".into(),
                ..Default::default()
            },
        },
    );
    assert!(stale.is_err());
    ok(&db, &s, Request::SubjectExport { id });
    ok(&db, &s, Request::CustomerHistory { id });
    ok(&db, &s, Request::CustomerDelete { id });
    ok(
        &db,
        &s,
        Request::TrashRestore {
            kind: kasefet::privacy::RecordKind::Customer,
            id,
        },
    );
    let events = match ok(
        &db,
        &s,
        Request::AuditList {
            offset: 0,
            limit: 10_000,
        },
    ) {
        Response::Audit(e) => e,
        other => panic!("{other:?}"),
    };
    assert!(events.len() > 10);
    let all = serde_json::to_string(&events).unwrap().to_lowercase();
    for canary in CANARIES {
        assert!(
            !all.contains(&canary.to_lowercase()),
            "{canary} is in the audit log"
        );
    }
}

#[test]
fn the_cli_writes_json_and_text_0600_and_refuses_to_overwrite() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secret = common::init_with_binary(dir.path(), "");
    let run = |script: &str, step: u64| {
        let code = secret.code_at(jiff::Timestamp::now().as_second() as u64 + step * 30);
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_kasefet"))
            .current_dir(dir.path())
            .args([
                "--config",
                "kasefet.toml",
                "--data-dir",
                "db",
                "--user",
                "dana",
                "--password-file",
                "pw",
                "--totp",
                &code,
                "batch",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        c.stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        c.wait_with_output().unwrap()
    };
    let out = run(
        "customer add --name Clicanary --national-id NIDcanary\ngdpr export 1 --to subject.json\ngdpr export 1 --to subject.json\n",
        0,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("subject export of customer 1"),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("already exists"), "{stderr}");
    for f in ["subject.json", "subject.json.txt"] {
        let p = dir.path().join(f);
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f}");
        let body = std::fs::read_to_string(&p).unwrap();
        assert!(
            body.contains("Clicanary") && body.contains("NIDcanary"),
            "{f}: {body}"
        );
    }
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("subject.json")).unwrap())
            .unwrap();
    assert_eq!(v["format"], "kasefet-subject-export/1");
}
