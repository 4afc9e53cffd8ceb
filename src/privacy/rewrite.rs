//! Rewriting the backups after an erasure, so the erased person is gone from them too.
//!
//! Each file is restored into a private working folder inside the backup folder (same
//! file system, so the final rename is atomic), the erasure journal is applied there, a
//! new snapshot is written by the backup writer itself (temporary name, fsync, checked read
//! back, 0600, rename) and renamed over the old file. A file that cannot be rewritten stays
//! as it was and is named in the report; the next nightly run tries again.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use super::erasure::{self, ErasureEntry};
use super::{RecordKind, parse_record_key};
use crate::audit::pending;
use crate::backup::{self, RestoreOptions, read};
use crate::store::{self, Op, Store, Tree};

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
    cache_bytes: u64,
    only: Option<&[String]>,
) -> RewriteReport {
    let mut report = RewriteReport::default();
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
        match rewrite_one(dir, &l.path, entries, cache_bytes) {
            Ok(true) => report.rewritten.push(l.name),
            Ok(false) => report.unchanged.push(l.name),
            Err(e) => report.failed.push((l.name, e)),
        }
    }
    report
}

/// What one backup file holds that matters here, read without restoring it.
struct Look {
    needs: bool,
    pending: HashSet<Vec<u8>>,
    created_at: i64,
}

fn look(path: &Path, entries: &[ErasureEntry]) -> Result<Look, String> {
    let ids: HashSet<u64> = entries.iter().map(|e| e.customer).collect();
    let mut journaled = HashSet::new();
    let mut pending = HashSet::new();
    let mut holds = false;
    let scanned = read::scan(path, |tree, k, _| {
        match tree {
            Tree::Customers => holds |= store::key_id(k).is_some_and(|id| ids.contains(&id)),
            Tree::Trash | Tree::History => {
                holds |= parse_record_key(k)
                    .is_some_and(|(kind, id, _)| kind == RecordKind::Customer && ids.contains(&id))
            }
            Tree::Erasures => {
                if let Some(id) = store::key_id(k) {
                    journaled.insert(id);
                }
            }
            Tree::Pending => {
                pending.insert(k.to_vec());
            }
            _ => {}
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(Look {
        needs: holds || !ids.iter().all(|id| journaled.contains(id)),
        pending,
        created_at: scanned.manifest.created_at,
    })
}

/// A working folder removed on every way out.
struct Work(PathBuf);

impl Drop for Work {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn rewrite_one(
    dir: &Path,
    path: &Path,
    entries: &[ErasureEntry],
    cache_bytes: u64,
) -> Result<bool, String> {
    let seen = look(path, entries)?;
    if !seen.needs {
        return Ok(false);
    }
    let mut nonce = [0u8; 6];
    crate::crypto::random_bytes(&mut nonce).map_err(|e| e.to_string())?;
    let work = Work(dir.join(format!(
        ".kasefet-erase-{}",
        data_encoding::HEXLOWER.encode(&nonce)
    )));
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&work.0)
        .map_err(|e| format!("cannot make a working folder in {}: {e}", dir.display()))?;
    let db = work.0.join("db");
    let opts = RestoreOptions {
        cache_bytes,
        live_dirs: Vec::new(),
    };
    backup::restore_into(path, &db, None, &opts, seen.created_at).map_err(|e| e.to_string())?;
    let new_file = {
        let store = Store::open(&db, cache_bytes).map_err(|e| e.to_string())?;
        // The restore journals itself in the copy; the rewritten backup must hold only what
        // the old one held.
        let marks: Vec<Op> = pending::drain_system(&store)
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|(_, op)| op)
            .filter(|op| !seen.pending.contains(&op.key))
            .collect();
        store.commit(&marks).map_err(|e| e.to_string())?;
        erasure::apply(&store, entries).map_err(|e| e.to_string())?;
        let out = work.0.join("out");
        let written =
            backup::write_snapshot(&store, &out, seen.created_at).map_err(|e| e.to_string())?;
        written.path
    };
    fs::rename(&new_file, path).map_err(|e| format!("cannot replace the file: {e}"))?;
    backup::write::sync_dir(dir).map_err(|e| format!("cannot make the rewrite durable: {e}"))?;
    Ok(true)
}
