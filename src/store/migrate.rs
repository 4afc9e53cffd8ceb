//! Moves an older database forward, one schema version at a time.
//!
//! 1 → 2: account envelopes become bound to their account (AAD = username hash ‖ user id).
//! Only an account's password opens its envelope, so it cannot be sealed again here, sealed,
//! or at the first unseal: each account's is sealed again at its next sign-in. Until then a
//! schema 1 envelope opens only if it is byte for byte what was there at migration, so one
//! pointed at another account afterwards is refused. That fingerprint is kept per entry
//! under `LEGACY_PREFIX ‖ hash` in meta (covered by the store digest from the first unseal,
//! which starts the digest of a schema 1 database) and removed by the re-seal.
//!
//! 2 → 3: customer records move into packs (`store::pack`), done by `open::pack_loose`.
//!
//! 3 → 4: packs are written in layout 2 (`store::pack`). Layout 1 packs are still read and
//! are rewritten when they next change; rewriting them all here would first grow the file
//! by a copy of every pack, as sled frees the old ones only later.
//!
//! Record values keep their AAD (it names value layout 1, `vault::VALUE_LAYOUT`), so nothing
//! else moves.

use super::{Result, SCHEMA_VERSION, StoreError, Tree};

/// Meta key prefix of the schema 1 keyring fingerprints.
pub const LEGACY_PREFIX: &[u8] = b"keyring_v1/";

/// The meta key of the fingerprint of the keyring entry under `hash`.
pub fn legacy_key(hash: &[u8]) -> Vec<u8> {
    [LEGACY_PREFIX, hash].concat()
}

pub fn run(db: &sled::Db, found: u32) -> Result<u32> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let mut v = found;
    while v < SCHEMA_VERSION {
        step(db, v)?;
        v += 1;
    }
    Ok(v)
}

fn step(db: &sled::Db, from: u32) -> Result<()> {
    match from {
        1 => {
            let keyring = db.open_tree(Tree::Keyring.name())?;
            let meta = db.open_tree(Tree::Meta.name())?;
            let mut batch = sled::Batch::default();
            for r in keyring.iter() {
                let (k, v) = r?;
                // The recovery envelope is not an account's; user keys are 32-byte hashes.
                if k.len() == 32 {
                    batch.insert(legacy_key(&k), &crate::crypto::sha256(&[&v])[..]);
                }
            }
            meta.apply_batch(batch)?;
            Ok(())
        }
        // Loose customer records are packed by every open (`open::pack_loose`), which is
        // also what a restore relies on; the version only keeps older programs out.
        2 => Ok(()),
        // Layout 1 packs stay readable; the version keeps schema 3 programs, which would
        // take a layout 2 pack for damage, out.
        3 => Ok(()),
        _ => Err(StoreError::Decode(format!(
            "no migration from schema {from}"
        ))),
    }
}
