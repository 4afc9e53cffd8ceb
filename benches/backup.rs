//! Time and size of a backup, a full verify and a restore for N customers (default 100,000).
//!
//!     cargo bench --bench backup          (KASEFET_BENCH_CUSTOMERS=N changes the count)
//!
//! The customers are written straight into the store in large commits (each with its audit
//! entry, as `handle` would write it) so building the database does not dominate the run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

mod office;
use office::{dir_size, mib, populate};

use kasefet::auth::records::RECOVERY_KEY;
use kasefet::auth::totp::TotpSecret;
use kasefet::backup::{self, BackupConfig, Db, Key, RestoreOptions, Trigger};
use kasefet::crypto::{Envelope, KdfParams, Password};
use kasefet::service::{Clock, NewAdmin, Service, Settings};
use kasefet::store::{Tree, Vault, codec};

fn main() {
    let n: u64 = std::env::var("KASEFET_BENCH_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir().unwrap();
    let settings = Settings {
        kdf: KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        ..Settings::default()
    };
    let now = jiff::Timestamp::now().as_second();
    let totp = TotpSecret::generate().unwrap();
    let password = Password::new("Plum-Vortex-Gravel-91-Lantern");
    let admin = NewAdmin {
        username: "admin",
        display_name: "Admin",
        password: &password,
        totp: &totp,
        recovery_codes: None,
    };
    let data = tmp.path().join("data");
    let (service, recovery) =
        Service::init(&data, settings.clone(), Clock::manual(now), admin).unwrap();
    let vault = {
        let env: Envelope = codec::decode(
            &service
                .store()
                .get_raw(Tree::Keyring, RECOVERY_KEY)
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        Vault::new(env.open_with_key(&recovery).unwrap())
    };
    let t = Instant::now();
    populate(service.store(), &vault, n, now);
    service.store().flush().unwrap();
    println!(
        "database: {n} customers (+{n} audit entries) built in {:.1?}, {} on disk",
        t.elapsed(),
        mib(dir_size(&data))
    );

    let cfg = BackupConfig::new(tmp.path().join("backups"));
    let db = Db::Service {
        service: &service,
        by: None,
    };
    let t = Instant::now();
    let run = backup::run(&db, &cfg, Trigger::Manual).unwrap();
    let backup_time = t.elapsed();
    let file = run.written.path.clone();
    println!(
        "backup:            {:>8.2?}  {} ({} bytes; includes the read-back check)",
        backup_time,
        mib(run.written.bytes),
        run.written.bytes
    );

    let t = Instant::now();
    backup::check_integrity(&file).unwrap();
    println!("verify (no key):   {:>8.2?}", t.elapsed());

    let t = Instant::now();
    let full = backup::check_full(&file, &Key::Recovery(&recovery)).unwrap();
    assert!(full.ok(), "{:?}", full.first_problem());
    println!(
        "verify (full):     {:>8.2?}  every record opened, audit chain of {} entries walked",
        t.elapsed(),
        full.audit.entries
    );

    let to = tmp.path().join("restored");
    let t = Instant::now();
    let unverified = RestoreOptions {
        unverified: true,
        ..RestoreOptions::default()
    };
    backup::restore_into(&file, &to, None, &unverified, now).unwrap();
    println!(
        "restore:           {:>8.2?}  (--unverified: only the checksum checked first), {} on disk",
        t.elapsed(),
        mib(dir_size(&to))
    );

    let to = tmp.path().join("restored-full");
    let t = Instant::now();
    backup::restore_into(
        &file,
        &to,
        Some(&Key::Recovery(&recovery)),
        &RestoreOptions::default(),
        now,
    )
    .unwrap();
    println!(
        "restore (full):    {:>8.2?}  (full verify first)",
        t.elapsed()
    );

    let t = Instant::now();
    let restored = Service::open(&to, settings, Clock::manual(now)).unwrap();
    drop(restored);
    println!("open restored:     {:>8.2?}", t.elapsed());
}
