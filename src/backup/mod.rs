//! Backups: one self-checking snapshot file per run, its verification with and without a
//! key, restore into a new directory, retention, and the nightly schedule.
//!
//! A snapshot holds every tree's keys and still-encrypted values, so taking and checking
//! one needs no key and works while the database is sealed. Layout (`format`):
//!
//! ```text
//! "KASEFET-BACKUP" ‖ format version (u32 BE)
//! manifest slot: u32 BE length ‖ bincode Manifest ‖ zero padding (4096 bytes in all)
//! records: 0x01 ‖ tree index (u8) ‖ key length (u32 BE) ‖ key ‖ value length (u32 BE) ‖ value
//! 0x00 (end of records)
//! SHA-256 of every byte before it (32 bytes)
//! ```
//!
//! Entry points, all audited (`operations`): [`run`], [`verify`], [`restore`]; the building
//! blocks without auditing are [`write_snapshot`], [`check_integrity`], [`check_full`] and
//! [`restore_into`]. [`spawn_nightly`] runs the schedule for whoever owns the database.
//!
//! Two checks, and every report says which ran. The SHA-256 trailer finds accidental damage
//! with no key, but anyone can recompute it. The manifest's store digest (per-tree counts and
//! a keyed multiset hash of every covered record, kept current by each commit under a DEK
//! subkey, see `store::digest`) is what a full verify recomputes from the records: a record
//! removed, added, replaced or moved, or a changed manifest or audit head, fails it even
//! though the backup itself was taken sealed.
//!
//! Public API for tools that change backups' contents (`rewrite`): [`read_records`] gives
//! the manifest and every raw record of a file that passed the keyless checks;
//! [`reseal_digest`] recomputes the digest under the DEK after records were changed;
//! [`write_records`] writes a new file from a manifest and records (counts and checksum
//! computed).

pub mod format;
pub mod list;
pub mod nightly;
pub mod operations;
pub(crate) mod read;
pub mod restore;
pub mod retention;
pub mod rewrite;
pub mod schedule;
pub mod status;
pub mod verify;
pub mod write;

use std::io;
use std::path::{Path, PathBuf};

pub use format::{
    ChainHead, FORMAT_VERSION, MAGIC, Manifest, TreeCount, file_name, parse_file_name,
};
pub use list::{Listed, list};
pub use nightly::{spawn_nightly, spawn_nightly_polling};
pub use operations::{Db, RunReport, Trigger, Verification, restore, run, run_with, verify};
pub use restore::{RestoreOptions, Restored, restore_into};
pub use retention::{Plan, plan, prune};
pub use rewrite::{RawRecord, read_records, reseal_digest, write_records};
pub use schedule::{Schedule, parse_time};
pub use status::BackupStatus;
pub use verify::{FullReport, Integrity, Key, KindCount, check_full, check_integrity};
pub use write::{SnapshotFile, Written, create_temp, write_snapshot, write_snapshot_with};

use crate::service;
use crate::store::StoreError;

/// What the `[backup]` section of kasefet.toml says.
#[derive(Debug, Clone)]
pub struct BackupConfig {
    /// Where snapshots go; created 0700 when missing.
    pub dir: PathBuf,
    /// Local time of the nightly run.
    pub time: jiff::civil::Time,
    /// The zone `time` is read in (the machine's, unless configured).
    pub tz: jiff::tz::TimeZone,
    pub keep_daily: u32,
    pub keep_monthly: u32,
}

impl BackupConfig {
    /// This configuration for one database: `dir` becomes that database's own folder inside
    /// the configured one ([`list::database_dir`]), and backups an older Kasefet left in the
    /// configured folder itself for this database are moved into it.
    pub fn for_database(&self, db_id: &[u8; 16]) -> BackupConfig {
        list::adopt_legacy(&self.dir, db_id);
        BackupConfig {
            dir: list::database_dir(&self.dir, db_id),
            ..self.clone()
        }
    }

