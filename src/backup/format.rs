//! The snapshot file's constants, its manifest, and how files are named.

use serde::{Deserialize, Serialize};

use super::{BackupError, Result};
use crate::domain::UnixTime;
use crate::store::digest::Digest;
use crate::store::{Tree, codec};

pub const MAGIC: &[u8; 14] = b"KASEFET-BACKUP";
/// Bumped when the layout changes; a reader refuses versions it does not know.
/// Format 2 added the store digest to the manifest; format 1 files are still read.
pub const FORMAT_VERSION: u32 = 2;
/// The oldest format this kasefet reads.
pub const OLDEST_FORMAT: u32 = 1;
pub const EXTENSION: &str = "kbak";
const NAME_PREFIX: &str = "kasefet-";
const NAME_TIME: &str = "%Y%m%dT%H%M%SZ";

/// Magic and version.
pub(crate) const HEADER_LEN: u64 = MAGIC.len() as u64 + 4;
/// The manifest lives in a fixed slot so the writer can fill it in after streaming the
/// records in one pass (the counts are only known then), and the order stays header,
/// manifest, records. Unused bytes must be zero, so nothing can hide there.
pub(crate) const MANIFEST_SLOT: usize = 4096;
pub(crate) const TAG_END: u8 = 0;
pub(crate) const TAG_RECORD: u8 = 1;
pub(crate) const TRAILER_LEN: usize = 32;
/// sled keys are ids, hashes and short names; anything longer is damage, refused unread.
pub const MAX_KEY: usize = 4096;
/// The largest value the store itself can decode, plus the AEAD framing around it.
pub const MAX_VALUE: usize = codec::LIMIT + crate::crypto::aead::OVERHEAD;
/// More trees than a reader would ever know is damage, not a future version.
pub(crate) const MAX_TREES: usize = 64;

/// What a backup holds, readable without a key (no record content, no names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub created_at: UnixTime,
    pub database_id: [u8; 16],
    pub schema_version: u32,
    /// The kasefet that wrote it (`CARGO_PKG_VERSION`).
    pub program_version: String,
    /// The audit chain head when the snapshot was taken: a later truncation of the live
    /// log shows against it.
    pub audit_head: ChainHead,
    /// Records per tree, in file order.
    pub trees: Vec<TreeCount>,
    /// The store's authenticated digest when the snapshot was taken (see `store::digest`):
    /// a full verify recomputes it from the records, so a record removed, added or replaced
    /// shows even though the backup was taken sealed. `None` in format 1 files and for a
    /// database not unsealed since it was upgraded.
    pub store_digest: Option<Digest>,
}

/// The format 1 manifest, read into a `Manifest` without a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ManifestV1 {
    pub created_at: UnixTime,
    pub database_id: [u8; 16],
    pub schema_version: u32,
    pub program_version: String,
    pub audit_head: ChainHead,
    pub trees: Vec<TreeCount>,
}

