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
//! Encoding, layout 2 (what this program writes): `VERSION`, the entry count, then per
//! entry the bytes its key shares with the previous key's start, the rest of the key (its
//! length, then its bytes), the value's length and the value; keys ascending, every number
//! a LEB128 varint in its shortest form. Consecutive ids share seven of their eight bytes, so
//! an entry's framing is five bytes where layout 1 spent fourteen: about a tenth of the file
//! at a million customers. Layout 1 (`V1`: the entry count as a u32, then per entry the key
//! length as a u16, the key, the value length as a u32 and the value) is still read; a pack
//! is written in layout 2 the next time it changes. Anything else is damage, and so is a key
//! that does not belong to the pack it was found in (`Entries::within`): a damaged shared
//! prefix would otherwise carry into every later key of the pack.

use sled::IVec;

use super::{Result, StoreError};

const SHIFT: u32 = 5;
/// Records a full pack holds when keys are consecutive ids.
pub const PER_PACK: u64 = 1 << SHIFT;
const V1: u8 = 1;
const VERSION: u8 = 2;
/// A key's longest length, as layout 1 could store it.
const MAX_KEY: usize = u16::MAX as usize;

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

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Walks an encoded pack without copying its values: each entry's key and value in order.
pub struct Entries<'a> {
    rest: &'a [u8],
    left: u32,
    v1: bool,
    prev: Vec<u8>,
    pack: Option<[u8; 8]>,
}

