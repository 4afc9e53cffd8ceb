//! Figures for the core: `cargo bench --bench core` prints them (release build).
//!
//! - init with production argon2 (m = 64 MiB, t = 3, p = 4)
//! - one durable `customer add` (commit + fsync), over many adds
//! - the integrity anchor's share of it: a bare store commit of an uncovered key (the commit
//!   path as it was before the anchor: sled transaction + flush) against a covered one
//!   (digest kept in the same transaction, then the anchor slot written in place and
//!   fdatasynced)
//! - sign-in (argon2 + unseal) with 100,000 customers
//! - customer search over 100,000 customers
//! - size of the data directory holding them, and of the keys and values in it
//! - customer pages: the first in each order (the sort), later ones, filtered ones
//!
//! - sign-in again in a fresh process: its time and that process's peak memory (VmHWM), which
//!   is what a CLI command or `kasefet serve` holds with this many customers
//!
//! `KASEFET_BENCH_CUSTOMERS` changes the count (default 100000). `KASEFET_BENCH_KEEP=<dir>`
//! leaves the database there (it must not exist yet), for profiling the sign-in child:
//! `KASEFET_BENCH_CHILD=signin KASEFET_BENCH_DIR=<dir> target/release/deps/core-<hash>`.

mod fixtures;
mod pages;

use fixtures::customer;
use std::time::{Duration, Instant};

use kasefet::auth::totp::TotpSecret;
use kasefet::crypto::{KdfParams, Password};
use kasefet::service::{Clock, NewAdmin, Peer, Request, Service, Settings};

const PASSWORD: &str = "correct horse battery staple 42";

