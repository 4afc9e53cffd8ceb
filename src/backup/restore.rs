//! Restoring a snapshot into a new data directory, never over an existing one.
//!
//! The file is verified first, then written into a hidden directory beside the target,
//! flushed, opened as a database to prove it opens, and only then renamed into place. Any
//! failure removes the hidden directory, so there is either a whole database or nothing.

use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use super::format::{Manifest, kind};
use super::verify::{self, FullReport, Integrity, Key};
use super::write::sync_dir;
use super::{BackupError, Result, read};
use crate::audit::pending::{self, SystemEvent};
use crate::domain::{Outcome, UnixTime};
use crate::store::{self, SCHEMA_VERSION, Store, Tree};

/// sled writes are batched so a large restore is not one insert at a time.
const BATCH: usize = 4096;

#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// sled cache while writing (the same knob as `Settings::cache_bytes`).
    pub cache_bytes: u64,
    /// Data directories that must never be restored into or nested with (the live one).
    pub live_dirs: Vec<PathBuf>,
    /// Restore a file that could not be authenticated (no key, or no store digest in it).
    pub unverified: bool,
}

impl Default for RestoreOptions {
    fn default() -> Self {
        RestoreOptions {
            cache_bytes: 64 * 1024 * 1024,
            live_dirs: Vec::new(),
            unverified: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Restored {
    pub dir: PathBuf,
    pub integrity: Integrity,
    /// Present when a key was given and every record was opened before restoring.
    pub full: Option<FullReport>,
}

/// Restores `file` into the new directory `to`. With a `key` the backup is verified in full
/// first and refused if any record fails; without one its integrity is checked. The restored
/// database's pending journal records where it came from (folded into its audit log at the
/// first sign-in).
pub fn restore_into(
    file: &Path,
    to: &Path,
    key: Option<&Key<'_>>,
    opts: &RestoreOptions,
    now: UnixTime,
) -> Result<Restored> {
    check_target(to, &opts.live_dirs)?;
    let (integrity, full) = match key {
        Some(k) => {
            let report = verify::check_full(file, k)?;
            let problem = if opts.unverified {
                report.first_problem_besides_authentication()
            } else {
                report.first_problem()
            };
            if let Some(p) = problem {
                return Err(BackupError::damaged(
                    file,
                    format!("a full verify found a problem: {p}"),
                ));
            }
            (report.integrity.clone(), Some(report))
        }
        None if opts.unverified => (verify::check_integrity(file)?, None),
        None => {
            return Err(BackupError::Unauthenticated {
                path: file.to_path_buf(),
            });
        }
    };
    let manifest = &integrity.manifest;
    if manifest.schema_version > SCHEMA_VERSION {
        return Err(BackupError::NewerSchema {
            path: file.to_path_buf(),
            found: manifest.schema_version,
            supported: SCHEMA_VERSION,
        });
    }

    let target_err = |reason: String| BackupError::Restore {
        path: to.to_path_buf(),
        reason,
    };
    let parent = parent_of(to);
    if !parent.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&parent)
            .map_err(|e| target_err(format!("cannot create {}: {e}", parent.display())))?;
    }
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut nonce = [0u8; 6];
    crate::crypto::random_bytes(&mut nonce).map_err(store::StoreError::from)?;
    let tmp = parent.join(format!(
        ".{name}.restore-{}",
        data_encoding::HEXLOWER.encode(&nonce)
    ));
    let guard = RemoveDirOnDrop(Some(tmp.clone()));

    fill(file, &tmp, &integrity, opts.cache_bytes).map_err(|e| match e {
        e @ (BackupError::Damaged { .. } | BackupError::Read { .. }) => e,
        other => target_err(other.to_string()),
    })?;
    prove_and_mark(file, &tmp, manifest, opts.cache_bytes, now)
        .map_err(|e| target_err(e.to_string()))?;

    // Checked again just before: a directory made meanwhile is not ours to replace.
    check_target(to, &opts.live_dirs)?;
    fs::rename(&tmp, to)
        .map_err(|e| target_err(format!("cannot move the restored database into place: {e}")))?;
    guard.disarm();
    sync_dir(&parent).map_err(|e| target_err(format!("cannot make the restore durable: {e}")))?;
    Ok(Restored {
        dir: to.to_path_buf(),
        integrity,
        full,
    })
}

/// Writes every record into a new sled directory at `tmp`.
fn fill(file: &Path, tmp: &Path, integrity: &Integrity, cache_bytes: u64) -> Result<()> {
    let db = store::open::create_raw(tmp, cache_bytes)?;
    let mut trees = Vec::with_capacity(Tree::ALL.len());
    for t in Tree::ALL {
        trees.push((t, db.open_tree(t.name()).map_err(store::StoreError::from)?));
    }
    let mut batch = sled::Batch::default();
    let mut batch_tree: Option<Tree> = None;
    let mut pending = 0usize;
    let flush = |tree: Option<Tree>, batch: &mut sled::Batch, pending: &mut usize| -> Result<()> {
        if let Some(t) = tree {
            if let Some((_, st)) = trees.iter().find(|(x, _)| *x == t) {
                st.apply_batch(std::mem::take(batch))
                    .map_err(store::StoreError::from)?;
            }
        }
        *pending = 0;
        Ok(())
    };
    let scanned = read::scan(file, |tree, k, v| {
        if batch_tree != Some(tree) || pending >= BATCH {
            flush(batch_tree, &mut batch, &mut pending)?;
            batch_tree = Some(tree);
        }
        batch.insert(k, v);
        pending += 1;
        Ok(())
    })?;
    flush(batch_tree, &mut batch, &mut pending)?;
    // The file was read twice; it must be the same file both times.
    if data_encoding::HEXLOWER.encode(&scanned.sha256) != integrity.sha256 {
        return Err(BackupError::damaged(
            file,
            "the file changed while it was being restored",
        ));
    }
    db.flush().map_err(store::StoreError::from)?;
    drop(trees);
    drop(db);
    Ok(())
}

/// Opens the new directory as a database, checks it holds what the manifest says, and
/// journals the restore in it.
fn prove_and_mark(
    file: &Path,
    tmp: &Path,
    manifest: &Manifest,
    cache_bytes: u64,
    now: UnixTime,
) -> Result<()> {
    let store = Store::open_for_repair(tmp, cache_bytes)?;
    if store.db_id() != manifest.database_id {
        return Err(BackupError::damaged(
            file,
            "the restored database id differs from the manifest",
        ));
    }
    for t in &manifest.trees {
        if let Some(tree) = Tree::from_name(&t.tree) {
            // Opening an older schema migrates it, which may add metadata entries.
            if tree == Tree::Meta && manifest.schema_version < SCHEMA_VERSION {
                continue;
            }
            let n = store.len(tree) as u64;
            if n != t.records {
                return Err(BackupError::damaged(
                    file,
                    format!(
                        "the restored database holds {n} {} where the manifest lists {}",
                        kind(tree),
                        t.records
                    ),
                ));
            }
        }
    }
    // A new directory has no anchor yet; its first unseal writes one.
    store
        .tree(Tree::Meta)
        .insert(store::integrity::WAIVER_KEY, &[1u8][..])
        .map_err(store::StoreError::from)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    pending::record_system(
        &store,
        &SystemEvent {
            at: now,
            peer_uid: Some(rustix::process::getuid().as_raw()),
            peer_pid: Some(std::process::id()),
            action: "backup.restore".into(),
            target: name,
            outcome: Outcome::Ok,
            detail: format!(
                "this database was restored from a backup taken at {} ({})",
                super::format::file_name(manifest.created_at).unwrap_or_default(),
                manifest.summary()
            ),
        },
    )?;
    store.flush()?;
    Ok(())
}

/// A new or empty directory that is not, inside, or around a live data directory.
fn check_target(to: &Path, live: &[PathBuf]) -> Result<()> {
    let refuse = |reason: &str| {
        Err(BackupError::Target {
            path: to.to_path_buf(),
            reason: reason.to_string(),
        })
    };
    if to.file_name().is_none() {
        return refuse("give the path of a new directory to create");
    }
    match fs::symlink_metadata(to) {
        Ok(m) if m.is_dir() => {
            let mut entries = fs::read_dir(to).map_err(|e| BackupError::Target {
                path: to.to_path_buf(),
                reason: format!("cannot look inside it: {e}"),
            })?;
            if entries.next().is_some() {
                return refuse("it already exists and is not empty; restore into a new directory");
            }
        }
        Ok(_) => return refuse("it exists and is not a directory"),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(BackupError::Target {
                path: to.to_path_buf(),
                reason: format!("cannot look at it: {e}"),
            });
        }
    }
    let target = absolute(to);
    for l in live {
        let l = absolute(l);
        if target == l {
            return refuse("that is the live data directory; a restore never replaces it");
        }
        if target.starts_with(&l) || l.starts_with(&target) {
            return refuse("it is inside or around the live data directory");
        }
    }
    Ok(())
}

/// `path` made absolute with symlinks resolved as far as it exists, so two spellings of one
/// directory compare equal.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => absolute(&parent_of_path(parent)).join(name),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

fn parent_of_path(p: &Path) -> PathBuf {
    if p.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        p.to_path_buf()
    }
}

fn parent_of(to: &Path) -> PathBuf {
    parent_of_path(to.parent().unwrap_or(Path::new(".")))
}

/// Removes a half-restored directory unless the restore got all the way through.
struct RemoveDirOnDrop(Option<PathBuf>);

impl RemoveDirOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for RemoveDirOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_dir_all(p);
        }
    }
}
