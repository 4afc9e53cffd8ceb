//! Backup, verify and restore as a person or the schedule asks for them: authorized when a
//! person asks through a session, audited always (the chain when unsealed, the pending
//! journal when sealed), and reflected in the status record.

use std::fs;
use std::io;
use std::path::Path;

use super::restore::{RestoreOptions, Restored, restore_into};
use super::retention::{self, Plan};
use super::status::{BackupStatus, VerifyStatus};
use super::verify::{FullReport, Integrity, Key, check_full, check_integrity};
use super::write::{SnapshotFile, Written, create_temp, sync_dir, write_snapshot_with};
use super::{BackupConfig, BackupError, Result};
use crate::audit::pending::{self, SystemEvent};
use crate::domain::role::Permission;
use crate::domain::{Outcome, UnixTime};
use crate::service::{Clock, Service, Session};
use crate::store::Store;

/// The database a backup operation is about, and where its audit entry goes.
#[derive(Debug, Clone, Copy)]
pub enum Db<'a> {
    /// A running service (the server, or the embedded TUI). `by` is the signed-in person
    /// who asked, checked for the backup permission; `None` for the schedule.
    Service {
        service: &'a Service,
        by: Option<&'a Session>,
    },
    /// A database this process opened itself because nobody owns it (`kasefet backup run`
    /// from cron or a timer). Entries go to its pending journal.
    Store { store: &'a Store, clock: &'a Clock },
}

impl Db<'_> {
    pub fn store(&self) -> &Store {
        match self {
            Db::Service { service, .. } => service.store(),
            Db::Store { store, .. } => store,
        }
    }

    pub fn now(&self) -> UnixTime {
        match self {
            Db::Service { service, .. } => service.clock().now(),
            Db::Store { clock, .. } => clock.now(),
        }
    }

    fn authorize(&self, action: &str) -> Result<()> {
        if let Db::Service {
            service,
            by: Some(session),
        } = self
        {
            service.authorize(session, Permission::Backup, action)?;
        }
        Ok(())
    }

    fn record(
        &self,
        action: &str,
        target: &str,
        outcome: Outcome,
        detail: &str,
    ) -> std::result::Result<(), String> {
        match self {
            Db::Service { service, by } => service
                .record_system_event(*by, action, target, outcome, detail)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Db::Store { store, clock } => pending::record_system(
                store,
                &SystemEvent {
                    at: clock.now(),
                    peer_uid: Some(rustix::process::getuid().as_raw()),
                    peer_pid: Some(std::process::id()),
                    action: action.to_string(),
                    target: target.to_string(),
                    outcome,
                    detail: detail.to_string(),
                },
            )
            .map_err(|e| e.to_string()),
        }
    }

    /// Read-modify-write of the status record, with writers paused so two runs (the
    /// schedule and a person) cannot interleave their updates.
    fn update_status(&self, f: impl FnOnce(&mut BackupStatus)) -> std::result::Result<(), String> {
        let apply = |store: &Store| {
            let mut s = BackupStatus::load(store);
            f(&mut s);
            s.save(store).map_err(|e| e.to_string())
        };
        match self {
            Db::Service { service, .. } => service.with_writers_paused(apply),
            Db::Store { store, .. } => apply(store),
        }
    }
}

/// Why a backup was taken, for the audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A person (`kasefet backup run`, or "run now" on the Backups screen).
    Manual,
    /// The nightly schedule.
    Scheduled,
    /// The owner started and the newest backup was missing or more than a day old.
    CatchUp,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Scheduled => "scheduled",
            Trigger::CatchUp => "catch-up",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunReport {
    pub written: Written,
    /// What retention decided after the backup.
    pub retention: Plan,
    /// Set when retention could not delete something (the backup itself is fine).
    pub retention_problem: Option<String>,
}

/// Takes a backup into `cfg.dir` with writers paused, records it, then applies retention.
/// A failure leaves older backups and the database untouched and is recorded too.
pub fn run(db: &Db<'_>, cfg: &BackupConfig, trigger: Trigger) -> Result<RunReport> {
    run_with(db, cfg, trigger, &create_temp)
}

