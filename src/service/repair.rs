//! `kasefet repair --accept-loss`: an admin takes a damaged database into service as it is.
//!
//! The store is opened without refusing damage and holds its anchor until an admin signed
//! in and asked, so a sign-in that is then refused changes nothing about the finding.

use std::path::Path;

use super::{Clock, Error, Result, Service, Session, Settings};
use crate::domain::Outcome;
use crate::domain::role::Permission;
use crate::store::Store;

impl Service {
    /// Opens a database the integrity checks refuse, for `accept_loss` only.
    pub fn open_for_repair(dir: &Path, settings: Settings, clock: Clock) -> Result<Service> {
        let store = Store::open_for_repair(dir, settings.cache_bytes)?;
        Ok(Service {
            store,
            settings,
            clock,
            inner: std::sync::Mutex::new(Default::default()),
        })
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
        self.store.accept_loss_now()?;
        let mut parts = notes;
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
