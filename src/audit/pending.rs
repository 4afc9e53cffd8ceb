//! Sign-in failures that happen while the database is sealed (no key to write the chain).
//! They hold a salted username hash, never the name, and are folded in at the next unseal.
//!
//! System events (backups, restores) taken while sealed are journalled here too, under keys
//! starting with `SYSTEM_PREFIX`; they name no account at all.

use serde::{Deserialize, Serialize};

use crate::domain::{Outcome, UnixTime};
use crate::store::{Op, Result, Store, Tree, codec};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEvent {
    pub at: UnixTime,
    pub user_hash: [u8; 32],
    pub peer_uid: Option<u32>,
    pub peer_pid: Option<u32>,
    pub action: String,
    pub detail: String,
}

pub fn record(store: &Store, e: &PendingEvent) -> Result<()> {
    store.commit(&[op(e)?])
}

/// The op that journals `e`, for callers that commit it together with other changes.
pub fn op(e: &PendingEvent) -> Result<Op> {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&e.at.to_be_bytes());
    crate::crypto::random_bytes(&mut key[8..])?;
    Ok(Op::put(Tree::Pending, key.to_vec(), codec::encode(e)?))
}

/// All pending events with the ops that remove them (committed with their audit entries).
pub fn drain(store: &Store) -> Result<Vec<(PendingEvent, Op)>> {
    let mut out = Vec::new();
    for r in store.scan_raw(Tree::Pending) {
        let (k, v) = r?;
        if k.starts_with(SYSTEM_PREFIX) {
            continue;
        }
        match codec::decode::<PendingEvent>(&v) {
            Ok(e) => out.push((e, Op::remove(Tree::Pending, k.to_vec()))),
            // A damaged journal entry is dropped rather than blocking every future unseal.
            Err(_) => out.push((
                PendingEvent {
                    at: 0,
                    user_hash: [0; 32],
                    peer_uid: None,
                    peer_pid: None,
                    action: "login".into(),
                    detail: "unreadable pending journal entry".into(),
                },
                Op::remove(Tree::Pending, k.to_vec()),
            )),
        }
    }
    Ok(out)
}

/// Sign-in keys start with a big-endian timestamp (a zero byte for the next billion years),
/// so this prefix cannot collide with them.
pub const SYSTEM_PREFIX: &[u8] = b"system/";

/// Something the program did without a signed-in person, seen while sealed. Holds no
/// account and no record content: an action, a target such as a backup file name, an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemEvent {
    pub at: UnixTime,
    pub peer_uid: Option<u32>,
    pub peer_pid: Option<u32>,
    pub action: String,
    pub target: String,
    pub outcome: Outcome,
    pub detail: String,
}

pub fn record_system(store: &Store, e: &SystemEvent) -> Result<()> {
    let mut key = SYSTEM_PREFIX.to_vec();
    key.extend_from_slice(&e.at.to_be_bytes());
    let mut nonce = [0u8; 8];
    crate::crypto::random_bytes(&mut nonce)?;
    key.extend_from_slice(&nonce);
    store.commit(&[Op::put(Tree::Pending, key, codec::encode(e)?)])
}

/// All pending system events with the ops that remove them.
pub fn drain_system(store: &Store) -> Result<Vec<(SystemEvent, Op)>> {
    let mut out = Vec::new();
    for r in store.tree(Tree::Pending).scan_prefix(SYSTEM_PREFIX) {
        let (k, v) = r?;
        let e = codec::decode::<SystemEvent>(&v).unwrap_or_else(|_| SystemEvent {
            at: 0,
            peer_uid: None,
            peer_pid: None,
            action: "system".into(),
            target: String::new(),
            outcome: Outcome::Failed,
            detail: "unreadable pending journal entry".into(),
        });
        out.push((e, Op::remove(Tree::Pending, k.to_vec())));
    }
    Ok(out)
}
