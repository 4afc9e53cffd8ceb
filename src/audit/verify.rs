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
    let mut walker = Walker::new(vault);
    for r in store.scan_raw(Tree::Audit) {
        let (k, v) = r?;
        if !walker.push(&k, &v)? {
            break;
        }
    }
    Ok(walker.finish(&head))
}

/// The chain check one entry at a time, so a chain can be verified from any source of
/// `(key, sealed value)` pairs in key order: the live store, or a backup file as it streams.
#[derive(Debug)]
pub struct Walker<'a> {
    vault: &'a Vault,
    prev: [u8; 32],
    expected: u64,
    count: u64,
    problem: Option<String>,
}

impl<'a> Walker<'a> {
    pub fn new(vault: &'a Vault) -> Self {
        Walker {
            vault,
            prev: [0u8; 32],
            expected: 1,
            count: 0,
            problem: None,
        }
    }

    /// Checks the next entry; false once a problem is found (later entries are not looked at,
    /// the first break is the one worth naming).
    pub fn push(&mut self, k: &[u8], v: &[u8]) -> Result<bool> {
        if self.problem.is_some() {
            return Ok(false);
        }
        let Some(seq) = store::key_id(k) else {
            return Ok(self.fail("an entry has a malformed key".into()));
        };
        if seq != self.expected {
            return Ok(self.fail(format!(
                "entry {} is missing (next present is {seq})",
                self.expected
            )));
        }
        let s: Stored = match self.vault.open(Tree::Audit, k, v) {
            Ok(s) => s,
            Err(_) => {
                return Ok(self.fail(format!(
                    "entry {seq} was altered or moved (it cannot be opened)"
                )));
            }
        };
        if s.event.seq != seq {
            return Ok(self.fail(format!("entry {seq} claims to be entry {}", s.event.seq)));
        }
        if !ct_eq(&s.prev, &self.prev) {
            return Ok(self.fail(format!(
                "entry {seq} does not follow entry {} (reordered or replaced)",
                seq - 1
            )));
        }
        let m = mac(self.vault, &self.prev, &s.event)?;
        if !ct_eq(&m, &s.mac) {
            return Ok(self.fail(format!("entry {seq} was edited (its MAC does not match)")));
        }
        self.prev = m;
        self.expected += 1;
        self.count += 1;
        Ok(true)
    }

    fn fail(&mut self, msg: String) -> bool {
        self.problem = Some(msg);
        false
    }

    /// The verdict, checking that the walked chain ends exactly at `head`.
    pub fn finish(self, head: &Head) -> Report {
        let fail = |msg: String| Report {
            entries: self.count,
            head: head.hex(),
            problem: Some(msg),
        };
        if let Some(p) = self.problem.clone() {
            return fail(p);
        }
        if self.count != head.seq {
            return fail(format!(
                "the log ends at entry {} but the recorded head is entry {} (entries removed from the end)",
                self.count, head.seq
            ));
        }
        if !ct_eq(&self.prev, &head.mac) {
            return fail(format!(
                "entry {} does not match the recorded head",
                self.count
            ));
        }
        Report {
            entries: self.count,
            head: head.hex(),
            problem: None,
        }
    }
}
