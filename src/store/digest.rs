//! The store digest: per-tree record counts and a keyed multiset hash of every covered
//! (tree, key, value), kept current by each commit in the same sled transaction.
//!
//! The hash is the sum mod 2^256 of `HMAC(k_term, tree ‖ 0 ‖ key length ‖ key ‖ value)`, so
//! an overwrite subtracts the old value's term and adds the new one, and the order records
//! are visited in does not matter: a backup reader recomputes it from the raw records. The
//! whole is MACed under a second DEK subkey with the database id, so nobody without the
//! key can make a removed, added or replaced record agree with it.
//!
//! Covered are the trees only an unsealed process writes (records, accounts, the keyring,
//! the audit log) and the meta keys that move with them (audit head, id counters). Trees a
//! sealed process must write (sign-in counters, the pending journal, backup status) are not:
//! no key is in memory then. Their counts are still in every backup manifest.

use serde::{Deserialize, Serialize};

use super::{Result, StoreError, Tree, codec};
use crate::crypto::{MacKey, SecretKey, ct_eq};

/// Where the digest lives in the meta tree (not itself covered).
pub const DIGEST_KEY: &[u8] = b"store_digest";
/// The audit chain head's meta key (the audit module writes it; it is covered).
pub const HEAD_KEY: &[u8] = b"audit_head";

/// Trees whose records the digest counts, in the order its counts are kept.
pub const COVERED: [Tree; 8] = [
    Tree::Keyring,
    Tree::Users,
    Tree::UserAuth,
    Tree::UserNames,
    Tree::Customers,
    Tree::Employees,
    Tree::Tasks,
    Tree::Audit,
];

/// True for a record the digest covers.
pub fn covered(tree: Tree, key: &[u8]) -> bool {
    match tree {
        Tree::Meta => {
            key == HEAD_KEY
                || key.starts_with(b"next_id/")
                || key.starts_with(super::migrate::LEGACY_PREFIX)
        }
        Tree::AuthState | Tree::Pending => false,
        _ => true,
    }
}

/// The two DEK subkeys the digest needs; exists only while unsealed.
#[derive(Debug)]
pub struct DigestKeys {
    term: SecretKey,
    mac: SecretKey,
}

impl DigestKeys {
    pub fn from_dek(dek: &SecretKey) -> Self {
        DigestKeys {
            term: dek.derive("store-digest-term"),
            mac: dek.derive("store-digest-mac"),
        }
    }

    fn term(&self, tree: Tree, key: &[u8], value: &[u8]) -> [u8; 32] {
        self.term.mac(&term_parts(
            tree,
            &(key.len() as u32).to_be_bytes(),
            key,
            value,
        ))
    }

    /// For computing many terms in a row (a bulk commit, on every core).
    pub fn termer(&self) -> Termer {
        Termer(self.term.mac_key())
    }

    fn seal(&self, db_id: &[u8; 16], d: &Digest) -> [u8; 32] {
        let mut counts = Vec::with_capacity(d.counts.len() * 8);
        for c in &d.counts {
            counts.extend_from_slice(&c.to_be_bytes());
        }
        self.mac.mac(&[
            b"kasefet/store-digest/v1",
            db_id,
            &d.generation.to_be_bytes(),
            &counts,
            &d.sum,
        ])
    }
}

fn term_parts<'a>(tree: Tree, len: &'a [u8; 4], key: &'a [u8], value: &'a [u8]) -> [&'a [u8]; 5] {
    [tree.name().as_bytes(), b"\0", len, key, value]
}

/// A record's term with the HMAC state built once: the same value `Digest::add` adds.
#[derive(Debug)]
pub struct Termer(MacKey);

impl Termer {
    pub fn term(&self, tree: Tree, key: &[u8], value: &[u8]) -> [u8; 32] {
        self.0.mac(&term_parts(
            tree,
            &(key.len() as u32).to_be_bytes(),
            key,
            value,
        ))
    }
}

/// The digest as stored: readable without a key (counts, generation), checkable with one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Digest {
    /// Covered commits so far: compared with the anchor's to tell "behind" from "ahead".
    pub generation: u64,
    /// Records per tree of `COVERED`, plus the covered meta keys last.
    pub counts: Vec<u64>,
    pub sum: [u8; 32],
    pub mac: [u8; 32],
}

