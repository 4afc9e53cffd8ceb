//! `kasefet repair --accept-loss`: an admin takes a damaged database into service as it is.
//!
//! The store is opened without refusing damage and holds its anchor until an admin signed
//! in and asked, so a sign-in that is then refused changes nothing about the finding.

use std::path::Path;

use super::{Clock, Error, Result, Service, Session, Settings};
use crate::domain::Outcome;
use crate::domain::role::Permission;
use crate::store::Store;

/// The newest backup of this database in the configured folder, with the digest generation
/// it was taken at. Backups that do not read, or are of another database, do not count.
fn newest_backup(store: &Store, settings: &Settings) -> Option<(crate::backup::Listed, u64)> {
    let cfg = settings.backup.as_ref()?;
    // This database's own folder (backups of others share the root); older backups still
    // in the root are looked at too, until the next backup run moves them.
    let ours = crate::backup::list::database_dir(&cfg.dir, &store.db_id());
    let mut all = crate::backup::list(&ours).unwrap_or_default();
    all.extend(crate::backup::list(&cfg.dir).unwrap_or_default());
    all.into_iter()
        .filter_map(|b| {
            let m = b.manifest.as_ref()?;
            let generation = m.store_digest.as_ref()?.generation;
            (m.database_id == store.db_id()).then_some((b, generation))
        })
        .max_by_key(|(_, g)| *g)
}

/// The store may never be behind a backup it produced: that backup holds commits the store
/// no longer has.
pub fn check_not_behind_backup(store: &Store, settings: &Settings) -> Result<()> {
    let Some((b, generation)) = newest_backup(store, settings) else {
        return Ok(());
    };
    let ours = store.digest()?.map_or(0, |d| d.generation);
    if ours >= generation {
        return Ok(());
    }
    let held = b.manifest.as_ref().map_or(0, |m| m.audit_head.seq);
    let seq = crate::audit::Head::load(store)?.seq;
    Err(crate::store::StoreError::Damaged(format!(
        "the database is behind the newest backup it made: it ends at audit entry {seq}, but \
         {} (taken {}) holds {held} entries, so changes after that are missing (the storage \
         engine came back in an older state). Kasefet will not serve it. Restore it with \
         `kasefet backup restore {} --to NEW_DIR --recovery-key-file rk` and point --data-dir \
         at NEW_DIR, or, as an admin, take the database as it is with `kasefet repair --accept-loss`",
        b.name,
        super::clock::format_local(b.created_at),
        b.path.display()
    ))
    .into())
}

impl Service {
    /// Opens a database the integrity checks refuse, for `accept_loss` only.
    pub fn open_for_repair(dir: &Path, settings: Settings, clock: Clock) -> Result<Service> {
        let store = Store::open_for_repair(dir, settings.cache_bytes)?;
        Ok(Service::assemble(store, settings, clock))
    }

    /// Accepts what the unseal check found: the digest is recomputed from what is there,
    /// the anchor rewritten, and the loss recorded in the audit log by the admin who took it.
    /// Returns the audit detail (what was accepted).
    pub fn accept_loss(&self, session: &Session) -> Result<String> {
        self.authorize(session, Permission::UserAdmin, "integrity.accept_loss")?;
        if !self.store.repairing() {
            return Err(Error::Refused(
                "the database was not opened for repair (or the loss was already accepted)".into(),
            ));
        }
        let (notes, quarantined) = {
            let inner = self.lock();
            inner
                .open
                .as_ref()
                .map(|o| (o.integrity_notes.clone(), o.quarantined.clone()))
                .unwrap_or_default()
        };
        let mut parts = notes;
        if let Err(e) = check_not_behind_backup(&self.store, &self.settings) {
            parts.push(e.to_string());
        }
        let floor = newest_backup(&self.store, &self.settings).map_or(0, |(_, g)| g);
        self.store.accept_loss_now(floor)?;
        if !quarantined.is_empty() {
            parts.push(format!(
                "{} quarantined record(s) stay where they are: {}",
                quarantined.len(),
                quarantined.join(", ")
            ));
        }
        let detail = if parts.is_empty() {
            "no damage was found; the integrity anchor was rewritten".to_string()
        } else {
            format!("accepted as it is: {}", parts.join("; "))
        };
        self.record_system_event(
            Some(session),
            "integrity.accept_loss",
            "database",
            Outcome::Ok,
            &detail,
        )?;
        Ok(detail)
    }
}
