//! What exists only while a key is in memory: the vault and the decrypted caches.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard};

use crate::audit::{Head, pending};
use crate::domain::{AuditEvent, Employee, Id, Outcome, Task, User};
use crate::search::{Index, Prepared};
use crate::store::{self, Result, Store, Tree, Vault};

pub(crate) struct Unsealed {
    pub vault: Vault,
    pub head: Head,
    /// Moves on every committed change to a record or account, so front ends can ask
    /// "anything new?" cheaply instead of reloading lists on a timer. Starts at a random
    /// value at each unseal, so a client never mistakes a new process for an old one.
    pub revision: u64,
    /// Changed only through `put_user`, which also publishes it to lock-free reads: the
    /// same map, shared.
    users: Arc<BTreeMap<Id, User>>,
    users_seen: super::shared::Shared<Arc<BTreeMap<Id, User>>>,
    /// Shared, like the index, with the lists answered after the service lock is let go.
    pub employees: super::shared::Shared<BTreeMap<Id, Employee>>,
    pub tasks: super::shared::Shared<BTreeMap<Id, Task>>,
    /// Shared with searches that run after the service lock is let go (see `handle`).
    pub index: Arc<RwLock<Index>>,
    /// Records that failed to open at unseal, as `tree/id`: left where they are (nothing
    /// writes over them), named in the audit log, on Home for admins and by `doctor`.
    pub quarantined: Vec<String>,
    /// What the unseal integrity check found that does not stop service.
    pub integrity_notes: Vec<String>,
    /// Imports being sent in parts, by session (see `Request::ImportBegin`): plaintext rows,
    /// so they live no longer than the key does.
    pub staged: std::collections::HashMap<[u8; 16], super::records::Staged>,
    /// While held, commits keep the store digest and anchor current.
    _armed: store::integrity::Armed,
}

impl Unsealed {
    /// Decrypts what the caches hold and folds in the sign-in failures seen while sealed.
    pub fn load(store: &Store, vault: Vault) -> Result<Unsealed> {
        // The digest check and the decrypting read the same trees independently: run them
        // on both cores at once. Nothing loaded is used unless the check then passes.
        let (armed, caches) = std::thread::scope(|s| {
            // Named so `top -H` and profiles tell the three unseal threads apart.
            let check = std::thread::Builder::new()
                .name("unseal-check".into())
                .spawn_scoped(s, || store.arm(vault.dek()));
            let caches = Caches::load(store, &vault);
            let armed = match check {
                Ok(check) => check.join().unwrap_or_else(|_| {
                    Err(store::StoreError::Damaged(
                        "the integrity check stopped unexpectedly; the database was not opened"
                            .into(),
                    ))
                }),
                Err(e) => Err(e.into()),
            };
            (armed, caches)
        });
        let (armed, mut integrity_notes) = armed?;
        let caches = caches?;
        let head = Head::load(store)?;
        if let Err(e) = continues_from_anchor(store, &vault, &head) {
            if !store.repairing() {
                return Err(e);
            }
            integrity_notes.push(e.to_string());
        }
        let mut start = [0u8; 8];
        crate::crypto::random_bytes(&mut start)?;
        let users = Arc::new(caches.users);
        let mut u = Unsealed {
            vault,
            head,
            revision: u64::from_be_bytes(start) >> 1,
            users_seen: super::shared::Shared::new(Arc::clone(&users)),
            users,
            employees: super::shared::Shared::new(caches.employees),
            tasks: super::shared::Shared::new(caches.tasks),
            index: Arc::new(RwLock::new(caches.index)),
            quarantined: caches.bad,
            integrity_notes,
            staged: Default::default(),
            _armed: armed,
        };
        u.fold_pending(store)?;
        u.record_integrity(store)?;
        Ok(u)
    }

    /// Puts what the unseal check found into the audit log, once per unseal, so it shows in
    /// `audit list` whoever signs in.
    fn record_integrity(&mut self, store: &Store) -> Result<()> {
        if self.quarantined.is_empty() && self.integrity_notes.is_empty() {
            return Ok(());
        }
        let mut parts = Vec::new();
        if !self.quarantined.is_empty() {
            parts.push(format!(
                "quarantined {} record(s) that failed to open: {}",
                self.quarantined.len(),
                self.quarantined.join(", ")
            ));
        }
        parts.extend(self.integrity_notes.iter().cloned());
        let event = AuditEvent {
            seq: 0,
            at: jiff::Timestamp::now().as_second(),
            user: None,
            username: None,
            peer_uid: Some(rustix::process::getuid().as_raw()),
            peer_pid: Some(std::process::id()),
            action: "integrity.quarantine".into(),
            target: "database".into(),
            outcome: Outcome::Failed,
            detail: parts.join("; "),
        };
        let ops = crate::audit::append(&self.vault, &mut self.head, event)?;
        if let Err(e) = store.commit(&ops) {
            self.head = Head::load(store)?;
            return Err(e);
        }
        Ok(())
    }

