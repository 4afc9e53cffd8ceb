//! Packed trees: many records per sled value.
//!
//! sled pays several microseconds and a few hundred bytes per key, however small the value,
//! and a transaction holding 100,000 keys keeps every replaced node alive until it ends
//! (measured: 1.7 s and 640 MB for 100,000 values of 430 bytes, 0.11 s for the same bytes as
//! 3,125 values). A tree that grows to a million records therefore stores its records
//! `PER_PACK` to a sled value, grouped by key: a record's pack is the first eight bytes of
//! its key (big-endian, zero-padded) shifted right by `SHIFT`, so packs in key order hold
//! records in key order. Each record inside keeps its own sealed value, AAD and digest term:
//! the layout is below the vault, and nothing above the store sees it.
//!
//! Encoding: `VERSION`, the entry count (u32), then per entry the key length (u16), the key,
//! the value length (u32) and the value, keys ascending. Anything else is damage.

use super::{Result, StoreError};

const SHIFT: u32 = 5;
/// Records a full pack holds when keys are consecutive ids.
pub const PER_PACK: u64 = 1 << SHIFT;
const VERSION: u8 = 1;

/// The sled key of the pack that holds `key`.
pub fn pack_key(key: &[u8]) -> [u8; 8] {
    let mut first = [0u8; 8];
    let n = key.len().min(8);
    first[..n].copy_from_slice(&key[..n]);
    (u64::from_be_bytes(first) >> SHIFT).to_be_bytes()
}

fn damaged(what: &str) -> StoreError {
    StoreError::Damaged(format!(
        "a packed group of records is damaged ({what}); run `kasefet doctor`"
    ))
}

/// Walks an encoded pack without copying it: each entry's key and value in order.
pub struct Entries<'a> {
    rest: &'a [u8],
    left: u32,
}

