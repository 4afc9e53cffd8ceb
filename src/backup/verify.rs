//! Checking a backup: integrity without a key, and in full with one (every encrypted record
//! opened under its AAD binding, the audit chain walked to the manifest's head).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::format::{Manifest, kind};
use super::{BackupError, Result, read};
use crate::audit::pending::{PendingEvent, SYSTEM_PREFIX, SystemEvent};
use crate::audit::{Report, Walker};
use crate::auth::records::{Counters, KeyringEntry, RECOVERY_KEY, UserAuth};
use crate::crypto::{Envelope, SecretKey};
use crate::domain::{Customer, Employee, Id, Task, User};
use crate::store::digest::{COVERED, Digest, DigestKeys, Recompute};
use crate::store::{self, Tree, Vault, codec};

/// Problems listed one by one before the rest are only counted.
const MAX_PROBLEMS: usize = 50;

/// A backup that passed every check that needs no key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integrity {
    pub path: PathBuf,
    pub bytes: u64,
    /// Hex SHA-256 of the file up to the trailer (the trailer itself).
    pub sha256: String,
    pub manifest: Manifest,
}

/// Checks magic, version, lengths, record order, the manifest against the records, and the
/// SHA-256 trailer. No key needed.
pub fn check_integrity(path: &Path) -> Result<Integrity> {
    let s = read::scan(path, |_, _, _| Ok(()))?;
    Ok(Integrity {
        path: path.to_path_buf(),
        bytes: s.bytes,
        sha256: data_encoding::HEXLOWER.encode(&s.sha256),
        manifest: s.manifest,
    })
}

/// What opens the records of a backup.
pub enum Key<'a> {
    /// The recovery key shown when the database was created: it opens the recovery envelope
    /// inside the backup itself, so it works on a new machine with no database at all.
    Recovery(&'a SecretKey),
    /// The key of the running database the backup was taken from, handed over by whoever
    /// checked that a signed-in admin asked (`Service::backup_key`); only a backup of that
    /// database opens with it.
    Database { database_id: [u8; 16], vault: Vault },
}

impl std::fmt::Debug for Key<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Recovery(_) => f.write_str("Key::Recovery(*******)"),
            Key::Database { .. } => f.write_str("Key::Database(*******)"),
        }
    }
}

/// Records per tree: how many the manifest lists, how many opened and decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    pub tree: String,
    pub kind: String,
    pub in_manifest: u64,
    pub opened: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FullReport {
    pub integrity: Integrity,
    pub kinds: Vec<KindCount>,
    pub audit: Report,
    /// Which check proved the file unchanged: the keyed store digest recomputed from every
    /// record ("authenticated"), or only the keyless SHA-256 (a format 1 file, or a database
    /// not unsealed since its upgrade), which finds accidental damage but not a forgery.
    pub authenticated: bool,
    /// Every record that did not open or decode, by tree and id; empty when all is well.
    pub problems: Vec<String>,
}

impl FullReport {
    /// Every record opened and the chain held. A file without a store digest (format 1)
    /// is ok here but not authenticated: `restore` refuses it unless told `--unverified`.
    pub fn ok(&self) -> bool {
        self.first_problem_besides_authentication().is_none()
    }

    /// The first thing wrong, for a one-line message.
    pub fn first_problem(&self) -> Option<String> {
        if !self.authenticated && self.problems.is_empty() && self.audit.ok() {
            return Some(
                "it carries no store digest (an older backup format, or a database not signed into since its upgrade), so it could not be authenticated: only its SHA-256 checksum was checked; pass --unverified to restore it anyway".into(),
            );
        }
        self.first_problem_besides_authentication()
    }

    /// `first_problem`, accepting a file without a store digest (`restore --unverified`).
    pub fn first_problem_besides_authentication(&self) -> Option<String> {
        if let Some(p) = self.problems.first() {
            return Some(p.clone());
        }
        if let Some(p) = &self.audit.problem {
            return Some(format!("audit log: {p}"));
        }
        self.kinds
            .iter()
            .find(|k| k.in_manifest != k.opened)
            .map(|k| format!("{} of {} {} opened", k.opened, k.in_manifest, k.kind))
    }

    /// `12 customers, ... opened; audit chain of 40 entries intact` for audit details.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [Tree::Customers, Tree::Tasks, Tree::Employees, Tree::Users]
            .iter()
            .filter_map(|t| self.kinds.iter().find(|k| k.tree == t.name()))
            .map(|k| format!("{} {}", k.opened, k.kind))
            .collect();
        match self.first_problem_besides_authentication() {
            None => format!(
                "{} opened; audit chain of {} entries intact; {}",
                parts.join(", "),
                self.audit.entries,
                if self.authenticated {
                    "store digest authenticated"
                } else {
                    "NOT authenticated: this backup has no store digest (format 1), so only its SHA-256 checksum vouches for the whole file"
                }
            ),
            Some(p) => format!("problem: {p}"),
        }
    }
}

