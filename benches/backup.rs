//! Time and size of a backup, a full verify and a restore for N customers (default 100,000).
//!
//!     cargo bench --bench backup          (KASEFET_BENCH_CUSTOMERS=N changes the count)
//!
//! The customers are written straight into the store in large commits (each with its audit
//! entry, as `handle` would write it) so building the database does not dominate the run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use kasefet::auth::records::RECOVERY_KEY;
use kasefet::auth::totp::TotpSecret;
use kasefet::backup::{self, BackupConfig, Db, Key, RestoreOptions, Trigger};
use kasefet::crypto::{Envelope, KdfParams, Password};
use kasefet::domain::customer::{Address, CustomerSensitive, CustomerStatus};
use kasefet::domain::{
    AuditEvent, Customer, CustomerInput, Interaction, InteractionKind, Outcome, Stamp,
};
use kasefet::service::{Clock, NewAdmin, Service, Settings};
use kasefet::store::{self, Op, Store, Tree, Vault, codec};

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                dir_size(&e.path())
            } else {
                m.len()
            }
        })
        .sum()
}

fn customer(id: u64, now: i64) -> Customer {
    Customer {
        id,
        stamp: Stamp {
            version: 1,
            created_at: now,
            created_by: 1,
            updated_at: now,
            updated_by: 1,
        },
        data: CustomerInput {
            name: format!("Customer Number {id} Example"),
            company: Some(format!("Example Trading {} GmbH", id % 977)),
            emails: vec![format!("customer{id}@example.com")],
            phones: vec![format!("+49 30 {:07}", id)],
            address: Address {
                street: Some(format!("Musterstrasse {}", id % 200)),
                city: Some("Berlin".into()),
                postal_code: Some(format!("{:05}", 10000 + id % 4000)),
                country: Some("Germany".into()),
            },
            tags: vec!["wholesale".into(), format!("region-{}", id % 12)],
            status: CustomerStatus::Active,
            owner: Some(1),
            source: Some("trade fair".into()),
            sensitive: Some(CustomerSensitive {
                private_notes: Some("Prefers calls in the morning; invoice quarterly.".into()),
                payment_last4: Some(format!("{:04}", id % 10000)),
                ..Default::default()
            }),
            ..Default::default()
        },
        interactions: vec![Interaction {
            kind: InteractionKind::Call,
            author: 1,
            at: now,
            text: "Introductory call, sent the price list afterwards.".into(),
        }],
    }
}

fn populate(store: &Store, vault: &Vault, n: u64, now: i64) {
    // Commits as the program makes them, with the key: digest and anchor kept current.
    let (_armed, _) = store.arm(vault.dek()).unwrap();
    let mut head = kasefet::audit::Head::load(store).unwrap();
    let (first, _) = store.next_id(Tree::Customers).unwrap();
    let mut ops = Vec::new();
    for id in first..first + n {
        let key = store::id_key(id);
        ops.push(
            vault
                .put(Tree::Customers, &key, &customer(id, now))
                .unwrap(),
        );
        let event = AuditEvent {
            seq: 0,
            at: now,
            user: Some(1),
            username: Some("admin".into()),
            peer_uid: None,
            peer_pid: None,
            action: "customer.create".into(),
            target: format!("customer:{id}"),
            outcome: Outcome::Ok,
            detail: String::new(),
        };
        ops.extend(kasefet::audit::append(vault, &mut head, event).unwrap());
        if ops.len() >= 6000 || id + 1 == first + n {
            ops.push(Op::put(
                Tree::Meta,
                b"next_id/customers".to_vec(),
                codec::encode(&(id + 1)).unwrap(),
            ));
            store.commit(&ops).unwrap();
            ops.clear();
        }
    }
}

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
