//! `backup restore` and the erasure journal: an older backup must not bring back a person
//! who was erased after it was taken.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::config::{Config, Paths};
use crate::privacy::erasure::{self, Found};

/// The journal to apply, or a refusal when none can be found and `ignore` is not given.
pub fn find(
    config: &Config,
    paths: &Paths,
    file: &Path,
    ignore: bool,
) -> Result<Option<Found>, CliError> {
    let mut folders: Vec<PathBuf> = Vec::new();
    if let Some(parent) = file.parent() {
        let p = if parent.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            parent.to_path_buf()
        };
        folders.push(p);
    }
    if let Some(cfg) = config.backup_config() {
        if !folders.iter().any(|f| same(f, &cfg.dir)) {
            folders.push(cfg.dir);
        }
    }
    let found = erasure::find_journal(
        Some(&paths.data_dir),
        &folders,
        file,
        config.settings().cache_bytes,
    );
    match found {
        Some(f) => Ok(Some(f)),
        None if ignore => Ok(None),
        None => Err(CliError::invalid(
            "no erasure journal found (the live database could not be opened and no backup beside this one carries one), so people erased since this backup would come back; stop the server or pass --ignore-erasures to restore anyway",
        )),
    }
}

fn same(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Applies the journal to the restored directory; on failure the directory is removed so
/// no database with erased people in it is left behind. Returns the sentence to print.
pub fn apply(
    dir: &Path,
    found: Option<&Found>,
    recovery: Option<&crate::crypto::SecretKey>,
    cache_bytes: u64,
) -> Result<String, CliError> {
    let Some(found) = found else {
        return Ok("no erasure journal was applied (--ignore-erasures); ".into());
    };
    let result = crate::store::Store::open(dir, cache_bytes)
        .map_err(|e| e.to_string())
        .and_then(|s| {
            if found.entries.is_empty() {
                return Ok(0);
            }
            // The removals change records the store digest covers, so the copy is opened
            // with its key (the recovery envelope inside it) for them.
            let key = recovery.ok_or_else(|| {
                "applying the erasure journal needs the recovery key (--recovery-key-file)"
                    .to_string()
            })?;
            let dek = s
                .get_raw(
                    crate::store::Tree::Keyring,
                    crate::auth::records::RECOVERY_KEY,
                )
                .map_err(|e| e.to_string())?
                .ok_or_else(|| "the restored copy has no recovery envelope".to_string())
                .and_then(|raw| {
                    crate::store::codec::decode::<crate::crypto::Envelope>(&raw)
                        .map_err(|e| e.to_string())
                })
                .and_then(|env| {
                    env.open_with_key(key)
                        .map_err(|_| "the recovery key does not open this copy".to_string())
                })?;
            let (_armed, _) = s.arm(&dek).map_err(|e| e.to_string())?;
            erasure::apply(&s, &found.entries).map_err(|e| e.to_string())
        });
    match result {
        Ok(n) => Ok(format!(
            "applied {n} erasures from the erasure journal ({} entries, from {}); ",
            found.entries.len(),
            found.sources.join(" and ")
        )),
        Err(e) => {
            let _ = std::fs::remove_dir_all(dir);
            Err(CliError::failure(format!(
                "the erasure journal could not be applied to the restored database, so it was removed: {e}"
            )))
        }
    }
}