impl<'a> Entries<'a> {
    pub fn new(raw: &'a [u8]) -> Result<Entries<'a>> {
        match raw {
            [VERSION, a, b, c, d, rest @ ..] => Ok(Entries {
                rest,
                left: u32::from_be_bytes([*a, *b, *c, *d]),
            }),
            [] | [VERSION, ..] => Err(damaged("too short")),
            _ => Err(damaged("unknown layout")),
        }
    }

    /// Entries it holds, read from the header alone.
    pub fn count(raw: &[u8]) -> Result<usize> {
        Ok(Entries::new(raw)?.left as usize)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.rest.len() < n {
            return Err(damaged("an entry runs past its end"));
        }
        let (a, b) = self.rest.split_at(n);
        self.rest = b;
        Ok(a)
    }

    fn entry(&mut self) -> Result<(&'a [u8], &'a [u8])> {
        let kl = self.take(2)?;
        let key = self.take(u16::from_be_bytes([kl[0], kl[1]]) as usize)?;
        let vl = self.take(4)?;
        let value = self.take(u32::from_be_bytes([vl[0], vl[1], vl[2], vl[3]]) as usize)?;
        Ok((key, value))
    }

    /// The value stored under `key`, if the pack holds it.
    pub fn find(raw: &'a [u8], key: &[u8]) -> Result<Option<&'a [u8]>> {
        for e in Entries::new(raw)? {
            let (k, v) = e?;
            if k == key {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<(&'a [u8], &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return (!self.rest.is_empty()).then(|| {
                let e = damaged("bytes after the last entry");
                self.rest = &[];
                Err(e)
            });
        }
        self.left -= 1;
        let e = self.entry();
        if e.is_err() {
            self.left = 0;
            self.rest = &[];
        }
        Some(e)
    }
}

/// A pack being changed: entries ascending by key.
#[derive(Debug, Default, Clone)]
pub struct Pack {
    entries: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Pack {
    pub fn decode(raw: &[u8]) -> Result<Pack> {
        let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for e in Entries::new(raw)? {
            let (k, v) = e?;
            if entries.last().is_some_and(|(last, _)| last.as_slice() >= k) {
                return Err(damaged("keys out of order"));
            }
            entries.push((k.to_vec(), v.to_vec()));
        }
        Ok(Pack { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets `key` to `value`; the value it replaces, if any.
    pub fn insert(&mut self, key: &[u8], value: &[u8]) -> Option<Vec<u8>> {
        match self
            .entries
            .binary_search_by(|(k, _)| k.as_slice().cmp(key))
        {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value.to_vec())),
            Err(i) => {
                self.entries.insert(i, (key.to_vec(), value.to_vec()));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.entries
            .binary_search_by(|(k, _)| k.as_slice().cmp(key))
            .ok()
            .map(|i| self.entries.remove(i).1)
    }

    pub fn encode(&self) -> Result<Vec<u8>> {
        let size: usize = self
            .entries
            .iter()
            .map(|(k, v)| 6 + k.len() + v.len())
            .sum();
        let mut out = Vec::with_capacity(5 + size);
        out.push(VERSION);
        out.extend_from_slice(
            &u32::try_from(self.entries.len())
                .map_err(too_big)?
                .to_be_bytes(),
        );
        for (k, v) in &self.entries {
            out.extend_from_slice(&u16::try_from(k.len()).map_err(too_big)?.to_be_bytes());
            out.extend_from_slice(k);
            out.extend_from_slice(&u32::try_from(v.len()).map_err(too_big)?.to_be_bytes());
            out.extend_from_slice(v);
        }
        Ok(out)
    }
}

fn too_big(_: std::num::TryFromIntError) -> StoreError {
    StoreError::Decode("a record is too large to store".into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ids(raw: &[u8]) -> Vec<Vec<u8>> {
        Entries::new(raw)
            .unwrap()
            .map(|e| e.unwrap().0.to_vec())
            .collect()
    }

    #[test]
    fn packs_keep_key_order_within_and_across() {
        let keys: Vec<[u8; 8]> = [0u64, 1, 31, 32, 33, 1000, u64::MAX]
            .iter()
            .map(|i| i.to_be_bytes())
            .collect();
        for w in keys.windows(2) {
            assert!(pack_key(&w[0]) <= pack_key(&w[1]));
        }
        assert_eq!(pack_key(&keys[1]), pack_key(&keys[2]));
        assert_ne!(pack_key(&keys[2]), pack_key(&keys[3]));
        // Keys shorter or longer than an id still land in order.
        assert!(pack_key(b"1") <= pack_key(b"12"));
        assert!(pack_key(b"12") <= pack_key(b"2"));
    }

    #[test]
    fn insert_replace_remove_round_trip() {
        let mut p = Pack::default();
        assert_eq!(p.insert(b"b", b"2"), None);
        assert_eq!(p.insert(b"a", b"1"), None);
        assert_eq!(p.insert(b"b", b"two"), Some(b"2".to_vec()));
        let raw = p.encode().unwrap();
        assert_eq!(ids(&raw), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(Entries::find(&raw, b"b").unwrap(), Some(&b"two"[..]));
        assert_eq!(Entries::find(&raw, b"c").unwrap(), None);
        assert_eq!(Entries::count(&raw).unwrap(), 2);
        let mut q = Pack::decode(&raw).unwrap();
        assert_eq!(q.remove(b"a"), Some(b"1".to_vec()));
        assert_eq!(q.remove(b"a"), None);
        q.remove(b"b");
        assert!(q.is_empty());
    }

    #[test]
    fn every_truncation_and_bad_header_is_damage_not_a_panic() {
        let mut p = Pack::default();
        for i in 0u64..5 {
            p.insert(&i.to_be_bytes(), &[i as u8; 40]);
        }
        let raw = p.encode().unwrap();
        for n in 0..raw.len() {
            let cut = &raw[..n];
            let walked: Result<Vec<_>> = Entries::new(cut).and_then(|e| e.collect());
            assert!(walked.is_err(), "a pack cut to {n} bytes was read");
            assert!(Pack::decode(cut).is_err());
        }
        let mut longer = raw.clone();
        longer.push(0);
        assert!(Pack::decode(&longer).is_err());
        let mut other = raw.clone();
        other[0] = 9;
        assert!(Entries::count(&other).is_err());
        // Two entries swapped is damage too: order is what `scan` promises.
        let swapped = Pack {
            entries: vec![(b"b".to_vec(), vec![]), (b"a".to_vec(), vec![])],
        };
        assert!(Pack::decode(&swapped.encode().unwrap()).is_err());
    }
}