/// `run` with the snapshot's temporary file made by `open` (fault injection in tests).
pub fn run_with(
    db: &Db<'_>,
    cfg: &BackupConfig,
    trigger: Trigger,
    open: &dyn Fn(&Path) -> io::Result<Box<dyn SnapshotFile>>,
) -> Result<RunReport> {
    db.authorize("backup.run")?;
    let now = db.now();
    let taken = match db {
        Db::Service { service, .. } => {
            service.with_writers_paused(|store| write_snapshot_with(store, &cfg.dir, now, open))
        }
        Db::Store { store, .. } => write_snapshot_with(store, &cfg.dir, now, open),
    };
    let written = match taken {
        Ok(w) => w,
        Err(e) => {
            let msg = e.to_string();
            let _ = db.update_status(|s| {
                s.last_failure_at = Some(now);
                s.last_failure = Some(msg.clone());
            });
            return match db.record(
                "backup.run",
                &cfg.dir.display().to_string(),
                Outcome::Failed,
                &msg,
            ) {
                Ok(()) => Err(e),
                Err(record) => Err(BackupError::Unrecorded {
                    error: Box::new(e),
                    record,
                }),
            };
        }
    };
    let detail = format!(
        "{}; {} bytes; {}",
        trigger.as_str(),
        written.bytes,
        written.manifest.summary()
    );
    if let Err(record) = db.record("backup.run", &written.file_name(), Outcome::Ok, &detail) {
        // An unaudited copy of every record is what the audit rule exists to prevent.
        let _ = fs::remove_file(&written.path);
        let _ = sync_dir(&cfg.dir);
        let msg = format!("backup removed: its audit entry could not be written ({record})");
        let _ = db.update_status(|s| {
            s.last_failure_at = Some(now);
            s.last_failure = Some(msg);
        });
        return Err(BackupError::NotAudited(record));
    }
    // Advice for people only; the backup and its audit entry are what count.
    let _ = db.update_status(|s| {
        s.last_success_at = Some(now);
        s.last_success_file = Some(written.file_name());
        s.last_success_bytes = Some(written.bytes);
    });
    let (plan, retention_problem) = match retention::prune(cfg, now) {
        Ok(p) => (p, None),
        Err(e) => (Plan::default(), Some(e.to_string())),
    };
    let dir = cfg.dir.display().to_string();
    if let Some(p) = &retention_problem {
        let _ = db.record("backup.prune", &dir, Outcome::Failed, p);
    } else if !plan.delete.is_empty() || !plan.stale_temp.is_empty() {
        let gone: Vec<&str> = plan
            .delete
            .iter()
            .chain(&plan.stale_temp)
            .map(String::as_str)
            .collect();
        let _ = db.record(
            "backup.prune",
            &dir,
            Outcome::Ok,
            &format!("deleted {}", gone.join(", ")),
        );
    }
    Ok(RunReport {
        written,
        retention: plan,
        retention_problem,
    })
}

/// A verified backup: integrity always, the full report when a key was given.
#[derive(Debug, Clone)]
pub struct Verification {
    pub integrity: Integrity,
    pub full: Option<FullReport>,
}

impl Verification {
    /// Intact, and with a key every record opened and the chain held.
    pub fn ok(&self) -> bool {
        self.full.as_ref().is_none_or(FullReport::ok)
    }
}

/// Verifies `file`: integrity without a key, in full with one. Recorded in `db` when given
/// (a file checked on a machine with no database is recorded nowhere).
pub fn verify(file: &Path, key: Option<&Key<'_>>, db: Option<&Db<'_>>) -> Result<Verification> {
    if let Some(db) = db {
        db.authorize("backup.verify")?;
    }
    let result = match key {
        Some(k) => check_full(file, k).map(|f| Verification {
            integrity: f.integrity.clone(),
            full: Some(f),
        }),
        None => check_integrity(file).map(|i| Verification {
            integrity: i,
            full: None,
        }),
    };
    let Some(db) = db else {
        return result;
    };
    let name = file_name(file);
    let (outcome, detail) = match &result {
        Ok(v) => match &v.full {
            Some(f) => (
                if f.ok() { Outcome::Ok } else { Outcome::Failed },
                format!("full: {}", f.summary()),
            ),
            None => (
                Outcome::Ok,
                format!(
                    "integrity: {} bytes, sha256 {}; {}",
                    v.integrity.bytes,
                    v.integrity.sha256,
                    v.integrity.manifest.summary()
                ),
            ),
        },
        Err(e) => (Outcome::Failed, e.to_string()),
    };
    let now = db.now();
    let _ = db.update_status(|s| {
        s.last_verify = Some(VerifyStatus {
            at: now,
            file: name.clone(),
            full: key.is_some(),
            ok: outcome == Outcome::Ok,
            detail: detail.clone(),
        })
    });
    match (db.record("backup.verify", &name, outcome, &detail), result) {
        (Ok(()), r) => r,
        (Err(record), Err(e)) => Err(BackupError::Unrecorded {
            error: Box::new(e),
            record,
        }),
        (Err(record), Ok(_)) => Err(BackupError::NotAudited(record)),
    }
}

/// Restores `file` into the new directory `to` (see `restore_into`), refusing the live data
/// directory of `db`, and records the outcome in `db` when given.
pub fn restore(
    file: &Path,
    to: &Path,
    key: Option<&Key<'_>>,
    opts: &RestoreOptions,
    db: Option<&Db<'_>>,
) -> Result<Restored> {
    let mut opts = opts.clone();
    let now = match db {
        Some(db) => {
            db.authorize("backup.restore")?;
            opts.live_dirs.push(db.store().path().to_path_buf());
            db.now()
        }
        None => jiff::Timestamp::now().as_second(),
    };
    let result = restore_into(file, to, key, &opts, now);
    let Some(db) = db else {
        return result;
    };
    let target = format!("{} -> {}", file_name(file), to.display());
    let (outcome, detail) = match &result {
        Ok(r) => (
            Outcome::Ok,
            format!(
                "{}; {}",
                if r.full.is_some() {
                    "verified in full first"
                } else {
                    "integrity verified first"
                },
                r.integrity.manifest.summary()
            ),
        ),
        Err(e) => (Outcome::Failed, e.to_string()),
    };
    match (
        db.record("backup.restore", &target, outcome, &detail),
        result,
    ) {
        (Ok(()), r) => r,
        (Err(record), Err(e)) => Err(BackupError::Unrecorded {
            error: Box::new(e),
            record,
        }),
        (Err(record), Ok(r)) => {
            let _ = fs::remove_dir_all(&r.dir);
            Err(BackupError::NotAudited(record))
        }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}
