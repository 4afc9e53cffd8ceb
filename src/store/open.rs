//! Creating and opening a database directory, and raw access to its trees.

use std::collections::BTreeMap;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{Op, Result, SCHEMA_VERSION, StoreError, Tree, codec, migrate, pack};

/// A record as sled holds it: key and sealed value.
pub type RawRecord = (sled::IVec, sled::IVec);

/// Meta keys a backup checks against its manifest without a key.
pub(crate) const SCHEMA_KEY: &[u8] = b"schema";
pub(crate) const DB_ID_KEY: &[u8] = b"db_id";
const USER_SALT_KEY: &[u8] = b"user_salt";
/// The marker sled leaves in a directory it owns.
const SLED_MARKER: &str = "conf";

pub struct Store {
    db: sled::Db,
    path: PathBuf,
    trees: BTreeMap<Tree, sled::Tree>,
    db_id: [u8; 16],
    user_salt: [u8; 16],
    /// Files inside the directory that were open to others at open and were made private.
    tightened: Vec<PathBuf>,
    /// The digest and anchor keys while unsealed (see `integrity`).
    pub(super) keys: super::integrity::KeySlot,
    /// Covered commits and their anchor writes happen one at a time, so anchors land in order.
    pub(super) commit_lock: std::sync::Mutex<()>,
    /// Opened by `repair --accept-loss`: the integrity checks report instead of refusing.
    pub(super) accept_loss: bool,
    /// Set with `accept_loss` until an admin accepted: no anchor is written meanwhile, so a
    /// sign-in that is then refused leaves the damage exactly as it was found.
    pub(super) hold_anchor: std::sync::atomic::AtomicBool,
    /// Unit tests of what callers do when a commit fails (a full disk) set this.
    #[cfg(test)]
    pub(crate) fail_next_commit: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// True when `dir` holds a Kasefet database.
pub fn exists(dir: &Path) -> bool {
    dir.join(SLED_MARKER).exists()
}

/// Refuses a directory that group or others can reach: the files are encrypted, but their
/// sizes and times are not, and a readable directory is usually a mistake worth stopping for.
pub fn check_private(dir: &Path) -> Result<()> {
    let meta = std::fs::metadata(dir)?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(StoreError::Permissions(format!(
            "data directory {} is open to other users (mode {mode:o}); run `chmod 700 {}`",
            dir.display(),
            dir.display()
        )));
    }
    Ok(())
}

/// Makes every file inside the data directory 0600 (folders 0700) and returns those it had
/// to change, for the caller to report: a copy made without `-p` or sled writing under a
/// loose umask leaves files group- or world-readable, hidden today by the directory's mode
/// but not after someone widens the directory or moves a file.
fn tighten_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut fixed = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.file_type().is_symlink() {
            continue;
        }
        let mode = meta.permissions().mode() & 0o777;
        let path = entry.path();
        if mode & 0o077 != 0 {
            let private = if meta.is_dir() { 0o700 } else { 0o600 };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & private))?;
            fixed.push(path.clone());
        }
        if meta.is_dir() {
            fixed.extend(tighten_files(&path)?);
        }
    }
    Ok(fixed)
}

/// sled releases its file lock only when its background flusher lets go of the database,
/// which can lag a `drop` by a few milliseconds; a handful of retries covers a process that
/// closes and reopens (init, restore, tests) without hiding a real second owner for long.
fn sled_open(dir: &Path, cache_bytes: u64) -> Result<sled::Db> {
    let mut tries = 0;
    loop {
        // Inside the retries: while the lock lags, it leaves the files alone.
        super::half_snapshot::remove_torn(dir)?;
        match sled_open_once(dir, cache_bytes) {
            Err(StoreError::Locked { .. }) if tries < 20 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            other => return other,
        }
    }
}

fn sled_open_once(dir: &Path, cache_bytes: u64) -> Result<sled::Db> {
    sled::Config::new()
        .path(dir)
        .cache_capacity(cache_bytes)
        .open()
        .map_err(|e| match e {
            sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                StoreError::Locked {
                    path: dir.display().to_string(),
                    hint: "close the other kasefet, or start `kasefet serve` so several people can share it".into(),
                }
            }
            other => StoreError::Sled(other),
        })
}

