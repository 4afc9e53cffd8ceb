//! The integrity anchor: a small file beside sled's that says how far the store got.
//!
//! sled can come back from a crash or a damaged file in an older state without an error,
//! and everything inside sled rolls back together, so the check has to live outside it.
//! After each covered commit the anchor records the digest generation, the audit sequence
//! and head, and the digest itself, MACed under a DEK subkey. Generation, sequence and time
//! are also readable without the key, so a sealed process can tell a store that is behind.
//! It is written to a temporary name, fsynced, renamed and the directory fsynced: a crash
//! leaves the old file or the new one, never a torn one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::digest::Digest;
use super::{Result, StoreError, codec};
use crate::crypto::{SecretKey, ct_eq};

pub const ANCHOR_FILE: &str = "integrity.anchor";
const MAGIC: &[u8; 16] = b"KASEFET-ANCHOR-1";

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

/// The anchor in `dir`; `None` when there is no file. A file that does not decode is damage.
pub fn load(dir: &Path) -> Result<Option<Anchor>> {
    let bytes = match fs::read(path(dir)) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let damaged = || {
        StoreError::Damaged(format!(
            "the integrity anchor {} is unreadable (damaged); run `kasefet doctor`, then restore the newest backup or take the database as it is with `kasefet repair --accept-loss`",
            path(dir).display()
        ))
    };
    let body = bytes.strip_prefix(MAGIC.as_slice()).ok_or_else(damaged)?;
    codec::decode(body).map(Some).map_err(|_| damaged())
}

/// Replaces the anchor atomically and durably.
pub fn store(dir: &Path, anchor: &Anchor) -> Result<()> {
    let tmp = dir.join(format!("{ANCHOR_FILE}.tmp"));
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&codec::encode(anchor)?);
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_data()?;
    }
    fs::rename(&tmp, path(dir))?;
    File::open(dir)?.sync_all()?;
    Ok(())
}
