//! Erasure reaches the backups: after `customer erase` the person is in no file under the
//! data directory or the backup folder, every backup still verifies, a pre-erasure copy
//! restored elsewhere does not bring them back, and a backup that could not be rewritten is
//! named and retried.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{PASSWORD, START, cheap_settings, contains, files};
use kasefet::auth::records::RECOVERY_KEY;
use kasefet::auth::totp::TotpSecret;
use kasefet::backup::{self, BackupConfig, Db, Key, RestoreOptions, Trigger};
use kasefet::crypto::{Envelope, Password, SecretKey};
use kasefet::domain::{Customer, CustomerInput, CustomerSensitive, InteractionKind, TaskInput};
use kasefet::privacy::erasure;
use kasefet::service::{Clock, Error, NewAdmin, Peer, Request, Response, Service, Session};
use kasefet::store::{Store, Tree, Vault, codec};

const CANARIES: [&str; 4] = ["Erasecanary", "ErNIDcanary", "Ercallcanary", "Ertaskcanary"];

struct Office {
    tmp: tempfile::TempDir,
    service: Arc<Service>,
    clock: Clock,
    totp: TotpSecret,
    recovery: SecretKey,
    cfg: BackupConfig,
}

impl Office {
    fn new() -> Office {
        let tmp = tempfile::tempdir().unwrap();
        let clock = Clock::manual(START);
        let totp = TotpSecret::generate().unwrap();
        let cfg = BackupConfig::new(tmp.path().join("backups"));
        let mut settings = cheap_settings();
        settings.backup = Some(cfg.clone());
        let (service, recovery) = Service::init(
            &tmp.path().join("db"),
            settings,
            clock.clone(),
            NewAdmin {
                username: "dana",
                display_name: "Dana Admin",
                password: &Password::new(PASSWORD),
                totp: &totp,
                recovery_codes: None,
            },
        )
        .unwrap();
        // This database's own folder inside the configured one.
        let cfg = service.backup_config().unwrap_or(cfg);
        Office {
            tmp,
            service: Arc::new(service),
            clock,
            totp,
            recovery,
            cfg,
        }
    }

    fn admin(&self) -> Session {
        self.clock.advance(30);
        let code = self.totp.code_at(self.clock.now() as u64);
        self.service
            .login("dana", &Password::new(PASSWORD), &code, &Peer::default())
            .unwrap()
            .session
    }

    fn ok(&self, s: &Session, r: Request) -> Response {
        self.service.handle(s, r).unwrap()
    }

    fn create(&self, s: &Session, input: CustomerInput) -> u64 {
        match self.ok(s, Request::CustomerCreate { input }) {
            Response::Created { id } => id,
            other => panic!("{other:?}"),
        }
    }

