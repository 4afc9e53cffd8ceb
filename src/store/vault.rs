//! The unsealed keys and typed, encrypted access to record trees.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Op, Result, Store, StoreError, Tree, codec};
use crate::crypto::{SecretKey, aead};

/// The DEK and its HKDF subkeys; exists only while the database is unsealed.
#[derive(Debug)]
pub struct Vault {
    dek: SecretKey,
    index: SecretKey,
    audit: SecretKey,
}

/// The value layout named in every value's AAD. It was the schema version while both were 1;
/// schema 2 changed the keyring, not values, so values sealed under schema 1 still open.
/// Bump it (and re-seal every value in `migrate`) only when the value layout changes.
pub const VALUE_LAYOUT: u32 = 1;

fn aad(tree: Tree, key: &[u8]) -> Vec<u8> {
    let mut a = Vec::with_capacity(tree.name().len() + key.len() + 5);
    a.extend_from_slice(tree.name().as_bytes());
    a.push(0);
    a.extend_from_slice(key);
    a.extend_from_slice(&VALUE_LAYOUT.to_be_bytes());
    a
}

fn show_key(key: &[u8]) -> String {
    match super::key_id(key) {
        Some(id) => id.to_string(),
        None => data_encoding::HEXLOWER.encode(&key[..key.len().min(8)]),
    }
}

fn corrupt(tree: Tree, key: &[u8]) -> StoreError {
    StoreError::Corrupt {
        tree: tree.name(),
        key: show_key(key),
    }
}

/// `Vault::open` for many values: see `Vault::reader`.
pub struct Reader(aead::Sealer);

impl Reader {
    pub fn open<T: DeserializeOwned>(&self, tree: Tree, key: &[u8], sealed: &[u8]) -> Result<T> {
        let plain = self
            .0
            .open(&aad(tree, key), sealed)
            .map_err(|_| corrupt(tree, key))?;
        codec::decode(&plain).map_err(|_| corrupt(tree, key))
    }
}

impl Vault {
    pub fn new(dek: SecretKey) -> Self {
        Vault {
            index: dek.derive("blind-index"),
            audit: dek.derive("audit-chain"),
            dek,
        }
    }

    pub fn dek(&self) -> &SecretKey {
        &self.dek
    }

    pub fn audit_key(&self) -> &SecretKey {
        &self.audit
    }

    /// Keyed hash for lookups by value (usernames) without storing the value.
    pub fn blind(&self, purpose: &str, value: &str) -> Vec<u8> {
        self.index
            .mac(&[purpose.as_bytes(), b"\0", value.as_bytes()])
            .to_vec()
    }

    pub fn seal<T: Serialize>(&self, tree: Tree, key: &[u8], value: &T) -> Result<Vec<u8>> {
        let plain = zeroize::Zeroizing::new(codec::encode(value)?);
        Ok(aead::seal(&self.dek, &aad(tree, key), &plain)?)
    }

    pub fn open<T: DeserializeOwned>(&self, tree: Tree, key: &[u8], sealed: &[u8]) -> Result<T> {
        let plain =
            aead::open(&self.dek, &aad(tree, key), sealed).map_err(|_| corrupt(tree, key))?;
        codec::decode(&plain).map_err(|_| corrupt(tree, key))
    }

    /// Opens many values with one key schedule, for the length of a bulk read.
    pub fn reader(&self) -> Result<Reader> {
        Ok(Reader(aead::Sealer::new(&self.dek)?))
    }

    pub fn put<T: Serialize>(&self, tree: Tree, key: &[u8], value: &T) -> Result<Op> {
        Ok(Op::put(tree, key.to_vec(), self.seal(tree, key, value)?))
    }

    /// `put` for many values of one tree, sealed on every core (a bulk import's values):
    /// the same layout and random nonces as `put`, in the order given.
    pub fn put_many<T: Serialize + Sync>(
        &self,
        tree: Tree,
        items: &[(Vec<u8>, &T)],
    ) -> Result<Vec<Op>> {
        super::parallel::map_chunks(items, |chunk| {
            let sealer = aead::Sealer::new(&self.dek)?;
            let mut plain = Vec::with_capacity(chunk.len());
            for (_, v) in chunk {
                plain.push(zeroize::Zeroizing::new(codec::encode(v)?));
            }
            let aads: Vec<Vec<u8>> = chunk.iter().map(|(k, _)| aad(tree, k)).collect();
            let sealed = sealer.seal_many(
                aads.iter()
                    .zip(&plain)
                    .map(|(a, p)| (a.as_slice(), p.as_slice())),
            )?;
            Ok(chunk
                .iter()
                .zip(sealed)
                .map(|((k, _), v)| Op::put(tree, k.clone(), v))
                .collect())
        })
    }

    pub fn get<T: DeserializeOwned>(
        &self,
        store: &Store,
        tree: Tree,
        key: &[u8],
    ) -> Result<Option<T>> {
        match store.get_raw(tree, key)? {
            Some(v) => Ok(Some(self.open(tree, key, &v)?)),
            None => Ok(None),
        }
    }

    /// Every record of a tree, in key order, opened on every core: what a bulk import
    /// matches against and an export writes out. The first record that fails to open fails
    /// the whole read, as `scan` would.
    pub fn open_all<T: DeserializeOwned + Send>(
        &self,
        store: &Store,
        tree: Tree,
    ) -> Result<Vec<T>> {
        let raw = store.scan_raw(tree).collect::<Result<Vec<_>>>()?;
        super::parallel::map_chunks(&raw, |chunk| {
            let r = self.reader()?;
            chunk.iter().map(|(k, v)| r.open(tree, k, v)).collect()
        })
    }

    /// Every record of a tree, in key order.
    pub fn scan<'a, T: DeserializeOwned + 'a>(
        &'a self,
        store: &'a Store,
        tree: Tree,
    ) -> impl Iterator<Item = Result<(Vec<u8>, T)>> + 'a {
        store.scan_raw(tree).map(move |r| {
            let (k, v) = r?;
            let value = self.open(tree, &k, &v)?;
            Ok((k.to_vec(), value))
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Enough values that `put_many` and `open_all` use every core.
    #[test]
    fn put_many_and_open_all_agree_with_put_and_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(&dir.path().join("db"), 16 << 20).unwrap();
        let dek = SecretKey::from_bytes([5; 32]);
        let (_armed, notes) = store.arm(&dek).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        let vault = Vault::new(SecretKey::from_bytes([5; 32]));
        let values: Vec<String> = (0..3000).map(|i| format!("value {i}")).collect();
        let items: Vec<(Vec<u8>, &String)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (super::super::id_key(i as u64).to_vec(), v))
            .collect();
        let ops = vault.put_many(Tree::Customers, &items).unwrap();
        assert_eq!(ops.len(), values.len());
        store.commit(&ops).unwrap();
        let back: Vec<String> = vault.open_all(&store, Tree::Customers).unwrap();
        assert_eq!(back, values);
        let one: Option<String> = vault
            .get(&store, Tree::Customers, &super::super::id_key(2999))
            .unwrap();
        assert_eq!(one.as_deref(), Some("value 2999"));
        // A value sealed for one key does not open under another, in bulk as one by one.
        let moved = ops[7].value.clone().unwrap();
        store
            .commit(&[Op::put(
                Tree::Customers,
                super::super::id_key(8).to_vec(),
                moved,
            )])
            .unwrap();
        assert!(matches!(
            vault.open_all::<String>(&store, Tree::Customers),
            Err(StoreError::Corrupt { key, .. }) if key == "8"
        ));
    }
}
