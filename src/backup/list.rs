//! What is in a backup folder, newest first, from names and manifests (nothing verified),
//! and which folder is whose: every database keeps its backups in a folder of its own inside
//! the configured one, so two databases sharing `[backup] dir` never count, name or prune
//! each other's files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::format::{Manifest, parse_file_name};
use super::{BackupError, Result, read};
use crate::domain::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    pub path: PathBuf,
    pub name: String,
    /// From the file name.
    pub created_at: UnixTime,
    pub bytes: u64,
    /// `None` when the header could not be read; `problem` says why.
    pub manifest: Option<Manifest>,
    pub problem: Option<String>,
}

/// The folder of one database's backups inside the configured folder `root`:
/// `db-` and the first 16 hex digits of the database id. `root` itself when it already is
/// that folder, so resolving twice changes nothing.
pub fn database_dir(root: &Path, db_id: &[u8; 16]) -> PathBuf {
    let name = format!("db-{}", data_encoding::HEXLOWER.encode(&db_id[..8]));
    if root.file_name().is_some_and(|n| n == name.as_str()) {
        return root.to_path_buf();
    }
    root.join(name)
}

/// Moves backups that an older Kasefet wrote straight into `root` into their database's
/// folder, when their manifest names `db_id`; other files are left where they are. Returns
/// the names moved. Best effort: a file that cannot be read or moved stays, and is still a
/// valid backup to verify or restore by its path.
pub fn adopt_legacy(root: &Path, db_id: &[u8; 16]) -> Vec<String> {
    let Ok(names) = backup_names(root) else {
        return Vec::new();
    };
    let dir = database_dir(root, db_id);
    let mut moved = Vec::new();
    for (name, _) in names {
        let from = root.join(&name);
        let ours = read::manifest_only(&from).is_ok_and(|m| &m.database_id == db_id);
        if !ours || super::write::ensure_folder(&dir).is_err() || dir.join(&name).exists() {
            continue;
        }
        if fs::rename(&from, dir.join(&name)).is_ok() {
            moved.push(name);
        }
    }
    if !moved.is_empty() {
        let _ = super::write::sync_dir(root);
        let _ = super::write::sync_dir(&dir);
    }
    moved
}

/// Every backup in `dir` (files named like ours), newest first. A missing folder is an
/// empty list: no backup has been taken yet.
pub fn list(dir: &Path) -> Result<Vec<Listed>> {
    let mut out: Vec<Listed> = backup_names(dir)?
        .into_iter()
        .map(|(name, created_at)| {
            let path = dir.join(&name);
            let bytes = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let (manifest, problem) = match read::manifest_only(&path) {
                Ok(m) => (Some(m), None),
                Err(e) => (None, Some(e.to_string())),
            };
            Listed {
                path,
                name,
                created_at,
                bytes,
                manifest,
                problem,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| b.name.cmp(&a.name))
    });
    Ok(out)
}

/// Names of regular files in `dir` whose names parse as backups, with their times.
pub(crate) fn backup_names(dir: &Path) -> Result<Vec<(String, UnixTime)>> {
    Ok(all_names(dir)?
        .into_iter()
        .filter_map(|n| parse_file_name(&n).map(|t| (n, t)))
        .collect())
}

/// Every regular file name in `dir` (not following symlinks).
pub(crate) fn all_names(dir: &Path) -> Result<Vec<String>> {
    let folder_err = |source: io::Error| BackupError::Folder {
        path: dir.to_path_buf(),
        source,
    };
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(folder_err(e)),
    };
    let mut out = Vec::new();
    for e in entries {
        let e = e.map_err(folder_err)?;
        if e.file_type().map(|t| t.is_file()).unwrap_or(false) {
            if let Some(n) = e.file_name().to_str() {
                out.push(n.to_string());
            }
        }
    }
    Ok(out)
}

/// The newest backup's time, ignoring names dated more than `slack` seconds after `now`
/// (a clock that was once wrong must not silence the schedule).
pub fn newest(dir: &Path, now: UnixTime, slack: i64) -> Result<Option<UnixTime>> {
    Ok(backup_names(dir)?
        .into_iter()
        .map(|(_, t)| t)
        .filter(|t| *t <= now + slack)
        .max())
}