    /// A subject with a canary in the record, the sensitive part, the timeline, a kept
    /// version and a linked task; and a customer who stays.
    fn people(&self, s: &Session) -> (u64, u64, u64) {
        let id = self.create(
            s,
            CustomerInput {
                name: "Erasecanary Person".into(),
                sensitive: Some(CustomerSensitive {
                    national_id: Some("ErNIDcanary".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        );
        self.ok(
            s,
            Request::CustomerAddInteraction {
                id,
                kind: InteractionKind::Call,
                text: "Ercallcanary".into(),
            },
        );
        let c = match self.ok(s, Request::CustomerGet { id, reveal: true }) {
            Response::Customer(c) => c,
            other => panic!("{other:?}"),
        };
        let mut d = c.data.clone();
        d.tags = vec!["renamed".into()];
        self.ok(
            s,
            Request::CustomerUpdate {
                id,
                version: c.stamp.version,
                input: d,
            },
        );
        let task = match self.ok(
            s,
            Request::TaskCreate {
                input: TaskInput {
                    title: "Call back".into(),
                    description: Some("about the Ertaskcanary offer".into()),
                    customer: Some(id),
                    ..Default::default()
                },
            },
        ) {
            Response::Created { id } => id,
            other => panic!("{other:?}"),
        };
        let keeper = self.create(
            s,
            CustomerInput {
                name: "Keeper".into(),
                ..Default::default()
            },
        );
        (id, task, keeper)
    }

    fn backup(&self) -> PathBuf {
        let db = Db::Service {
            service: &self.service,
            by: None,
        };
        let r = backup::run(&db, &self.cfg, Trigger::Manual).unwrap();
        self.clock.advance(86_400);
        r.written.path
    }
}

fn vault(store: &Store, recovery: &SecretKey) -> Vault {
    let env: Envelope =
        codec::decode(&store.get_raw(Tree::Keyring, RECOVERY_KEY).unwrap().unwrap()).unwrap();
    Vault::new(env.open_with_key(recovery).unwrap())
}

/// Restores `file` into `to` and returns the customers it holds, opened with the key, and
/// how many trash and history entries belong to `id`.
fn customers_in(file: &Path, to: &Path, recovery: &SecretKey) -> Vec<Customer> {
    // With the key: the rewritten file must still authenticate in full (its digest resealed).
    backup::restore_into(
        file,
        to,
        Some(&Key::Recovery(recovery)),
        &RestoreOptions::default(),
        START,
    )
    .unwrap();
    let store = Store::open(to, 8 << 20).unwrap();
    let v = vault(&store, recovery);
    v.scan::<Customer>(&store, Tree::Customers)
        .map(|r| r.unwrap().1)
        .collect()
}

fn grep_clean(dirs: &[&Path]) {
    for d in dirs {
        for f in files(d) {
            let bytes = std::fs::read(&f).unwrap();
            for c in CANARIES {
                assert!(!contains(&bytes, c.as_bytes()), "{c} in {}", f.display());
            }
        }
    }
}

#[test]
fn erasure_reaches_every_backup_and_an_older_copy_does_not_bring_the_person_back() {
    let o = Office::new();
    let s = o.admin();
    let (id, task, keeper) = o.people(&s);
    let first = o.backup();
    o.backup();
    o.backup();
    // A copy an office keeps elsewhere, taken before the erasure.
    let offline = o.tmp.path().join("usb");
    std::fs::create_dir(&offline).unwrap();
    let copy = offline.join(first.file_name().unwrap());
    std::fs::copy(&first, &copy).unwrap();

    let s = o.admin();
    let r = o.ok(
        &s,
        Request::CustomerErase {
            id,
            reason: "subject request 2026-12".into(),
        },
    );
    let Response::Erased {
        unlinked_tasks,
        backups: Some(report),
    } = r
    else {
        panic!("{r:?}")
    };
    assert_eq!(unlinked_tasks, 1);
    assert_eq!(report.rewritten.len(), 3, "{report:?}");
    assert!(report.failed.is_empty(), "{report:?}");

    // Live: gone from reads, search, links and exports; the audit chain still verifies.
    let get = o
        .service
        .handle(&s, Request::CustomerGet { id, reveal: false });
    assert!(matches!(get, Err(Error::NotFound(_))), "{get:?}");
    match o.ok(
        &s,
        Request::CustomerSearch {
            query: "erasecanary".into(),
            limit: 5,
        },
    ) {
        Response::Customers(l) => assert!(l.is_empty()),
        other => panic!("{other:?}"),
    }
    match o.ok(&s, Request::TaskGet { id: task }) {
        Response::Task(t) => assert_eq!(t.data.customer, None),
        other => panic!("{other:?}"),
    }
    match o.ok(&s, Request::AuditVerify) {
        Response::AuditReport(r) => assert!(r.ok(), "{r:?}"),
        other => panic!("{other:?}"),
    }
    assert!(o.service.store().len(Tree::History) == 0);
    let journal = erasure::journal(o.service.store()).unwrap();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].customer, id);

    // Every backup: intact, fully verifiable, and without the person once opened.
    let listed = backup::list(&o.cfg.dir).unwrap();
    assert_eq!(listed.len(), 3);
    for (i, l) in listed.iter().enumerate() {
        let full = backup::check_full(&l.path, &Key::Recovery(&o.recovery)).unwrap();
        assert!(
            full.first_problem().is_none(),
            "{}: {:?}",
            l.name,
            full.first_problem()
        );
        let got = customers_in(&l.path, &o.tmp.path().join(format!("r{i}")), &o.recovery);
        assert!(got.iter().all(|c| c.id != id), "{}", l.name);
        assert!(got.iter().any(|c| c.id == keeper), "{}", l.name);
        assert_eq!(erasure::journal_of_backup(&l.path).unwrap().len(), 1);
    }
    o.service.store().flush().unwrap();
    for i in 0..3 {
        std::fs::remove_dir_all(o.tmp.path().join(format!("r{i}"))).unwrap();
    }
    grep_clean(&[&o.tmp.path().join("db"), &o.cfg.dir]);

    // The pre-erasure copy: alone it holds no journal, so a restore must refuse...
    assert!(erasure::find_journal(None, std::slice::from_ref(&offline), &copy, 8 << 20).is_none());
    // ...and with the backup folder's journal the restore leaves the person out.
    let found =
        erasure::find_journal(None, &[offline.clone(), o.cfg.dir.clone()], &copy, 8 << 20).unwrap();
    assert_eq!(found.entries.len(), 1);
    let to = o.tmp.path().join("restored");
    let before = customers_in(&copy, &to, &o.recovery);
    assert!(
        before.iter().any(|c| c.id == id),
        "the copy held the person"
    );
    let store = Store::open(&to, 8 << 20).unwrap();
    let dek = kasefet::crypto::SecretKey::from_bytes(*vault(&store, &o.recovery).dek().expose());
    let (_armed, _) = store.arm(&dek).unwrap();
    assert_eq!(erasure::apply(&store, &found.entries).unwrap(), 1);
    let v = vault(&store, &o.recovery);
    let after: Vec<Customer> = v
        .scan::<Customer>(&store, Tree::Customers)
        .map(|r| r.unwrap().1)
        .collect();
    assert!(after.iter().all(|c| c.id != id));
    assert!(after.iter().any(|c| c.id == keeper));
    assert_eq!(store.len(Tree::History), 0);
    assert_eq!(erasure::journal(&store).unwrap().len(), 1);
}

#[test]
fn a_backup_that_cannot_be_rewritten_is_named_in_the_report_and_audit_and_retried() {
    let o = Office::new();
    let s = o.admin();
    let (id, _, _) = o.people(&s);
    let good = o.backup();
    let bad = o.backup();
    let saved = o.tmp.path().join("saved.kbak");
    std::fs::copy(&bad, &saved).unwrap();
    // Damage the middle of the second file.
    let mut bytes = std::fs::read(&bad).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&bad, &bytes).unwrap();
    let bad_name = bad.file_name().unwrap().to_string_lossy().into_owned();

    let s = o.admin();
    let r = o.ok(
        &s,
        Request::CustomerErase {
            id,
            reason: "subject request".into(),
        },
    );
    let Response::Erased {
        backups: Some(report),
        ..
    } = r
    else {
        panic!("{r:?}")
    };
    assert_eq!(
        report.rewritten,
        vec![good.file_name().unwrap().to_string_lossy().into_owned()]
    );
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, bad_name);
    assert!(report.summary().contains(&bad_name));
    let events = match o.ok(
        &s,
        Request::AuditList {
            offset: 0,
            limit: 20,
        },
    ) {
        Response::Audit(e) => e,
        other => panic!("{other:?}"),
    };
    let e = events
        .iter()
        .find(|e| e.action == "customer.erase_backups")
        .unwrap();
    assert!(e.detail.contains(&bad_name), "{}", e.detail);
    // The file by name, and the whole folder, which the erase commit marked and a failure
    // keeps marked.
    assert_eq!(
        kasefet::service::erase::pending_rewrites(o.service.store()),
        vec![
            kasefet::service::erase::WHOLE_FOLDER.to_string(),
            bad_name.clone()
        ]
    );

