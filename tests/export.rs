//! Exports: round trips into an empty database in all three formats, who may export what,
//! the audit entry with its fingerprint, formula injection, and the file itself through the
//! real binary (0600, --force).
#![allow(clippy::unwrap_used)]

mod common;

use common::TestDb;
use kasefet::domain::customer::{Address, CustomerKind, CustomerStatus};
use kasefet::domain::{CustomerInput, CustomerSensitive, Role};
use kasefet::service::{
    CustomerFilter, ExportFormat, ExportWhat, ImportBatch, ImportMode, MatchOn, Request, Response,
    Session,
};
use kasefet::transfer::{self, Format, ReadOptions};

fn export(
    db: &TestDb,
    s: &Session,
    what: ExportWhat,
    format: ExportFormat,
    reveal: bool,
) -> kasefet::service::Result<(Vec<u8>, String)> {
    match db.service.handle(
        s,
        Request::Export {
            what,
            format,
            reveal,
            filter: CustomerFilter::default(),
            bom: false,
            after: None,
            limit: 0,
        },
    )? {
        Response::Exported {
            bytes, fingerprint, ..
        } => Ok((bytes, fingerprint)),
        o => panic!("{o:?}"),
    }
}

fn people() -> Vec<CustomerInput> {
    vec![
        CustomerInput {
            kind: CustomerKind::Person,
            name: "נועה לוי".into(),
            company: Some("=HYPERLINK(\"http://evil\")".into()),
            emails: vec!["noa@example.org".into(), "noa2@example.org".into()],
            phones: vec!["+972 54-123-4567".into(), "03-5551234".into()],
            address: Address {
                street: Some("1 Herzl St".into()),
                city: Some("Tel Aviv".into()),
                postal_code: Some("6100000".into()),
                country: Some("Israel".into()),
            },
            tags: vec!["vip".into(), "north".into()],
            status: CustomerStatus::Active,
            owner: None,
            source: Some("fair 2026".into()),
            marketing_consent: true,
            consent_date: Some(jiff::civil::date(2026, 1, 2)),
            sensitive: Some(CustomerSensitive {
                national_id: Some("123456782".into()),
                date_of_birth: Some(jiff::civil::date(1980, 3, 22)),
                private_notes: Some("two\nlines".into()),
                payment_last4: Some("4242".into()),
            }),
        },
        CustomerInput {
            kind: CustomerKind::Company,
            name: "Café Müller GmbH".into(),
            emails: vec!["office@mueller.example".into()],
            tags: vec!["supplier".into()],
            status: CustomerStatus::Lead,
            sensitive: Some(CustomerSensitive::default()),
            ..Default::default()
        },
    ]
}

fn seed(db: &TestDb, s: &Session) {
    for input in people() {
        db.service
            .handle(s, Request::CustomerCreate { input })
            .unwrap();
    }
}

fn data_of(db: &TestDb, s: &Session) -> Vec<CustomerInput> {
    (1..=2)
        .map(|id| {
            match db
                .service
                .handle(s, Request::CustomerGet { id, reveal: true })
                .unwrap()
            {
                Response::Customer(c) => CustomerInput {
                    owner: None,
                    ..c.data
                },
                o => panic!("{o:?}"),
            }
        })
        .collect()
}

#[test]
fn every_format_round_trips_every_field_into_an_empty_database() {
    let a = TestDb::new();
    let sa = a.admin();
    seed(&a, &sa);
    let want = data_of(&a, &sa);
    for (format, name) in [
        (ExportFormat::Csv, "out.csv"),
        (ExportFormat::Json, "out.json"),
        (ExportFormat::Vcard, "out.vcf"),
    ] {
        let (bytes, _) = export(&a, &sa, ExportWhat::Customers, format, true).unwrap();
        let parsed = transfer::read(
            Format::detect(name, &bytes),
            &bytes,
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(parsed.rejects, [], "{name}");
        assert_eq!(parsed.unmapped, Vec::<String>::new(), "{name}");
        let b = TestDb::new();
        let sb = b.admin();
        let req = Request::ImportCustomers {
            batch: Box::new(ImportBatch {
                file_name: name.into(),
                file_sha256: String::new(),
                source: parsed.source.clone(),
                mapping: parsed.mapping.clone(),
                rows: parsed.rows.clone(),
                mode: ImportMode::Upsert,
                match_on: vec![MatchOn::Email, MatchOn::Phone],
                owner: None,
                tag: None,
                dry_run: false,
            }),
        };
        let Response::ImportReport(r) = b.service.handle(&sb, req.clone()).unwrap() else {
            panic!()
        };
        assert_eq!((r.created, r.rejected.len()), (2, 0), "{name}: {r:?}");
        assert_eq!(data_of(&b, &sb), want, "{name}");
        // Importing the same export again changes nothing.
        let Response::ImportReport(r) = b.service.handle(&sb, req).unwrap() else {
            panic!()
        };
        assert_eq!((r.created, r.updated), (0, 0), "{name}");
    }
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_inert() {
    let db = TestDb::new();
    let s = db.admin();
    seed(&db, &s);
    let (bytes, _) = export(&db, &s, ExportWhat::Customers, ExportFormat::Csv, false).unwrap();
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    for rec in r.records() {
        for cell in rec.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("'=HYPERLINK"));
    assert!(text.contains("'+972 54-123-4567"));
    assert!(
        !text.contains("123456782"),
        "no sensitive fields without --reveal"
    );
}

#[test]
fn who_may_export_follows_the_table_and_each_export_is_audited() {
    let db = TestDb::new();
    let s = db.admin();
    seed(&db, &s);
    let staff = common::provision(&db, &s, "sam", Role::Staff);
    let hr = common::provision(&db, &s, "hila", Role::Hr);
    let mgr = common::provision(&db, &s, "mira", Role::Manager);
    let sam = db.login_as("sam", &staff).session;
    let hila = db.login_as("hila", &hr).session;
    let mira = db.login_as("mira", &mgr).session;
    assert!(export(&db, &sam, ExportWhat::Customers, ExportFormat::Csv, false).is_err());
    assert!(export(&db, &hila, ExportWhat::Customers, ExportFormat::Csv, false).is_err());
    assert!(export(&db, &mira, ExportWhat::Employees, ExportFormat::Csv, true).is_err());
    assert!(export(&db, &hila, ExportWhat::Employees, ExportFormat::Json, true).is_ok());
    let (_, fp) = export(&db, &mira, ExportWhat::Customers, ExportFormat::Json, true).unwrap();
    assert!(export(&db, &mira, ExportWhat::Tasks, ExportFormat::Vcard, false).is_err());
    let Response::Audit(log) = db
        .service
        .handle(
            &s,
            Request::AuditList {
                offset: 0,
                limit: 1000,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    let e = log
        .iter()
        .find(|e| {
            e.action == "export"
                && e.username.as_deref() == Some("mira")
                && e.outcome == kasefet::domain::Outcome::Ok
        })
        .unwrap();
    assert!(
        e.detail.contains("2 customers") && e.detail.contains(&fp),
        "{}",
        e.detail
    );
    assert!(!e.detail.contains("noa"));
    let denied = log
        .iter()
        .filter(|e| e.action == "export" && e.outcome == kasefet::domain::Outcome::Denied)
        .count();
    assert_eq!(denied, 3);
}
