//! Appending to the chain and reading it back.

use serde::{Deserialize, Serialize};

use crate::domain::AuditEvent;
use crate::store::{self, Op, Result, Store, Tree, Vault, codec};

/// Where the head lives in the meta tree (a backup checks it against its manifest without a key).
pub(crate) const HEAD_KEY: &[u8] = crate::store::digest::HEAD_KEY;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Head {
    pub seq: u64,
    pub mac: [u8; 32],
}

impl Head {
    pub fn load(store: &Store) -> Result<Head> {
        match store.get_raw(Tree::Meta, HEAD_KEY)? {
            Some(v) => codec::decode(&v),
            None => Ok(Head::default()),
        }
    }

    pub fn hex(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.mac)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    pub event: AuditEvent,
    pub prev: [u8; 32],
    pub mac: [u8; 32],
}

pub fn mac(vault: &Vault, prev: &[u8; 32], event: &AuditEvent) -> Result<[u8; 32]> {
    let body = codec::encode(event)?;
    Ok(vault
        .audit_key()
        .mac(&[prev, &event.seq.to_be_bytes(), &body]))
}

/// The ops that append `event` (its `seq` is assigned here) and advance `head`.
/// `head` is updated in place only when the ops are built; callers commit them together
/// with the operation they record, and reload the head if that commit fails.
pub fn append(vault: &Vault, head: &mut Head, mut event: AuditEvent) -> Result<Vec<Op>> {
    event.seq = head.seq + 1;
    let m = mac(vault, &head.mac, &event)?;
    let key = store::id_key(event.seq);
    let stored = Stored {
        prev: head.mac,
        mac: m,
        event,
    };
    let new_head = Head {
        seq: stored.event.seq,
        mac: m,
    };
    let ops = vec![
        vault.put(Tree::Audit, &key, &stored)?,
        Op::put(Tree::Meta, HEAD_KEY.to_vec(), codec::encode(&new_head)?),
    ];
    *head = new_head;
    Ok(ops)
}

/// Entries newest first, skipping `offset`, at most `limit`.
pub fn list(store: &Store, vault: &Vault, offset: usize, limit: usize) -> Result<Vec<AuditEvent>> {
    // Skip before decrypting: a page deep into a long log costs only its own entries.
    store
        .tree(Tree::Audit)
        .iter()
        .rev()
        .skip(offset)
        .take(limit)
        .map(|r| open_entry(vault, r))
        .collect()
}

/// Entries newest first, each decrypted only when the caller gets to it, so a caller that
/// needs only the recent past stops early instead of reading the whole log.
pub fn newest_first<'a>(
    store: &'a Store,
    vault: &'a Vault,
) -> impl Iterator<Item = Result<AuditEvent>> + 'a {
    store
        .tree(Tree::Audit)
        .iter()
        .rev()
        .map(move |r| open_entry(vault, r))
}

fn open_entry(vault: &Vault, r: sled::Result<(sled::IVec, sled::IVec)>) -> Result<AuditEvent> {
    let (k, v) = r?;
    let s: Stored = vault.open(Tree::Audit, &k, &v)?;
    Ok(s.event)
}