    fn fold_pending(&mut self, store: &Store) -> Result<()> {
        let drained = pending::drain(store)?;
        let system = pending::drain_system(store)?;
        if drained.is_empty() && system.is_empty() {
            return Ok(());
        }
        let by_hash: BTreeMap<[u8; 32], Id> = store
            .scan_raw(Tree::Keyring)
            .filter_map(|r| r.ok())
            .filter_map(|(k, v)| {
                let hash: [u8; 32] = k.as_ref().try_into().ok()?;
                let entry: crate::auth::records::KeyringEntry = store::codec::decode(&v).ok()?;
                Some((hash, entry.user))
            })
            .collect();
        let mut events = Vec::with_capacity(drained.len() + system.len());
        for (e, remove) in drained {
            let user = by_hash.get(&e.user_hash).copied();
            let event = AuditEvent {
                seq: 0,
                at: e.at,
                user,
                username: user
                    .and_then(|id| self.users.get(&id))
                    .map(|u| u.username.clone()),
                peer_uid: e.peer_uid,
                peer_pid: e.peer_pid,
                action: e.action,
                target: user
                    .map(|id| format!("user:{id}"))
                    .unwrap_or_else(|| "unknown user".into()),
                outcome: Outcome::Failed,
                detail: format!("{} (recorded while sealed)", e.detail),
            };
            events.push((event, remove));
        }
        for (e, remove) in system {
            let event = AuditEvent {
                seq: 0,
                at: e.at,
                user: None,
                username: None,
                peer_uid: e.peer_uid,
                peer_pid: e.peer_pid,
                action: e.action,
                target: e.target,
                outcome: e.outcome,
                detail: format!("{} (recorded while sealed)", e.detail),
            };
            events.push((event, remove));
        }
        // The two journals are kept apart by key; the chain should still read in time order.
        events.sort_by_key(|(e, _)| e.at);
        let mut ops = Vec::new();
        for (event, remove) in events {
            ops.extend(crate::audit::append(&self.vault, &mut self.head, event)?);
            ops.push(remove);
        }
        if let Err(e) = store.commit(&ops) {
            self.head = Head::load(store)?;
            return Err(e);
        }
        Ok(())
    }

    pub fn users(&self) -> &BTreeMap<Id, User> {
        &self.users
    }

    /// Adds or changes an account, here and for reads that run without the service lock
    /// (a role change or a disabled account counts for them from the next request on).
    pub fn put_user(&mut self, u: User) {
        // The published map may be in a read's hands: change a copy, then publish that.
        Arc::make_mut(&mut self.users).insert(u.id, u);
        *self.users_seen.write() = Arc::clone(&self.users);
    }

    /// The handles lock-free reads use (see `live.rs`).
    pub fn readers(&self) -> super::live::Readers {
        super::live::Readers {
            index: Arc::clone(&self.index),
            tasks: self.tasks.clone(),
            employees: self.employees.clone(),
            users: self.users_seen.clone(),
        }
    }

    /// The index for reading. A panic while it was held leaves at worst a stale entry,
    /// which the next write of that record replaces, so a poisoned lock is used as is.
    pub fn index(&self) -> RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn username(&self, id: Id) -> String {
        self.users
            .get(&id)
            .map(|u| u.username.clone())
            .unwrap_or_else(|| format!("user {id}"))
    }
}

/// The decrypted caches and the index, before the unseal check has passed.
struct Caches {
    users: BTreeMap<Id, User>,
    employees: BTreeMap<Id, Employee>,
    tasks: BTreeMap<Id, Task>,
    index: Index,
    bad: Vec<String>,
}

impl Caches {
    fn load(store: &Store, vault: &Vault) -> Result<Caches> {
        let mut c = Caches {
            users: BTreeMap::new(),
            employees: BTreeMap::new(),
            tasks: BTreeMap::new(),
            index: Index::default(),
            bad: Vec::new(),
        };
        each_loaded::<User>(vault, store, Tree::Users, &mut c.bad, |u| {
            c.users.insert(u.id, u);
        })?;
        each_loaded::<Employee>(vault, store, Tree::Employees, &mut c.bad, |e| {
            c.index.put_employee(&e);
            c.employees.insert(e.id, e);
        })?;
        each_loaded::<Task>(vault, store, Tree::Tasks, &mut c.bad, |t| {
            c.index.put_task(&t);
            c.tasks.insert(t.id, t);
        })?;
        c.index = customers_indexed(store, vault, c.index, &mut c.bad)?;
        Ok(c)
    }
}

