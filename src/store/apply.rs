//! Applying a commit's operations inside one sled transaction, for plain and packed trees.

use std::collections::BTreeMap;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::pack::{self, Pack};
use super::{Op, StoreError, Tree};

type Tx = ConflictableTransactionError<StoreError>;

/// Applies `ops` in order; `seen(i, old)` gets each operation's replaced value. A packed
/// tree's pack is read once, changed in memory by every operation on it, and written once,
/// so an import of 100,000 records writes a few thousand values.
pub(super) fn apply(
    tx: &[TransactionalTree],
    involved: &[Tree],
    ops: &[Op],
    mut seen: impl FnMut(usize, Option<&[u8]>),
) -> Result<(), Tx> {
    let mut packs: BTreeMap<(usize, [u8; 8]), Pack> = BTreeMap::new();
    for (n, op) in ops.iter().enumerate() {
        let i = involved.binary_search(&op.tree).unwrap_or(0);
        if !op.tree.packed() {
            let old = match &op.value {
                Some(v) => tx[i].insert(op.key.as_slice(), v.as_slice())?,
                None => tx[i].remove(op.key.as_slice())?,
            };
            seen(n, old.as_deref());
            continue;
        }
        let at = (i, pack::pack_key(&op.key));
        let p = match packs.entry(at) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => {
                let found = match tx[i].get(at.1)? {
                    Some(raw) => Pack::decode(&at.1, &raw).map_err(Tx::Abort)?,
                    None => Pack::default(),
                };
                v.insert(found)
            }
        };
        let old = match &op.value {
            Some(v) => p.insert(&op.key, v),
            None => p.remove(&op.key),
        };
        seen(n, old.as_deref());
    }
    for ((i, key), p) in &packs {
        if p.is_empty() {
            tx[*i].remove(&key[..])?;
        } else {
            tx[*i].insert(&key[..], p.encode().map_err(Tx::Abort)?)?;
        }
    }
    Ok(())
}