    /// The defaults from the issue: 02:00 local time, 14 daily, 12 monthly.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        BackupConfig {
            dir: dir.into(),
            time: jiff::civil::time(2, 0, 0, 0),
            tz: jiff::tz::TimeZone::system(),
            keep_daily: 14,
            keep_monthly: 12,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("cannot use the backup folder {}: {source}; {}", path.display(), io_hint(source))]
    Folder { path: PathBuf, source: io::Error },
    #[error(
        "writing backup {} failed: {source}; {} (older backups and the database are untouched)",
        path.display(),
        io_hint(source)
    )]
    Write { path: PathBuf, source: io::Error },
    #[error(
        "a backup named {0} already exists; backups are named by the second they start, so run it again in a moment"
    )]
    Exists(String),
    #[error(
        "record {tree}/{key} is {len} bytes, larger than a backup can hold ({max}); the database needs repair"
    )]
    TooLarge {
        tree: &'static str,
        key: String,
        len: usize,
        max: usize,
    },
    #[error("cannot read backup {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{} is not a Kasefet backup (it does not start with KASEFET-BACKUP)", path.display())]
    NotABackup { path: PathBuf },
    #[error("{} is backup format {found}, this kasefet reads format {supported}; use a newer kasefet", path.display())]
    Version {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("backup {} is damaged or incomplete: {reason}; it was refused, use another backup", path.display())]
    Damaged { path: PathBuf, reason: String },
    #[error(
        "backup {} was written by a newer Kasefet (schema {found}, this program reads up to {supported}); upgrade kasefet to restore it",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error(
        "the recovery key does not open backup {}: check that it is the key shown when that database was created",
        path.display()
    )]
    WrongKey { path: PathBuf },
    #[error(
        "backup {} is of another database ({theirs}; this one is {ours}); verify it with that database's recovery key",
        path.display()
    )]
    OtherDatabase {
        path: PathBuf,
        theirs: String,
        ours: String,
    },
    #[error(
        "could not authenticate backup {}: without the recovery key (--recovery-key-file) only its SHA-256 checksum can be checked, and anyone who changes the file can recompute that; restore with the recovery key, or pass --unverified to restore it anyway",
        path.display()
    )]
    Unauthenticated { path: PathBuf },
    #[error("refusing to restore into {}: {reason}", path.display())]
    Target { path: PathBuf, reason: String },
    #[error("restoring into {} failed: {reason}; nothing was left behind", path.display())]
    Restore { path: PathBuf, reason: String },
    #[error("invalid backup time {0:?}: use HH:MM in 24-hour local time, for example 02:00")]
    Time(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Service(#[from] service::Error),
    #[error("{error}; recording this in the audit log also failed: {record}")]
    Unrecorded {
        error: Box<BackupError>,
        record: String,
    },
    #[error(
        "the audit entry could not be written ({0}), so the operation was undone (a new backup or restored directory removed, a verify result withheld); older backups and the database are untouched"
    )]
    NotAudited(String),
}

pub type Result<T> = std::result::Result<T, BackupError>;

impl BackupError {
    pub(crate) fn damaged(path: &Path, reason: impl Into<String>) -> Self {
        BackupError::Damaged {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    /// The process exit code for the command line (see `service::exit`).
    pub fn exit_code(&self) -> i32 {
        use service::exit;
        match self {
            BackupError::Service(e) => e.exit_code(),
            BackupError::Store(
                StoreError::Locked { .. }
                | StoreError::Missing(_)
                | StoreError::Permissions(_)
                | StoreError::Damaged(_),
            ) => exit::UNAVAILABLE,
            BackupError::Target { .. } | BackupError::Time(_) | BackupError::Exists(_) => {
                exit::INVALID
            }
            BackupError::WrongKey { .. } | BackupError::Unauthenticated { .. } => exit::AUTH,
            BackupError::Unrecorded { error, .. } => error.exit_code(),
            _ => exit::FAILURE,
        }
    }
}

/// What a person can do about an I/O error, by kind.
fn io_hint(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            "the disk is full: free some space or point [backup] dir in kasefet.toml at a larger disk"
        }
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            "check that the folder is writable by the user kasefet runs as"
        }
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => {
            "check [backup] dir in kasefet.toml: every part of the path must be a folder"
        }
        _ => "check the disk and the [backup] dir setting in kasefet.toml",
    }
}