/// Integrity first, then every record opened with the key and the audit chain walked.
/// Records that fail are listed in the report (an intact file made from a damaged database
/// is still worth knowing about record by record); an unusable key is an error.
pub fn check_full(path: &Path, key: &Key<'_>) -> Result<FullReport> {
    let mut recovery: Option<Vec<u8>> = None;
    let s = read::scan(path, |tree, k, v| {
        if tree == Tree::Keyring && k == RECOVERY_KEY {
            recovery = Some(v.to_vec());
        }
        Ok(())
    })?;
    let integrity = Integrity {
        path: path.to_path_buf(),
        bytes: s.bytes,
        sha256: data_encoding::HEXLOWER.encode(&s.sha256),
        manifest: s.manifest,
    };
    let vault = open_vault(path, &integrity.manifest, recovery.as_deref(), key)?;

    let keys = DigestKeys::from_dek(vault.dek());
    let mut checker = Checker::new(&vault, &keys);
    let again = read::scan(path, |tree, k, v| {
        checker.visit(tree, k, v);
        Ok(())
    })?;
    if again.sha256 != s.sha256 {
        return Err(BackupError::damaged(
            path,
            "the file changed while it was being verified",
        ));
    }
    Ok(checker.finish(integrity))
}

/// The vault for a backup, from its own recovery envelope or from a signed-in session.
pub(crate) fn open_vault(
    path: &Path,
    manifest: &Manifest,
    recovery: Option<&[u8]>,
    key: &Key<'_>,
) -> Result<Vault> {
    match key {
        Key::Recovery(k) => {
            let bytes = recovery.ok_or_else(|| {
                BackupError::damaged(
                    path,
                    "it holds no recovery envelope; verify it with a sign-in instead",
                )
            })?;
            let env: Envelope = codec::decode(bytes)
                .map_err(|_| BackupError::damaged(path, "its recovery envelope is unreadable"))?;
            let dek = env.open_with_key(k).map_err(|_| BackupError::WrongKey {
                path: path.to_path_buf(),
            })?;
            Ok(Vault::new(dek))
        }
        Key::Database { database_id, vault } => {
            if *database_id != manifest.database_id {
                return Err(BackupError::OtherDatabase {
                    path: path.to_path_buf(),
                    theirs: manifest.database_id_hex(),
                    ours: data_encoding::HEXLOWER.encode(database_id),
                });
            }
            Ok(Vault::new(SecretKey::from_bytes(*vault.dek().expose())))
        }
    }
}

/// Opens each record as it streams by, by what its tree holds.
struct Checker<'v> {
    vault: &'v Vault,
    walker: Walker<'v>,
    opened: BTreeMap<Tree, u64>,
    problems: Vec<String>,
    digest: Recompute<'v>,
    more: u64,
    users: BTreeMap<Id, String>,
    names: BTreeMap<Vec<u8>, Vec<u8>>,
    keyring_users: BTreeSet<Id>,
}

impl<'v> Checker<'v> {
    fn new(vault: &'v Vault, keys: &'v DigestKeys) -> Self {
        Checker {
            vault,
            walker: Walker::new(vault),
            opened: BTreeMap::new(),
            problems: Vec::new(),
            digest: Recompute::new(keys),
            more: 0,
            users: BTreeMap::new(),
            names: BTreeMap::new(),
            keyring_users: BTreeSet::new(),
        }
    }

