//! Imports over `kasefet serve` past the 4 MiB request frame: the CLI sends the file in
//! parts and the server writes it in one commit; a dropped connection, another session's
//! token and an over-limit part write nothing.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kasefet::auth::totp::TotpSecret;
use kasefet::client::Backend;
use kasefet::client::download::{Wanted, download};
use kasefet::client::remote::Remote;
use kasefet::crypto::Password;
use kasefet::domain::CustomerInput;
use kasefet::service::{
    CustomerFilter, Error, ExportFormat, ExportWhat, ImportBatch, ImportMode, MatchOn, Request,
    Response,
};
use kasefet::transfer::ImportRow;

const PW: &str = "correct horse battery staple 42";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(dir)
        .args(["--data-dir", "db", "--config", "kasefet.toml"])
        .args(["--socket", "k.sock", "serve"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while Remote::connect(&dir.join("k.sock")).is_err() {
        assert!(t.elapsed() < Duration::from_secs(10), "no server");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server(child)
}

/// A fresh TOTP step per sign-in: a code is accepted once.
fn code(secret: &TotpSecret, step: i64) -> String {
    let now = jiff::Timestamp::now().as_second() / 30 - 1 + step;
    secret.code_at((now * 30) as u64)
}

fn signed_in(dir: &Path, totp: &TotpSecret, step: i64) -> Remote {
    let mut r = Remote::connect(&dir.join("k.sock")).unwrap();
    r.login("dana", &Password::new(PW), &code(totp, step))
        .unwrap();
    r
}

fn count(r: &mut Remote) -> usize {
    match r
        .call(Request::CustomerList {
            filter: CustomerFilter::default(),
        })
        .unwrap()
    {
        Response::Customers(c) => c.len(),
        other => panic!("{other:?}"),
    }
}

fn audit(r: &mut Remote) -> Vec<kasefet::domain::AuditEvent> {
    match r
        .call(Request::AuditList {
            offset: 0,
            limit: 100_000,
        })
        .unwrap()
    {
        Response::Audit(events) => events,
        o => panic!("{o:?}"),
    }
}

fn rows(n: usize) -> Vec<ImportRow> {
    (0..n)
        .map(|i| ImportRow {
            line: i as u64 + 2,
            input: CustomerInput {
                name: format!("Person {i}"),
                emails: vec![format!("p{i}@example.org")],
                ..Default::default()
            },
            external_id: None,
            note: Some("n".repeat(200)),
        })
        .collect()
}

fn batch(rows: Vec<ImportRow>) -> ImportBatch {
    ImportBatch {
        file_name: "big.csv".into(),
        file_sha256: String::new(),
        source: "generic".into(),
        mapping: Vec::new(),
        rows,
        mode: ImportMode::Upsert,
        match_on: vec![MatchOn::Email, MatchOn::Phone],
        owner: None,
        tag: None,
        dry_run: false,
    }
}

#[test]
fn a_csv_past_the_frame_limit_imports_over_serve_in_one_commit() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let totp = common::init_with_binary(dir, "");
    let n = 24_000;
    let mut csv = String::from("Name,Email,Phone,City,Notes\n");
    for i in 0..n {
        csv.push_str(&format!(
            "Person {i},p{i}@example.org,+972 50 {:07},Haifa,{}\n",
            i,
            "Called about the renewal and the quote; wants a visit next month. ".repeat(3)
        ));
    }
    assert!(csv.len() > 5 * 1024 * 1024, "{} bytes", csv.len());
    std::fs::write(dir.join("big.csv"), &csv).unwrap();
    let _server = serve(dir);

    // Sent whole, the rows do not fit in one request: what failed before parts existed.
    let mut r = signed_in(dir, &totp, 0);
    let parsed = kasefet::transfer::read(
        kasefet::transfer::Format::Csv,
        csv.as_bytes(),
        &Default::default(),
    )
    .unwrap();
    let whole = r.call(Request::ImportCustomers {
        batch: Box::new(batch(parsed.rows)),
    });
    assert!(whole.is_err(), "{whole:?}");
    drop(r);

    let out = Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(dir)
        .args(["--config", "kasefet.toml", "--socket", "k.sock"])
        .args(["--user", "dana", "--password-file", "pw", "--totp"])
        .arg(code(&totp, 1))
        .args(["import", "customers", "big.csv", "--json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["created"], n, "{text}");
    assert_eq!(report["rows_read"], n);
    assert!(report["import_id"].as_u64().is_some(), "{text}");
    // Not a terminal: no progress line.
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("sending rows"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut r = signed_in(dir, &totp, 2);
    assert_eq!(count(&mut r), n);
    // One import, audited once with its counts.
    let events = audit(&mut r);
    let imports: Vec<_> = events
        .iter()
        .filter(|e| e.action == "import.customers")
        .collect();
    assert_eq!(imports.len(), 1, "{imports:#?}");
    assert!(
        imports[0].detail.contains(&format!("{n} created")),
        "{:?}",
        imports[0].detail
    );
    assert!(!imports[0].detail.contains("Person"), "no row contents");

    // Out again through the server: more records than one export part holds, so the
    // client asks part after part (as the CLI and the TUI do) and gets the whole file.
    let mut get = |format| {
        let wanted = Wanted {
            what: ExportWhat::Customers,
            format,
            reveal: false,
            filter: CustomerFilter::default(),
            bom: false,
        };
        let mut out = Vec::new();
        let got = download(&wanted, &mut |q| r.call(q), &mut |b: &[u8]| {
            out.extend_from_slice(b);
            Ok::<(), Error>(())
        })
        .unwrap();
        assert_eq!(got, n);
        out
    };
    let csv = String::from_utf8(get(ExportFormat::Csv)).unwrap();
    assert_eq!(csv.lines().count(), n + 1);
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("kasefet id,")).count(),
        1
    );
    let json: serde_json::Value = serde_json::from_slice(&get(ExportFormat::Json)).unwrap();
    let ids: Vec<u64> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=n as u64).collect::<Vec<_>>());
    let events = audit(&mut r);
    let parts = events.iter().filter(|e| e.action == "export").count();
    let per_file = n.div_ceil(kasefet::service::EXPORT_PART_MAX as usize);
    assert!(per_file > 1);
    assert_eq!(parts, 2 * per_file, "every part is audited");
}

