//! Files as real tools export them, imported through `Service::handle`: each recognised CSV
//! source, the shared vCard fixtures, matching, modes, revert, roles and audit.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestDb;
use kasefet::domain::{Customer, Role};
use kasefet::service::{
    ImportBatch, ImportMode, ImportReport, MatchOn, Request, Response, Session,
};
use kasefet::transfer::{self, Format, Parsed, ReadOptions};

fn parse(name: &str, bytes: &[u8]) -> Parsed {
    transfer::read(Format::detect(name, bytes), bytes, &ReadOptions::default()).unwrap()
}

fn batch(p: &Parsed, mode: ImportMode, dry_run: bool) -> Request {
    Request::ImportCustomers {
        batch: Box::new(ImportBatch {
            file_name: "f".into(),
            file_sha256: "00".into(),
            source: p.source.clone(),
            mapping: p.mapping.clone(),
            rows: p.rows.clone(),
            mode,
            match_on: vec![MatchOn::Email, MatchOn::Phone],
            owner: None,
            tag: None,
            dry_run,
        }),
    }
}

fn import(db: &TestDb, s: &Session, p: &Parsed, mode: ImportMode) -> ImportReport {
    match db.service.handle(s, batch(p, mode, false)).unwrap() {
        Response::ImportReport(r) => *r,
        other => panic!("{other:?}"),
    }
}

fn customer(db: &TestDb, s: &Session, id: u64) -> Customer {
    match db
        .service
        .handle(s, Request::CustomerGet { id, reveal: true })
        .unwrap()
    {
        Response::Customer(c) => *c,
        other => panic!("{other:?}"),
    }
}

fn all(db: &TestDb, s: &Session) -> Vec<Customer> {
    let Response::Customers(list) = db
        .service
        .handle(
            s,
            Request::CustomerList {
                filter: Default::default(),
            },
        )
        .unwrap()
    else {
        panic!()
    };
    list.iter().map(|c| customer(db, s, c.id)).collect()
}

const GOOGLE: &str = "\u{feff}First Name,Middle Name,Last Name,Phonetic First Name,Nickname,File As,Organization Name,Organization Title,Birthday,Notes,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Address 1 - Label,Address 1 - Street,Address 1 - City,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 2 - City\n\
Noa,,Levi,,,,Acme,,03/22/1980,\"first line\nsecond line\",* myContacts ::: Friends,* Home,noa@example.org ::: noa.levi@work.example,Work,,Mobile,+972 54-123-4567 ::: 03-5551234,Home,1 Herzl St,Tel Aviv,,6100000,Israel,Haifa\n\
محمد,,العلي,,,,,,0/0/00,,,,m@example.org,,,,,,,,,,,\n";

#[test]
fn google_contacts_csv_maps_every_trap() {
    let db = TestDb::new();
    let s = db.admin();
    let p = parse("contacts.csv", GOOGLE.as_bytes());
    assert_eq!(p.source, "google");
    assert_eq!(p.rejects, []);
    let r = import(&db, &s, &p, ImportMode::Upsert);
    assert_eq!((r.created, r.rejected.len()), (2, 0), "{r:?}");
    let c = customer(&db, &s, 1);
    assert_eq!(c.data.name, "Noa Levi");
    assert_eq!(c.data.company.as_deref(), Some("Acme"));
    assert_eq!(c.data.emails, ["noa@example.org", "noa.levi@work.example"]);
    assert_eq!(c.data.phones, ["+972 54-123-4567", "03-5551234"]);
    assert_eq!(c.data.tags, ["friends"]);
    assert_eq!(c.data.address.city.as_deref(), Some("Tel Aviv"));
    assert_eq!(c.data.address.country.as_deref(), Some("Israel"));
    let dob = c.data.sensitive.unwrap().date_of_birth.unwrap();
    assert_eq!(dob.to_string(), "1980-03-22");
    assert_eq!(c.interactions[0].text, "first line\nsecond line");
    assert_eq!(customer(&db, &s, 2).data.name, "محمد العلي");
}

