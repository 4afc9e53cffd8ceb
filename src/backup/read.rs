//! Streaming a snapshot back with every check that needs no key: magic, version, capped
//! lengths, record order, the manifest's counts and ids against the records, and the
//! SHA-256 trailer. Memory stays bounded by the largest single record.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use super::format::{
    FORMAT_VERSION, MAGIC, MANIFEST_SLOT, MAX_KEY, MAX_TREES, MAX_VALUE, Manifest, ManifestV1,
    OLDEST_FORMAT, TAG_END, TAG_RECORD, TRAILER_LEN, kind,
};
use super::{BackupError, Result};
use crate::audit::chain::HEAD_KEY;
use crate::crypto::ct_eq;
use crate::store::digest::{DIGEST_KEY, Digest};
use crate::store::open::{DB_ID_KEY, SCHEMA_KEY};
use crate::store::{StoreError, Tree, codec};

/// A file that passed every keyless check.
#[derive(Debug, Clone)]
pub(crate) struct Scanned {
    pub manifest: Manifest,
    pub bytes: u64,
    pub sha256: [u8; 32],
}

struct Hashing<'p> {
    inner: BufReader<File>,
    ctx: ring::digest::Context,
    pos: u64,
    len: u64,
    path: &'p Path,
}

impl Hashing<'_> {
    fn exact(&mut self, buf: &mut [u8]) -> Result<()> {
        self.raw(buf)?;
        self.ctx.update(buf);
        Ok(())
    }

    fn raw(&mut self, buf: &mut [u8]) -> Result<()> {
        match self.inner.read_exact(buf) {
            Ok(()) => {
                self.pos += buf.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(BackupError::damaged(
                self.path,
                format!(
                    "the file ends early: it has {} bytes but needs at least {} (truncated?)",
                    self.len,
                    self.pos + buf.len() as u64
                ),
            )),
            Err(source) => Err(BackupError::Read {
                path: self.path.to_path_buf(),
                source,
            }),
        }
    }

    fn u8(&mut self) -> Result<u8> {
        let mut b = [0u8; 1];
        self.exact(&mut b)?;
        Ok(b[0])
    }

    fn u32(&mut self) -> Result<u32> {
        let mut b = [0u8; 4];
        self.exact(&mut b)?;
        Ok(u32::from_be_bytes(b))
    }

    /// A length field, refused before anything is allocated for it when over `max`.
    fn len(&mut self, what: &str, max: usize) -> Result<usize> {
        let at = self.pos;
        let n = self.u32()? as usize;
        if n > max {
            return Err(BackupError::damaged(
                self.path,
                format!("a {what} length of {n} bytes at byte {at} is over the limit of {max}"),
            ));
        }
        Ok(n)
    }
}

