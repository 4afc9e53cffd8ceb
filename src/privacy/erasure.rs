//! Erasure (GDPR Art. 17): removing a customer's records from a store by keys alone, and
//! the erasure journal that makes every later restore remove them again.
//!
//! Key-only on purpose: the same removal runs on the live database, on each backup being
//! rewritten, and on a database just restored from an older backup, sealed or not.

use serde::{Deserialize, Serialize};

use super::{RecordKind, history, record_prefix};
use crate::domain::{Id, UnixTime};
use crate::store::{self, Op, Result, Store, StoreError, Tree, Vault, codec};

/// One erasure. No personal data: the id is opaque, the reason is sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureEntry {
    pub customer: Id,
    pub at: UnixTime,
    /// The admin who erased it.
    pub by: Id,
    /// The reason, sealed with the database key (`Tree::Erasures`, key, schema as AAD).
    pub reason_sealed: Vec<u8>,
}

pub fn entry(
    vault: &Vault,
    customer: Id,
    at: UnixTime,
    by: Id,
    reason: &str,
) -> Result<ErasureEntry> {
    let reason_sealed = vault.seal(
        Tree::Erasures,
        &store::id_key(customer),
        &reason.to_string(),
    )?;
    Ok(ErasureEntry {
        customer,
        at,
        by,
        reason_sealed,
    })
}

pub fn reason(vault: &Vault, e: &ErasureEntry) -> Result<String> {
    vault.open(Tree::Erasures, &store::id_key(e.customer), &e.reason_sealed)
}

pub fn journal_op(e: &ErasureEntry) -> Result<Op> {
    Ok(Op::put(
        Tree::Erasures,
        store::id_key(e.customer).to_vec(),
        codec::encode(e)?,
    ))
}

/// The journal of a store, oldest id first.
pub fn journal(store: &Store) -> Result<Vec<ErasureEntry>> {
    let mut out = Vec::new();
    for r in store.tree(Tree::Erasures).iter() {
        let (_, v) = r?;
        out.push(
            codec::decode::<ErasureEntry>(&v)
                .map_err(|_| StoreError::Decode("an erasure journal entry".into()))?,
        );
    }
    Ok(out)
}

/// Removals of everything stored under the customer's id: the record (with its timeline
/// and sensitive part), its trash entry and its kept versions.
pub fn removal_ops(store: &Store, customer: Id) -> Result<Vec<Op>> {
    let mut ops = Vec::new();
    if store
        .get_raw(Tree::Customers, &store::id_key(customer))?
        .is_some()
    {
        ops.push(Op::remove(
            Tree::Customers,
            store::id_key(customer).to_vec(),
        ));
    }
    for r in store
        .tree(Tree::Trash)
        .scan_prefix(record_prefix(RecordKind::Customer, customer))
        .keys()
    {
        ops.push(Op::remove(Tree::Trash, r?.to_vec()));
    }
    ops.extend(history::remove_all(store, RecordKind::Customer, customer)?);
    Ok(ops)
}

/// Applies `entries` to `store` (a rewritten backup, a restored database): removes what is
/// left of each customer and copies the entries into its journal. Returns how many
/// customers had something to remove.
pub fn apply(store: &Store, entries: &[ErasureEntry]) -> Result<usize> {
    let mut ops = Vec::new();
    let mut applied = 0;
    for e in entries {
        let removals = removal_ops(store, e.customer)?;
        if !removals.is_empty() {
            applied += 1;
        }
        ops.extend(removals);
        ops.push(journal_op(e)?);
    }
    store.commit(&ops)?;
    Ok(applied)
}

/// Where a restore found the journal it applied.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub entries: Vec<ErasureEntry>,
    /// "the live database", "backup kasefet-....kbak".
    pub sources: Vec<String>,
}

/// The journal of a backup file, if it carries one (backups from before erasures existed
/// do not).
pub fn journal_of_backup(path: &std::path::Path) -> Option<Vec<ErasureEntry>> {
    let mut out = Vec::new();
    let scanned = crate::backup::read::scan(path, |tree, _, v| {
        if tree == Tree::Erasures {
            if let Ok(e) = codec::decode::<ErasureEntry>(v) {
                out.push(e);
            }
        }
        Ok(())
    })
    .ok()?;
    scanned
        .manifest
        .trees
        .iter()
        .any(|t| t.tree == Tree::Erasures.name())
        .then_some(out)
}

/// The newest journal a restore of `restoring` can find: the live database's (when it can
/// be opened) and the newest other backup's that carries one in each of `folders`, merged.
pub fn find_journal(
    live: Option<&std::path::Path>,
    folders: &[std::path::PathBuf],
    restoring: &std::path::Path,
    cache_bytes: u64,
) -> Option<Found> {
    let itself = std::fs::canonicalize(restoring).ok();
    let mut found = Found::default();
    let mut any = false;
    let add = |entries: Vec<ErasureEntry>, source: String, found: &mut Found| {
        for e in entries {
            if !found.entries.iter().any(|x| x.customer == e.customer) {
                found.entries.push(e);
            }
        }
        found.sources.push(source);
    };
    if let Some(dir) = live.filter(|d| crate::store::open::exists(d)) {
        if let Ok(store) = Store::open(dir, cache_bytes) {
            if let Ok(j) = journal(&store) {
                add(j, "the live database".into(), &mut found);
                any = true;
            }
        }
    }
    for folder in folders {
        let Ok(mut listed) = crate::backup::list(folder) else {
            continue;
        };
        listed.sort_by_key(|l| std::cmp::Reverse(l.created_at));
        for l in listed {
            // The file being restored is the one the journal is needed against.
            if itself.is_some() && std::fs::canonicalize(&l.path).ok() == itself {
                continue;
            }
            if let Some(j) = journal_of_backup(&l.path) {
                add(j, format!("backup {}", l.name), &mut found);
                any = true;
                break;
            }
        }
    }
    any.then_some(found)
}