/// Outlook desktop: every field quoted, CRLF, UTF-16 LE with a BOM.
#[test]
fn outlook_desktop_utf16_crlf() {
    let text = "\"Title\",\"First Name\",\"Middle Name\",\"Last Name\",\"Suffix\",\"Company\",\"Business Street\",\"Business City\",\"Business State\",\"Business Postal Code\",\"Business Country/Region\",\"Business Phone\",\"Mobile Phone\",\"Birthday\",\"Categories\",\"E-mail Address\",\"E-mail Type\",\"E-mail 2 Address\",\"Notes\"\r\n\
\"\",\"José\",\"\",\"Müller\",\"\",\"Café Ltd\",\"5 Rue X\",\"Lyon\",\"\",\"69001\",\"France\",\"+33 4 72 00 00 00\",\"\",\"0/0/00\",\"VIP;Partners\",\"jose@example.fr\",\"SMTP\",\"\",\"\"\r\n";
    let mut bytes = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    let p = parse("contacts.csv", &bytes);
    assert_eq!(p.source, "outlook");
    assert_eq!(p.rows.len(), 1, "{:?}", p.rejects);
    let i = &p.rows[0].input;
    assert_eq!(i.name, "José Müller");
    assert_eq!(i.company.as_deref(), Some("Café Ltd"));
    assert_eq!(i.tags, ["VIP", "Partners"]);
    assert_eq!(i.phones, ["+33 4 72 00 00 00"]);
    assert_eq!(i.emails, ["jose@example.fr"]);
}

#[test]
fn each_recognised_source_maps_its_columns() {
    let cases: [(&str, &str, &str); 6] = [
        (
            "hubspot",
            "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Lifecycle Stage,Street Address,City,State/Region,Postal Code,Country/Region\n901,Dan,Cohen,dan@example.com,+1 212 555 0100,Initech,,9 Main,Springfield,IL,62701,USA\n",
            "Dan Cohen|dan@example.com|+1 212 555 0100|Initech|901",
        ),
        (
            "zoho",
            "Record Id,Contact Owner,First Name,Last Name,Account Name,Email,Phone,Mobile,Mailing Street,Mailing City,Mailing Zip,Mailing Country,Description\nzcrm_55,Dana,Rina,Katz,Globex,rina@example.com,03-5550000,,2 Ben Yehuda,Jerusalem,9100000,Israel,met at fair\n",
            "Rina Katz|rina@example.com|03-5550000|Globex|zcrm_55",
        ),
        (
            "salesforce",
            "Id,IsDeleted,MasterRecordId,AccountId,LastName,FirstName,Salutation,Name,MailingStreet,MailingCity,MailingState,MailingPostalCode,MailingCountry,Phone,MobilePhone,Email,Title,LeadSource,Birthdate,Description,OwnerId\n003A1,false,,001X,Ortiz,Ana,Ms.,Ana Ortiz,1 Calle,Madrid,,28001,Spain,+34 910 000 000,,ana@example.es,CEO,Web,1975-05-01,,005Z\n003A2,true,,001X,Gone,Old,,Old Gone,,,,,,,,old@example.es,,,,,005Z\n003A3,false,003A1,001X,Ortiz,Ana,,Ana Ortiz,,,,,,,,ana2@example.es,,,,,005Z\n",
            "Ana Ortiz|ana@example.es|+34 910 000 000||003A1",
        ),
        (
            "linkedin",
            "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\nYael,Bar,https://www.linkedin.com/in/yael,yael@example.com,Wix,Engineer,01 Mar 2024\n",
            "Yael Bar|yael@example.com||Wix|",
        ),
        (
            "thunderbird",
            "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Screen Name,Work Phone,Home Phone,Fax Number,Pager Number,Mobile Number,Home Address,Home Address 2,Home City,Home State,Home ZipCode,Home Country,Work Address,Work Address 2,Work City,Work State,Work ZipCode,Work Country,Job Title,Department,Organization,Web Page 1,Web Page 2,Birth Year,Birth Month,Birth Day,Custom 1,Custom 2,Custom 3,Custom 4,Notes,\nTom,Ray,Tom Ray,,tom@example.net,,,555-123-4567,,,,,,,,,,,,,,,,,,,Ray Co,,,,,,,,,,,\n",
            "Tom Ray|tom@example.net|555-123-4567|Ray Co|",
        ),
        (
            "generic",
            "Full Name;E-mail;Telephone;Organisation;Notes\n\"Lea Weiss\";lea@example.de;+49 30 1234567;\"Weiss; GmbH\";\"two\nlines\"\n",
            "Lea Weiss|lea@example.de|+49 30 1234567|Weiss; GmbH|",
        ),
    ];
    for (source, csv, want) in cases {
        let p = parse("x.csv", csv.as_bytes());
        assert_eq!(p.source, source, "{csv}");
        assert_eq!(p.rejects, [], "{source}");
        let r = &p.rows[0];
        let got = format!(
            "{}|{}|{}|{}|{}",
            r.input.name,
            r.input.emails.join(","),
            r.input.phones.join(","),
            r.input.company.clone().unwrap_or_default(),
            r.external_id.clone().unwrap_or_default()
        );
        assert_eq!(got, want, "{source}");
        if source == "salesforce" {
            assert_eq!(
                p.rows.len(),
                1,
                "deleted and merged-away records are skipped"
            );
            assert_eq!(p.dropped.len(), 2);
        }
        if source == "linkedin" {
            assert_eq!(p.rows[0].line, 5, "line numbers count the preamble");
        }
    }
}

