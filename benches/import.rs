//! Figures for issue 10: `cargo bench --bench import` prints them (release build).
//!
//! - import of N CSV rows (read, validate, match, one commit) beside `sqlcipher` inserting the
//!   same rows in one transaction, on this machine in this run, and the ratio
//! - export of the N customers to CSV
//! - peak memory (VmHWM) of each, measured in a child process of its own, and SQLCipher's
//!   (GNU time's max RSS, in a separate untimed run)
//! - the data directory after the import beside SQLCipher's file for the same rows
//!
//! `KASEFET_BENCH_ROWS` changes N (default 100000), `KASEFET_BENCH_ROUNDS` the rounds of both,
//! alternating, whose medians are compared (default 3). Needs `sqlcipher` on PATH
//! (`apt-get install sqlcipher`); without it the SQLCipher line says it was skipped.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use kasefet::auth::totp::TotpSecret;
use kasefet::crypto::{KdfParams, Password};
use kasefet::service::{
    Clock, CustomerFilter, ExportFormat, ExportWhat, ImportBatch, ImportMode, MatchOn, NewAdmin,
    Peer, Request, Response, Service, Settings,
};
use kasefet::transfer::{self, Format, ReadOptions};

const PASSWORD: &str = "correct horse battery staple 42";
const START: i64 = 1_790_000_000;

fn settings() -> Settings {
    Settings {
        kdf: KdfParams {
            memory_kib: 8192,
            iterations: 1,
            parallelism: 1,
        },
        ..Settings::default()
    }
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn rows(n: usize) -> Vec<(String, String, String, String)> {
    (0..n)
        .map(|i| {
            (
                format!("Person {i}"),
                format!("person{i}@example.org"),
                format!("+972 54-{:03}-{:04}", i / 10_000 % 1000, i % 10_000),
                format!("Company {}", i % 997),
            )
        })
        .collect()
}

fn csv_file(n: usize) -> Vec<u8> {
    let mut s = String::from("Name,Email,Phone,Company\n");
    for (name, email, phone, company) in rows(n) {
        s.push_str(&format!("{name},{email},{phone},{company}\n"));
    }
    s.into_bytes()
}

fn sign_in(service: &Service, totp: &TotpSecret, clock: &Clock) -> kasefet::service::Session {
    clock.advance(30);
    let code = totp.code_at(clock.now() as u64);
    service
        .login("dana", &Password::new(PASSWORD), &code, &Peer::default())
        .expect("sign-in")
        .session
}

/// Child: import the CSV into a new database at `dir`; prints seconds and VmHWM.
fn child_import(dir: &Path, csv: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let clock = Clock::manual(START);
    let totp = TotpSecret::generate()?;
    std::fs::write(dir.join("totp"), &*totp.to_base32())?;
    let (service, _) = Service::init(
        &dir.join("db"),
        settings(),
        clock.clone(),
        NewAdmin {
            username: "dana",
            display_name: "Dana",
            password: &Password::new(PASSWORD),
            totp: &totp,
            recovery_codes: None,
        },
    )?;
    let s = sign_in(&service, &totp, &clock);
    let base = vm_hwm_kib();
    let t = Instant::now();
    let bytes = std::fs::read(csv)?;
    let parsed = transfer::read(Format::Csv, &bytes, &ReadOptions::default())?;
    let r = service.handle(
        &s,
        Request::ImportCustomers {
            batch: Box::new(ImportBatch {
                file_name: "bench.csv".into(),
                file_sha256: transfer::fingerprint(&bytes),
                source: parsed.source.clone(),
                mapping: parsed.mapping.clone(),
                rows: parsed.rows,
                mode: ImportMode::Upsert,
                match_on: vec![MatchOn::Email, MatchOn::Phone],
                owner: None,
                tag: None,
                dry_run: false,
            }),
        },
    )?;
    let secs = t.elapsed().as_secs_f64();
    let Response::ImportReport(r) = r else {
        return Err("unexpected response".into());
    };
    println!("{secs} {} {} {}", vm_hwm_kib(), base, r.created);
    Ok(())
}

/// Child: sign in to the database at `dir` and export every customer to CSV.
fn child_export(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let clock = Clock::manual(START + 3600);
    let totp = TotpSecret::from_base32(&std::fs::read_to_string(dir.join("totp"))?)?;
    let service = Service::open(&dir.join("db"), settings(), clock.clone())?;
    let s = sign_in(&service, &totp, &clock);
    let base = vm_hwm_kib();
    let t = Instant::now();
    let r = service.handle(
        &s,
        Request::Export {
            what: ExportWhat::Customers,
            format: ExportFormat::Csv,
            reveal: false,
            filter: CustomerFilter::default(),
            bom: false,
            after: None,
            limit: 0,
        },
    )?;
    let Response::Exported { bytes, count, .. } = r else {
        return Err("unexpected response".into());
    };
    std::fs::write(dir.join("out.csv"), &bytes)?;
    let secs = t.elapsed().as_secs_f64();
    println!("{secs} {} {} {count}", vm_hwm_kib(), base);
    Ok(())
}

fn run_child(mode: &str, dir: &Path, csv: &Path) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    let out = Command::new(std::env::current_exe()?)
        .env("KASEFET_BENCH_CHILD", mode)
        .env("KASEFET_BENCH_DIR", dir)
        .env("KASEFET_BENCH_CSV", csv)
        .output()?;
    if !out.status.success() {
        return Err(format!("{mode}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect())
}

/// The same rows in one SQLCipher transaction; the SQL text is written first and not timed.
/// Seconds, rows counted back, the database file's size, and the seconds of a bare open
/// of that file (the CLI starting and deriving the key, PBKDF2 at SQLCipher's default).
type SqlFigures = Option<(f64, u64, u64, f64)>;

fn sqlcipher(n: usize, dir: &Path) -> Result<SqlFigures, Box<dyn std::error::Error>> {
    if Command::new("sqlcipher").arg("-version").output().is_err() {
        return Ok(None);
    }
    let mut sql = String::from(
        "PRAGMA key = 'correct horse battery staple 42';\n\
         CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, phone TEXT, company TEXT);\n\
         CREATE INDEX customers_email ON customers(email);\nBEGIN;\n",
    );
    for (name, email, phone, company) in rows(n) {
        sql.push_str(&format!(
            "INSERT INTO customers (name, email, phone, company) VALUES ('{name}', '{email}', '{phone}', '{company}');\n"
        ));
    }
    sql.push_str("COMMIT;\n");
    let file = dir.join("insert.sql");
    std::fs::write(&file, sql)?;
    let db = dir.join("sqlcipher.db");
    let t = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "sqlcipher '{}' < '{}'",
            db.display(),
            file.display()
        ))
        .output()?;
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("sqlcipher: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let t = Instant::now();
    let check = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "printf \"PRAGMA key = 'correct horse battery staple 42';\\nSELECT count(*) FROM customers;\\n\" | sqlcipher '{}'",
            db.display()
        ))
        .output()?;
    let open_secs = t.elapsed().as_secs_f64();
    let count: u64 = String::from_utf8_lossy(&check.stdout)
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .next_back()
        .unwrap_or(0);
    Ok(Some((
        secs,
        count,
        std::fs::metadata(&db)?.len(),
        open_secs,
    )))
}

