//! The search index alone, key by key: `cargo bench --bench search_keys` builds an index of
//! `KASEFET_BENCH_CUSTOMERS` (default 1,000,000) generated customers in memory, then times
//! every keystroke of a few typed queries, fresh queries, and prints the slow ones, VmHWM and
//! the index's share of memory. No database: this isolates search from sled and the service.

mod fixtures;

use std::time::{Duration, Instant};

use kasefet::domain::{Customer, Stamp};
use kasefet::search::Index;

fn vm(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let n: usize = std::env::var("KASEFET_BENCH_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let before = vm("VmRSS:");
    let t = Instant::now();
    let mut index = Index::default();
    for i in 0..n {
        index.put_customer(&Customer {
            id: i as u64 + 1,
            stamp: Stamp::default(),
            data: fixtures::customer(i),
            interactions: Vec::new(),
        });
    }
    let after = vm("VmRSS:");
    println!("index of {n} customers built in {:?}", t.elapsed());
    println!(
        "index resident: {} MiB, {} bytes per customer (VmRSS before {} kB, after {} kB)",
        (after - before) / 1024,
        (after - before) * 1024 / n as u64,
        before,
        after
    );
    let mut all = Vec::new();
    for word in [
        "person99999@",
        "levi optics",
        "zzz-no-match",
        "núñez 42",
        "050 123 4567",
        "+972 50 765 4321",
        "levi 050",
        "tag:vip city:haifa",
        "maya haddad 7",
    ] {
        let mut typed = String::new();
        for ch in word.chars() {
            typed.push(ch);
            let t = Instant::now();
            let hits = index.search_customers(&typed, 50, 1, |_| true).len();
            let took = t.elapsed();
            if took > Duration::from_millis(10) {
                println!("  slow keystroke {typed:?}: {took:?} ({hits} shown)");
            }
            all.push(took);
        }
    }
    println!(
        "per keystroke over {n} customers: p50 {:?}, p95 {:?}, p99 {:?}, max {:?} (n = {})",
        pct(&mut all, 0.5),
        pct(&mut all, 0.95),
        pct(&mut all, 0.99),
        pct(&mut all, 1.0),
        all.len()
    );
    println!("peak memory (VmHWM): {} kB", vm("VmHWM:"));
}
