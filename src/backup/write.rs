//! Taking a snapshot: stream every tree into a temporary file, fill in the manifest, add the
//! checksum, fsync, read it back, then rename it into place.
//!
//! Nothing here needs a key, and nothing touches an existing backup: a failure at any point
//! removes the temporary file and leaves the folder as it was.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::format::{
    self, ChainHead, FORMAT_VERSION, HEADER_LEN, MAGIC, MANIFEST_SLOT, MAX_KEY, MAX_VALUE,
    Manifest, TAG_END, TAG_RECORD, TreeCount,
};
use super::{BackupError, Result, read};
use crate::domain::UnixTime;
use crate::store::open::SCHEMA_KEY;
use crate::store::{SCHEMA_VERSION, Store, Tree, codec};

// Records carry their tree's index in one byte.
const _: () = assert!(Tree::ALL.len() <= super::format::MAX_TREES);

/// The file a snapshot is written into: a `File`, or in tests one that fails part-way the
/// way a full disk does.
pub trait SnapshotFile: Read + Write + Seek + Send {
    /// Makes the written bytes durable (`fsync`).
    fn sync(&mut self) -> io::Result<()>;
}

impl SnapshotFile for File {
    fn sync(&mut self) -> io::Result<()> {
        self.sync_all()
    }
}

/// Creates the temporary file new (never over anything) and private (0600).
pub fn create_temp(path: &Path) -> io::Result<Box<dyn SnapshotFile>> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    Ok(Box::new(f))
}

/// A backup now on disk under its final name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: [u8; 32],
    pub manifest: Manifest,
}

impl Written {
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Writes a snapshot of `store` into `dir`, named for `now`. The caller keeps writers out
/// for the duration (`Service::with_writers_paused`, or owning the store outright).
pub fn write_snapshot(store: &Store, dir: &Path, now: UnixTime) -> Result<Written> {
    write_snapshot_with(store, dir, now, &create_temp)
}

/// `write_snapshot` with the temporary file made by `open` (for fault injection).
pub fn write_snapshot_with(
    store: &Store,
    dir: &Path,
    now: UnixTime,
    open: &dyn Fn(&Path) -> io::Result<Box<dyn SnapshotFile>>,
) -> Result<Written> {
    ensure_folder(dir)?;
    let name = format::file_name(now)?;
    let path = dir.join(&name);
    if fs::symlink_metadata(&path).is_ok() {
        return Err(BackupError::Exists(name));
    }
    let mut nonce = [0u8; 6];
    crate::crypto::random_bytes(&mut nonce).map_err(crate::store::StoreError::from)?;
    let tmp = dir.join(format::temp_name(
        &name,
        &data_encoding::HEXLOWER.encode(&nonce),
    ));
    let write_err = |source: io::Error| BackupError::Write {
        path: path.clone(),
        source,
    };

    let guard = RemoveOnDrop(Some(tmp.clone()));
    let file = open(&tmp).map_err(write_err)?;
    let (manifest, sha256, bytes) = fill(store, file, now, &path)?;

    // Read the file back as a restore would: what the file system holds, not what we meant
    // to write, so a backup that would not restore is never renamed into place.
    let check = read::scan(&tmp, |_, _, _| Ok(()))?;
    if check.manifest != manifest || check.sha256 != sha256 || check.bytes != bytes {
        return Err(write_err(io::Error::other(
            "the file did not read back as written",
        )));
    }
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600)).map_err(write_err)?;
    fs::rename(&tmp, &path).map_err(write_err)?;
    guard.disarm();
    // The rename is durable only once the folder entry is.
    sync_dir(dir).map_err(write_err)?;
    Ok(Written {
        path,
        bytes,
        sha256,
        manifest,
    })
}