/// SQLCipher's peak resident memory for the same insert, in KiB, in a run of its own so the
/// timed one is not slowed: GNU time's `%M` (the `time` package); None without it.
fn sqlcipher_peak_kib(dir: &Path) -> Option<u64> {
    let file = dir.join("insert.sql");
    let db = dir.join("peak.db");
    let out = Command::new("/usr/bin/time")
        .args(["-f", "peak-kib %M", "sh", "-c"])
        .arg(format!(
            "sqlcipher '{}' < '{}'",
            db.display(),
            file.display()
        ))
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("peak-kib ")?.trim().parse().ok())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Ok(mode) = std::env::var("KASEFET_BENCH_CHILD") {
        let dir = std::path::PathBuf::from(std::env::var("KASEFET_BENCH_DIR")?);
        let csv = std::path::PathBuf::from(std::env::var("KASEFET_BENCH_CSV")?);
        return match mode.as_str() {
            "import" => child_import(&dir, &csv),
            _ => child_export(&dir),
        };
    }
    let n: usize = std::env::var("KASEFET_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir()?;
    let csv = tmp.path().join("bench.csv");
    std::fs::write(&csv, csv_file(n))?;
    println!(
        "rows: {n} (Name, Email, Phone, Company), CSV of {} bytes",
        std::fs::metadata(&csv)?.len()
    );

    // The two alternate, a fresh database each round, and the medians are compared: one
    // round of each swings by a third on a shared machine.
    let rounds: usize = std::env::var("KASEFET_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let (mut ours, mut theirs, mut sql) = (Vec::new(), Vec::new(), None);
    let mut imp = Vec::new();
    let mut round_dir = tmp.path().to_path_buf();
    for r in 0..rounds {
        round_dir = tmp.path().join(format!("round-{r}"));
        std::fs::create_dir(&round_dir)?;
        sql = sqlcipher(n, &round_dir)?;
        imp = run_child("import", &round_dir, &csv)?;
        ours.push(imp[0]);
        if let Some((s, ..)) = sql {
            theirs.push(s);
        }
        println!(
            "round {}: kasefet {:.2} s, sqlcipher {}",
            r + 1,
            imp[0],
            sql.map_or("skipped".into(), |(s, ..)| format!("{s:.2} s"))
        );
    }
    let size = dir_size(&round_dir.join("db"));
    let exp = run_child("export", &round_dir, &csv)?;
    let (secs, hwm, base, created) = (median(&mut ours), imp[1], imp[2], imp[3]);
    println!(
        "kasefet import, median of {rounds}: {secs:.2} s for {created} created (read + validate + match \
         + one commit, after sign-in); VmHWM {:.0} MiB (signed in, before: {:.0} MiB)",
        hwm / 1024.0,
        base / 1024.0
    );
    match sql {
        Some((_, count, _, open)) => {
            let s = median(&mut theirs);
            println!(
                "sqlcipher one-transaction insert, median of {rounds}: {s:.2} s for {count} rows; \
                 ratio kasefet/sqlcipher = {:.2}",
                secs / s
            );
            println!(
                "  of which opening (CLI start, key derivation): {open:.2} s; without it the ratio is {:.2}",
                secs / (s - open).max(1e-3)
            );
            match sqlcipher_peak_kib(&round_dir) {
                Some(k) => println!(
                    "  sqlcipher peak memory (max RSS) of that insert: {:.0} MiB",
                    k as f64 / 1024.0
                ),
                None => println!("  sqlcipher peak memory: not measured (needs /usr/bin/time)"),
            }
        }
        None => println!("sqlcipher: not installed, comparison skipped"),
    }
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    match sql {
        Some((_, _, file, _)) => println!(
            "data directory after the import: {:.1} MiB; sqlcipher file {:.1} MiB; ratio {:.2}",
            mib(size),
            mib(file),
            size as f64 / file as f64
        ),
        None => println!("data directory after the import: {:.1} MiB", mib(size)),
    }
    println!(
        "kasefet export to CSV: {:.2} s for {} customers; VmHWM {:.0} MiB (signed in, before: {:.0} MiB)",
        exp[0],
        exp[3],
        exp[1] / 1024.0,
        exp[2] / 1024.0
    );
    Ok(())
}
