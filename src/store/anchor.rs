//! The integrity anchor: a small file beside sled's that says how far the store got.
//!
//! sled can come back from a crash or a damaged file in an older state without an error,
//! and everything inside sled rolls back together, so the check has to live outside it.
//! After each covered commit the anchor records the digest generation, the audit sequence
//! and head, and the digest itself, MACed under a DEK subkey. Generation, sequence and time
//! are also readable without the key, so a sealed process can tell a store that is behind.
//! The file holds two fixed slots, written in turn (generation even → first, odd → second)
//! in place and fdatasynced, each with its own SHA-256: a crash mid-write can tear only the
//! slot being written, and the other still holds the previous anchor, so a reader sees the
//! old value or the new one. In place rather than write-temp-and-rename because the rename
//! and the directory fsync it needs cost about 10 ms a commit here, forty times sled's own
//! flush (see `benches/core`).

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::digest::Digest;
use super::{Result, StoreError, codec};
use crate::crypto::{SecretKey, ct_eq};

pub const ANCHOR_FILE: &str = "integrity.anchor";
const MAGIC: &[u8; 16] = b"KASEFET-ANCHOR-1";
/// One slot: magic, body length (u32 BE), body, SHA-256 of the body, zero padding.
const SLOT: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub generation: u64,
    pub audit_seq: u64,
    /// When it was written (UTC seconds), for the "what was lost" message.
    pub written_at: i64,
    pub head_mac: [u8; 32],
    pub digest: Digest,
    pub mac: [u8; 32],
}

impl Anchor {
    fn body_mac(&self, key: &SecretKey, db_id: &[u8; 16]) -> Result<[u8; 32]> {
        let digest = codec::encode(&self.digest)?;
        Ok(key.mac(&[
            MAGIC,
            db_id,
            &self.generation.to_be_bytes(),
            &self.audit_seq.to_be_bytes(),
            &self.written_at.to_be_bytes(),
            &self.head_mac,
            &digest,
        ]))
    }

    pub fn seal(&mut self, key: &SecretKey, db_id: &[u8; 16]) -> Result<()> {
        self.mac = self.body_mac(key, db_id)?;
        Ok(())
    }

    pub fn authentic(&self, key: &SecretKey, db_id: &[u8; 16]) -> bool {
        self.body_mac(key, db_id)
            .is_ok_and(|m| ct_eq(&m, &self.mac))
    }

    /// `2026-12-01 14:03 UTC`
    pub fn written(&self) -> String {
        jiff::Timestamp::from_second(self.written_at)
            .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|_| "at an unknown time".into())
    }
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join(ANCHOR_FILE)
}

/// One slot's anchor, when the slot is whole.
fn parse_slot(slot: &[u8]) -> Option<Anchor> {
    let rest = slot.strip_prefix(MAGIC.as_slice())?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let body = rest.get(4..4 + len)?;
    let sum = rest.get(4 + len..4 + len + 32)?;
    if !ct_eq(&crate::crypto::sha256(&[body]), sum) {
        return None;
    }
    codec::decode(body).ok()
}

/// The anchor in `dir`: the whole slot with the highest generation; `None` when there is no
/// file. A file with no whole slot is damage.
pub fn load(dir: &Path) -> Result<Option<Anchor>> {
    let bytes = match fs::read(path(dir)) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    bytes
        .chunks(SLOT)
        .filter_map(parse_slot)
        .max_by_key(|a| a.generation)
        .map(Some)
        .ok_or_else(|| {
            StoreError::Damaged(format!(
                "the integrity anchor {} is unreadable (damaged); run `kasefet doctor`, then restore the newest backup or take the database as it is with `kasefet repair --accept-loss`",
                path(dir).display()
            ))
        })
}

/// Writes `anchor` into its slot in place and makes it durable.
pub fn store(dir: &Path, anchor: &Anchor) -> Result<()> {
    let body = codec::encode(anchor)?;
    let mut slot = Vec::with_capacity(SLOT);
    slot.extend_from_slice(MAGIC);
    slot.extend_from_slice(&(body.len() as u32).to_be_bytes());
    slot.extend_from_slice(&body);
    slot.extend_from_slice(&crate::crypto::sha256(&[&body]));
    if slot.len() > SLOT {
        return Err(StoreError::Decode(
            "the integrity anchor does not fit its slot".into(),
        ));
    }
    slot.resize(SLOT, 0);
    let p = path(dir);
    let created = !p.exists();
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&p)?;
    let offset = (anchor.generation % 2) * SLOT as u64;
    f.write_all_at(&slot, offset)?;
    f.sync_data()?;
    if created {
        // The new name itself must survive a crash, once.
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}