/// Reads only the header and manifest, for listings; nothing is verified.
pub(crate) fn manifest_only(path: &Path) -> Result<Manifest> {
    let file = File::open(path).map_err(|source| BackupError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut r = Hashing {
        inner: BufReader::new(file),
        ctx: ring::digest::Context::new(&ring::digest::SHA256),
        pos: 0,
        len,
        path,
    };
    header(&mut r)
}

fn header(r: &mut Hashing<'_>) -> Result<Manifest> {
    let path = r.path;
    let mut magic = [0u8; MAGIC.len()];
    if r.exact(&mut magic).is_err() || &magic != MAGIC {
        return Err(BackupError::NotABackup {
            path: path.to_path_buf(),
        });
    }
    let version = r.u32()?;
    if !(OLDEST_FORMAT..=FORMAT_VERSION).contains(&version) {
        return Err(BackupError::Version {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let mut slot = vec![0u8; MANIFEST_SLOT];
    r.exact(&mut slot)?;
    let mut len_bytes = [0u8; 4];
    len_bytes.copy_from_slice(&slot[..4]);
    let len = u32::from_be_bytes(len_bytes) as usize;
    if len > MANIFEST_SLOT - 4 {
        return Err(BackupError::damaged(
            path,
            format!("the manifest claims {len} bytes, more than its slot"),
        ));
    }
    let body = &slot[4..4 + len];
    let unreadable =
        |e: StoreError| BackupError::damaged(path, format!("the manifest is unreadable ({e})"));
    let manifest: Manifest = if version == 1 {
        codec::decode::<ManifestV1>(body)
            .map_err(unreadable)?
            .into()
    } else {
        codec::decode(body).map_err(unreadable)?
    };
    if slot[4 + len..].iter().any(|b| *b != 0) {
        return Err(BackupError::damaged(
            path,
            "there are stray bytes after the manifest",
        ));
    }
    Ok(manifest)
}

/// Reads `path` from end to end, handing each record to `visit` as it streams by, and
/// returns only when every keyless check passed. `visit` sees records before the checksum
/// is known: callers that keep anything must discard it on error.
pub(crate) fn scan(
    path: &Path,
    mut visit: impl FnMut(Tree, &[u8], &[u8]) -> Result<()>,
) -> Result<Scanned> {
    let file = File::open(path).map_err(|source| BackupError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let len = file
        .metadata()
        .map_err(|source| BackupError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    let mut r = Hashing {
        inner: BufReader::with_capacity(1 << 20, file),
        ctx: ring::digest::Context::new(&ring::digest::SHA256),
        pos: 0,
        len,
        path,
    };
    let manifest = header(&mut r)?;
    let damaged = |reason: String| BackupError::damaged(path, reason);

    if manifest.trees.len() > MAX_TREES {
        return Err(damaged(format!(
            "the manifest lists {} trees",
            manifest.trees.len()
        )));
    }
    let mut trees = Vec::with_capacity(manifest.trees.len());
    for t in &manifest.trees {
        let tree = Tree::from_name(&t.tree).ok_or_else(|| {
            damaged(format!(
                "it holds a tree this kasefet does not know ({:?}); it may be from a newer version",
                t.tree
            ))
        })?;
        if trees.contains(&tree) {
            return Err(damaged(format!("the manifest lists tree {} twice", t.tree)));
        }
        trees.push(tree);
    }

    let mut counts = vec![0u64; trees.len()];
    let mut current = 0usize;
    let mut key: Vec<u8> = Vec::new();
    let mut prev_key: Option<Vec<u8>> = None;
    let mut value: Vec<u8> = Vec::new();
    let mut seen_db_id = false;
    let mut seen_head = false;
    let mut seen_digest = false;
    loop {
        let at = r.pos;
        match r.u8()? {
            TAG_END => break,
            TAG_RECORD => {}
            other => {
                return Err(damaged(format!(
                    "unexpected byte {other:#04x} at byte {at} where a record should start"
                )));
            }
        }
        let index = r.u8()? as usize;
        if index >= trees.len() {
            return Err(damaged(format!(
                "a record at byte {at} names tree {index}, which the manifest does not list"
            )));
        }
        if index < current {
            return Err(damaged(format!("records are out of order at byte {at}")));
        }
        if index != current {
            current = index;
            prev_key = None;
        }
        let klen = r.len("key", MAX_KEY)?;
        key.resize(klen, 0);
        r.exact(&mut key)?;
        // sled hands keys out in order, so a repeat or step back can only be damage (and a
        // duplicate would silently overwrite on restore).
        if prev_key.as_deref().is_some_and(|p| p >= key.as_slice()) {
            return Err(damaged(format!(
                "a {} key repeats or is out of order at byte {at}",
                trees[index].name()
            )));
        }
        let vlen = r.len("value", MAX_VALUE)?;
        value.resize(vlen, 0);
        r.exact(&mut value)?;
        let tree = trees[index];
        if tree == Tree::Meta && key == DIGEST_KEY {
            seen_digest = true;
        }
        if tree == Tree::Meta {
            check_meta(&manifest, &key, &value, &mut seen_db_id, &mut seen_head)
                .map_err(damaged)?;
        }
        counts[index] += 1;
        visit(tree, &key, &value)?;
        match prev_key.as_mut() {
            Some(p) => {
                p.clear();
                p.extend_from_slice(&key);
            }
            None => prev_key = Some(key.clone()),
        }
    }

    let mut digest = [0u8; 32];
    digest.copy_from_slice(r.ctx.clone().finish().as_ref());
    let mut trailer = [0u8; TRAILER_LEN];
    r.raw(&mut trailer)?;
    if !ct_eq(&digest, &trailer) {
        return Err(damaged("its SHA-256 checksum does not match (the file was changed or damaged after it was written)".into()));
    }
    let mut extra = [0u8; 1];
    match r.inner.read(&mut extra) {
        Ok(0) => {}
        Ok(_) => return Err(damaged("there are extra bytes after the checksum".into())),
        Err(source) => {
            return Err(BackupError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    }

    for (i, tree) in trees.iter().enumerate() {
        let listed = manifest.trees[i].records;
        if counts[i] != listed {
            return Err(damaged(format!(
                "the manifest lists {listed} {} but the file holds {}",
                kind(*tree),
                counts[i]
            )));
        }
    }
    if !seen_db_id {
        return Err(damaged("it has no database id".into()));
    }
    if manifest.store_digest.is_some() && !seen_digest {
        return Err(damaged(
            "its manifest has a store digest the records do not hold".into(),
        ));
    }
    if manifest.audit_head.seq > 0 && !seen_head {
        return Err(damaged("it has no audit chain head".into()));
    }
    let audit = manifest.count(Tree::Audit);
    if audit != manifest.audit_head.seq {
        return Err(damaged(format!(
            "it holds {audit} audit entries but the audit chain head is entry {} (the log was cut short)",
            manifest.audit_head.seq
        )));
    }
    Ok(Scanned {
        manifest,
        bytes: r.pos,
        sha256: digest,
    })
}

/// The meta records a keyless check can compare with the manifest.
fn check_meta(
    manifest: &Manifest,
    key: &[u8],
    value: &[u8],
    seen_db_id: &mut bool,
    seen_head: &mut bool,
) -> std::result::Result<(), String> {
    if key == DB_ID_KEY {
        *seen_db_id = true;
        if value != manifest.database_id {
            return Err("its database id does not match its manifest".into());
        }
    } else if key == HEAD_KEY {
        *seen_head = true;
        let head: crate::audit::Head =
            codec::decode(value).map_err(|_| "its audit chain head is unreadable".to_string())?;
        if head.seq != manifest.audit_head.seq || !ct_eq(&head.mac, &manifest.audit_head.mac) {
            return Err("its audit chain head does not match its manifest".into());
        }
    } else if key == DIGEST_KEY {
        let d = Digest::decode(value).map_err(|_| "its store digest is unreadable".to_string())?;
        if manifest.store_digest.as_ref() != Some(&d) {
            return Err("its store digest does not match its manifest".into());
        }
    } else if key == SCHEMA_KEY {
        let v: u32 =
            codec::decode(value).map_err(|_| "its schema version is unreadable".to_string())?;
        if v != manifest.schema_version {
            return Err("its schema version does not match its manifest".into());
        }
    }
    Ok(())
}