/// Customers an unseal reserves index room for, at most.
const MOST_EXPECTED: usize = 1 << 25;

/// Customers in batches of this many go from the thread that opens them to the one that
/// indexes them.
const BATCH: usize = 2048;

/// Puts every customer that opens into `index`. This thread opens and folds them while a
/// second one inserts them (the two halves cost about the same); the integrity check on
/// a third thread shares the cores for its first fraction of a second. A million records
/// never sit in memory at once: only the batches in flight.
fn customers_indexed(
    store: &Store,
    vault: &Vault,
    mut index: Index,
    bad: &mut Vec<String>,
) -> Result<Index> {
    // Ids are handed out one by one, so the last pack's key bounds the count; a bound far
    // past it (most customers deleted) only reserves address space.
    let mut expected = store
        .records_at_most(Tree::Customers)
        .map(|n| n.min(MOST_EXPECTED));
    std::thread::scope(|s| {
        let (full, filled) = std::sync::mpsc::sync_channel::<Prepared>(2);
        let (empty, emptied) = std::sync::mpsc::channel::<Prepared>();
        let indexer = std::thread::Builder::new()
            .name("unseal-index".into())
            .spawn_scoped(s, move || {
                for mut p in filled {
                    if let Some(n) = expected.take() {
                        index.reserve_customers(n, &p);
                    }
                    index.put_prepared(&mut p);
                    // The buffers go back to be filled again; if the sender is gone they drop.
                    let _ = empty.send(p);
                }
                index
            })?;
        let mut batch = Prepared::with_capacity(BATCH);
        // A send fails only if the indexer is gone, which its join reports.
        let opened =
            each_loaded::<crate::domain::Customer>(vault, store, Tree::Customers, bad, |r| {
                batch.push(&r);
                if batch.len() >= BATCH {
                    let next = emptied
                        .try_recv()
                        .unwrap_or_else(|_| Prepared::with_capacity(BATCH));
                    let _ = full.send(std::mem::replace(&mut batch, next));
                }
            });
        if !batch.is_empty() {
            let _ = full.send(batch);
        }
        drop(full);
        let index = indexer.join().map_err(|_| {
            store::StoreError::Damaged(
                "building the search index stopped unexpectedly; the database was not opened"
                    .into(),
            )
        });
        opened?;
        index
    })
}

/// The search index as the store holds it, for when the one in memory took changes a
/// commit then refused.
pub(super) fn index_from_store(store: &Store, vault: &Vault) -> Result<Index> {
    Ok(Caches::load(store, vault)?.index)
}

/// Calls `f` with every record of `tree` that opens; the ones that do not are named in
/// `bad` and skipped. Storage errors (not a record's content) still stop the load.
fn each_loaded<T: serde::de::DeserializeOwned>(
    vault: &Vault,
    store: &Store,
    tree: Tree,
    bad: &mut Vec<String>,
    mut f: impl FnMut(T),
) -> Result<()> {
    let reader = vault.reader()?;
    store.each_raw(tree, |k, v| {
        match reader.open::<T>(tree, k, v) {
            Ok(t) => f(t),
            Err(store::StoreError::Corrupt { tree, key }) => bad.push(format!("{tree}/{key}")),
            Err(e) => return Err(e),
        }
        Ok(())
    })
}

/// The log must continue from the entry the anchor vouches for: a store ahead of its anchor
/// by count but with another history is not the database that wrote the anchor.
fn continues_from_anchor(store: &Store, vault: &Vault, head: &Head) -> Result<()> {
    let Some((seq, mac)) = store.anchored_head()? else {
        return Ok(());
    };
    if seq == 0 || head.seq <= seq {
        return Ok(());
    }
    let same = match store.get_raw(Tree::Audit, &store::id_key(seq))? {
        Some(v) => vault
            .open::<crate::audit::chain::Stored>(Tree::Audit, &store::id_key(seq), &v)
            .is_ok_and(|s| crate::crypto::ct_eq(&s.mac, &mac)),
        None => false,
    };
    if same {
        return Ok(());
    }
    Err(store::StoreError::Damaged(format!(
        "the audit log does not continue from audit entry {seq}, where the integrity anchor was \
         last written: this is not the history that was committed. Restore the newest backup, or \
         as an admin take the database as it is with `kasefet repair --accept-loss`"
    )))
}
