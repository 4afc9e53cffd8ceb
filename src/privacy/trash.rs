//! The trash: deleted records wait here for the trash window, then the nightly run purges
//! them. The purge time sits in the key in the clear (a time, not content), so a sealed
//! process can purge without the key.

use serde::{Deserialize, Serialize};

use super::{Record, RecordKind, parse_record_key, record_key, record_prefix};
use crate::domain::{Id, UnixTime};
use crate::store::{Op, Result, Store, Tree, Vault};

/// Default trash window (`[retention] trash_days`).
pub const DEFAULT_DAYS: u32 = 30;

/// A record in the trash, sealed like the record was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrashEntry {
    pub deleted_at: UnixTime,
    pub deleted_by: Id,
    pub purge_at: UnixTime,
    pub record: Record,
    /// Records whose link to this one was cleared on delete (tasks of a customer, reports of
    /// a manager): relinked on restore if they still exist and point nowhere.
    pub unlinked: Vec<Id>,
}

/// A line of `customer trash`: what was deleted, by whom, and until when it can come back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrashItem {
    pub kind: RecordKind,
    pub id: Id,
    pub label: String,
    pub deleted_at: UnixTime,
    pub deleted_by: Id,
    pub purge_at: UnixTime,
}

impl TrashEntry {
    pub fn item(&self) -> TrashItem {
        TrashItem {
            kind: self.record.kind(),
            id: self.record.id(),
            label: self.record.label().to_string(),
            deleted_at: self.deleted_at,
            deleted_by: self.deleted_by,
            purge_at: self.purge_at,
        }
    }

    pub fn key(&self) -> Vec<u8> {
        key(self.record.kind(), self.record.id(), self.purge_at)
    }
}

pub fn key(kind: RecordKind, id: Id, purge_at: UnixTime) -> Vec<u8> {
    record_key(kind, id, u64::try_from(purge_at).unwrap_or(0))
}

/// The sealed write that puts `entry` in the trash.
pub fn put(vault: &Vault, entry: &TrashEntry) -> Result<Op> {
    vault.put(Tree::Trash, &entry.key(), entry)
}

/// The entry for one record, with its key.
pub fn find(
    store: &Store,
    vault: &Vault,
    kind: RecordKind,
    id: Id,
) -> Result<Option<(Vec<u8>, TrashEntry)>> {
    let prefix = record_prefix(kind, id);
    match store.tree(Tree::Trash).scan_prefix(prefix).next() {
        Some(r) => {
            let (k, v) = r?;
            let entry = vault.open(Tree::Trash, &k, &v)?;
            Ok(Some((k.to_vec(), entry)))
        }
        None => Ok(None),
    }
}

/// Every entry of a kind, oldest deletion first.
pub fn list(store: &Store, vault: &Vault, kind: RecordKind) -> Result<Vec<TrashEntry>> {
    let mut out = Vec::new();
    for r in store.tree(Tree::Trash).scan_prefix([kind.byte()]) {
        let (k, v) = r?;
        out.push(vault.open::<TrashEntry>(Tree::Trash, &k, &v)?);
    }
    out.sort_by_key(|e| (e.deleted_at, e.record.id()));
    Ok(out)
}

/// Keys of entries whose window has ended at `now`, read from the keys alone.
pub fn expired(store: &Store, now: UnixTime) -> Result<Vec<(RecordKind, Id, Vec<u8>)>> {
    let mut out = Vec::new();
    for r in store.tree(Tree::Trash).iter().keys() {
        let k = r?;
        if let Some((kind, id, purge_at)) = parse_record_key(&k) {
            if i64::try_from(purge_at).unwrap_or(i64::MAX) <= now {
                out.push((kind, id, k.to_vec()));
            }
        }
    }
    Ok(out)
}

/// What a purge removed, by kind, for the audit entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Purged {
    pub customers: usize,
    pub tasks: usize,
    pub employees: usize,
}

impl Purged {
    pub fn total(&self) -> usize {
        self.customers + self.tasks + self.employees
    }

    pub fn summary(&self) -> String {
        format!(
            "{} customers, {} tasks, {} employees",
            self.customers, self.tasks, self.employees
        )
    }
}

/// The removals of every expired entry and the earlier versions of its record, and what
/// they are by kind. Reads keys only.
pub fn purge_ops(store: &Store, now: UnixTime) -> Result<(Vec<Op>, Purged)> {
    let mut ops = Vec::new();
    let mut purged = Purged::default();
    for (kind, id, k) in expired(store, now)? {
        ops.push(Op::remove(Tree::Trash, k));
        ops.extend(super::history::remove_all(store, kind, id)?);
        match kind {
            RecordKind::Customer => purged.customers += 1,
            RecordKind::Task => purged.tasks += 1,
            RecordKind::Employee => purged.employees += 1,
        }
    }
    Ok((ops, purged))
}

/// Removes every expired entry and the earlier versions of its record, in one commit.
/// The trash is covered by the store digest, so this needs an unsealed store.
pub fn purge_expired(store: &Store, now: UnixTime) -> Result<Purged> {
    let (ops, purged) = purge_ops(store, now)?;
    store.commit(&ops)?;
    Ok(purged)
}
