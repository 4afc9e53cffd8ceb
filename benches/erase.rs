//! Time to erase one customer when the backup folder holds 14 daily and 12 monthly backups
//! of an N-customer database (default 100,000), and the time of one subject export.
//!
//!     KASEFET_BENCH_CUSTOMERS=10000 cargo bench --bench erase
//!
//! The database is built straight into the store (as benches/backup.rs does); one backup is
//! taken and copied under the names of 26 backups (same database, so each is rewritten).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use kasefet::auth::records::RECOVERY_KEY;
use kasefet::auth::totp::TotpSecret;
use kasefet::backup::{self, BackupConfig, Db, Trigger};
use kasefet::crypto::{Envelope, KdfParams, Password};
use kasefet::domain::customer::{Address, CustomerSensitive, CustomerStatus};
use kasefet::domain::{
    AuditEvent, Customer, CustomerInput, Interaction, InteractionKind, Outcome, Stamp,
};
use kasefet::service::{Clock, NewAdmin, Peer, Request, Response, Service, Settings};
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
    let cfg = BackupConfig::new(tmp.path().join("backups"));
    let settings = Settings {
        kdf: KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        backup: Some(cfg.clone()),
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
    let clock = Clock::manual(now);
    let (service, recovery) = Service::init(&data, settings, clock.clone(), admin).unwrap();
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
        "database: {n} customers built in {:.1?}, {} on disk",
        t.elapsed(),
        mib(dir_size(&data))
    );
    // Rebuild the in-memory index over what was written behind the service's back.
    drop(service);
    let service = Service::open(
        &data,
        Settings {
            kdf: KdfParams {
                memory_kib: 256,
                iterations: 1,
                parallelism: 1,
            },
            backup: Some(cfg.clone()),
            ..Settings::default()
        },
        clock.clone(),
    )
    .unwrap();

    let db = Db::Service {
        service: &service,
        by: None,
    };
    let run = backup::run(&db, &cfg, Trigger::Manual).unwrap();
    let bytes = run.written.bytes;
    // 14 daily and 12 monthly names, all copies of the one backup.
    let mut names = Vec::new();
    for d in 1..=14i64 {
        names.push(backup::file_name(now - d * 86_400).unwrap());
    }
    for m in 1..=12i64 {
        names.push(backup::file_name(now - 15 * 86_400 - m * 30 * 86_400).unwrap());
    }
    for name in &names {
        std::fs::copy(&run.written.path, cfg.dir.join(name)).unwrap();
    }
    std::fs::remove_file(&run.written.path).unwrap();
    println!("backup folder: {} backups of {}", names.len(), mib(bytes));

    clock.advance(30);
    let code = totp.code_at(clock.now() as u64);
    let session = service
        .login("admin", &password, &code, &Peer::default())
        .unwrap()
        .session;
    let target = n / 2;

    let t = Instant::now();
    let x = service
        .handle(&session, Request::SubjectExport { id: target })
        .unwrap();
    let Response::SubjectExport(x) = x else {
        panic!("{x:?}")
    };
    let json = serde_json::to_vec(&*x).unwrap();
    let text = kasefet::privacy::subject::render_text(&x);
    println!(
        "subject export:    {:>8.2?}  ({} bytes JSON, {} bytes text; scans the whole audit log)",
        t.elapsed(),
        json.len(),
        text.len()
    );

    let t = Instant::now();
    let r = service
        .handle(
            &session,
            Request::CustomerErase {
                id: target,
                reason: "bench".into(),
            },
        )
        .unwrap();
    let Response::Erased {
        backups: Some(report),
        ..
    } = r
    else {
        panic!("{r:?}")
    };
    println!(
        "erase one customer: {:>8.2?}  {}",
        t.elapsed(),
        report.summary()
    );
    assert_eq!(report.rewritten.len(), names.len(), "{report:?}");
}