/// A packed tree's packs in key order, each found by a lookup of the key after the last.
///
/// sled keeps every node its iterators visit, whatever its cache capacity
/// (spacejam/sled#1036); lookups go through the cache and are evicted from it. Measured on
/// a million customers (31,251 packs, 8 MiB cache): a sled iterator left 165 MB resident
/// after one walk, this walk 74 MB, in the same time (0.7 s) when it walks alone. Unseal,
/// the integrity check and backups each walk every pack, so a server would otherwise keep
/// the whole table. The price is at unseal, where two walks run at once: sign-in at 1M
/// took 0.03–0.37 s longer (five paired runs), a cause not yet pinned down.
struct Walk<'a> {
    tree: &'a sled::Tree,
    last: Option<sled::IVec>,
    done: bool,
}

impl<'a> Walk<'a> {
    fn new(tree: &'a sled::Tree) -> Self {
        Walk {
            tree,
            last: None,
            done: false,
        }
    }
}

impl Iterator for Walk<'_> {
    type Item = sled::Result<(sled::IVec, sled::IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let found = match &self.last {
            None => self.tree.first(),
            Some(k) => self.tree.get_gt(k),
        };
        match found {
            Ok(Some((k, v))) => {
                self.last = Some(k.clone());
                Some(Ok((k, v)))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Moves records found loose in a packed tree's own sled tree (left by a restore, which
/// writes records as a backup lists them, or by schema 2) into their packs. Each step moves
/// a batch in one transaction, so a crash leaves every record in exactly one place, and the
/// next open goes on from there.
fn pack_loose(db: &sled::Db, t: Tree, packed: &sled::Tree) -> Result<()> {
    let name = t.name().as_bytes();
    if !db.tree_names().iter().any(|n| n.as_ref() == name) {
        return Ok(());
    }
    let loose = db.open_tree(name)?;
    loop {
        let batch: Vec<RawRecord> = loose.iter().take(4096).collect::<sled::Result<_>>()?;
        if batch.is_empty() {
            break;
        }
        let ops: Vec<Op> = batch
            .iter()
            .map(|(k, v)| Op::put(t, k.to_vec(), v.to_vec()))
            .collect();
        use sled::Transactional;
        [&loose, packed].transaction(|tx| {
            for (k, _) in &batch {
                tx[0].remove(k)?;
            }
            super::apply::apply(&tx[1..], &[t], &ops, |_, _| {})
        })?;
    }
    drop(loose);
    db.drop_tree(name)?;
    db.flush()?;
    Ok(())
}

/// A new, empty sled directory (0700) for `backup::restore` to fill with a snapshot's raw
/// records. It is not a `Store` until `Store::open` has checked it like any other database.
pub(crate) fn create_raw(dir: &Path, cache_bytes: u64) -> Result<sled::Db> {
    // Not recursive: the directory must be new, so nothing else can be in it.
    std::fs::DirBuilder::new().mode(0o700).create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    sled_open(dir, cache_bytes)
}

impl Store {
    /// Creates a new database in `dir` (which must not hold one yet).
    pub fn create(dir: &Path, cache_bytes: u64) -> Result<Store> {
        if exists(dir) {
            return Err(StoreError::Exists(dir.display().to_string()));
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        let db = sled_open(dir, cache_bytes)?;
        let meta = db.open_tree(Tree::Meta.name())?;
        let mut db_id = [0u8; 16];
        let mut salt = [0u8; 16];
        crate::crypto::random_bytes(&mut db_id)?;
        crate::crypto::random_bytes(&mut salt)?;
        meta.insert(SCHEMA_KEY, codec::encode(&SCHEMA_VERSION)?)?;
        meta.insert(DB_ID_KEY, &db_id[..])?;
        meta.insert(USER_SALT_KEY, &salt[..])?;
        db.flush()?;
        Store::from_db(dir, db)
    }

    /// Opens an existing database, refusing one that is behind its integrity anchor.
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<Store> {
        let store = Store::open_unchecked(dir, cache_bytes)?;
        store.check_sealed()?;
        Ok(store)
    }

    /// Opens without refusing damage, for `doctor` (which reports it) and
    /// `repair --accept-loss` (which takes the damaged state into service at unseal).
    pub fn open_for_repair(dir: &Path, cache_bytes: u64) -> Result<Store> {
        let mut store = Store::open_unchecked(dir, cache_bytes)?;
        store.accept_loss = true;
        store.hold_anchor = std::sync::atomic::AtomicBool::new(true);
        Ok(store)
    }

    fn open_unchecked(dir: &Path, cache_bytes: u64) -> Result<Store> {
        if !exists(dir) {
            return Err(StoreError::Missing(dir.display().to_string()));
        }
        check_private(dir)?;
        let tightened = tighten_files(dir)?;
        let mut store = Store::from_db(dir, sled_open(dir, cache_bytes)?)?;
        store.tightened = tightened;
        Ok(store)
    }

    fn from_db(dir: &Path, db: sled::Db) -> Result<Store> {
        let mut trees = BTreeMap::new();
        for t in Tree::ALL {
            trees.insert(t, db.open_tree(t.sled_name())?);
        }
        for t in Tree::ALL.into_iter().filter(|t| t.packed()) {
            pack_loose(&db, t, &trees[&t])?;
        }
        let meta = &trees[&Tree::Meta];
        let found: u32 = match meta.get(SCHEMA_KEY)? {
            Some(v) => codec::decode(&v)?,
            None => return Err(StoreError::Decode("no schema version recorded".into())),
        };
        if found != SCHEMA_VERSION {
            let v = migrate::run(&db, found)?;
            meta.insert(SCHEMA_KEY, codec::encode(&v)?)?;
            db.flush()?;
        }
        let fixed = |k: &[u8]| -> Result<[u8; 16]> {
            meta.get(k)?
                .and_then(|v| <[u8; 16]>::try_from(v.as_ref()).ok())
                .ok_or_else(|| {
                    StoreError::Decode(format!("meta {} missing", String::from_utf8_lossy(k)))
                })
        };
        let db_id = fixed(DB_ID_KEY)?;
        let user_salt = fixed(USER_SALT_KEY)?;
        Ok(Store {
            db,
            path: dir.to_path_buf(),
            trees,
            db_id,
            user_salt,
            tightened: Vec::new(),
            keys: Default::default(),
            commit_lock: std::sync::Mutex::new(()),
            accept_loss: false,
            hold_anchor: std::sync::atomic::AtomicBool::new(false),
            #[cfg(test)]
            fail_next_commit: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Files found open to other users at open, now 0600 (folders 0700): worth a warning,
    /// since something copied or wrote them carelessly.
    pub fn tightened(&self) -> &[PathBuf] {
        &self.tightened
    }

    pub fn db_id(&self) -> [u8; 16] {
        self.db_id
    }

    /// Salt for username hashes in trees that must work before the DEK is known.
    pub fn user_salt(&self) -> &[u8; 16] {
        &self.user_salt
    }

    /// The sled tree of an unpacked tree. A packed tree's sled tree holds packs, not
    /// records (`store::pack`): reading it as records would find none, so asking is a bug.
    pub fn tree(&self, t: Tree) -> &sled::Tree {
        assert!(!t.packed(), "{} is packed: use get_raw/scan_raw", t.name());
        self.raw_tree(t)
    }

    pub(super) fn raw_tree(&self, t: Tree) -> &sled::Tree {
        // All trees are opened in `open`; the map is total over `Tree::ALL`.
        &self.trees[&t]
    }

    pub fn get_raw(&self, t: Tree, key: &[u8]) -> Result<Option<sled::IVec>> {
        if !t.packed() {
            return Ok(self.raw_tree(t).get(key)?);
        }
        Ok(match self.raw_tree(t).get(pack::pack_key(key))? {
            Some(raw) => pack::Entries::find(&raw, key)?.map(sled::IVec::from),
            None => None,
        })
    }

    /// Every record of a tree in key order; a packed tree's are read a pack at a time.
    /// A pack whose layout is damaged is an error, except when repairing: then its
    /// unreadable records are simply not there, which the digest check names as a loss.
    pub fn scan_raw(&self, t: Tree) -> Box<dyn Iterator<Item = Result<RawRecord>> + Send + '_> {
        if !t.packed() {
            return Box::new(self.raw_tree(t).iter().map(|r| r.map_err(StoreError::from)));
        }
        let raw = Walk::new(self.raw_tree(t)).map(|r| r.map_err(StoreError::from));
        let skip_damage = self.accept_loss;
        Box::new(raw.flat_map(move |r| {
            let mut unpacked: Vec<Result<RawRecord>> = match r {
                Ok((at, p)) => match pack::Entries::new(&p) {
                    Ok(entries) => entries
                        .within(&at)
                        .map(|e| e.map(|(k, v)| (k, sled::IVec::from(v))))
                        .collect(),
                    Err(e) => vec![Err(e)],
                },
                Err(e) => vec![Err(e)],
            };
            if skip_damage {
                unpacked.retain(|e| !matches!(e, Err(StoreError::Damaged(_))));
            }
            unpacked
        }))
    }

    /// `scan_raw` without a copy of every record: `f` sees each key and value where the
    /// pack holds them. Unseal and the integrity check read a million records this way.
    pub fn each_raw(&self, t: Tree, mut f: impl FnMut(&[u8], &[u8]) -> Result<()>) -> Result<()> {
        if !t.packed() {
            for r in self.raw_tree(t).iter() {
                let (k, v) = r?;
                f(&k, &v)?;
            }
            return Ok(());
        }
        for r in Walk::new(self.raw_tree(t)) {
            let (at, v) = r?;
            // Damage is skipped as `scan_raw` skips it: the entries before it still count.
            let entries = match pack::Entries::new(&v) {
                Ok(entries) => entries.within(&at),
                Err(StoreError::Damaged(_)) if self.accept_loss => continue,
                Err(e) => return Err(e),
            };
            for e in entries {
                match e {
                    Ok((k, v)) => f(&k, v)?,
                    Err(StoreError::Damaged(_)) if self.accept_loss => break,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// Writes (or with `None` removes) one record's raw value outside any commit, so the
    /// digest does not follow: what damage or an intruder does. For damage tests and
    /// `benches/crash_damage`, never for the product's own writes.
    pub fn write_uncovered(&self, t: Tree, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        let op = Op {
            tree: t,
            key: key.to_vec(),
            value: value.map(<[u8]>::to_vec),
        };
        let tree = self.raw_tree(t);
        use sled::Transactional;
        std::slice::from_ref(&tree).transaction(|tx| {
            super::apply::apply(tx, &[t], std::slice::from_ref(&op), |_, _| {})
        })?;
        Ok(())
    }

    /// At least as many records as packed tree `t` holds, from its last key alone (a pack
    /// holds at most `PER_PACK` consecutive ids); `None` for an unpacked tree, or one whose
    /// last key cannot be read.
    pub fn records_at_most(&self, t: Tree) -> Option<usize> {
        if !t.packed() {
            return None;
        }
        let (last, _) = self.raw_tree(t).last().ok()??;
        let pack = u64::from_be_bytes(last.as_ref().try_into().ok()?);
        let records = pack.checked_add(1)?.checked_mul(pack::PER_PACK)?;
        usize::try_from(records).ok()
    }

    /// Records in a tree. A pack that cannot be read counts as none: `scan_raw` reports it.
    pub fn len(&self, t: Tree) -> usize {
        if !t.packed() {
            return self.raw_tree(t).len();
        }
        Walk::new(self.raw_tree(t))
            .map(|r| {
                r.ok()
                    .and_then(|(_, p)| pack::Entries::count(&p).ok())
                    .unwrap_or(0)
            })
            .sum()
    }

    /// Applies all `ops` atomically across their trees, then flushes to disk: when this
    /// returns Ok the change survives a crash.
    pub fn commit(&self, ops: &[Op]) -> Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        #[cfg(test)]
        if self
            .fail_next_commit
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            return Err(std::io::Error::from(std::io::ErrorKind::StorageFull).into());
        }
        // In repair mode the digest is left as found; accepting the loss recomputes it.
        if !self.repairing() && ops.iter().any(|o| super::digest::covered(o.tree, &o.key)) {
            return self.commit_covered(ops);
        }
        let mut involved: Vec<Tree> = ops.iter().map(|o| o.tree).collect();
        involved.sort();
        involved.dedup();
        let trees: Vec<&sled::Tree> = involved.iter().map(|t| self.raw_tree(*t)).collect();
        use sled::Transactional;
        trees
            .as_slice()
            .transaction(|tx| super::apply::apply(tx, &involved, ops, |_, _| {}))?;
        self.db.flush()?;
        Ok(())
    }

    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    /// Size of the database files on disk.
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }

    /// The next id for a kind; callers hold the service's write lock, and the counter is
    /// stored in the same commit as the record that uses it.
    pub fn next_id(&self, t: Tree) -> Result<(u64, Op)> {
        let key = format!("next_id/{}", t.name()).into_bytes();
        let next = match self.get_raw(Tree::Meta, &key)? {
            Some(v) => codec::decode::<u64>(&v)?,
            None => 1,
        };
        Ok((next, Op::put(Tree::Meta, key, codec::encode(&(next + 1))?)))
    }
}
