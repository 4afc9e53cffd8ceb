//! Earlier versions of records, sealed like the records: every change keeps the version it
//! replaced, so a History view can say who changed what, and a revert can go back.

use super::{Record, RecordKind, parse_record_key, record_key, record_prefix};
use crate::domain::Id;
use crate::store::{Op, Result, Store, Tree, Vault};

fn stamp_version(r: &Record) -> u64 {
    match r {
        Record::Customer(c) => c.stamp.version,
        Record::Task(t) => t.stamp.version,
        Record::Employee(e) => e.stamp.version,
    }
}

/// The sealed write that keeps `previous` (the version a change is about to replace).
pub fn keep(vault: &Vault, previous: &Record) -> Result<Op> {
    let key = record_key(previous.kind(), previous.id(), stamp_version(previous));
    vault.put(Tree::History, &key, previous)
}

/// Every kept version of a record, oldest first.
pub fn versions(store: &Store, vault: &Vault, kind: RecordKind, id: Id) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    for r in store
        .tree(Tree::History)
        .scan_prefix(record_prefix(kind, id))
    {
        let (k, v) = r?;
        out.push(vault.open::<Record>(Tree::History, &k, &v)?);
    }
    Ok(out)
}

/// One kept version, if there is one.
pub fn version(
    store: &Store,
    vault: &Vault,
    kind: RecordKind,
    id: Id,
    version: u64,
) -> Result<Option<Record>> {
    vault.get(store, Tree::History, &record_key(kind, id, version))
}

/// Removals of every kept version of a record (purge and erasure). Reads keys only.
pub fn remove_all(store: &Store, kind: RecordKind, id: Id) -> Result<Vec<Op>> {
    let mut ops = Vec::new();
    for r in store
        .tree(Tree::History)
        .scan_prefix(record_prefix(kind, id))
        .keys()
    {
        let k = r?;
        if parse_record_key(&k).is_some() {
            ops.push(Op::remove(Tree::History, k.to_vec()));
        }
    }
    Ok(ops)
}
