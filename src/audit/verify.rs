//! Walks the whole chain and names the first entry that does not fit.

use serde::{Deserialize, Serialize};

use super::chain::{Head, Stored, mac};
use crate::crypto::ct_eq;
use crate::store::{self, Result, Store, Tree, Vault};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub entries: u64,
    pub head: String,
    /// `None` when the chain is intact.
    pub problem: Option<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

pub fn verify(store: &Store, vault: &Vault) -> Result<Report> {
    let head = Head::load(store)?;
    let mut prev = [0u8; 32];
    let mut count = 0u64;
    let fail = |count: u64, msg: String| Report { entries: count, head: head.hex(), problem: Some(msg) };
    for (expected, r) in (1u64..).zip(store.scan_raw(Tree::Audit)) {
        let (k, v) = r?;
        let Some(seq) = store::key_id(&k) else {
            return Ok(fail(count, "an entry has a malformed key".into()));
        };
        if seq != expected {
            return Ok(fail(count, format!("entry {expected} is missing (next present is {seq})")));
        }
        let s: Stored = match vault.open(Tree::Audit, &k, &v) {
            Ok(s) => s,
            Err(_) => {
                return Ok(fail(count, format!("entry {seq} was altered or moved (it cannot be opened)")));
            }
        };
        if s.event.seq != seq {
            return Ok(fail(count, format!("entry {seq} claims to be entry {}", s.event.seq)));
        }
        if !ct_eq(&s.prev, &prev) {
            return Ok(fail(count, format!("entry {seq} does not follow entry {} (reordered or replaced)", seq - 1)));
        }
        let m = mac(vault, &prev, &s.event)?;
        if !ct_eq(&m, &s.mac) {
            return Ok(fail(count, format!("entry {seq} was edited (its MAC does not match)")));
        }
        prev = m;
        count += 1;
    }
    if count != head.seq {
        return Ok(fail(
            count,
            format!("the log ends at entry {count} but the recorded head is entry {} (entries removed from the end)", head.seq),
        ));
    }
    if !ct_eq(&prev, &head.mac) {
        return Ok(fail(count, format!("entry {count} does not match the recorded head")));
    }
    Ok(Report { entries: count, head: head.hex(), problem: None })
}
