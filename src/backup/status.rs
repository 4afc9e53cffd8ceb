//! The last backup's outcome, kept in the meta tree for `doctor`, the Home and Backups
//! screens. Unencrypted so it reads while sealed; it holds times, file names, sizes and
//! error messages only, never record content or names of people.

use serde::{Deserialize, Serialize};

use crate::domain::UnixTime;
use crate::store::{Op, Result, Store, Tree, codec};

pub const STATUS_KEY: &[u8] = b"backup_status";
/// The newest backup older than this is shown as a warning (a nightly run plus slack).
pub const STALE_AFTER_SECS: i64 = 26 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BackupStatus {
    pub last_success_at: Option<UnixTime>,
    pub last_success_file: Option<String>,
    pub last_success_bytes: Option<u64>,
    pub last_failure_at: Option<UnixTime>,
    pub last_failure: Option<String>,
    pub last_verify: Option<VerifyStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyStatus {
    pub at: UnixTime,
    pub file: String,
    /// With a key (every record opened) rather than integrity only.
    pub full: bool,
    pub ok: bool,
    pub detail: String,
}

impl BackupStatus {
    /// The stored status; a missing or unreadable one reads as "nothing known yet", since
    /// it is advice for people and must never stop the database from opening.
    pub fn load(store: &Store) -> BackupStatus {
        store
            .get_raw(Tree::Meta, STATUS_KEY)
            .ok()
            .flatten()
            .and_then(|v| codec::decode(&v).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, store: &Store) -> Result<()> {
        store.commit(&[Op::put(
            Tree::Meta,
            STATUS_KEY.to_vec(),
            codec::encode(self)?,
        )])
    }

    /// The status as the folder bears it out: when the file named as the last backup is no
    /// longer among `items` (retention or a person removed it, or this is a restored copy
    /// whose status came from the original), the newest backup still there takes its place,
    /// or none.
    pub fn checked(mut self, items: &[super::Listed]) -> BackupStatus {
        let named = self.last_success_file.as_deref();
        if named.is_some_and(|n| items.iter().any(|b| b.name == n)) {
            return self;
        }
        let newest = items.first();
        self.last_success_at = newest.map(|b| b.created_at);
        self.last_success_file = newest.map(|b| b.name.clone());
        self.last_success_bytes = newest.map(|b| b.bytes);
        self
    }

    /// The last attempt failed (a later success clears this).
    pub fn failing(&self) -> bool {
        match (self.last_failure_at, self.last_success_at) {
            (Some(f), Some(s)) => f >= s,
            (Some(_), None) => true,
            _ => false,
        }
    }

    /// No backup, or the newest is older than `STALE_AFTER_SECS`.
    pub fn stale(&self, now: UnixTime) -> bool {
        self.last_success_at
            .is_none_or(|t| now - t > STALE_AFTER_SECS)
    }

    /// One line for `doctor` and status bars.
    pub fn describe(&self, now: UnixTime) -> String {
        let last = match (self.last_success_at, &self.last_success_file) {
            (Some(t), Some(f)) => format!("last backup {f}, {} ago", age(now - t)),
            _ => "no backup has been taken yet".to_string(),
        };
        match (&self.last_failure, self.failing()) {
            (Some(msg), true) => format!("{last}; the last attempt failed: {msg}"),
            _ => last,
        }
    }
}

fn age(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 3600 {
        format!("{} min", secs / 60)
    } else if secs < 48 * 3600 {
        format!("{} h", secs / 3600)
    } else {
        format!("{} days", secs / 86400)
    }
}