impl<'a> Entries<'a> {
    pub fn new(raw: &'a [u8]) -> Result<Entries<'a>> {
        let mut e = match raw {
            [V1, a, b, c, d, rest @ ..] => Entries {
                rest,
                left: u32::from_be_bytes([*a, *b, *c, *d]),
                v1: true,
                prev: Vec::new(),
                pack: None,
            },
            [VERSION, rest @ ..] => Entries {
                rest,
                left: 0,
                v1: false,
                prev: Vec::with_capacity(8),
                pack: None,
            },
            [] | [V1, ..] => return Err(damaged("too short")),
            _ => return Err(damaged("unknown layout")),
        };
        if !e.v1 {
            e.left = u32::try_from(e.varint()?).map_err(|_| damaged("too many entries"))?;
        }
        Ok(e)
    }

    /// Refuses, as damage, an entry whose key is not one of the pack stored under `pack`.
    pub fn within(mut self, pack: &[u8]) -> Self {
        self.pack = pack.try_into().ok();
        self
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

    /// A LEB128 number of at most 32 bits, in its shortest form.
    fn varint(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        for i in 0..5 {
            let [b] = self.take(1)? else {
                return Err(damaged("an entry runs past its end"));
            };
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                if (i > 0 && *b == 0) || v > u64::from(u32::MAX) {
                    return Err(damaged("a malformed length"));
                }
                return Ok(v);
            }
        }
        Err(damaged("a malformed length"))
    }

    fn len(&mut self) -> Result<usize> {
        usize::try_from(self.varint()?).map_err(|_| damaged("a malformed length"))
    }

    fn entry(&mut self) -> Result<(IVec, &'a [u8])> {
        let key = if self.v1 {
            let kl = self.take(2)?;
            let key = self.take(u16::from_be_bytes([kl[0], kl[1]]) as usize)?;
            IVec::from(key)
        } else {
            let shared = self.len()?;
            if shared > self.prev.len() {
                return Err(damaged("a key shares more than the key before it"));
            }
            let n = self.len()?;
            let suffix = self.take(n)?;
            if shared + suffix.len() > MAX_KEY {
                return Err(damaged("a key is too long"));
            }
            self.prev.truncate(shared);
            self.prev.extend_from_slice(suffix);
            IVec::from(self.prev.as_slice())
        };
        if self.pack.is_some_and(|p| pack_key(&key) != p) {
            return Err(damaged("a key that belongs to another pack"));
        }
        let value = if self.v1 {
            let vl = self.take(4)?;
            self.take(u32::from_be_bytes([vl[0], vl[1], vl[2], vl[3]]) as usize)?
        } else {
            let n = self.len()?;
            self.take(n)?
        };
        Ok((key, value))
    }

    /// The value stored under `key`, if the pack holds it.
    pub fn find(raw: &'a [u8], key: &[u8]) -> Result<Option<&'a [u8]>> {
        for e in Entries::new(raw)?.within(&pack_key(key)) {
            let (k, v) = e?;
            if &*k == key {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<(IVec, &'a [u8])>;

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
    /// The pack stored under sled key `pack`.
    pub fn decode(pack: &[u8], raw: &[u8]) -> Result<Pack> {
        let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for e in Entries::new(raw)?.within(pack) {
            let (k, v) = e?;
            if entries
                .last()
                .is_some_and(|(last, _)| last.as_slice() >= &*k)
            {
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
        let size: usize = self.entries.iter().map(|(_, v)| 8 + v.len()).sum();
        let mut out = Vec::with_capacity(6 + size);
        out.push(VERSION);
        put_varint(
            &mut out,
            u64::from(u32::try_from(self.entries.len()).map_err(too_big)?),
        );
        let mut prev: &[u8] = &[];
        for (k, v) in &self.entries {
            if k.len() > MAX_KEY {
                return Err(StoreError::Decode(
                    "a record key is too long to store".into(),
                ));
            }
            let shared = prev.iter().zip(k).take_while(|(a, b)| a == b).count();
            put_varint(&mut out, shared as u64);
            put_varint(&mut out, (k.len() - shared) as u64);
            out.extend_from_slice(&k[shared..]);
            put_varint(
                &mut out,
                u64::from(u32::try_from(v.len()).map_err(too_big)?),
            );
            out.extend_from_slice(v);
            prev = k;
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

    /// Layout 1 as schema 3 wrote it.
    fn v1(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut out = vec![V1];
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        for (k, v) in entries {
            out.extend_from_slice(&(k.len() as u16).to_be_bytes());
            out.extend_from_slice(k);
            out.extend_from_slice(&(v.len() as u32).to_be_bytes());
            out.extend_from_slice(v);
        }
        out
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
        let [a, b, c] = [33u64, 34, 35].map(u64::to_be_bytes);
        let mut p = Pack::default();
        assert_eq!(p.insert(&b, b"2"), None);
        assert_eq!(p.insert(&a, b"1"), None);
        assert_eq!(p.insert(&b, b"two"), Some(b"2".to_vec()));
        let raw = p.encode().unwrap();
        assert_eq!(ids(&raw), vec![a.to_vec(), b.to_vec()]);
        assert_eq!(Entries::find(&raw, &b).unwrap(), Some(&b"two"[..]));
        assert_eq!(Entries::find(&raw, &c).unwrap(), None);
        assert_eq!(Entries::count(&raw).unwrap(), 2);
        let mut q = Pack::decode(&pack_key(&a), &raw).unwrap();
        assert_eq!(q.remove(&a), Some(b"1".to_vec()));
        assert_eq!(q.remove(&a), None);
        q.remove(&b);
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
            assert!(Pack::decode(&pack_key(&0u64.to_be_bytes()), cut).is_err());
        }
        let mut longer = raw.clone();
        longer.push(0);
        assert!(Pack::decode(&pack_key(&0u64.to_be_bytes()), &longer).is_err());
        let mut other = raw.clone();
        other[0] = 9;
        assert!(Entries::count(&other).is_err());
        // Two entries swapped is damage too: order is what `scan` promises.
        let [a, b] = [33u64, 34].map(|i| i.to_be_bytes().to_vec());
        let at = pack_key(&a);
        let swapped = Pack {
            entries: vec![(b.clone(), vec![]), (a.clone(), vec![])],
        };
        assert!(Pack::decode(&at, &swapped.encode().unwrap()).is_err());
        let ordered = Pack {
            entries: vec![(a, vec![]), (b, vec![])],
        };
        assert!(Pack::decode(&at, &ordered.encode().unwrap()).is_ok());
    }

    #[test]
    fn consecutive_ids_cost_five_bytes_of_framing_each() {
        let mut p = Pack::default();
        for i in 64u64..96 {
            p.insert(&i.to_be_bytes(), &[7; 200]);
        }
        let raw = p.encode().unwrap();
        // Header two bytes; the first entry spells its whole key, the others one byte of
        // it; a value's length (a sealed customer's is over 127) takes two.
        assert_eq!(raw.len(), 2 + (2 + 8) + 31 * (2 + 1) + 32 * (2 + 200));
        let at = pack_key(&64u64.to_be_bytes());
        let back = Pack::decode(&at, &raw).unwrap();
        assert_eq!(back.entries, p.entries);
    }

    #[test]
    fn layout_1_packs_still_read_and_are_rewritten_in_layout_2() {
        let k1 = 40u64.to_be_bytes();
        let k2 = 41u64.to_be_bytes();
        let old = v1(&[(&k1, b"forty"), (&k2, b"")]);
        assert_eq!(Entries::count(&old).unwrap(), 2);
        assert_eq!(Entries::find(&old, &k1).unwrap(), Some(&b"forty"[..]));
        assert_eq!(Entries::find(&old, &k2).unwrap(), Some(&b""[..]));
        let at = pack_key(&k1);
        let mut p = Pack::decode(&at, &old).unwrap();
        p.insert(&42u64.to_be_bytes(), b"new");
        let raw = p.encode().unwrap();
        assert_eq!(raw[0], VERSION);
        assert_eq!(
            ids(&raw),
            vec![k1.to_vec(), k2.to_vec(), 42u64.to_be_bytes().to_vec()]
        );
        assert_eq!(Entries::find(&raw, &k1).unwrap(), Some(&b"forty"[..]));
        assert!(raw.len() < old.len() + 3 + 5 + 1);
    }

    /// Random keys of any length (ids and the odd hash) and values, against a BTreeMap.
    #[test]
    fn random_packs_round_trip_in_both_layouts() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..300 {
            let base = next() & !0x1f;
            let mut want = std::collections::BTreeMap::new();
            let mut p = Pack::default();
            for _ in 0..(next() % 40) {
                let mut key = (base | (next() & 0x1f)).to_be_bytes().to_vec();
                // Longer keys share the first eight bytes, so they stay in the same pack.
                for _ in 0..(next() % 4) {
                    key.push(next() as u8);
                }
                let value: Vec<u8> = (0..next() % 300).map(|_| next() as u8).collect();
                p.insert(&key, &value);
                want.insert(key, value);
            }
            let raw = p.encode().unwrap();
            let at = pack_key(&base.to_be_bytes());
            let got: Vec<(Vec<u8>, Vec<u8>)> = Entries::new(&raw)
                .unwrap()
                .within(&at)
                .map(|e| e.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
                .collect();
            let want: Vec<(Vec<u8>, Vec<u8>)> = want.into_iter().collect();
            assert_eq!(got, want, "round {round}");
            let pairs: Vec<(&[u8], &[u8])> = want
                .iter()
                .map(|(k, v)| (k.as_slice(), v.as_slice()))
                .collect();
            let old = v1(&pairs);
            assert_eq!(Pack::decode(&at, &old).unwrap().entries, want);
            for (k, v) in &want {
                assert_eq!(Entries::find(&raw, k).unwrap(), Some(v.as_slice()));
            }
        }
    }

    #[test]
    fn malformed_numbers_shared_prefixes_and_strangers_are_damage() {
        let mut p = Pack::default();
        for i in 32u64..36 {
            p.insert(&i.to_be_bytes(), b"v");
        }
        let raw = p.encode().unwrap();
        let at = pack_key(&32u64.to_be_bytes());
        let read = |raw: &[u8]| -> Result<usize> {
            Entries::new(raw)?
                .within(&at)
                .collect::<Result<Vec<_>>>()
                .map(|v| v.len())
        };
        assert!(read(&raw).is_ok());
        // A count in more bytes than it needs, or past 32 bits.
        assert!(read(&[VERSION, 0x84, 0x00]).is_err());
        assert!(read(&[VERSION, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err());
        assert!(read(&[VERSION, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).is_err());
        // The first key cannot share bytes with a key before it.
        let mut first = raw.clone();
        first[2] = 1;
        assert!(read(&first).is_err());
        // A later key that shares more than the one before holds.
        let mut second = raw.clone();
        second[2 + 1 + 1 + 8 + 1 + 1] = 9;
        assert!(read(&second).is_err());
        // A damaged shared byte moves every later key to another pack: refused, not absent.
        let mut moved = raw.clone();
        moved[4] ^= 0x40;
        assert!(read(&moved).is_err());
        assert!(Entries::find(&moved, &35u64.to_be_bytes()).is_err());
        // A key from another pack, encoded well, is refused where the pack says what it is.
        let mut q = Pack::default();
        q.insert(&1000u64.to_be_bytes(), b"x");
        assert!(read(&q.encode().unwrap()).is_err());
        assert!(
            Entries::new(&q.encode().unwrap())
                .unwrap()
                .all(|e| e.is_ok())
        );
    }
}
