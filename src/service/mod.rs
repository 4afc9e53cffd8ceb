//! THE ONE DOOR: every read and write is a `Request` answered by `Service::handle`, which
//! authorizes (the role table), acts, and audits, always in that order.

mod backup_folder;
mod backups;
pub mod bounds;
mod bulk_commit;
pub mod clock;
pub mod erase;
pub mod error;
mod handle;
mod init;
mod live;
mod lockout;
pub mod login;
mod records;
mod recover;
mod repair;
pub mod request;
mod retention;
pub mod session;
pub mod settings;
mod shared;
mod system_event;
#[cfg(test)]
pub(crate) mod test_support;
mod unlock;
mod unseal_purge;
mod unsealed;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

pub use clock::Clock;
pub use error::{AUTH_FAILED, Error, Result, WireError, exit};
pub use init::NewAdmin;
pub use login::{Login, Peer};
pub use repair::check_not_behind_backup;
pub use request::{AccountStatus, CustomerFilter, Request, Response, TaskFilter, TaskScope};
pub use request::{
    DUPLICATES_MAX, DuplicatePair, EXPORT_PART_BYTES, EXPORT_PART_MAX, ExportFormat, ExportWhat,
    ImportBatch, ImportMode, ImportRecord, ImportReport, MatchOn,
};
pub use session::Session;
pub use settings::Settings;
pub use system_event::Recorded;

use crate::store::Store;
use unsealed::Unsealed;

pub struct Service {
    store: Store,
    settings: Settings,
    clock: Clock,
    inner: Mutex<Inner>,
    /// The same table as `Inner::sessions`, reachable without the service lock.
    live: live::Live,
    kdf_gate: crate::auth::kdf_gate::KdfGate,
    /// Where this database's backups go (see `backup_folder`).
    backup: backup_folder::BackupFolder,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("store", &self.store)
            .finish()
    }
}

#[derive(Default)]
pub(crate) struct Inner {
    /// `None` while sealed: no key in memory. Set only through `Service::set_open`.
    open: Option<Unsealed>,
    /// Shared with reads that check their session without this lock (see `live.rs`).
    sessions: live::Live,
}

impl Service {
    /// Opens an existing database, sealed.
    pub fn open(dir: &Path, settings: Settings, clock: Clock) -> Result<Service> {
        let store = Store::open(dir, settings.cache_bytes)?;
        repair::check_not_behind_backup(&store, &settings)?;
        Ok(Service::assemble(store, settings, clock))
    }

    pub(super) fn assemble(store: Store, settings: Settings, clock: Clock) -> Service {
        let kdf_gate = crate::auth::kdf_gate::KdfGate::new(
            settings.kdf_concurrency,
            std::time::Duration::from_secs(settings.kdf_wait_secs),
        );
        let inner = Inner::default();
        Service {
            kdf_gate,
            backup: backup_folder::BackupFolder::new(&settings, &store),
            store,
            settings,
            clock,
            live: inner.sessions.clone(),
            inner: Mutex::new(inner),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// One lock for all state: writers (and backups, which take it too) see a consistent
    /// database. Searches and list reads of a session in good standing do not take it (see
    /// `live.rs`), so they never wait out a writer's commit.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves in-memory caches possibly stale but the
        // database consistent (commits are atomic), so continuing is safe.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets or drops the unsealed state; reads without the lock see the change at once.
    fn set_open(&self, inner: &mut Inner, open: Option<Unsealed>) {
        inner.sessions.publish(open.as_ref().map(Unsealed::readers));
        inner.open = open;
    }

    fn limits(&self, now: crate::domain::UnixTime) -> live::Limits {
        live::Limits {
            now,
            max_secs: self.settings.session_max_secs,
            idle_secs: self.settings.idle_lock_secs,
        }
    }

    /// True while a key is in memory.
    pub fn is_unsealed(&self) -> bool {
        self.lock().open.is_some()
    }

    /// Runs `f` with writers paused, for a consistent snapshot of the store.
    pub fn with_writers_paused<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
        let _guard = self.lock();
        f(&self.store)
    }
}
