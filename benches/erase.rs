//! Time to erase one customer when the backup folder holds 14 daily and 12 monthly backups
//! of an N-customer database (default 100,000), and the time of one subject export.
//!
//!     KASEFET_BENCH_CUSTOMERS=10000 cargo bench --bench erase
//!
//! The database is built straight into the store (as benches/backup.rs does); one backup is
//! taken and copied under the names of 26 backups (same database, so each is rewritten).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

mod office;
use office::{dir_size, mib, populate};

use kasefet::auth::records::RECOVERY_KEY;
use kasefet::auth::totp::TotpSecret;
use kasefet::backup::{self, BackupConfig, Db, Trigger};
use kasefet::crypto::{Envelope, KdfParams, Password};
use kasefet::service::{Clock, NewAdmin, Peer, Request, Response, Service, Settings};
use kasefet::store::{Tree, Vault, codec};

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
    // This database's own folder inside the configured one, where erasure rewrites.
    let cfg = service.backup_config().unwrap();
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