    // The file is repaired (put back from a copy); the next nightly run finishes the job.
    std::fs::copy(&saved, &bad).unwrap();
    let db = Db::Service {
        service: &o.service,
        by: None,
    };
    let r = kasefet::privacy::nightly::retry_rewrites(&db, &o.cfg)
        .unwrap()
        .unwrap();
    assert_eq!(r.rewritten, vec![bad_name]);
    assert!(kasefet::service::erase::pending_rewrites(o.service.store()).is_empty());
    let got = customers_in(&bad, &o.tmp.path().join("r"), &o.recovery);
    assert!(got.iter().all(|c| c.id != id));
}

#[test]
fn only_admins_erase_and_a_reason_is_required() {
    let o = Office::new();
    let s = o.admin();
    let (id, _, _) = o.people(&s);
    let empty = o.service.handle(
        &s,
        Request::CustomerErase {
            id,
            reason: "  ".into(),
        },
    );
    assert!(matches!(empty, Err(Error::Invalid(_))), "{empty:?}");
    for role in [
        kasefet::domain::Role::Manager,
        kasefet::domain::Role::Staff,
        kasefet::domain::Role::Auditor,
    ] {
        assert_eq!(
            kasefet::domain::role::scope(role, kasefet::domain::Permission::CustomerErase),
            kasefet::domain::role::Scope::None
        );
    }
    assert_eq!(
        kasefet::service::request::roles_allowed(&Request::CustomerErase {
            id,
            reason: "x".into()
        }),
        vec![kasefet::domain::Role::Admin]
    );
    // A customer in the trash can be erased too: erasure skips the trash.
    o.ok(&s, Request::CustomerDelete { id });
    o.ok(
        &s,
        Request::CustomerErase {
            id,
            reason: "subject request".into(),
        },
    );
    assert_eq!(o.service.store().len(Tree::Trash), 0);
}

