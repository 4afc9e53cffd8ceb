//! Reading every record of a backup file and writing a file from records and a manifest:
//! the building blocks for tools that must change a backup's contents (erasure under GDPR
//! Art. 17 rewrites old backups without one customer).
//!
//! A file written by [`write_records`] passes the keyless checks (its counts and checksum
//! are computed here), but a full verify also recomputes the store digest, which only the
//! database key can make: call [`reseal_digest`] with the DEK after changing records, or
//! the file will be reported as changed, which is the point.

use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::format::{
    FORMAT_VERSION, MAGIC, MANIFEST_SLOT, Manifest, TAG_END, TAG_RECORD, TreeCount,
};
use super::write::sync_dir;
use super::{BackupError, Result, read};
use crate::crypto::SecretKey;
use crate::store::digest::{DIGEST_KEY, DigestKeys, Recompute};
use crate::store::{Tree, codec};

/// One record as the file holds it: the key and the still-encrypted value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    pub tree: Tree,
    pub key: Vec<u8>,
    pub value: Vec<u8>,
}

/// Every record of `path` in file order, after every keyless check passed. Holds the whole
/// file in memory; for checking alone use `check_integrity`, which streams.
pub fn read_records(path: &Path) -> Result<(Manifest, Vec<RawRecord>)> {
    let mut records = Vec::new();
    let scanned = read::scan(path, |tree, k, v| {
        records.push(RawRecord {
            tree,
            key: k.to_vec(),
            value: v.to_vec(),
        });
        Ok(())
    })?;
    Ok((scanned.manifest, records))
}

/// Recomputes the store digest of `records` under `dek` into the manifest and the meta
/// record that mirrors it, keeping the generation.
pub fn reseal_digest(
    manifest: &mut Manifest,
    records: &mut [RawRecord],
    dek: &SecretKey,
) -> Result<()> {
    let keys = DigestKeys::from_dek(dek);
    let mut fresh = Recompute::new(&keys);
    for r in records.iter() {
        fresh.push(r.tree, &r.key, &r.value);
    }
    let mut d = fresh.digest;
    d.generation = manifest
        .store_digest
        .as_ref()
        .map_or(1, |old| old.generation);
    d.seal(&keys, &manifest.database_id);
    let encoded = d.encode()?;
    for r in records.iter_mut() {
        if r.tree == Tree::Meta && r.key == DIGEST_KEY {
            r.value = encoded.clone();
        }
    }
    manifest.store_digest = Some(d);
    Ok(())
}

/// Writes `records` (sorted by tree and key here) as a backup at `path` (new, 0600), with
/// `manifest`'s counts recomputed from them, the checksum appended, fsynced.
pub fn write_records(path: &Path, manifest: &Manifest, records: &[RawRecord]) -> Result<()> {
    let io_err = |source: std::io::Error| BackupError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut sorted: Vec<&RawRecord> = records.iter().collect();
    let index = |t: Tree| Tree::ALL.iter().position(|x| *x == t).unwrap_or(0);
    sorted.sort_by(|a, b| (index(a.tree), &a.key).cmp(&(index(b.tree), &b.key)));
    let mut m = manifest.clone();
    m.trees = Tree::ALL
        .iter()
        .map(|t| TreeCount {
            tree: t.name().to_string(),
            records: sorted.iter().filter(|r| r.tree == *t).count() as u64,
        })
        .collect();
    let body = codec::encode(&m)?;
    if body.len() + 4 > MANIFEST_SLOT {
        return Err(io_err(std::io::Error::other(
            "the manifest does not fit its slot",
        )));
    }
    let mut bytes = Vec::new();
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    let mut slot = vec![0u8; MANIFEST_SLOT];
    slot[..4].copy_from_slice(&(body.len() as u32).to_be_bytes());
    slot[4..4 + body.len()].copy_from_slice(&body);
    bytes.extend_from_slice(&slot);
    for r in sorted {
        bytes.extend_from_slice(&[TAG_RECORD, index(r.tree) as u8]);
        bytes.extend_from_slice(&(r.key.len() as u32).to_be_bytes());
        bytes.extend_from_slice(&r.key);
        bytes.extend_from_slice(&(r.value.len() as u32).to_be_bytes());
        bytes.extend_from_slice(&r.value);
    }
    bytes.push(TAG_END);
    let sum = crate::crypto::sha256(&[&bytes]);
    bytes.extend_from_slice(&sum);
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err)?;
    let mut w = BufWriter::new(f);
    w.write_all(&bytes).map_err(io_err)?;
    let f = w.into_inner().map_err(|e| io_err(e.into_error()))?;
    f.sync_all().map_err(io_err)?;
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        sync_dir(dir).map_err(io_err)?;
    }
    Ok(())
}