impl Digest {
    pub fn empty() -> Self {
        Digest {
            generation: 0,
            counts: vec![0; COVERED.len() + 1],
            sum: [0; 32],
            mac: [0; 32],
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Digest> {
        let d: Digest = codec::decode(bytes)?;
        if d.counts.len() != COVERED.len() + 1 {
            return Err(StoreError::Decode("the store digest is malformed".into()));
        }
        Ok(d)
    }

    fn slot(tree: Tree) -> usize {
        COVERED
            .iter()
            .position(|t| *t == tree)
            .unwrap_or(COVERED.len())
    }

    /// Adds one record (a new value under its key).
    pub fn add(&mut self, keys: &DigestKeys, tree: Tree, key: &[u8], value: &[u8]) {
        add256(&mut self.sum, &keys.term(tree, key, value));
        let s = Self::slot(tree);
        self.counts[s] = self.counts[s].wrapping_add(1);
    }

    /// `add` with the term already computed (by a `Termer` of the same keys).
    pub fn add_term(&mut self, tree: Tree, term: &[u8; 32]) {
        add256(&mut self.sum, term);
        let s = Self::slot(tree);
        self.counts[s] = self.counts[s].wrapping_add(1);
    }

    /// Takes one record out (the old value of an overwrite or a removal).
    pub fn remove(&mut self, keys: &DigestKeys, tree: Tree, key: &[u8], value: &[u8]) {
        sub256(&mut self.sum, &keys.term(tree, key, value));
        let s = Self::slot(tree);
        self.counts[s] = self.counts[s].wrapping_sub(1);
    }

    pub fn seal(&mut self, keys: &DigestKeys, db_id: &[u8; 16]) {
        self.mac = keys.seal(db_id, self);
    }

    pub fn authentic(&self, keys: &DigestKeys, db_id: &[u8; 16]) -> bool {
        ct_eq(&keys.seal(db_id, self), &self.mac)
    }

    /// Same records (generation and MAC aside).
    pub fn same_contents(&self, other: &Digest) -> bool {
        self.counts == other.counts && ct_eq(&self.sum, &other.sum)
    }

    /// Covered records of `tree` (the meta keys under `Tree::Meta`).
    pub fn count(&self, tree: Tree) -> u64 {
        self.counts.get(Self::slot(tree)).copied().unwrap_or(0)
    }

    pub fn encode(&self) -> Result<Vec<u8>> {
        codec::encode(self)
    }
}

/// Recomputes the digest of raw records from scratch (generation left at 0, unsealed).
#[derive(Debug)]
pub struct Recompute<'k> {
    keys: &'k DigestKeys,
    termer: Termer,
    pub digest: Digest,
}

impl<'k> Recompute<'k> {
    pub fn new(keys: &'k DigestKeys) -> Self {
        Recompute {
            keys,
            termer: keys.termer(),
            digest: Digest::empty(),
        }
    }

    pub fn keys(&self) -> &DigestKeys {
        self.keys
    }

    pub fn push(&mut self, tree: Tree, key: &[u8], value: &[u8]) {
        if covered(tree, key) {
            let t = self.termer.term(tree, key, value);
            self.digest.add_term(tree, &t);
        }
    }
}

fn add256(acc: &mut [u8; 32], x: &[u8; 32]) {
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = acc[i] as u16 + x[i] as u16 + carry;
        acc[i] = s as u8;
        carry = s >> 8;
    }
}

fn sub256(acc: &mut [u8; 32], x: &[u8; 32]) {
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = acc[i] as i16 - x[i] as i16 - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        acc[i] = d as u8;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn order_free_and_overwrite_subtracts() {
        let keys = DigestKeys::from_dek(&SecretKey::from_bytes([7; 32]));
        let mut a = Digest::empty();
        a.add(&keys, Tree::Customers, b"1", b"x");
        a.add(&keys, Tree::Customers, b"2", b"y");
        let mut b = Digest::empty();
        b.add(&keys, Tree::Customers, b"2", b"old");
        b.add(&keys, Tree::Customers, b"1", b"x");
        b.remove(&keys, Tree::Customers, b"2", b"old");
        b.add(&keys, Tree::Customers, b"2", b"y");
        assert!(a.same_contents(&b));
        b.remove(&keys, Tree::Customers, b"1", b"x");
        assert!(!a.same_contents(&b));
        b.add(&keys, Tree::Tasks, b"1", b"x");
        assert!(
            !a.same_contents(&b),
            "a record moved to another tree differs"
        );
        let id = [1u8; 16];
        a.seal(&keys, &id);
        assert!(a.authentic(&keys, &id));
        a.counts[0] += 1;
        assert!(!a.authentic(&keys, &id));
    }

    #[test]
    fn a_precomputed_term_adds_what_add_adds() {
        let keys = DigestKeys::from_dek(&SecretKey::from_bytes([7; 32]));
        let mut a = Digest::empty();
        a.add(&keys, Tree::Customers, b"1", b"x");
        a.add(&keys, Tree::Meta, b"next_id/customers", b"y");
        let t = keys.termer();
        let mut b = Digest::empty();
        b.add_term(Tree::Customers, &t.term(Tree::Customers, b"1", b"x"));
        b.add_term(Tree::Meta, &t.term(Tree::Meta, b"next_id/customers", b"y"));
        assert_eq!(a, b);
        let mut one = Digest::empty();
        one.add(&keys, Tree::Customers, b"1", b"x");
        let mut c = Digest::empty();
        c.add_term(Tree::Tasks, &t.term(Tree::Customers, b"1", b"x"));
        assert!(!one.same_contents(&c), "the count goes to the tree named");
    }
}