#[test]
fn every_shared_vcard_fixture_imports() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/vcard");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    };
    let db = TestDb::new();
    let s = db.admin();
    let mut files = 0;
    for e in entries {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "vcf") {
            continue;
        }
        files += 1;
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let cards = text.to_ascii_uppercase().matches("BEGIN:VCARD").count();
        let p = parse(path.to_str().unwrap(), &bytes);
        assert_eq!(p.rejects, [], "{}", path.display());
        assert_eq!(p.rows.len(), cards, "{}", path.display());
        let r = import(&db, &s, &p, ImportMode::Create);
        assert_eq!(r.rejected, [], "{}", path.display());
        assert_eq!(
            r.created + r.duplicates_in_file.len() + r.unchanged,
            cards,
            "{}",
            path.display()
        );
    }
    assert!(files >= 12, "found {files} fixtures");
    let names: Vec<String> = all(&db, &s).into_iter().map(|c| c.data.name).collect();
    for want in [
        "Mr. John Richter James Doe Sr.",
        "Yamada Taro",
        "Dr. Erika Mustermann",
        "Simon Perreault",
        "Dummy, Dummy",
        "Ñ Ñ Ñ Ñ",
        "john.doe@company.com",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
}

#[test]
fn reimport_matches_and_merges_and_revert_undoes_both() {
    let db = TestDb::new();
    let s = db.admin();
    let first = parse(
        "a.csv",
        b"Record ID,First Name,Last Name,Email,Phone Number\n1,Noa,Levi,noa@example.org,054-1234567\n2,Avi,Ron,avi@example.org,\n",
    );
    let r1 = import(&db, &s, &first, ImportMode::Upsert);
    assert_eq!(r1.created, 2);
    // The same export again creates nothing.
    let again = import(&db, &s, &first, ImportMode::Upsert);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
    // A generic file with the international form of Noa's phone and a new email: an update
    // that keeps what she had.
    let second = parse(
        "b.csv",
        b"Name,Email,Phone\nNoa Levi,NOA.L@example.org,+972 54 123 4567\nNew Person,new@example.org,\n",
    );
    let dry = match db
        .service
        .handle(&s, batch(&second, ImportMode::Update, true))
        .unwrap()
    {
        Response::ImportReport(r) => r,
        o => panic!("{o:?}"),
    };
    assert_eq!((dry.updated, dry.created, dry.unchanged), (1, 0, 1));
    assert_eq!(all(&db, &s).len(), 2, "a dry run writes nothing");
    let r2 = import(&db, &s, &second, ImportMode::Upsert);
    assert_eq!((r2.updated, r2.created), (1, 1));
    let noa = customer(&db, &s, 1);
    assert_eq!(noa.data.emails, ["noa@example.org", "NOA.L@example.org"]);
    assert_eq!(noa.data.phones, ["054-1234567"]);
    // Revert the second import: the new person goes, Noa gets her old emails back.
    let id2 = r2.import_id.unwrap();
    db.service
        .handle(&s, Request::ImportRevert { id: id2 })
        .unwrap();
    assert_eq!(customer(&db, &s, 1).data.emails, ["noa@example.org"]);
    assert_eq!(all(&db, &s).len(), 2);
    // The first import cannot be reverted once a record it created changed since.
    let mut avi = customer(&db, &s, 2);
    avi.data.company = Some("Changed".into());
    db.service
        .handle(
            &s,
            Request::CustomerUpdate {
                id: 2,
                version: avi.stamp.version,
                input: avi.data,
            },
        )
        .unwrap();
    let e = db
        .service
        .handle(
            &s,
            Request::ImportRevert {
                id: r1.import_id.unwrap(),
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("customer 2"), "{e}");
    assert_eq!(all(&db, &s).len(), 2, "a refused revert changes nothing");
    let Response::Imports(list) = db.service.handle(&s, Request::ImportList).unwrap() else {
        panic!()
    };
    assert_eq!(list.len(), 2);
    assert!(list[1].reverted_at.is_some());
}

#[test]
fn bad_rows_are_rejected_with_their_line_and_the_rest_is_kept() {
    let db = TestDb::new();
    let s = db.admin();
    let p = parse(
        "c.csv",
        b"Name,Email,Notes\nGood One,good@example.org,\nBad Mail,not-an-email,\nCard,c@example.org,pay 4111 1111 1111 1111\n\x1b]0;owned\x07Esc,e@example.org,\n,,\n",
    );
    let r = import(&db, &s, &p, ImportMode::Upsert);
    let lines: Vec<u64> = r.rejected.iter().map(|x| x.0).collect();
    assert_eq!(lines, [3, 4], "{r:?}");
    assert!(r.rejected[1].1.contains("card"), "{r:?}");
    assert_eq!(r.created, 2);
    let names: Vec<String> = all(&db, &s).into_iter().map(|c| c.data.name).collect();
    assert!(
        names.iter().all(|n| !n.contains(['\x1b', '\x07'])),
        "controls stripped at import: {names:?}"
    );
}

#[test]
fn duplicates_inside_one_file_are_reported_once() {
    let db = TestDb::new();
    let s = db.admin();
    let p = parse(
        "d.csv",
        b"Name,Email\nA,a@example.org\nA again,A@Example.org\n",
    );
    let r = import(&db, &s, &p, ImportMode::Upsert);
    assert_eq!(r.created, 1);
    assert_eq!(r.duplicates_in_file, [(3, 2)]);
}

#[test]
fn only_admins_and_managers_import_and_it_is_audited_without_contents() {
    let db = TestDb::new();
    let s = db.admin();
    let p = parse("e.csv", b"Name,Email\nSecret Person,secret@example.org\n");
    for (user, role) in [
        ("sam", Role::Staff),
        ("hila", Role::Hr),
        ("avi", Role::Auditor),
    ] {
        let t = common::provision(&db, &s, user, role);
        let u = db.login_as(user, &t).session;
        let e = db
            .service
            .handle(&u, batch(&p, ImportMode::Upsert, false))
            .unwrap_err();
        assert!(e.to_string().contains("cannot"), "{user}: {e}");
        assert!(db.service.handle(&u, Request::ImportList).is_err());
    }
    let t = common::provision(&db, &s, "mira", Role::Manager);
    let m = db.login_as("mira", &t).session;
    import(&db, &m, &p, ImportMode::Upsert);
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
        .find(|e| e.action == "import.customers" && e.username.as_deref() == Some("mira"))
        .unwrap();
    assert!(
        e.detail.contains("1 created") && e.detail.contains("sha256"),
        "{}",
        e.detail
    );
    assert!(log.iter().all(|e| !e.detail.contains("secret")));
    assert_eq!(
        log.iter()
            .filter(
                |e| e.action == "import.customers" && e.outcome == kasefet::domain::Outcome::Denied
            )
            .count(),
        3
    );
}

#[test]
fn map_overrides_and_bad_maps_say_why() {
    let csv = b"Kunde,Mail\nLea,lea@example.de\n";
    let p = transfer::read(
        Format::Csv,
        csv,
        &ReadOptions {
            preset: None,
            map: vec!["Kunde=name".into(), "Mail=email".into()],
        },
    )
    .unwrap();
    assert_eq!(p.rows[0].input.name, "Lea");
    assert_eq!(p.rows[0].input.emails, ["lea@example.de"]);
    let bad = transfer::read(
        Format::Csv,
        csv,
        &ReadOptions {
            preset: None,
            map: vec!["Kunde=nom".into()],
        },
    );
    assert!(bad.unwrap_err().to_string().contains("first_name"));
    let unmapped = parse("x.csv", csv);
    assert_eq!(unmapped.unmapped, ["Kunde"]);
}

/// Import records, external ids and the file name reach the disk only encrypted or hashed.
#[test]
fn nothing_of_an_import_reaches_the_files_in_the_clear() {
    let db = TestDb::new();
    let s = db.admin();
    let p = parse(
        "x.csv",
        b"Record ID,First Name,Last Name,Email\nCANARYEXT77,Canary,Qwzx,canaryqwzx@example.org\n",
    );
    let r = import(&db, &s, &p, ImportMode::Upsert);
    assert_eq!(r.created, 1);
    // An update records the previous values too.
    let p2 = parse(
        "x.csv",
        b"Record ID,First Name,Last Name,Email\nCANARYEXT77,Canary,Qwzx,canaryqwzx2@example.org\n",
    );
    assert_eq!(import(&db, &s, &p2, ImportMode::Upsert).updated, 1);
    // Every commit is flushed, so the files hold it now.
    for f in common::files(&db.path()) {
        let bytes = std::fs::read(&f).unwrap();
        for canary in [&b"CANARYEXT77"[..], b"canaryqwzx", b"Qwzx"] {
            assert!(
                !common::contains(&bytes, canary),
                "{} holds {:?}",
                f.display(),
                canary
            );
        }
    }
}

#[test]
fn owner_tag_and_modes() {
    let db = TestDb::new();
    let s = db.admin();
    let t = common::provision(&db, &s, "noa", Role::Staff);
    let noa = db.login_as("noa", &t).session;
    let Response::Me { user } = db.service.handle(&noa, Request::Whoami).unwrap() else {
        panic!()
    };
    let p = parse("f.csv", b"Name,Email\nA,a@example.org\n");
    let mut req = batch(&p, ImportMode::Upsert, false);
    if let Request::ImportCustomers { batch } = &mut req {
        batch.owner = Some(user.id);
        batch.tag = Some("Fair-2026".into());
    }
    db.service.handle(&s, req).unwrap();
    let c = customer(&db, &s, 1);
    assert_eq!(c.data.owner, Some(user.id));
    assert_eq!(c.data.tags, ["fair-2026"]);
    // create-only leaves the match alone; update-only leaves the new row out.
    let p = parse(
        "g.csv",
        b"Name,Email,Company\nA,a@example.org,NewCo\nB,b@example.org,\n",
    );
    let r = import(&db, &s, &p, ImportMode::Create);
    assert_eq!((r.created, r.updated, r.unchanged), (1, 0, 1));
    assert_eq!(customer(&db, &s, 1).data.company, None);
    let p = parse(
        "h.csv",
        b"Name,Email,Company\nA,a@example.org,NewCo\nC,c@example.org,\n",
    );
    let r = import(&db, &s, &p, ImportMode::Update);
    assert_eq!((r.created, r.updated, r.unchanged), (0, 1, 1));
    assert_eq!(customer(&db, &s, 1).data.company.as_deref(), Some("NewCo"));
    assert_eq!(all(&db, &s).len(), 2);
}
