//! Earlier versions of records, sealed like the records: every change keeps the version it
//! replaced, so a History view can say who changed what, and a revert can go back.

use super::{Record, RecordKind, parse_record_key, record_key, record_prefix};
use serde::{Deserialize, Serialize};

use crate::domain::{Id, UnixTime};
use crate::store::{Op, Result, Store, Tree, Vault};

fn stamp_version(r: &Record) -> u64 {
    match r {
        Record::Customer(c) => c.stamp.version,
        Record::Task(t) => t.stamp.version,
        Record::Employee(e) => e.stamp.version,
    }
}

/// A version that a change replaced, and who replaced it when. The replacing change is told
/// by this, not by the next version's stamp: timeline entries bump a record's version
/// without touching its fields, so the next kept version may carry someone else's stamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    pub record: Record,
    pub replaced_at: UnixTime,
    pub replaced_by: Id,
}

/// The sealed write that keeps `previous` (the version a change is about to replace).
pub fn keep(vault: &Vault, previous: Record, at: UnixTime, by: Id) -> Result<Op> {
    let key = record_key(previous.kind(), previous.id(), stamp_version(&previous));
    let kept = Kept {
        record: previous,
        replaced_at: at,
        replaced_by: by,
    };
    vault.put(Tree::History, &key, &kept)
}

/// Every kept version of a record, oldest first.
pub fn versions(store: &Store, vault: &Vault, kind: RecordKind, id: Id) -> Result<Vec<Kept>> {
    let mut out = Vec::new();
    for r in store
        .tree(Tree::History)
        .scan_prefix(record_prefix(kind, id))
    {
        let (k, v) = r?;
        // Consent records share the prefix (see `consent`).
        if super::consent::is_consent_key(&k) {
            continue;
        }
        out.push(vault.open::<Kept>(Tree::History, &k, &v)?);
    }
    Ok(out)
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
