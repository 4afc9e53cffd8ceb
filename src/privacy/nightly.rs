//! What the nightly run does for privacy after its backup: purge the trash whose window
//! ended. It needs no key (it reads keys only), so it runs while the database is sealed.

use crate::audit::pending::{self, SystemEvent};
use crate::backup::Db;
use crate::domain::Outcome;
use crate::privacy::trash::{self, Purged};

/// Records a system event the way backups do: the chain when unsealed, the pending journal
/// when sealed. `detail` carries counts only.
pub fn record(db: &Db<'_>, action: &str, outcome: Outcome, detail: &str) -> Result<(), String> {
    match db {
        Db::Service { service, by } => service
            .record_system_event(*by, action, "", outcome, detail)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Db::Store { store, clock } => pending::record_system(
            store,
            &SystemEvent {
                at: clock.now(),
                peer_uid: Some(rustix::process::getuid().as_raw()),
                peer_pid: Some(std::process::id()),
                action: action.to_string(),
                target: String::new(),
                outcome,
                detail: detail.to_string(),
            },
        )
        .map_err(|e| e.to_string()),
    }
}

/// Purges expired trash, with writers paused so a restore cannot race it, and records the
/// counts (nothing is recorded when nothing expired).
pub fn purge_trash(db: &Db<'_>) -> Result<Purged, String> {
    let now = db.now();
    let result = match db {
        Db::Service { service, .. } => {
            service.with_writers_paused(|store| trash::purge_expired(store, now))
        }
        Db::Store { store, .. } => trash::purge_expired(store, now),
    };
    match result {
        Ok(p) if p.total() == 0 => Ok(p),
        Ok(p) => {
            record(db, "trash.purge", Outcome::Ok, &p.summary())?;
            Ok(p)
        }
        Err(e) => {
            let msg = e.to_string();
            let _ = record(db, "trash.purge", Outcome::Failed, &msg);
            Err(msg)
        }
    }
}

/// Retries the backup rewrites an erasure could not finish (a read-only or damaged file
/// then), and brings any backup that lacks the journal up to date. Key-free, like the purge.
pub fn retry_rewrites(
    db: &Db<'_>,
    cfg: &crate::backup::BackupConfig,
) -> Result<Option<super::rewrite::RewriteReport>, String> {
    use crate::service::erase::{pending_rewrites, set_pending_rewrites};
    let store = db.store();
    let _rewriting = super::rewrite::folder_lock();
    let names = pending_rewrites(store);
    if names.is_empty() {
        return Ok(None);
    }
    let entries = super::erasure::journal(store).map_err(|e| e.to_string())?;
    // Sealed there is no key to reseal a rewritten file with: those wait for a run while
    // someone is signed in, or for the next erasure, which rewrites the whole folder again.
    let key = match db {
        Db::Service { service, .. } => service.key_while_unsealed(),
        Db::Store { .. } => None,
    };
    let report = super::rewrite::rewrite_folder(
        &cfg.dir,
        store.db_id(),
        &entries,
        key.as_ref(),
        Some(&names),
    );
    // A name that no longer exists (retention removed it) needs no more tries.
    let left: Vec<String> = report.failed.iter().map(|(n, _)| n.clone()).collect();
    let save = |s: &crate::store::Store| set_pending_rewrites(s, &left);
    match db {
        Db::Service { service, .. } => service.with_writers_paused(save),
        Db::Store { store, .. } => save(store),
    }
    .map_err(|e| e.to_string())?;
    let outcome = if left.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Failed
    };
    record(db, "customer.erase_backups", outcome, &report.summary())?;
    Ok(Some(report))
}

/// What the nightly run's retention step came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetentionOutcome {
    /// No `[[retention.rule]]` is set.
    NoRules,
    /// Sealed: the rules need the key; the runner tries again once someone signs in.
    Waiting,
    /// Applied (ids only); audited per rule by the run itself.
    Ran(super::retention::Plan),
}

/// Applies the retention rules after the backup. A failure is recorded and returned; a
/// sealed database is recorded once as waiting.
pub fn apply_retention(service: &crate::service::Service) -> Result<RetentionOutcome, String> {
    if service.settings().retention_rules.is_empty() {
        return Ok(RetentionOutcome::NoRules);
    }
    let db = Db::Service { service, by: None };
    if !service.is_unsealed() {
        record(
            &db,
            "retention.run",
            Outcome::Failed,
            "sealed: the rules are applied once someone signs in",
        )?;
        return Ok(RetentionOutcome::Waiting);
    }
    match service.run_retention() {
        Ok(Some((plan, _))) => Ok(RetentionOutcome::Ran(plan)),
        Ok(None) => Ok(RetentionOutcome::NoRules),
        Err(crate::service::Error::Refused(_)) => Ok(RetentionOutcome::Waiting),
        Err(e) => {
            let msg = e.to_string();
            let _ = record(&db, "retention.run", Outcome::Failed, &msg);
            Err(msg)
        }
    }
}