fn stats(label: &str, mut v: Vec<Duration>) {
    v.sort();
    let mean = v.iter().sum::<Duration>() / v.len().max(1) as u32;
    let p = |q: f64| v[((v.len() as f64 - 1.0) * q) as usize];
    println!(
        "{label}: mean {mean:?}, p50 {:?}, p99 {:?}, max {:?} (n = {})",
        p(0.5),
        p(0.99),
        p(1.0),
        v.len()
    );
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    let m = e.metadata().ok();
                    if m.as_ref().is_some_and(|m| m.is_dir()) {
                        dir_size(&e.path())
                    } else {
                        m.map_or(0, |m| m.len())
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Bytes of every key and value sled holds, opened after the service let go of it: what the
/// files would be with no overhead of sled's log.
fn live_bytes(p: &std::path::Path) -> Result<u64, Box<dyn std::error::Error>> {
    let db = sled::Config::new().path(p).open()?;
    let mut n = 0u64;
    for name in db.tree_names() {
        for r in db.open_tree(&name)?.iter() {
            let (k, v) = r?;
            n += (k.len() + v.len()) as u64;
        }
    }
    Ok(n)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var("KASEFET_BENCH_CHILD").as_deref() == Ok("signin") {
        return signin_child();
    }
    let n: usize = std::env::var("KASEFET_BENCH_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir()?;
    let path = tmp.path().join("db");
    let clock = Clock::manual(1_790_000_000);
    let totp = TotpSecret::generate()?;
    let settings = Settings {
        kdf: KdfParams::PRODUCTION,
        ..Settings::default()
    };

    let t = Instant::now();
    let (service, _rk) = Service::init(
        &path,
        settings.clone(),
        clock.clone(),
        NewAdmin {
            username: "dana",
            display_name: "Dana",
            password: &Password::new(PASSWORD),
            totp: &totp,
            recovery_codes: None,
        },
    )?;
    println!(
        "init (production argon2id m=64MiB t=3 p=4): {:?}",
        t.elapsed()
    );

    let login = |service: &Service| {
        clock.advance(30);
        let code = totp.code_at(clock.now() as u64);
        service.login("dana", &Password::new(PASSWORD), &code, &Peer::default())
    };
    let t = Instant::now();
    let s = login(&service)?.session;
    println!("sign-in on an empty database: {:?}", t.elapsed());

    let mut adds = Vec::new();
    for i in 0..500 {
        let t = Instant::now();
        service.handle(&s, Request::CustomerCreate { input: customer(i) })?;
        adds.push(t.elapsed());
    }
    stats("durable customer add (commit + flush + anchor)", adds);

    // The same one-key commit without and with the digest and anchor.
    let store = service.store();
    let mut bare = Vec::new();
    let mut anchored = Vec::new();
    for i in 0..500u64 {
        let v = kasefet::store::codec::encode(&i)?;
        let t = Instant::now();
        store.commit(&[kasefet::store::Op::put(
            kasefet::store::Tree::AuthState,
            b"bench".to_vec(),
            v.clone(),
        )])?;
        bare.push(t.elapsed());
        let t = Instant::now();
        store.commit(&[kasefet::store::Op::put(
            kasefet::store::Tree::Meta,
            b"next_id/bench".to_vec(),
            v,
        )])?;
        anchored.push(t.elapsed());
    }
    stats("store commit before the anchor (transaction + flush)", bare);
    stats(
        "store commit with the anchor (+ digest in the transaction, anchor slot written in place and fdatasynced)",
        anchored,
    );

    let t = Instant::now();
    let mut i = 500;
    while i < n {
        let end = (i + 5000).min(n);
        service.handle(
            &s,
            Request::CustomerImport {
                inputs: (i..end).map(customer).collect(),
                dry_run: false,
            },
        )?;
        i = end;
    }
    println!(
        "bulk import of {} customers in batches of 5000: {:?}",
        n.saturating_sub(500),
        t.elapsed()
    );

    // Queries take turns, so none is answered from the memo of its own previous run (a
    // repeated query would be narrowed from itself: the per-keystroke figure below covers
    // narrowing).
    let queries = [
        "levi",
        "josé núñez",
        "0501234567",
        "person99999@",
        "zzz-no-match",
        "company 42",
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); queries.len()];
    let mut shown = vec![0; queries.len()];
    for _ in 0..20 {
        for (i, q) in queries.iter().enumerate() {
            let t = Instant::now();
            if let kasefet::service::Response::Customers(h) = service.handle(
                &s,
                Request::CustomerSearch {
                    query: (*q).into(),
                    limit: 50,
                },
            )? {
                shown[i] = h.len();
            }
            times[i].push(t.elapsed());
        }
    }
    for ((q, v), hits) in queries.iter().zip(times).zip(shown) {
        stats(
            &format!("search {q:?} over {n} customers ({hits} shown)"),
            v,
        );
    }
    // Typing key by key, as the search box sends it: each keystroke extends the last query.
    let mut keys = Vec::new();
    for word in ["person99999@", "levi optics", "zzz-no-match", "núñez 42"] {
        let mut typed = String::new();
        for ch in word.chars() {
            typed.push(ch);
            let t = Instant::now();
            service.handle(
                &s,
                Request::CustomerSearch {
                    query: typed.clone(),
                    limit: 50,
                },
            )?;
            keys.push(t.elapsed());
        }
    }
    stats(&format!("search per keystroke over {n} customers"), keys);
    println!("peak memory (VmHWM) after import and search: {}", vm_hwm());
    pages::run(&service, &s, n, stats)?;
    service.logout(&s);
    service.store().flush()?;
    drop(service);
    let (files, live) = (dir_size(&path), live_bytes(&path)?);
    println!(
        "data directory with {n} customers: {:.1} MiB; keys and values in it {:.1} MiB \
         ({} bytes per customer), so sled's log takes {:.2}x that",
        files as f64 / (1024.0 * 1024.0),
        live as f64 / (1024.0 * 1024.0),
        live / n.max(1) as u64,
        files as f64 / live.max(1) as f64
    );

    let service = Service::open(&path, settings, clock.clone())?;
    let t = Instant::now();
    let s = login(&service)?.session;
    println!(
        "sign-in with {n} customers (argon2 + decrypt all + build index): {:?}",
        t.elapsed()
    );
    service.logout(&s);
    println!("peak memory (VmHWM) at the end: {}", vm_hwm());
    drop(service);

    // The figures a user meets: a process that opens the database and signs in, nothing more.
    std::fs::write(
        path.join("bench-signin"),
        format!("{}\n{}\n", totp.to_base32().as_str(), clock.now() + 30),
    )?;
    let out = std::process::Command::new(std::env::current_exe()?)
        .env("KASEFET_BENCH_CHILD", "signin")
        .env("KASEFET_BENCH_DIR", &path)
        .output()?;
    print!("{}", String::from_utf8_lossy(&out.stdout));
    if !out.status.success() {
        return Err(format!(
            "the sign-in child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    if let Ok(keep) = std::env::var("KASEFET_BENCH_KEEP") {
        copy_dir(&path, std::path::Path::new(&keep))?;
        println!("database kept in {keep}");
    }
    Ok(())
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let dest = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &dest)?;
        } else {
            std::fs::copy(e.path(), dest)?;
        }
    }
    Ok(())
}

/// Opens `KASEFET_BENCH_DIR` and signs in once (the parent left the TOTP secret and the
/// clock beside the database).
fn signin_child() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::path::PathBuf::from(std::env::var("KASEFET_BENCH_DIR")?);
    let saved = std::fs::read_to_string(path.join("bench-signin"))?;
    let mut lines = saved.lines();
    let totp = TotpSecret::from_base32(lines.next().unwrap_or_default())?;
    let at: i64 = lines.next().unwrap_or_default().parse()?;
    let clock = Clock::manual(at);
    let settings = Settings {
        kdf: KdfParams::PRODUCTION,
        ..Settings::default()
    };
    let t = Instant::now();
    let service = Service::open(&path, settings, clock.clone())?;
    let opened = t.elapsed();
    let resident_open = vm("VmRSS:");
    // A code once used is refused; the clock moves on for every run of the child.
    std::fs::write(
        path.join("bench-signin"),
        format!("{}\n{}\n", totp.to_base32().as_str(), at + 30),
    )?;
    let code = totp.code_at(at as u64);
    let t = Instant::now();
    let s = service
        .login("dana", &Password::new(PASSWORD), &code, &Peer::default())?
        .session;
    println!(
        "fresh process: open {opened:?} (then resident {resident_open}), sign-in (argon2 + decrypt all + build index) {:?}",
        t.elapsed()
    );
    println!(
        "fresh process: peak memory (VmHWM) after sign-in: {}, resident now (VmRSS) {}",
        vm_hwm(),
        vm("VmRSS:")
    );
    // What the first person to use it adds: a search, and the Customers tab by name.
    let t = Instant::now();
    service.handle(
        &s,
        Request::CustomerSearch {
            query: "levi".into(),
            limit: 50,
        },
    )?;
    service.handle(
        &s,
        Request::CustomerPage {
            filter: Default::default(),
            query: String::new(),
            window: kasefet::search::Window::first(100, Default::default()),
        },
    )?;
    println!(
        "fresh process: a first search and first page by name {:?}, then peak memory (VmHWM) {}",
        t.elapsed(),
        vm_hwm()
    );
    service.logout(&s);
    Ok(())
}

fn vm_hwm() -> String {
    vm("VmHWM:")
}

fn vm(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l.trim_start_matches(field).trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}
