//! Backups end to end on real databases in temporary directories: round trip, canary,
//! damaged files, concurrent writers, retention, the schedule, and failing writers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jiff::tz::TimeZone;
use kasefet::audit::pending::SYSTEM_PREFIX;
use kasefet::auth::records::RECOVERY_KEY;
use kasefet::auth::totp::TotpSecret;
use kasefet::backup::{
    self, BackupConfig, BackupError, BackupStatus, Db, Key, RestoreOptions, Schedule, SnapshotFile,
    Trigger,
};
use kasefet::crypto::{Envelope, KdfParams, Password, SecretKey};
use kasefet::domain::customer::{Address, CustomerSensitive};
use kasefet::domain::task::TaskPriority;
use kasefet::domain::{
    AuditEvent, CustomerInput, EmployeeHr, EmployeeInput, InteractionKind, TaskInput,
};
use kasefet::service::{Clock, NewAdmin, Peer, Request, Response, Service, Session, Settings};
use kasefet::store::{Store, Tree, Vault, codec};

const PASSWORD: &str = "Plum-Vortex-Gravel-91-Lantern";
const ADMIN: &str = "zqxcanary.admin";
/// Put in every text field; must never appear in a backup file.
const CANARY: &str = "zqxcanary";

fn utc(y: i16, mo: i8, d: i8, h: i8, mi: i8) -> i64 {
    jiff::civil::date(y, mo, d)
        .at(h, mi, 0, 0)
        .to_zoned_datetime(TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_second()
}

fn local(tz: &TimeZone, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> i64 {
    tz.to_zoned_datetime(jiff::civil::date(y, mo, d).at(h, mi, 0, 0))
        .unwrap()
        .timestamp()
        .as_second()
}

/// Europe/Berlin as a POSIX rule, so the tests do not depend on the machine's tzdata.
fn berlin() -> TimeZone {
    TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap()
}

fn new_york() -> TimeZone {
    TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap()
}

fn settings() -> Settings {
    Settings {
        kdf: KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        cache_bytes: 8 * 1024 * 1024,
        ..Settings::default()
    }
}

struct Fixture {
    tmp: tempfile::TempDir,
    service: Arc<Service>,
    totp: TotpSecret,
    recovery: SecretKey,
    clock: Clock,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture::at(utc(2026, 11, 28, 10, 0))
    }

    fn at(t: i64) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let clock = Clock::manual(t);
        let totp = TotpSecret::generate().unwrap();
        let password = Password::new(PASSWORD);
        let admin = NewAdmin {
            username: ADMIN,
            display_name: "Zqxcanary Admin",
            password: &password,
            totp: &totp,
            recovery_codes: None,
        };
        let (service, recovery) =
            Service::init(&tmp.path().join("data"), settings(), clock.clone(), admin).unwrap();
        Fixture {
            tmp,
            service: Arc::new(service),
            totp,
            recovery,
            clock,
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    fn backups(&self) -> PathBuf {
        self.tmp.path().join("backups")
    }

    fn cfg(&self) -> BackupConfig {
        let mut cfg = BackupConfig::new(self.backups());
        cfg.tz = berlin();
        cfg
    }

    fn login(&self) -> Session {
        login(&self.service, &self.totp, &self.clock)
    }

    fn db(&self) -> Db<'_> {
        Db::Service {
            service: &self.service,
            by: None,
        }
    }
}

/// Signs in with a code from a step no earlier sign-in used (codes are single-use).
fn login(service: &Service, totp: &TotpSecret, clock: &Clock) -> Session {
    clock.advance(30);
    let code = totp.code_at(clock.now() as u64);
    service
        .login(ADMIN, &Password::new(PASSWORD), &code, &Peer::default())
        .unwrap()
        .session
}

fn created(r: Response) -> u64 {
    match r {
        Response::Created { id } => id,
        other => panic!("expected Created, got {other:?}"),
    }
}

/// One record of every kind, the canary in every text field.
fn populate(service: &Service, s: &Session) {
    let c = |f: &str| format!("{CANARY} {f}");
    let customer = CustomerInput {
        name: c("Customer"),
        company: Some(c("Company")),
        emails: vec![format!("{CANARY}@example.com")],
        phones: vec!["+49 30 1234567".into()],
        address: Address {
            street: Some(c("Street 1")),
            city: Some(c("City")),
            postal_code: Some(format!("{CANARY}1")),
            country: Some(c("Country")),
        },
        tags: vec![CANARY.into()],
        source: Some(c("Source")),
        sensitive: Some(CustomerSensitive {
            national_id: Some(c("national")),
            date_of_birth: None,
            private_notes: Some(c("private notes")),
            payment_last4: Some("4242".into()),
        }),
        ..Default::default()
    };
    let cid = created(
        service
            .handle(s, Request::CustomerCreate { input: customer })
            .unwrap(),
    );
    service
        .handle(
            s,
            Request::CustomerAddInteraction {
                id: cid,
                kind: InteractionKind::Call,
                text: c("called"),
            },
        )
        .unwrap();
    let task = TaskInput {
        title: c("Task"),
        description: Some(c("description")),
        priority: TaskPriority::High,
        customer: Some(cid),
        ..Default::default()
    };
    let tid = created(
        service
            .handle(s, Request::TaskCreate { input: task })
            .unwrap(),
    );
    service
        .handle(
            s,
            Request::TaskComment {
                id: tid,
                text: c("comment"),
            },
        )
        .unwrap();
    let employee = EmployeeInput {
        name: c("Employee"),
        title: Some(c("Title")),
        department: Some(c("Department")),
        email: Some(format!("{CANARY}.staff@example.com")),
        phone: Some("030 7654321".into()),
        hr: Some(EmployeeHr {
            national_id: Some(c("hr id")),
            salary: Some(c("salary")),
            bank_account: Some(c("bank")),
            home_address: Address {
                street: Some(c("Home Street")),
                city: Some(c("Home City")),
                postal_code: None,
                country: None,
            },
            emergency_contact: Some(c("Emergency")),
            notes: Some(c("hr notes")),
        }),
        ..Default::default()
    };
    service
        .handle(s, Request::EmployeeCreate { input: employee })
        .unwrap();
}

type Dump = BTreeMap<(&'static str, Vec<u8>), Vec<u8>>;

fn dump(store: &Store) -> Dump {
    let mut out = BTreeMap::new();
    for t in Tree::ALL {
        for r in store.scan_raw(t) {
            let (k, v) = r.unwrap();
            out.insert((t.name(), k.to_vec()), v.to_vec());
        }
    }
    out
}

fn vault_from_recovery(store: &Store, recovery: &SecretKey) -> Vault {
    let env: Envelope =
        codec::decode(&store.get_raw(Tree::Keyring, RECOVERY_KEY).unwrap().unwrap()).unwrap();
    Vault::new(env.open_with_key(recovery).unwrap())
}

fn audit_events(store: &Store, vault: &Vault) -> Vec<AuditEvent> {
    kasefet::audit::chain::list(store, vault, 0, 1_000_000).unwrap()
}

fn backup_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Nothing but `allowed` in `dir` (no temporary file or half-restored directory left).
fn assert_only(dir: &Path, allowed: &[&str]) {
    let names = backup_files(dir);
    for n in &names {
        assert!(
            allowed.contains(&n.as_str()),
            "unexpected leftover {n} in {}",
            dir.display()
        );
    }
}

fn contains_ci(hay: &[u8], needle: &str) -> bool {
    let lower: Vec<u8> = hay.iter().map(u8::to_ascii_lowercase).collect();
    lower.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn round_trip_restores_identical_records_accounts_and_chain() {
    let fx = Fixture::new();
    let s = fx.login();
    populate(&fx.service, &s);
    fx.service.logout(&s);
    assert!(!fx.service.is_unsealed());

    // Sealed: the backup needs no key.
    let before = dump(fx.service.store());
    let report = backup::run(&fx.db(), &fx.cfg(), Trigger::Manual).unwrap();
    let file = report.written.path.clone();
    assert_eq!(
        file.file_name().unwrap().to_str().unwrap(),
        "kasefet-20261128T100030Z.kbak"
    );
    let m = &report.written.manifest;
    assert_eq!(m.count(Tree::Customers), 1);
    assert_eq!(m.count(Tree::Tasks), 1);
    assert_eq!(m.count(Tree::Employees), 1);
    assert_eq!(m.count(Tree::Users), 1);
    assert_eq!(m.database_id, fx.service.store().db_id());
    assert_eq!(m.program_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(m.audit_head.seq, m.count(Tree::Audit));

    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(fx.backups())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );

    // No plaintext of any record in the file.
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !contains_ci(&bytes, CANARY),
        "the canary reached the backup file"
    );
    assert!(bytes.starts_with(b"KASEFET-BACKUP"));

    // Recorded while sealed: in the pending journal until the next sign-in.
    let status = BackupStatus::load(fx.service.store());
    assert_eq!(
        status.last_success_file.as_deref(),
        Some("kasefet-20261128T100030Z.kbak")
    );
    assert!(!status.failing());

    // Full verify with the recovery key, and with an admin's sign-in.
    let full = backup::check_full(&file, &Key::Recovery(&fx.recovery)).unwrap();
    assert!(full.ok(), "{full:?}");
    for k in &full.kinds {
        assert_eq!(k.in_manifest, k.opened, "{k:?}");
    }
    let s = fx.login();
    let by_session = backup::check_full(&file, &fx.service.backup_key(&s).unwrap()).unwrap();
    assert!(by_session.ok(), "{by_session:?}");
    let wrong = SecretKey::generate().unwrap();
    assert!(matches!(
        backup::check_full(&file, &Key::Recovery(&wrong)),
        Err(BackupError::WrongKey { .. })
    ));

    // Restore into a new directory, audited in the live database.
    let to = fx.tmp.path().join("restored").join("data");
    let restored = backup::restore(
        &file,
        &to,
        Some(&Key::Recovery(&fx.recovery)),
        &RestoreOptions::default(),
        Some(&Db::Service {
            service: &fx.service,
            by: Some(&s),
        }),
    )
    .unwrap();
    assert!(restored.full.as_ref().unwrap().ok());
    {
        let store = Store::open(&to, 8 << 20).unwrap();
        let after = dump(&store);
        // Identical, except the restore noting its origin in the restored pending journal.
        let strip = |d: &Dump| -> Dump {
            d.iter()
                .filter(|((t, k), _)| !(*t == "pending" && k.starts_with(SYSTEM_PREFIX)))
                .filter(|((t, k), _)| !(*t == "meta" && k == b"anchor_waived"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        assert_eq!(strip(&after), strip(&before));
        assert_eq!(
            after
                .keys()
                .filter(|(t, k)| *t == "pending" && k.starts_with(SYSTEM_PREFIX))
                .count(),
            1
        );
        let vault = vault_from_recovery(&store, &fx.recovery);
        assert!(kasefet::audit::verify(&store, &vault).unwrap().ok());
    }

    // The restored directory opens as a database and the same account signs in.
    let restored_svc = Service::open(&to, settings(), fx.clock.clone()).unwrap();
    let rs = login(&restored_svc, &fx.totp, &fx.clock);
    match restored_svc.handle(&rs, Request::AuditVerify).unwrap() {
        Response::AuditReport(r) => assert!(r.ok(), "{r:?}"),
        other => panic!("{other:?}"),
    }
    match restored_svc.handle(&rs, Request::EmployeeList).unwrap() {
        Response::Employees(e) => assert_eq!(e.len(), 1),
        other => panic!("{other:?}"),
    }
    match restored_svc
        .handle(
            &rs,
            Request::CustomerGet {
                id: 1,
                reveal: true,
            },
        )
        .unwrap()
    {
        Response::Customer(c) => {
            assert_eq!(c.data.name, format!("{CANARY} Customer"));
            assert_eq!(c.interactions.len(), 1);
            assert_eq!(
                c.data.sensitive.unwrap().private_notes.unwrap(),
                format!("{CANARY} private notes")
            );
        }
        other => panic!("{other:?}"),
    }
    match restored_svc
        .handle(
            &rs,
            Request::AuditList {
                offset: 0,
                limit: 1000,
            },
        )
        .unwrap()
    {
        Response::Audit(list) => assert!(list.iter().any(|e| e.action == "backup.restore")),
        other => panic!("{other:?}"),
    }

    // The live database recorded the sealed backup (folded at sign-in) and the restore.
    let vault = vault_from_recovery(fx.service.store(), &fx.recovery);
    let live = audit_events(fx.service.store(), &vault);
    let run = live
        .iter()
        .find(|e| e.action == "backup.run")
        .expect("backup.run audited");
    assert_eq!(run.target, "kasefet-20261128T100030Z.kbak");
    assert!(
        run.detail.contains("(recorded while sealed)"),
        "{}",
        run.detail
    );
    let rest = live
        .iter()
        .find(|e| e.action == "backup.restore")
        .expect("restore audited");
    assert_eq!(rest.username.as_deref(), Some(ADMIN));
    assert!(
        kasefet::audit::verify(fx.service.store(), &vault)
            .unwrap()
            .ok()
    );
}

#[test]
fn verify_is_audited_and_kept_in_status() {
    let fx = Fixture::new();
    let s = fx.login();
    populate(&fx.service, &s);
    let w = backup::run(
        &Db::Service {
            service: &fx.service,
            by: Some(&s),
        },
        &fx.cfg(),
        Trigger::Manual,
    )
    .unwrap();
    let v = backup::verify(&w.written.path, None, Some(&fx.db())).unwrap();
    assert!(v.ok() && v.full.is_none());
    let key = fx.service.backup_key(&s).unwrap();
    let v = backup::verify(
        &w.written.path,
        Some(&key),
        Some(&Db::Service {
            service: &fx.service,
            by: Some(&s),
        }),
    )
    .unwrap();
    assert!(v.ok());
    let status = BackupStatus::load(fx.service.store());
    let last = status.last_verify.unwrap();
    assert!(last.full && last.ok, "{last:?}");
    let vault = vault_from_recovery(fx.service.store(), &fx.recovery);
    let events = audit_events(fx.service.store(), &vault);
    let verifies: Vec<&AuditEvent> = events
        .iter()
        .filter(|e| e.action == "backup.verify")
        .collect();
    assert_eq!(verifies.len(), 2);
    assert!(
        verifies
            .iter()
            .any(|e| e.detail.starts_with("full: 1 customers")),
        "{verifies:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.action == "backup.run" && e.username.as_deref() == Some(ADMIN))
    );
}

/// Positions across every part of the file: magic, version, manifest slot, records, end
/// marker, trailer.
fn damage_points(len: u64) -> Vec<u64> {
    vec![
        0,
        13,
        15,
        20,
        40,
        3000,
        4200,
        len / 3,
        len / 2,
        len - 40,
        len - 33,
        len - 32,
        len - 1,
    ]
}

#[test]
fn flipped_bytes_and_truncation_are_refused_by_verify_and_restore() {
    let fx = Fixture::new();
    let s = fx.login();
    populate(&fx.service, &s);
    let good = backup::run(&fx.db(), &fx.cfg(), Trigger::Manual)
        .unwrap()
        .written
        .path;
    let original = std::fs::read(&good).unwrap();
    let len = original.len() as u64;
    let work = fx.tmp.path().join("damaged");
    std::fs::create_dir(&work).unwrap();
    let bad = work.join("kasefet-20261128T100030Z.kbak");

    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for at in damage_points(len) {
        let mut b = original.clone();
        b[at as usize] ^= 0x01;
        cases.push((format!("flip at {at}"), b));
    }
    for keep in [0, 10, 18, 4000, len / 2, len - 32, len - 1] {
        cases.push((
            format!("truncated to {keep}"),
            original[..keep as usize].to_vec(),
        ));
    }
    let mut extra = original.clone();
    extra.push(0);
    cases.push(("one byte appended".into(), extra));

    for (what, bytes) in cases {
        std::fs::write(&bad, &bytes).unwrap();
        let err = backup::check_integrity(&bad).expect_err(&what);
        assert!(
            matches!(
                err,
                BackupError::Damaged { .. }
                    | BackupError::NotABackup { .. }
                    | BackupError::Version { .. }
            ),
            "{what}: {err}"
        );
        let to = work.join("restored");
        let err = backup::restore(&bad, &to, None, &RestoreOptions::default(), Some(&fx.db()))
            .expect_err(&what);
        assert!(!err.to_string().is_empty());
        assert!(!to.exists(), "{what}: restore left {}", to.display());
        assert_only(&work, &["kasefet-20261128T100030Z.kbak"]);
        // With a key too.
        let err = backup::check_full(&bad, &Key::Recovery(&fx.recovery)).expect_err(&what);
        assert!(
            !matches!(err, BackupError::WrongKey { .. }),
            "{what}: {err}"
        );
    }
    // A length over its cap is refused before anything is allocated for it.
    let mut b = original.clone();
    let first_key_len = 18 + 4096 + 2;
    b[first_key_len..first_key_len + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    std::fs::write(&bad, &b).unwrap();
    let msg = backup::check_integrity(&bad).unwrap_err().to_string();
    assert!(msg.contains("over the limit"), "{msg}");
    // The messages say what happened.
    let mut b = original.clone();
    b[(len / 2) as usize] ^= 0x80;
    std::fs::write(&bad, &b).unwrap();
    let msg = backup::check_integrity(&bad).unwrap_err().to_string();
    assert!(msg.contains("damaged") && msg.contains("refused"), "{msg}");
    std::fs::write(&bad, &original[..(len / 2) as usize]).unwrap();
    let msg = backup::check_integrity(&bad).unwrap_err().to_string();
    assert!(msg.contains("truncated"), "{msg}");
    std::fs::write(&bad, b"hello").unwrap();
    let msg = backup::check_integrity(&bad).unwrap_err().to_string();
    assert!(msg.contains("not a Kasefet backup"), "{msg}");
    // Every failed restore was audited in the live database.
    let vault = vault_from_recovery(fx.service.store(), &fx.recovery);
    let failed = audit_events(fx.service.store(), &vault)
        .iter()
        .filter(|e| e.action == "backup.restore" && e.outcome == kasefet::domain::Outcome::Failed)
        .count();
    assert_eq!(failed, damage_points(len).len() + 8);
    // The good file is still good.
    assert!(backup::check_integrity(&good).is_ok());
}

#[test]
fn restore_refuses_live_and_non_empty_directories() {
    let fx = Fixture::new();
    let s = fx.login();
    populate(&fx.service, &s);
    let file = backup::run(&fx.db(), &fx.cfg(), Trigger::Manual)
        .unwrap()
        .written
        .path;
    let db = fx.db();
    let live = fx.data_dir();
    let err =
        backup::restore(&file, &live, None, &RestoreOptions::default(), Some(&db)).unwrap_err();
    assert!(matches!(err, BackupError::Target { .. }), "{err}");
    let inside = live.join("restored");
    let err =
        backup::restore(&file, &inside, None, &RestoreOptions::default(), Some(&db)).unwrap_err();
    assert!(matches!(err, BackupError::Target { .. }), "{err}");
    // Named as the live one only through options (no service at hand).
    let opts = RestoreOptions {
        live_dirs: vec![live.clone()],
        ..RestoreOptions::default()
    };
    let err = backup::restore(&file, &live.join("x"), None, &opts, None).unwrap_err();
    assert!(matches!(err, BackupError::Target { .. }), "{err}");
    let full = fx.tmp.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("something"), b"x").unwrap();
    let err = backup::restore(&file, &full, None, &RestoreOptions::default(), None).unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    // An empty directory is fine, with the key (or knowingly without).
    let empty = fx.tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let key = Key::Recovery(&fx.recovery);
    backup::restore(&file, &empty, Some(&key), &RestoreOptions::default(), None).unwrap();
    assert!(Store::open(&empty, 8 << 20).is_ok());
    // The live database is still fine.
    let vault = vault_from_recovery(fx.service.store(), &fx.recovery);
    assert!(
        kasefet::audit::verify(fx.service.store(), &vault)
            .unwrap()
            .ok()
    );
}

#[test]
fn backup_is_consistent_under_concurrent_writes() {
    let fx = Fixture::new();
    let s = fx.login();
    let stop = Arc::new(AtomicBool::new(false));
    let made = Arc::new(AtomicU64::new(0));
    let writer = {
        let (service, s, stop, made) = (fx.service.clone(), s.clone(), stop.clone(), made.clone());
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let input = CustomerInput {
                    name: format!("Writer customer {i}"),
                    ..Default::default()
                };
                service
                    .handle(&s, Request::CustomerCreate { input })
                    .unwrap();
                made.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let wait_for = |n: u64| {
        let t = Instant::now();
        while made.load(Ordering::SeqCst) < n {
            assert!(t.elapsed() < Duration::from_secs(60), "writer too slow");
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    // Two backups while the writer runs, each restored and checked before the next (the
    // second would otherwise retire the first: retention keeps one per day).
    for round in 1..=2u64 {
        wait_for(made.load(Ordering::SeqCst) + 20);
        fx.clock.advance(1);
        let w = backup::run(&fx.db(), &fx.cfg(), Trigger::Manual).unwrap();
        let m = &w.written.manifest;
        let to = fx.tmp.path().join(format!("restored-{round}"));
        let r = backup::restore(
            &w.written.path,
            &to,
            Some(&Key::Recovery(&fx.recovery)),
            &RestoreOptions::default(),
            None,
        )
        .unwrap();
        assert!(r.full.unwrap().ok());
        let store = Store::open(&to, 8 << 20).unwrap();
        let vault = vault_from_recovery(&store, &fx.recovery);
        let report = kasefet::audit::verify(&store, &vault).unwrap();
        assert!(report.ok(), "{report:?}");
        assert_eq!(report.entries, m.audit_head.seq);
        assert_eq!(store.len(Tree::Customers) as u64, m.count(Tree::Customers));
        assert_eq!(store.len(Tree::Audit) as u64, m.count(Tree::Audit));
        // Each customer was created in the same commit as its audit entry: a torn snapshot
        // would show a difference here.
        let creates = audit_events(&store, &vault)
            .iter()
            .filter(|e| e.action == "customer.create")
            .count() as u64;
        assert_eq!(creates, m.count(Tree::Customers));
        assert!(m.count(Tree::Customers) >= 20 * round);
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert!(made.load(Ordering::SeqCst) >= 40);
}

/// A file that fails like a full disk once `budget` bytes were written.
struct FullDisk {
    inner: std::fs::File,
    budget: u64,
}

impl Read for FullDisk {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Seek for FullDisk {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.budget == 0 {
            return Err(io::Error::from(io::ErrorKind::StorageFull));
        }
        let n = buf.len().min(self.budget as usize);
        let n = self.inner.write(&buf[..n])?;
        self.budget -= n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl SnapshotFile for FullDisk {
    fn sync(&mut self) -> io::Result<()> {
        self.inner.sync_all()
    }
}

fn full_disk_after(budget: u64) -> impl Fn(&Path) -> io::Result<Box<dyn SnapshotFile>> {
    move |p: &Path| {
        use std::os::unix::fs::OpenOptionsExt;
        let inner = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(p)?;
        Ok(Box::new(FullDisk { inner, budget }) as Box<dyn SnapshotFile>)
    }
}

#[test]
fn failing_writers_leave_old_backups_and_the_database_untouched() {
    let fx = Fixture::new();
    let s = fx.login();
    populate(&fx.service, &s);
    let cfg = fx.cfg();
    let good = backup::run(&fx.db(), &cfg, Trigger::Manual)
        .unwrap()
        .written;
    let good_bytes = std::fs::read(&good.path).unwrap();
    let before = dump(fx.service.store());

    // A disk that fills up at several points of the write.
    for budget in [0u64, 10, 5000, good.bytes / 2, good.bytes - 1] {
        fx.clock.advance(1);
        let err = backup::run_with(&fx.db(), &cfg, Trigger::Manual, &full_disk_after(budget))
            .unwrap_err();
        assert!(matches!(err, BackupError::Write { .. }), "{err}");
        assert!(err.to_string().contains("disk is full"), "{err}");
        assert_only(&cfg.dir, &[&good.file_name()]);
        assert_eq!(std::fs::read(&good.path).unwrap(), good_bytes);
        let status = BackupStatus::load(fx.service.store());
        assert!(status.failing());
        assert!(status.last_failure.unwrap().contains("disk is full"));
    }

    // A folder that cannot be created (a file is in the way).
    std::fs::write(fx.tmp.path().join("afile"), b"x").unwrap();
    let mut bad_cfg = cfg.clone();
    bad_cfg.dir = fx.tmp.path().join("afile").join("backups");
    fx.clock.advance(1);
    let err = backup::run(&fx.db(), &bad_cfg, Trigger::Manual).unwrap_err();
    assert!(matches!(err, BackupError::Folder { .. }), "{err}");
    assert!(
        err.to_string().contains("cannot use the backup folder"),
        "{err}"
    );
    // A folder path that is a file.
    bad_cfg.dir = fx.tmp.path().join("afile");
    let err = backup::run(&fx.db(), &bad_cfg, Trigger::Manual).unwrap_err();
    assert!(matches!(err, BackupError::Folder { .. }), "{err}");

    // The old backup is intact and verifies; the database only gained audit entries and status.
    assert!(
        backup::check_full(&good.path, &Key::Recovery(&fx.recovery))
            .unwrap()
            .ok()
    );
    let after = dump(fx.service.store());
    for ((t, k), v) in &before {
        if *t == "audit"
            || *t == "pending"
            || (*t == "meta"
                && (k == b"audit_head" || k == b"backup_status" || k == b"store_digest"))
        {
            continue;
        }
        assert_eq!(after.get(&(*t, k.clone())), Some(v), "{t} changed");
    }
    // Every failure is in the audit log (unsealed: straight into the chain).
    let vault = vault_from_recovery(fx.service.store(), &fx.recovery);
    let events = audit_events(fx.service.store(), &vault);
    let failures = events
        .iter()
        .filter(|e| e.action == "backup.run" && e.outcome == kasefet::domain::Outcome::Failed)
        .count();
    assert_eq!(failures, 7);
    assert!(
        kasefet::audit::verify(fx.service.store(), &vault)
            .unwrap()
            .ok()
    );

    // A later success clears the failing state.
    fx.clock.advance(1);
    backup::run(&fx.db(), &cfg, Trigger::Manual).unwrap();
    assert!(!BackupStatus::load(fx.service.store()).failing());
}

#[test]
fn backup_run_from_a_store_nobody_owns_goes_to_the_pending_journal() {
    let fx = Fixture::new();
    let s = fx.login();
    populate(&fx.service, &s);
    let Fixture {
        tmp,
        service,
        totp,
        recovery,
        clock,
    } = fx;
    drop(service);
    let data = tmp.path().join("data");
    let cfg = {
        let mut c = BackupConfig::new(tmp.path().join("backups"));
        c.tz = berlin();
        c
    };
    {
        let store = Store::open(&data, 8 << 20).unwrap();
        let r = backup::run(
            &Db::Store {
                store: &store,
                clock: &clock,
            },
            &cfg,
            Trigger::Manual,
        )
        .unwrap();
        assert!(
            backup::check_full(&r.written.path, &Key::Recovery(&recovery))
                .unwrap()
                .ok()
        );
        assert!(BackupStatus::load(&store).last_success_at.is_some());
        let listed = backup::list(&cfg.dir).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            listed[0].manifest.as_ref().unwrap().count(Tree::Customers),
            1
        );
    }
    let service = Service::open(&data, settings(), clock.clone()).unwrap();
    login(&service, &totp, &clock);
    let vault = vault_from_recovery(service.store(), &recovery);
    let events = audit_events(service.store(), &vault);
    assert!(
        events
            .iter()
            .any(|e| e.action == "backup.run" && e.detail.contains("recorded while sealed"))
    );
    assert!(
        kasefet::audit::verify(service.store(), &vault)
            .unwrap()
            .ok()
    );
}

#[test]
fn retention_over_400_days() {
    let tz = berlin();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("backups");
    std::fs::create_dir(&dir).unwrap();
    let mut cfg = BackupConfig::new(&dir);
    cfg.tz = tz.clone();
    cfg.keep_daily = 14;
    cfg.keep_monthly = 12;
    // Files retention must never touch.
    for junk in [
        "notes.txt",
        "kasefet-latest.kbak",
        "kasefet-20250101T000000Z.kbak.old",
    ] {
        std::fs::write(dir.join(junk), b"x").unwrap();
    }
    let start = local(&tz, 2026, 1, 1, 2, 0);
    let clock = Clock::manual(start);
    let mut made = Vec::new();
    let nightly = Schedule::new(cfg.time, tz.clone());
    for day in 0..400 {
        let night = clock.now();
        std::fs::write(dir.join(backup::file_name(night).unwrap()), b"").unwrap();
        made.push(night);
        let mut last = night;
        // Some days also have a manual backup in the afternoon.
        if day % 7 == 3 {
            last = night + 12 * 3600;
            std::fs::write(dir.join(backup::file_name(last).unwrap()), b"").unwrap();
            made.push(last);
        }
        backup::prune(&cfg, last + 60).unwrap();
        // The next night at 02:00 local, whatever DST did.
        clock.advance(nightly.next_after(night) - night);
    }
    let now = clock.now();
    let kept: Vec<i64> = backup_files(&dir)
        .iter()
        .filter_map(|n| backup::parse_file_name(n))
        .collect();

    // Expected: every backup of the 14 newest days (the manual ones too), the newest of
    // each of 12 months.
    let date = |t: i64| {
        jiff::Timestamp::from_second(t)
            .unwrap()
            .to_zoned_datetime(tz.clone())
            .date()
    };
    let mut by_day: BTreeMap<jiff::civil::Date, Vec<i64>> = BTreeMap::new();
    let mut by_month: BTreeMap<(i16, i8), i64> = BTreeMap::new();
    for t in &made {
        let d = date(*t);
        by_day.entry(d).or_default().push(*t);
        by_month
            .entry((d.year(), d.month()))
            .and_modify(|x| *x = (*x).max(*t))
            .or_insert(*t);
    }
    let mut expected: Vec<i64> = by_day.values().rev().take(14).flatten().copied().collect();
    expected.extend(by_month.values().rev().take(12).copied());
    expected.sort();
    expected.dedup();
    assert_eq!(kept, expected);
    assert_eq!(kept.last(), made.iter().max());
    for junk in [
        "notes.txt",
        "kasefet-latest.kbak",
        "kasefet-20250101T000000Z.kbak.old",
    ] {
        assert!(dir.join(junk).exists(), "{junk} was deleted");
    }
    assert!(now > start + 399 * 86400);

    // With nothing to keep, the newest still stays; a future-dated file is left alone.
    let mut none = cfg.clone();
    none.keep_daily = 0;
    none.keep_monthly = 0;
    let future = backup::file_name(now + 30 * 86400).unwrap();
    std::fs::write(dir.join(&future), b"").unwrap();
    let stale_tmp = format!(".{}.tmp-00ff", backup::file_name(now - 3 * 86400).unwrap());
    let fresh_tmp = format!(".{}.tmp-00fe", backup::file_name(now - 60).unwrap());
    std::fs::write(dir.join(&stale_tmp), b"").unwrap();
    std::fs::write(dir.join(&fresh_tmp), b"").unwrap();
    let plan = backup::prune(&none, now).unwrap();
    assert_eq!(
        plan.keep,
        vec![
            future.clone(),
            backup::file_name(*made.iter().max().unwrap()).unwrap()
        ]
    );
    assert_eq!(plan.stale_temp, vec![stale_tmp.clone()]);
    assert!(!dir.join(&stale_tmp).exists());
    assert!(dir.join(&fresh_tmp).exists());
    assert_eq!(
        backup_files(&dir)
            .iter()
            .filter(|n| backup::parse_file_name(n).is_some())
            .count(),
        2
    );
}

#[test]
fn run_applies_retention() {
    let fx = Fixture::new();
    let mut cfg = fx.cfg();
    cfg.keep_daily = 2;
    cfg.keep_monthly = 0;
    for _ in 0..4 {
        backup::run(&fx.db(), &cfg, Trigger::Scheduled).unwrap();
        fx.clock.advance(86400);
    }
    let names: Vec<String> = backup_files(&cfg.dir);
    assert_eq!(names.len(), 2, "{names:?}");
    let listed = backup::list(&cfg.dir).unwrap();
    assert!(listed[0].created_at > listed[1].created_at);
}

#[test]
fn schedule_runs_at_local_time_across_dst() {
    let tz = berlin();
    let s = Schedule::new(backup::parse_time("02:00").unwrap(), tz.clone());
    // An ordinary night.
    assert_eq!(
        s.next_after(local(&tz, 2026, 11, 28, 10, 0)),
        local(&tz, 2026, 11, 29, 2, 0)
    );
    assert_eq!(
        s.next_after(local(&tz, 2026, 11, 29, 1, 59)),
        local(&tz, 2026, 11, 29, 2, 0)
    );
    assert_eq!(
        s.next_after(local(&tz, 2026, 11, 29, 2, 0)),
        local(&tz, 2026, 11, 30, 2, 0)
    );
    assert_eq!(local(&tz, 2026, 11, 29, 2, 0), utc(2026, 11, 29, 1, 0));
    // Spring forward (29 March 2026, 02:00 → 03:00): 02:00 does not exist, run at 03:00 CEST.
    let before = s.next_after(local(&tz, 2026, 3, 27, 12, 0));
    assert_eq!(before, utc(2026, 3, 28, 1, 0));
    let gap = s.next_after(before);
    assert_eq!(gap, utc(2026, 3, 29, 1, 0));
    let after = s.next_after(gap);
    assert_eq!(after, utc(2026, 3, 30, 0, 0));
    assert_eq!(after - gap, 23 * 3600);
    // Fall back (25 October 2026, 03:00 → 02:00): 02:00 happens twice, run once.
    let first = s.next_after(utc(2026, 10, 24, 12, 0));
    assert_eq!(first, utc(2026, 10, 25, 0, 0));
    let next = s.next_after(first);
    assert_eq!(next, utc(2026, 10, 26, 1, 0));
    assert_eq!(next - first, 25 * 3600);

    // New York, 2026: at 02:30 through the spring gap (02:00 → 03:00 on 8 March), and at
    // 01:30 through the autumn fold (01:00–02:00 happens twice on 1 November).
    let ny = new_york();
    let s = Schedule::new(backup::parse_time("02:30").unwrap(), ny.clone());
    let gap = s.next_after(local(&ny, 2026, 3, 7, 12, 0));
    assert_eq!(gap, utc(2026, 3, 8, 7, 30)); // 03:30 EDT
    assert_eq!(s.next_after(gap), local(&ny, 2026, 3, 9, 2, 30));
    let s = Schedule::new(backup::parse_time("01:30").unwrap(), ny.clone());
    let first = s.next_after(local(&ny, 2026, 10, 31, 12, 0));
    assert_eq!(first, utc(2026, 11, 1, 5, 30)); // 01:30 EDT, the first of the two
    let next = s.next_after(first);
    assert_eq!(next, utc(2026, 11, 2, 6, 30)); // not 01:30 EST the same night
    assert_eq!(next - first, 25 * 3600);
}

#[test]
fn schedule_catches_up_at_start() {
    let tz = berlin();
    let s = Schedule::new(backup::parse_time("02:00").unwrap(), tz.clone());
    let now = local(&tz, 2026, 11, 28, 10, 0);
    assert_eq!(s.next_due(None, now), now);
    assert_eq!(s.next_due(Some(now - 25 * 3600), now), now);
    // Today's 02:00 ran: next is tomorrow's.
    assert_eq!(
        s.next_due(Some(local(&tz, 2026, 11, 28, 2, 0)), now),
        local(&tz, 2026, 11, 29, 2, 0)
    );
    // Less than a day old but today's 02:00 was missed (nobody owned the database then).
    assert_eq!(s.next_due(Some(local(&tz, 2026, 11, 27, 11, 0)), now), now);
    // A backup dated in the future (a clock that was wrong) does not silence the schedule.
    assert_eq!(
        s.next_due(Some(now + 90 * 86400), now),
        local(&tz, 2026, 11, 29, 2, 0)
    );
    assert!(backup::schedule::catch_up_needed(None, now));
    assert!(!backup::schedule::catch_up_needed(Some(now - 3600), now));
}

/// Backups under their final names (not the temporary file of one being written).
fn finished(dir: &Path) -> Vec<String> {
    backup_files(dir)
        .into_iter()
        .filter(|n| backup::parse_file_name(n).is_some())
        .collect()
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn nightly_runner_catches_up_then_runs_at_two() {
    let tz = berlin();
    let fx = Fixture::at(local(&tz, 2026, 11, 28, 10, 0));
    let cfg = fx.cfg();
    let stop = Arc::new(AtomicBool::new(false));
    let handle = backup::spawn_nightly_polling(
        fx.service.clone(),
        cfg.clone(),
        stop.clone(),
        Duration::from_millis(2),
    )
    .unwrap();
    // No backup yet: one at once.
    wait_until("the catch-up backup", || finished(&cfg.dir).len() == 1);
    assert_eq!(
        finished(&cfg.dir),
        vec!["kasefet-20261128T090000Z.kbak".to_string()]
    );
    // Nothing more before 02:00.
    fx.clock
        .advance(local(&tz, 2026, 11, 29, 1, 59) - fx.clock.now());
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(finished(&cfg.dir).len(), 1);
    // 02:00 local is 01:00 UTC in winter.
    fx.clock.advance(60);
    wait_until("the 02:00 backup", || finished(&cfg.dir).len() == 2);
    assert_eq!(finished(&cfg.dir)[1], "kasefet-20261129T010000Z.kbak");
    stop.store(true, Ordering::SeqCst);
    handle.join().unwrap();
    let status = BackupStatus::load(fx.service.store());
    assert_eq!(
        status.last_success_file.as_deref(),
        Some("kasefet-20261129T010000Z.kbak")
    );
    assert!(!status.stale(fx.clock.now()));

    // Both runs were journalled while sealed and land in the chain at the next sign-in.
    fx.login();
    let vault = vault_from_recovery(fx.service.store(), &fx.recovery);
    let runs: Vec<String> = audit_events(fx.service.store(), &vault)
        .into_iter()
        .filter(|e| e.action == "backup.run")
        .map(|e| e.detail)
        .collect();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(runs.iter().any(|d| d.starts_with("catch-up")));
    assert!(runs.iter().any(|d| d.starts_with("scheduled")));
}

#[test]
fn nightly_runner_waits_when_the_newest_is_recent() {
    let tz = berlin();
    let fx = Fixture::at(local(&tz, 2026, 11, 28, 10, 0));
    let cfg = fx.cfg();
    backup::run(&fx.db(), &cfg, Trigger::Manual).unwrap();
    fx.clock.advance(3600);
    let stop = Arc::new(AtomicBool::new(false));
    let handle = backup::spawn_nightly_polling(
        fx.service.clone(),
        cfg.clone(),
        stop.clone(),
        Duration::from_millis(2),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(finished(&cfg.dir).len(), 1);
    stop.store(true, Ordering::SeqCst);
    handle.join().unwrap();
}

#[test]
fn a_failed_nightly_run_is_recorded_and_retried() {
    let tz = berlin();
    let fx = Fixture::at(local(&tz, 2026, 11, 28, 10, 0));
    std::fs::write(fx.tmp.path().join("afile"), b"x").unwrap();
    let mut cfg = fx.cfg();
    cfg.dir = fx.tmp.path().join("afile").join("backups");
    let stop = Arc::new(AtomicBool::new(false));
    let handle = backup::spawn_nightly_polling(
        fx.service.clone(),
        cfg.clone(),
        stop.clone(),
        Duration::from_millis(2),
    )
    .unwrap();
    wait_until("the failure to be recorded", || {
        BackupStatus::load(fx.service.store()).failing()
    });
    let first = BackupStatus::load(fx.service.store()).last_failure_at;
    fx.clock.advance(backup::nightly::RETRY_SECS);
    wait_until("the retry", || {
        BackupStatus::load(fx.service.store()).last_failure_at != first
    });
    stop.store(true, Ordering::SeqCst);
    handle.join().unwrap();
    let msg = BackupStatus::load(fx.service.store()).describe(fx.clock.now());
    assert!(
        msg.contains("no backup has been taken yet") && msg.contains("failed"),
        "{msg}"
    );
}