    fn problem(&mut self, p: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        } else {
            self.more += 1;
        }
    }

    /// Opens `T` and checks it sits under its own id.
    fn record<T: serde::de::DeserializeOwned>(
        &mut self,
        tree: Tree,
        k: &[u8],
        v: &[u8],
        id: impl Fn(&T) -> Id,
    ) -> Option<T> {
        match self.vault.open::<T>(tree, k, v) {
            Ok(t) if store::key_id(k) == Some(id(&t)) => Some(t),
            Ok(_) => {
                self.problem(format!(
                    "{}/{} holds a record with another id",
                    tree.name(),
                    show(k)
                ));
                None
            }
            Err(e) => {
                self.problem(e.to_string());
                None
            }
        }
    }

    /// Opens a value that is not keyed by a bare id (trash, history).
    fn opens<T: serde::de::DeserializeOwned>(&mut self, tree: Tree, k: &[u8], v: &[u8]) -> bool {
        match self.vault.open::<T>(tree, k, v) {
            Ok(_) => true,
            Err(e) => {
                self.problem(e.to_string());
                false
            }
        }
    }

    fn visit(&mut self, tree: Tree, k: &[u8], v: &[u8]) {
        self.digest.push(tree, k, v);
        // Exhaustive on purpose: a new tree does not compile until it says how it is checked.
        let ok = match tree {
            // Checked against the manifest without a key.
            Tree::Meta => true,
            Tree::Keyring if k == RECOVERY_KEY => codec::decode::<Envelope>(v).is_ok(),
            Tree::Keyring => match codec::decode::<KeyringEntry>(v) {
                Ok(e) => {
                    self.keyring_users.insert(e.user);
                    true
                }
                Err(_) => false,
            },
            Tree::AuthState => codec::decode::<Counters>(v).is_ok(),
            Tree::Pending if k.starts_with(SYSTEM_PREFIX) => {
                codec::decode::<SystemEvent>(v).is_ok()
            }
            Tree::Pending => codec::decode::<PendingEvent>(v).is_ok(),
            Tree::Users => match self.record::<User>(tree, k, v, |u| u.id) {
                Some(u) => {
                    self.users.insert(u.id, u.username);
                    true
                }
                None => return,
            },
            Tree::UserAuth => match self.vault.open::<UserAuth>(tree, k, v) {
                Ok(_) => true,
                Err(e) => {
                    self.problem(e.to_string());
                    return;
                }
            },
            // An id under a keyed hash of the name; checked against the users at the end.
            Tree::UserNames => {
                self.names.insert(k.to_vec(), v.to_vec());
                store::key_id(v).is_some()
            }
            Tree::Customers => self.record::<Customer>(tree, k, v, |c| c.id).is_some(),
            Tree::Employees => self.record::<Employee>(tree, k, v, |e| e.id).is_some(),
            Tree::Tasks => self.record::<Task>(tree, k, v, |t| t.id).is_some(),
            Tree::Trash => self.opens::<crate::privacy::trash::TrashEntry>(tree, k, v),
            Tree::History if crate::privacy::consent::is_consent_key(k) => {
                self.opens::<crate::privacy::consent::ConsentRecord>(tree, k, v)
            }
            Tree::History => self.opens::<crate::privacy::history::Kept>(tree, k, v),
            Tree::Erasures => codec::decode::<crate::privacy::erasure::ErasureEntry>(v).is_ok(),
            Tree::Audit => {
                // The walker names the first break itself and its count is the opened count.
                let _ = self.walker.push(k, v);
                return;
            }
        };
        if ok {
            *self.opened.entry(tree).or_default() += 1;
        } else if !matches!(tree, Tree::Customers | Tree::Employees | Tree::Tasks) {
            self.problem(format!("{}/{} is unreadable", tree.name(), show(k)));
        }
    }

    fn finish(mut self, integrity: Integrity) -> FullReport {
        for (id, name) in std::mem::take(&mut self.users) {
            let blind = self.vault.blind("username", &name);
            match self.names.remove(&blind) {
                Some(v) if store::key_id(&v) == Some(id) => {}
                _ => self.problem(format!("user {id} is missing from the username index")),
            }
            self.keyring_users.remove(&id);
        }
        let stray = self.names.len();
        if stray > 0 {
            self.problem(format!("{stray} username index entries point to no user"));
        }
        for id in std::mem::take(&mut self.keyring_users) {
            self.problem(format!(
                "a key envelope belongs to user {id}, who does not exist"
            ));
        }
        if self.more > 0 {
            let more = self.more;
            self.problems.push(format!("... and {more} more"));
        }
        let authenticated = match &integrity.manifest.store_digest {
            None => false,
            Some(d) => {
                if !d.authentic(self.digest.keys(), &integrity.manifest.database_id) {
                    self.problems.insert(
                        0,
                        "the manifest's store digest fails its MAC: the manifest was changed or belongs to another database".into(),
                    );
                } else if !d.same_contents(&self.digest.digest) {
                    self.problems.insert(
                        0,
                        format!(
                            "the records do not match the store digest the database recorded: a record was removed, added, replaced or moved ({})",
                            count_diff(d, &self.digest.digest)
                        ),
                    );
                }
                true
            }
        };
        let audit = self.walker.finish(&integrity.manifest.audit_head.into());
        self.opened.insert(Tree::Audit, audit.entries);
        let kinds = integrity
            .manifest
            .trees
            .iter()
            .filter_map(|t| Tree::from_name(&t.tree).map(|tree| (tree, t.records)))
            .map(|(tree, n)| KindCount {
                tree: tree.name().to_string(),
                kind: kind(tree).to_string(),
                in_manifest: n,
                opened: self.opened.get(&tree).copied().unwrap_or(0),
            })
            .collect();
        FullReport {
            integrity,
            kinds,
            audit,
            authenticated,
            problems: self.problems,
        }
    }
}

fn show(key: &[u8]) -> String {
    match store::key_id(key) {
        Some(id) => id.to_string(),
        None => data_encoding::HEXLOWER.encode(&key[..key.len().min(8)]),
    }
}

/// `customers: 2 committed, 1 in the file` for each covered tree whose count differs.
fn count_diff(recorded: &Digest, found: &Digest) -> String {
    let parts: Vec<String> = COVERED
        .iter()
        .chain(std::iter::once(&Tree::Meta))
        .filter(|t| recorded.count(**t) != found.count(**t))
        .map(|t| {
            format!(
                "{}: {} committed, {} in the file",
                kind(*t),
                recorded.count(*t),
                found.count(*t)
            )
        })
        .collect();
    if parts.is_empty() {
        "same counts, different contents".into()
    } else {
        parts.join("; ")
    }
}
