//! Where this database's backups go: its own folder inside the configured `[backup] dir`
//! (so databases sharing a folder never prune or count each other's backups), changeable
//! while running so the setup wizard's choice is used at once, not at the next start.

use std::path::PathBuf;
use std::sync::RwLock;

use super::{Service, Settings};
use crate::backup::BackupConfig;
use crate::store::Store;

pub(crate) struct BackupFolder(RwLock<Option<BackupConfig>>);

impl BackupFolder {
    pub(crate) fn new(settings: &Settings, store: &Store) -> BackupFolder {
        let id = store.db_id();
        BackupFolder(RwLock::new(
            settings.backup.as_ref().map(|b| b.for_database(&id)),
        ))
    }
}

impl Service {
    /// The backup configuration for this database, its folder resolved; `None` when no
    /// folder is configured. Use this, not `settings().backup`, which is the folder as
    /// configured and shared by every database.
    pub fn backup_config(&self) -> Option<BackupConfig> {
        match self.backup.0.read() {
            Ok(b) => b.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Takes this database's backups into `dir` from now on (its own folder inside it),
    /// keeping the configured time and retention.
    pub fn use_backup_dir(&self, dir: PathBuf) {
        let id = self.store().db_id();
        let mut cfg = self
            .backup_config()
            .or_else(|| self.settings().backup.clone())
            .unwrap_or_else(|| BackupConfig::new(dir.clone()));
        cfg.dir = dir;
        let resolved = cfg.for_database(&id);
        match self.backup.0.write() {
            Ok(mut b) => *b = Some(resolved),
            Err(poisoned) => *poisoned.into_inner() = Some(resolved),
        }
    }
}