#[test]
fn parts_write_nothing_until_the_commit_and_die_with_their_connection() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let totp = common::init_with_binary(dir, "");
    let _server = serve(dir);

    // Begun and half sent, then the connection drops: nothing is written, and the token
    // means nothing to the next session.
    let mut a = signed_in(dir, &totp, 0);
    let Response::ImportStaged { token, rows: held } = a
        .call(Request::ImportBegin {
            batch: Box::new(batch(rows(500))),
        })
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(held, 500);
    let Response::ImportStaged { rows: held, .. } = a
        .call(Request::ImportRows {
            token,
            rows: rows(500),
        })
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(held, 1000);
    assert_eq!(count(&mut a), 0, "nothing written before the commit");
    drop(a);
    let mut b = signed_in(dir, &totp, 1);
    assert_eq!(count(&mut b), 0);
    let stolen = b.call(Request::ImportCommit {
        token,
        dry_run: false,
    });
    assert!(
        matches!(&stolen, Err(e) if e.to_string().contains("no longer held")),
        "{stolen:?}"
    );

    // A dry-run commit counts and keeps the rows; the real commit writes them; the token
    // is spent after.
    let Response::ImportStaged { token, .. } = b
        .call(Request::ImportBegin {
            batch: Box::new(batch(rows(300))),
        })
        .unwrap()
    else {
        panic!()
    };
    let Response::ImportReport(dry) = b
        .call(Request::ImportCommit {
            token,
            dry_run: true,
        })
        .unwrap()
    else {
        panic!()
    };
    assert_eq!((dry.dry_run, dry.created), (true, 300));
    assert_eq!(count(&mut b), 0);
    let Response::ImportReport(real) = b
        .call(Request::ImportCommit {
            token,
            dry_run: false,
        })
        .unwrap()
    else {
        panic!()
    };
    assert_eq!((real.dry_run, real.created), (false, 300));
    assert_eq!(count(&mut b), 300);
    assert!(
        b.call(Request::ImportCommit {
            token,
            dry_run: false
        })
        .is_err()
    );

    // Past the row bound the staged import is dropped whole, and says why.
    let Response::ImportStaged { token, .. } = b
        .call(Request::ImportBegin {
            batch: Box::new(batch(Vec::new())),
        })
        .unwrap()
    else {
        panic!()
    };
    let mut over = None;
    for _ in 0..12 {
        // 9,000 rows a part stay under the frame; twelve of them pass 100,000.
        let part: Vec<ImportRow> = (0..9_000)
            .map(|i| ImportRow {
                line: i,
                input: CustomerInput {
                    name: "x".into(),
                    ..Default::default()
                },
                external_id: None,
                note: None,
            })
            .collect();
        if let Err(e) = b.call(Request::ImportRows { token, rows: part }) {
            over = Some(e);
            break;
        }
    }
    let over = over.expect("the bound refused a part");
    assert!(matches!(over, Error::Invalid(_)), "{over:?}");
    assert!(over.to_string().contains("100000 rows"), "{over}");
    assert!(
        b.call(Request::ImportCommit {
            token,
            dry_run: false
        })
        .is_err(),
        "dropped"
    );
    assert_eq!(count(&mut b), 300);
}
