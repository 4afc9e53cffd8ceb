//! Figures for the server: `cargo bench --bench server` prints them.
//!
//! - request round trip through the socket for a customer search over 100,000 customers,
//!   with 20 clients (different users) searching at once: p50 / p99
//! - memory of the `kasefet serve` process holding 100,000 customers (VmRSS, VmHWM)
//!
//! `KASEFET_BENCH_CUSTOMERS` changes the count (default 100000).

mod fixtures;

use fixtures::customer;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kasefet::auth::totp::TotpSecret;
use kasefet::client::Backend;
use kasefet::client::remote::Remote;
use kasefet::crypto::{Password, SecretText};
use kasefet::domain::Role;
use kasefet::service::{Request, Response};

const PW: &str = "correct horse battery staple 42";

fn status(pid: u32, key: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::var("KASEFET_BENCH_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let t = tempfile::tempdir()?;
    let d = t.path();
    std::fs::write(
        d.join("kasefet.toml"),
        "[security]\nargon2_memory_kib = 8192\nargon2_iterations = 1\nargon2_parallelism = 1\n",
    )?;
    std::fs::write(d.join("pw"), format!("{PW}\n"))?;
    let bin = env!("CARGO_BIN_EXE_kasefet");
    let base = [
        "--data-dir",
        "db",
        "--config",
        "kasefet.toml",
        "--socket",
        "k.sock",
    ];
    Command::new(bin)
        .current_dir(d)
        .args(base)
        .args([
            "init",
            "--admin",
            "dana",
            "--password-file",
            "pw",
            "--totp-secret-file",
            "t",
            "--recovery-key-file",
            "rk",
        ])
        .output()?;
    let dana = TotpSecret::from_base32(&std::fs::read_to_string(d.join("t"))?)?;
    let mut server = Command::new(bin)
        .current_dir(d)
        .args(base)
        .arg("serve")
        .stderr(Stdio::null())
        .spawn()?;
    let sock = d.join("k.sock");
    let started = Instant::now();
    while Remote::connect(&sock).is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            return Err("server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "server pid {} on {}, empty: VmRSS {}",
        server.id(),
        sock.display(),
        status(server.id(), "VmRSS")
    );

    let now = || jiff::Timestamp::now().as_second() as u64;
    let mut admin = Remote::connect(&sock)?;
    admin.login("dana", &Password::new(PW), &dana.code_at(now()))?;
    let t0 = Instant::now();
    let mut i = 0;
    while i < n {
        let end = (i + 5000).min(n);
        admin.call(Request::CustomerImport {
            inputs: (i..end).map(customer).collect(),
            dry_run: false,
        })?;
        i = end;
    }
    println!(
        "imported {n} customers through the socket in {:?}",
        t0.elapsed()
    );
    let mut secrets = Vec::new();
    for k in 0..20 {
        let s = TotpSecret::generate()?;
        admin.call(Request::UserAdd {
            username: format!("clerk{k}"),
            display_name: format!("Clerk {k}"),
            role: if k % 2 == 0 {
                Role::Staff
            } else {
                Role::Manager
            },
            password: Some(SecretText::new(PW.into())),
            totp_secret: Some(SecretText::new(s.to_base32().to_string())),
        })?;
        secrets.push(s);
    }
    println!(
        "server with {n} customers: VmRSS {}, VmHWM {}",
        status(server.id(), "VmRSS"),
        status(server.id(), "VmHWM")
    );

    let queries = [
        "levi",
        "josé",
        "0501234567",
        "company 42",
        "person777@",
        "yael fried",
        "vip",
        "zzz",
    ];
    let handles: Vec<_> = secrets
        .into_iter()
        .enumerate()
        .map(|(k, s)| {
            let sock = sock.clone();
            std::thread::spawn(move || -> Vec<Duration> {
                let mut r = match Remote::connect(&sock) {
                    Ok(r) => r,
                    Err(_) => return Vec::new(),
                };
                if r.login(
                    &format!("clerk{k}"),
                    &Password::new(PW),
                    &s.code_at(jiff::Timestamp::now().as_second() as u64),
                )
                .is_err()
                {
                    return Vec::new();
                }
                let mut v = Vec::new();
                for j in 0..200 {
                    let q = queries[(j + k) % queries.len()];
                    let t = Instant::now();
                    if let Ok(Response::Customers(_)) = r.call(Request::CustomerSearch {
                        query: q.into(),
                        limit: 50,
                    }) {
                        v.push(t.elapsed());
                    }
                }
                v
            })
        })
        .collect();
    let t1 = Instant::now();
    let mut all: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap_or_default())
        .collect();
    let wall = t1.elapsed();
    all.sort();
    if all.is_empty() {
        return Err("no search succeeded".into());
    }
    let p = |q: f64| all[((all.len() as f64 - 1.0) * q) as usize];
    println!(
        "search round trip, 20 clients at once over {n} customers: p50 {:?}, p99 {:?}, max {:?} ({} requests in {:?}, {:.0} req/s)",
        p(0.5),
        p(0.99),
        p(1.0),
        all.len(),
        wall,
        all.len() as f64 / wall.as_secs_f64()
    );
    println!(
        "server after the run: VmRSS {}, VmHWM {}",
        status(server.id(), "VmRSS"),
        status(server.id(), "VmHWM")
    );
    let _ = server.kill();
    let _ = server.wait();
    Ok(())
}