/// Streams the records, then fills in the manifest slot and appends the checksum.
fn fill(
    store: &Store,
    file: Box<dyn SnapshotFile>,
    now: UnixTime,
    path: &Path,
) -> Result<(Manifest, [u8; 32], u64)> {
    let io_err = |source: io::Error| BackupError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(MAGIC).map_err(io_err)?;
    w.write_all(&FORMAT_VERSION.to_be_bytes()).map_err(io_err)?;
    w.write_all(&[0u8; MANIFEST_SLOT]).map_err(io_err)?;

    // Read with the records, inside the same pause, so head and log agree.
    let audit_head: ChainHead = crate::audit::Head::load(store)?.into();
    let store_digest = store.digest()?;
    let schema_version = match store.get_raw(Tree::Meta, SCHEMA_KEY)? {
        Some(v) => codec::decode::<u32>(&v)?,
        None => SCHEMA_VERSION,
    };
    let mut trees = Vec::with_capacity(Tree::ALL.len());
    for (index, tree) in Tree::ALL.into_iter().enumerate() {
        let mut records = 0u64;
        for r in store.scan_raw(tree) {
            let (k, v) = r?;
            for (len, max) in [(k.len(), MAX_KEY), (v.len(), MAX_VALUE)] {
                if len > max {
                    return Err(BackupError::TooLarge {
                        tree: tree.name(),
                        key: show_key(&k),
                        len,
                        max,
                    });
                }
            }
            // Lengths fit in u32: both caps are far below 4 GiB.
            w.write_all(&[TAG_RECORD, index as u8]).map_err(io_err)?;
            w.write_all(&(k.len() as u32).to_be_bytes())
                .map_err(io_err)?;
            w.write_all(&k).map_err(io_err)?;
            w.write_all(&(v.len() as u32).to_be_bytes())
                .map_err(io_err)?;
            w.write_all(&v).map_err(io_err)?;
            records += 1;
        }
        trees.push(TreeCount {
            tree: tree.name().to_string(),
            records,
        });
    }
    w.write_all(&[TAG_END]).map_err(io_err)?;
    let mut file = w.into_inner().map_err(|e| io_err(e.into_error()))?;

    let manifest = Manifest {
        created_at: now,
        database_id: store.db_id(),
        schema_version,
        program_version: env!("CARGO_PKG_VERSION").to_string(),
        audit_head,
        trees,
        store_digest,
    };
    let body = codec::encode(&manifest)?;
    if body.len() + 4 > MANIFEST_SLOT {
        return Err(BackupError::Write {
            path: path.to_path_buf(),
            source: io::Error::other("the manifest does not fit its slot"),
        });
    }
    let mut slot = vec![0u8; MANIFEST_SLOT];
    slot[..4].copy_from_slice(&(body.len() as u32).to_be_bytes());
    slot[4..4 + body.len()].copy_from_slice(&body);
    file.seek(SeekFrom::Start(HEADER_LEN)).map_err(io_err)?;
    file.write_all(&slot).map_err(io_err)?;

    // The checksum covers the finished bytes, so it is taken by reading them back.
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io_err)?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
        len += n as u64;
    }
    let mut sha256 = [0u8; 32];
    sha256.copy_from_slice(ctx.finish().as_ref());
    file.seek(SeekFrom::End(0)).map_err(io_err)?;
    file.write_all(&sha256).map_err(io_err)?;
    file.flush().map_err(io_err)?;
    file.sync().map_err(io_err)?;
    Ok((manifest, sha256, len + sha256.len() as u64))
}

/// Creates the folder (0700) when missing; an existing one is used as it is, since it may
/// be a mount point whose permissions are someone else's decision.
pub(crate) fn ensure_folder(dir: &Path) -> Result<()> {
    let folder_err = |source: io::Error| BackupError::Folder {
        path: dir.to_path_buf(),
        source,
    };
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(folder_err(io::Error::new(
            io::ErrorKind::NotADirectory,
            "it is not a folder",
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(folder_err),
        Err(e) => Err(folder_err(e)),
    }
}

pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn show_key(key: &[u8]) -> String {
    match crate::store::key_id(key) {
        Some(id) => id.to_string(),
        None => data_encoding::HEXLOWER.encode(&key[..key.len().min(8)]),
    }
}

/// Removes a half-written file unless the write got all the way through.
struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}
