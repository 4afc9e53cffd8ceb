//! Sign-in failures that happen while the database is sealed (no key to write the chain).
//! They hold a salted username hash, never the name, and are folded in at the next unseal.

use serde::{Deserialize, Serialize};

use crate::domain::UnixTime;
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
