//! Keeping the digest and the anchor current, and checking them at open and at unseal.
//!
//! Sealed (`Store::open`), only the anchor's clear generation can be compared with the
//! digest's: a store behind its anchor is refused before anyone signs in. Unsealed
//! (`Store::arm`), the anchor's MAC is checked, the digest is compared with it, and the
//! digest is recomputed from every covered record.

use std::sync::{Arc, Mutex};

use super::anchor::{self, Anchor};
use super::digest::{COVERED, DIGEST_KEY, Digest, DigestKeys, HEAD_KEY, Recompute, covered};
use super::{Op, Result, Store, StoreError, Tree, codec};
use crate::crypto::{SecretKey, ct_eq};

/// Written by a restore: the new directory has no anchor yet, and that is expected once.
pub const WAIVER_KEY: &[u8] = b"anchor_waived";

#[derive(Debug)]
pub struct Keys {
    digest: DigestKeys,
    anchor: SecretKey,
}

impl Keys {
    pub fn from_dek(dek: &SecretKey) -> Self {
        Keys {
            digest: DigestKeys::from_dek(dek),
            anchor: dek.derive("integrity-anchor"),
        }
    }

    pub fn digest(&self) -> &DigestKeys {
        &self.digest
    }
}

pub type KeySlot = Arc<Mutex<Option<Arc<Keys>>>>;

/// Keeps the store able to write covered records; dropping it (sealing) forgets the keys.
#[derive(Debug)]
pub struct Armed {
    slot: KeySlot,
}