impl From<ManifestV1> for Manifest {
    fn from(m: ManifestV1) -> Self {
        Manifest {
            created_at: m.created_at,
            database_id: m.database_id,
            schema_version: m.schema_version,
            program_version: m.program_version,
            audit_head: m.audit_head,
            trees: m.trees,
            store_digest: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ChainHead {
    pub seq: u64,
    pub mac: [u8; 32],
}

impl From<crate::audit::Head> for ChainHead {
    fn from(h: crate::audit::Head) -> Self {
        ChainHead {
            seq: h.seq,
            mac: h.mac,
        }
    }
}

impl From<ChainHead> for crate::audit::Head {
    fn from(h: ChainHead) -> Self {
        crate::audit::Head {
            seq: h.seq,
            mac: h.mac,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeCount {
    pub tree: String,
    pub records: u64,
}

impl Manifest {
    /// Records of `tree` (0 when the backup predates it).
    pub fn count(&self, tree: Tree) -> u64 {
        self.trees
            .iter()
            .find(|t| t.tree == tree.name())
            .map_or(0, |t| t.records)
    }

    pub fn database_id_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.database_id)
    }

    /// The counts a person asks about, in the words a screen shows.
    pub fn kinds(&self) -> Vec<(&'static str, u64)> {
        [
            Tree::Customers,
            Tree::Tasks,
            Tree::Employees,
            Tree::Users,
            Tree::Audit,
        ]
        .into_iter()
        .map(|t| (kind(t), self.count(t)))
        .collect()
    }

    /// `12 customers, 3 tasks, ...` for audit details and listings.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .kinds()
            .into_iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        parts.join(", ")
    }
}

/// What a tree holds, in a person's words.
pub fn kind(tree: Tree) -> &'static str {
    match tree {
        Tree::Meta => "metadata entries",
        Tree::Keyring => "key envelopes",
        Tree::AuthState => "sign-in counters",
        Tree::Pending => "pending audit events",
        Tree::Users => "users",
        Tree::UserAuth => "account secrets",
        Tree::UserNames => "username index entries",
        Tree::Customers => "customers",
        Tree::Employees => "employees",
        Tree::Tasks => "tasks",
        Tree::Audit => "audit entries",
        Tree::Trash => "records in the trash",
        Tree::History => "earlier versions",
        Tree::Erasures => "erasure journal entries",
    }
}

/// `kasefet-20261129T020000Z.kbak` for a backup started at `at` (UTC, so names sort by time
/// and do not repeat or jump when the local clock changes for DST).
pub fn file_name(at: UnixTime) -> Result<String> {
    let ts =
        jiff::Timestamp::from_second(at).map_err(|e| BackupError::Time(format!("{at}: {e}")))?;
    Ok(format!(
        "{NAME_PREFIX}{}.{EXTENSION}",
        ts.strftime(NAME_TIME)
    ))
}

/// The time in a backup's file name; `None` for any name this program did not make, which
/// retention then never deletes.
pub fn parse_file_name(name: &str) -> Option<UnixTime> {
    let stamp = name
        .strip_prefix(NAME_PREFIX)?
        .strip_suffix(&format!(".{EXTENSION}"))?;
    if stamp.len() != 16 {
        return None;
    }
    let dt = jiff::civil::DateTime::strptime(NAME_TIME, stamp).ok()?;
    let at = dt
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp()
        .as_second();
    // Only the exact spelling we write, so look-alikes are left alone.
    (file_name(at).ok()? == name).then_some(at)
}

/// The temporary name a backup is written under before it is renamed into place.
pub(crate) fn temp_name(final_name: &str, nonce: &str) -> String {
    format!(".{final_name}.tmp-{nonce}")
}

/// The time in a temporary name, for cleaning up after a crash.
pub(crate) fn parse_temp_name(name: &str) -> Option<UnixTime> {
    let rest = name.strip_prefix('.')?;
    let (final_name, nonce) = rest.split_once(".tmp-")?;
    if nonce.is_empty() || !nonce.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    parse_file_name(final_name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reject_look_alikes() {
        let at = jiff::civil::date(2026, 11, 29)
            .at(2, 0, 0, 0)
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .unwrap();
        let at = at.timestamp().as_second();
        assert_eq!(file_name(at).unwrap(), "kasefet-20261129T020000Z.kbak");
        assert_eq!(parse_file_name("kasefet-20261129T020000Z.kbak"), Some(at));
        for bad in [
            "kasefet-20261129T020000Z.kbak.bak",
            "kasefet-20261129T020000.kbak",
            "kasefet-20261329T020000Z.kbak",
            "kasefet-2026-11-29.kbak",
            "notes.txt",
            "Kasefet-20261129T020000Z.kbak",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
        assert_eq!(
            parse_temp_name(".kasefet-20261129T020000Z.kbak.tmp-0a1b"),
            Some(at)
        );
        assert_eq!(
            parse_temp_name(".kasefet-20261129T020000Z.kbak.tmp-x"),
            None
        );
    }

    #[test]
    fn manifest_fits_its_slot_with_room() {
        let m = Manifest {
            created_at: 0,
            database_id: [0xff; 16],
            schema_version: u32::MAX,
            program_version: "999.999.999-beta.1".into(),
            audit_head: ChainHead {
                seq: u64::MAX,
                mac: [0xff; 32],
            },
            trees: Tree::ALL
                .iter()
                .map(|t| TreeCount {
                    tree: t.name().into(),
                    records: u64::MAX,
                })
                .collect(),
            store_digest: Some(Digest {
                generation: u64::MAX,
                counts: vec![u64::MAX; 9],
                sum: [0xff; 32],
                mac: [0xff; 32],
            }),
        };
        assert!(codec::encode(&m).unwrap().len() * 4 < MANIFEST_SLOT);
    }
}
