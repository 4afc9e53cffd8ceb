//! Rewriting the backups after an erasure, so the erased person is gone from them too.
//!
//! Each file's records are read still encrypted, the erased customer's left out and the
//! erasure journal put in, the store digest resealed with the database key, and the file
//! written under a temporary name in the same folder (fsync, 0600) and renamed over the old
//! one. A file that cannot be rewritten stays
//! as it was and is named in the report; the next nightly run tries again.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::erasure::{self, ErasureEntry};
use super::{RecordKind, parse_record_key};
use crate::backup::{self, RawRecord};
use crate::crypto::SecretKey;
use crate::store::{self, Tree};

/// Held around reading the erasure journal and rewriting the folder with it. Two erasures at
/// once would otherwise each read a file, and the one that read the journal first could
/// rename its copy last, putting back the other's customer while both report success.
static FOLDER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The rewrite lock (see `FOLDER`); one process owns a database, so a static is enough.
pub fn folder_lock() -> std::sync::MutexGuard<'static, ()> {
    FOLDER.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a rewrite of the backup folder did, by file name.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RewriteReport {
    pub rewritten: Vec<String>,
    /// Held nothing of the erased customers and had the journal already.
    pub unchanged: Vec<String>,
    /// Backups of another database in the same folder: not ours to change.
    pub foreign: Vec<String>,
    /// File name and why.
    pub failed: Vec<(String, String)>,
}

impl RewriteReport {
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} backups rewritten, {} already clean",
            self.rewritten.len(),
            self.unchanged.len()
        );
        if !self.foreign.is_empty() {
            s.push_str(&format!(
                ", {} of another database left alone",
                self.foreign.len()
            ));
        }
        if !self.failed.is_empty() {
            let names: Vec<&str> = self.failed.iter().map(|(n, _)| n.as_str()).collect();
            s.push_str(&format!(
                "; could not rewrite {} (retried by the next nightly run)",
                names.join(", ")
            ));
        }
        s
    }
}

/// Rewrites every backup of database `db_id` in `dir` so none holds the customers of
/// `entries`, and each carries the journal. `only` limits it to those file names (a retry).
pub fn rewrite_folder(
    dir: &Path,
    db_id: [u8; 16],
    entries: &[ErasureEntry],
    dek: Option<&SecretKey>,
    only: Option<&[String]>,
) -> RewriteReport {
    let mut report = RewriteReport::default();
    remove_leftovers(dir);
    let listed = match backup::list(dir) {
        Ok(l) => l,
        Err(e) => {
            report
                .failed
                .push((dir.display().to_string(), e.to_string()));
            return report;
        }
    };
    for l in listed {
        if only.is_some_and(|o| !o.contains(&l.name)) {
            continue;
        }
        match &l.manifest {
            Some(m) if m.database_id != db_id => {
                report.foreign.push(l.name);
                continue;
            }
            Some(_) => {}
            None => {
                let why = l.problem.unwrap_or_else(|| "unreadable".into());
                report.failed.push((l.name, why));
                continue;
            }
        }
        match rewrite_one(dir, &l.path, entries, dek) {
            Ok(true) => report.rewritten.push(l.name),
            Ok(false) => report.unchanged.push(l.name),
            Err(e) => report.failed.push((l.name, e)),
        }
    }
    report
}

/// Rewrites one file without the customers of `entries` and with the journal: records are
/// read raw (still encrypted), the erased ones left out, the journal put in, the store digest
/// resealed with the database key (so a full verify still authenticates the file, at the
/// generation it had: a rewritten backup is never "newer" than the live store), then the
/// file written under a temporary name (fsynced, 0600) and renamed over the old one.
fn rewrite_one(
    dir: &Path,
    path: &Path,
    entries: &[ErasureEntry],
    dek: Option<&SecretKey>,
) -> Result<bool, String> {
    let (mut manifest, records) = backup::read_records(path).map_err(|e| e.to_string())?;
    let ids: HashSet<u64> = entries.iter().map(|e| e.customer).collect();
    let journal: HashSet<u64> = records
        .iter()
        .filter(|r| r.tree == Tree::Erasures)
        .filter_map(|r| store::key_id(&r.key))
        .collect();
    let erased = |r: &RawRecord| match r.tree {
        Tree::Customers => store::key_id(&r.key).is_some_and(|id| ids.contains(&id)),
        Tree::Trash | Tree::History => parse_record_key(&r.key)
            .is_some_and(|(kind, id, _)| kind == RecordKind::Customer && ids.contains(&id)),
        _ => false,
    };
    let holds = records.iter().any(erased);
    if !holds && ids.iter().all(|id| journal.contains(id)) {
        return Ok(false);
    }
    let Some(dek) = dek else {
        return Err(
            "rewriting a backup needs the database key: it is retried at the next \
                    erasure, or by a nightly run while someone is signed in"
                .into(),
        );
    };
    let mut kept: Vec<RawRecord> = records
        .into_iter()
        .filter(|r| !erased(r) && r.tree != Tree::Erasures)
        .collect();
    for e in entries {
        let op = erasure::journal_op(e).map_err(|e| e.to_string())?;
        kept.push(RawRecord {
            tree: op.tree,
            key: op.key,
            value: op.value.unwrap_or_default(),
        });
    }
    backup::reseal_digest(&mut manifest, &mut kept, dek).map_err(|e| e.to_string())?;
    let mut nonce = [0u8; 6];
    crate::crypto::random_bytes(&mut nonce).map_err(|e| e.to_string())?;
    let tmp = Work(dir.join(format!(
        ".kasefet-erase-{}.tmp",
        data_encoding::HEXLOWER.encode(&nonce)
    )));
    backup::write_records(&tmp.0, &manifest, &kept).map_err(|e| e.to_string())?;
    fs::rename(&tmp.0, path).map_err(|e| format!("cannot replace the file: {e}"))?;
    backup::write::sync_dir(dir).map_err(|e| format!("cannot make the rewrite durable: {e}"))?;
    Ok(true)
}

/// Temporary files of a rewrite that a killed process left behind: they may hold what was
/// erased (still encrypted), so they go before anything else. The caller holds the folder
/// lock, so none of them is being written.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".kasefet-erase-") && name.ends_with(".tmp") {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// A temporary file removed on every way out (a no-op once renamed).
struct Work(PathBuf);

impl Drop for Work {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}