impl Drop for Armed {
    fn drop(&mut self) {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// The audit head as the meta tree holds it (`audit::Head` has the same encoding).
fn head(store: &Store) -> Result<(u64, [u8; 32])> {
    match store.get_raw(Tree::Meta, HEAD_KEY)? {
        Some(v) => codec::decode(&v),
        None => Ok((0, [0; 32])),
    }
}

fn stored_digest(store: &Store) -> Result<Option<Digest>> {
    match store.get_raw(Tree::Meta, DIGEST_KEY)? {
        Some(v) => Digest::decode(&v).map(Some),
        None => Ok(None),
    }
}

const FIX: &str = "Kasefet will not serve it. Restore the newest backup into a new directory with \
`kasefet backup restore FILE --to NEW_DIR` (see `kasefet backup list`) and point --data-dir at it, \
or, as an admin, take the database as it is into service with `kasefet repair --accept-loss`";

fn behind(a: &Anchor, seq: u64) -> StoreError {
    let lost = a.audit_seq.saturating_sub(seq);
    StoreError::Damaged(format!(
        "the database is behind its integrity anchor: it ends at audit entry {seq} of {}, written {}; \
         {lost} audit entries and the changes they record are missing (the storage engine came back \
         in an older state after a crash or damage). {FIX}",
        a.audit_seq,
        a.written()
    ))
}

fn missing(store: &Store) -> StoreError {
    StoreError::Damaged(format!(
        "the integrity anchor {} is missing, but this database recorded one: it may have been \
         rolled back or tampered with. {FIX}",
        anchor::path(store.path()).display()
    ))
}

impl Store {
    /// The check a sealed process can make: the store may not be behind its anchor, and an
    /// anchor it recorded may not be missing.
    pub fn check_sealed(&self) -> Result<()> {
        let a = anchor::load(self.path())?;
        let d = stored_digest(self)?;
        let (seq, _) = head(self)?;
        let waived = self.get_raw(Tree::Meta, WAIVER_KEY)?.is_some();
        match (a, d) {
            (Some(a), None) => Err(behind(&a, seq)),
            (Some(a), Some(d)) if d.generation < a.generation => Err(behind(&a, seq)),
            (None, Some(_)) if !waived => Err(missing(self)),
            _ => Ok(()),
        }
    }

    /// The unseal check with the key, then the keys put in place for covered commits.
    /// Returns findings that do not stop service (records that differ from the digest).
    pub fn arm(&self, dek: &SecretKey) -> Result<(Armed, Vec<String>)> {
        let keys = Arc::new(Keys::from_dek(dek));
        let mut notes = Vec::new();
        let _g = self.commit_lock.lock().unwrap_or_else(|p| p.into_inner());
        let a = match anchor::load(self.path()) {
            Ok(a) => a,
            Err(e) if self.accept_loss => {
                notes.push(e.to_string());
                None
            }
            Err(e) => return Err(e),
        };
        let stored = stored_digest(self)?;
        let (seq, head_mac) = head(self)?;
        let waived = self.get_raw(Tree::Meta, WAIVER_KEY)?.is_some();
        let mut fresh = Recompute::new(&keys.digest);
        for t in Tree::ALL {
            self.each_raw(t, |k, v| {
                fresh.push(t, k, v);
                Ok(())
            })?;
        }
        let fresh = fresh.digest;

        let verdict = self.anchor_verdict(&keys, a.as_ref(), stored.as_ref(), seq, &head_mac);
        match verdict {
            Err(e) if self.accept_loss => notes.push(e.to_string()),
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        if let Some(s) = &stored {
            if !s.authentic(&keys.digest, &self.db_id()) {
                notes.push("the store digest fails its MAC check (altered or damaged)".into());
            }
            if !s.same_contents(&fresh) {
                notes.push(differs(s, &fresh));
            }
        }

        // A database from before the digest, or one an admin takes as it is, starts a new
        // base from what is there now; otherwise the recorded digest stays, so a difference
        // keeps showing (in verify --full too) until someone decides.
        // Repair mode changes nothing here: `accept_loss_now` does, once an admin asked.
        let rebase = stored.is_none() && !self.accept_loss;
        let digest = match (&stored, rebase) {
            (Some(s), false) => s.clone(),
            _ => {
                let mut d = fresh.clone();
                let past = a.as_ref().map_or(0, |a| a.generation);
                d.generation = stored.as_ref().map_or(0, |s| s.generation).max(past) + 1;
                d.seal(&keys.digest, &self.db_id());
                d
            }
        };
        if rebase {
            self.raw_tree(Tree::Meta)
                .insert(DIGEST_KEY, digest.encode()?)?;
        }
        if waived && !self.accept_loss {
            self.raw_tree(Tree::Meta).remove(WAIVER_KEY)?;
        }
        let stale = a
            .as_ref()
            .is_none_or(|a| a.generation < digest.generation || rebase);
        if (rebase || waived || stale) && !self.accept_loss {
            self.flush()?;
            self.write_anchor(&keys, &digest)?;
        }
        *self.keys.lock().unwrap_or_else(|p| p.into_inner()) = Some(keys);
        Ok((
            Armed {
                slot: self.keys.clone(),
            },
            notes,
        ))
    }

    fn anchor_verdict(
        &self,
        keys: &Keys,
        a: Option<&Anchor>,
        stored: Option<&Digest>,
        seq: u64,
        head_mac: &[u8; 32],
    ) -> Result<()> {
        let waived = self.get_raw(Tree::Meta, WAIVER_KEY)?.is_some();
        let Some(a) = a else {
            return match stored {
                Some(_) if !waived => Err(missing(self)),
                _ => Ok(()),
            };
        };
        if !a.authentic(&keys.anchor, &self.db_id()) {
            return Err(StoreError::Damaged(format!(
                "the integrity anchor {} does not belong to this database or was altered. {FIX}",
                anchor::path(self.path()).display()
            )));
        }
        let Some(d) = stored else {
            return Err(behind(a, seq));
        };
        if d.generation < a.generation || seq < a.audit_seq {
            return Err(behind(a, seq));
        }
        if d.generation == a.generation
            && (!d.same_contents(&a.digest) || seq != a.audit_seq || !ct_eq(head_mac, &a.head_mac))
        {
            return Err(StoreError::Damaged(format!(
                "the database differs from its integrity anchor at the same point (audit entry {seq}, \
                 anchor written {}): records were changed outside Kasefet. {FIX}",
                a.written()
            )));
        }
        Ok(())
    }

    fn write_anchor(&self, keys: &Keys, digest: &Digest) -> Result<()> {
        let (seq, head_mac) = head(self)?;
        let mut a = Anchor {
            generation: digest.generation,
            audit_seq: seq,
            written_at: jiff::Timestamp::now().as_second(),
            head_mac,
            digest: digest.clone(),
            mac: [0; 32],
        };
        a.seal(&keys.anchor, &self.db_id())?;
        anchor::store(self.path(), &a)
    }

    /// True when opened by `repair --accept-loss` and not yet accepted.
    pub fn repairing(&self) -> bool {
        self.hold_anchor.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The audit position the anchor vouches for, for the caller to check that the log
    /// continues from it (the store cannot read audit entries itself).
    pub fn anchored_head(&self) -> Result<Option<(u64, [u8; 32])>> {
        Ok(anchor::load(self.path())
            .ok()
            .flatten()
            .map(|a| (a.audit_seq, a.head_mac)))
    }

    /// `repair --accept-loss`, once an admin is signed in: what is there now becomes the
    /// recorded state (digest recomputed, anchor rewritten). Needs the keys (unsealed).
    /// `floor` is the newest backup's generation: the new one goes past it, so the store is
    /// no longer behind that backup.
    pub fn accept_loss_now(&self, floor: u64) -> Result<()> {
        let keys = self
            .keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| StoreError::Sealed("sign in first".into()))?;
        let _g = self.commit_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut fresh = Recompute::new(&keys.digest);
        for t in Tree::ALL {
            for r in self.scan_raw(t) {
                let (k, v) = r?;
                fresh.push(t, &k, &v);
            }
        }
        let mut d = fresh.digest;
        let past = anchor::load(self.path())
            .ok()
            .flatten()
            .map_or(0, |a| a.generation);
        let now = stored_digest(self)
            .ok()
            .flatten()
            .map_or(0, |s| s.generation);
        d.generation = past.max(now).max(floor) + 1;
        d.seal(&keys.digest, &self.db_id());
        self.raw_tree(Tree::Meta).insert(DIGEST_KEY, d.encode()?)?;
        self.raw_tree(Tree::Meta).remove(WAIVER_KEY)?;
        self.flush()?;
        self.write_anchor(&keys, &d)?;
        self.hold_anchor
            .store(false, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// The store's digest as it stands (for a backup manifest), readable while sealed.
    pub fn digest(&self) -> Result<Option<Digest>> {
        stored_digest(self)
    }

    /// A commit that touches covered records: the digest moves in the same transaction, and
    /// the anchor follows once the commit is durable.
    pub(super) fn commit_covered(&self, ops: &[Op]) -> Result<()> {
        let keys = self
            .keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| {
                StoreError::Sealed(
                    "the database is sealed: records can change only while someone is signed in"
                        .into(),
                )
            })?;
        let _g = self.commit_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut involved: Vec<Tree> = ops.iter().map(|o| o.tree).collect();
        involved.push(Tree::Meta);
        involved.sort();
        involved.dedup();
        let trees: Vec<&sled::Tree> = involved.iter().map(|t| self.raw_tree(*t)).collect();
        let meta = involved.binary_search(&Tree::Meta).unwrap_or(0);
        let db_id = self.db_id();
        // The new values' terms depend on nothing the transaction reads, so a bulk commit
        // computes them on every core first; only the replaced values' wait for the read.
        let terms = super::parallel::map_chunks(ops, |chunk| {
            let t = keys.digest.termer();
            Ok::<_, StoreError>(
                chunk
                    .iter()
                    .map(|op| match &op.value {
                        Some(v) if covered(op.tree, &op.key) => Some(t.term(op.tree, &op.key, v)),
                        _ => None,
                    })
                    .collect(),
            )
        })?;
        use sled::Transactional;
        use sled::transaction::ConflictableTransactionError as Tx;
        let digest = trees.as_slice().transaction(|tx| {
            let mut d = match tx[meta].get(DIGEST_KEY)? {
                Some(v) => Digest::decode(&v).map_err(Tx::Abort)?,
                None => Digest::empty(),
            };
            super::apply::apply(tx, &involved, ops, |n, old| {
                let op = &ops[n];
                if covered(op.tree, &op.key) {
                    if let Some(old) = old {
                        d.remove(&keys.digest, op.tree, &op.key, old);
                    }
                    if let Some(t) = &terms[n] {
                        d.add_term(op.tree, t);
                    }
                }
            })?;
            d.generation += 1;
            d.seal(&keys.digest, &db_id);
            tx[meta].insert(DIGEST_KEY, d.encode().map_err(Tx::Abort)?)?;
            Ok::<Digest, Tx<StoreError>>(d)
        })?;
        self.flush()?;
        // The commit is durable either way; an anchor that could not be written (a full
        // disk) is only behind the store, which the checks accept, and the next commit
        // writes it again.
        if !self.repairing() {
            let _ = self.write_anchor(&keys, &digest);
        }
        Ok(())
    }
}

fn differs(recorded: &Digest, found: &Digest) -> String {
    let mut parts = Vec::new();
    for (i, t) in COVERED.iter().enumerate() {
        let (r, f) = (recorded.counts[i], found.counts[i]);
        if r != f {
            parts.push(format!(
                "{} holds {f} records where {r} were committed",
                t.name()
            ));
        }
    }
    let detail = if parts.is_empty() {
        "a record was replaced or damaged".to_string()
    } else {
        parts.join(", ")
    };
    format!("the stored records differ from what was last committed: {detail}")
}