fn kasefet(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(dir)
        .args(["--config", "kasefet.toml"])
        .args(args)
        .env_remove("KASEFET_USER")
        .env_remove("KASEFET_TOTP")
        .env_remove("KASEFET_PASSWORD_FILE")
        .output()
        .unwrap()
}

#[test]
fn the_cli_erases_and_restore_applies_the_journal_or_asks_for_ignore_erasures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let secret = common::init_with_binary(d, "[backup]\ndir = \"backups\"\n");
    let signed = |step: u64, args: &[&str]| {
        let code = secret.code_at(jiff::Timestamp::now().as_second() as u64 + step * 30);
        let mut all = vec![
            "--data-dir",
            "db",
            "--user",
            "dana",
            "--password-file",
            "pw",
            "--totp",
            &code,
        ];
        all.extend_from_slice(args);
        kasefet(d, &all)
    };
    let out = signed(0, &["customer", "add", "--name", "Erasecanary"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = kasefet(d, &["--data-dir", "db", "backup", "run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let name = std::fs::read_dir(db_folder(&d.join("backups")))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".kbak"))
        .unwrap();
    std::fs::create_dir(d.join("usb")).unwrap();
    std::fs::copy(
        db_folder(&d.join("backups")).join(&name),
        d.join("usb").join(&name),
    )
    .unwrap();

    let out = signed(1, &["gdpr", "erase", "1", "--reason", "subject request"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("erased customer 1"), "{text}");
    assert!(text.contains("1 backups rewritten"), "{text}");
    assert!(text.contains("out of reach"), "{text}");

    let usb = format!("usb/{name}");
    // The live database's journal applies.
    let out = kasefet(
        d,
        &[
            "--data-dir",
            "db",
            "backup",
            "restore",
            &usb,
            "--to",
            "r1",
            "--recovery-key-file",
            "rk",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("applied 1 erasures"), "{text}");
    let store = Store::open(&d.join("r1"), 8 << 20).unwrap();
    assert_eq!(store.len(Tree::Customers), 0);
    drop(store);

    // With no live database and no other backup to read a journal from: refused, nothing made.
    std::fs::remove_dir_all(d.join("backups")).unwrap();
    let out = kasefet(
        d,
        &[
            "--data-dir",
            "gone",
            "backup",
            "restore",
            &usb,
            "--to",
            "r2",
            "--recovery-key-file",
            "rk",
        ],
    );
    assert_eq!(out.status.code(), Some(kasefet::service::exit::INVALID));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ignore-erasures"));
    assert!(!d.join("r2").exists());
    let out = kasefet(
        d,
        &[
            "--data-dir",
            "gone",
            "backup",
            "restore",
            &usb,
            "--to",
            "r2",
            "--ignore-erasures",
            "--recovery-key-file",
            "rk",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("no erasure journal was applied"));
}

/// This database's backup folder: backups live in `<[backup] dir>/db-<id>/`.
fn db_folder(root: &std::path::Path) -> std::path::PathBuf {
    std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("db-"))
        })
        .unwrap_or_else(|| root.to_path_buf())
}

#[test]
fn a_rewrite_left_by_a_killed_process_is_removed_by_the_next_erasure() {
    let o = Office::new();
    let s = o.admin();
    let (id, _, _) = o.people(&s);
    o.backup();
    // What a SIGKILL between writing and renaming leaves: a temporary copy.
    let leftover = o.cfg.dir.join(".kasefet-erase-0123456789ab.tmp");
    std::fs::write(&leftover, b"erased, still encrypted").unwrap();
    let s = o.admin();
    o.ok(
        &s,
        Request::CustomerErase {
            id,
            reason: "subject request".into(),
        },
    );
    assert!(!leftover.exists());
}

#[test]
fn the_erase_commit_itself_marks_every_backup_as_still_to_rewrite() {
    // A process killed right after the erase commits has rewritten nothing, so the commit
    // itself must leave the work for the nightly run. With no backup folder nothing runs
    // after the commit: what is left is what a kill would leave.
    let tmp = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START);
    let totp = TotpSecret::generate().unwrap();
    let mut settings = cheap_settings();
    settings.backup = None;
    let (service, _) = Service::init(
        &tmp.path().join("db"),
        settings,
        clock.clone(),
        NewAdmin {
            username: "dana",
            display_name: "Dana Admin",
            password: &Password::new(PASSWORD),
            totp: &totp,
            recovery_codes: None,
        },
    )
    .unwrap();
    clock.advance(30);
    let code = totp.code_at(clock.now() as u64);
    let s = service
        .login("dana", &Password::new(PASSWORD), &code, &Peer::default())
        .unwrap()
        .session;
    let id = match service
        .handle(
            &s,
            Request::CustomerCreate {
                input: CustomerInput {
                    name: "Killed Erasure".into(),
                    ..Default::default()
                },
            },
        )
        .unwrap()
    {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    };
    assert!(kasefet::service::erase::pending_rewrites(service.store()).is_empty());
    service
        .handle(
            &s,
            Request::CustomerErase {
                id,
                reason: "subject request".into(),
            },
        )
        .unwrap();
    assert_eq!(
        kasefet::service::erase::pending_rewrites(service.store()),
        vec![kasefet::service::erase::WHOLE_FOLDER.to_string()]
    );
}

#[test]
fn the_nightly_run_rewrites_the_whole_folder_an_interrupted_erasure_left() {
    let o = Office::new();
    let s = o.admin();
    let (id, _, _) = o.people(&s);
    let b = o.backup();
    let saved = o.tmp.path().join("before-erasure.kbak");
    std::fs::copy(&b, &saved).unwrap();
    let s = o.admin();
    o.ok(
        &s,
        Request::CustomerErase {
            id,
            reason: "subject request".into(),
        },
    );
    assert!(kasefet::service::erase::pending_rewrites(o.service.store()).is_empty());
    // The state a kill between the erase commit and the rewrite leaves: the file as it was,
    // the journal entry, and the whole-folder mark the commit wrote.
    std::fs::copy(&saved, &b).unwrap();
    kasefet::service::erase::set_pending_rewrites(
        o.service.store(),
        &[kasefet::service::erase::WHOLE_FOLDER.to_string()],
    )
    .unwrap();
    assert!(
        customers_in(&b, &o.tmp.path().join("r1"), &o.recovery)
            .iter()
            .any(|c| c.id == id)
    );
    let db = Db::Service {
        service: &o.service,
        by: None,
    };
    let r = kasefet::privacy::nightly::retry_rewrites(&db, &o.cfg)
        .unwrap()
        .unwrap();
    assert_eq!(
        r.rewritten,
        vec![b.file_name().unwrap().to_string_lossy().into_owned()]
    );
    assert!(kasefet::service::erase::pending_rewrites(o.service.store()).is_empty());
    let got = customers_in(&b, &o.tmp.path().join("r2"), &o.recovery);
    assert!(got.iter().all(|c| c.id != id));
}
