//! Records by id for the index: ids and values in two arrays in id order, not a tree.
//!
//! Ids are handed out one by one and an unseal loads records in id order, so nearly every
//! insert is a new largest id: an append. A `BTreeMap` filled that way keeps its nodes half
//! full; at a million customers that was about 116 MB of the index, against 64 MB here.
//! A removal leaves a hole; an id that comes back below the largest (a restore from the
//! trash) waits in a small tree until there are enough of them to merge in. Both are put
//! right in place, so upkeep never holds two copies of the arrays.

use std::collections::BTreeMap;
use std::collections::btree_map;

use crate::domain::Id;

/// Ids below the largest held apart, at most, before they are merged into the arrays
/// (or a sixteenth of the arrays, when that is more).
const EXTRA: usize = if cfg!(test) { 8 } else { 4096 };

/// Holes left, at least, before the arrays are closed up (and at least half of them).
const HOLES: usize = if cfg!(test) { 8 } else { 4096 };

pub(super) struct Dense<V> {
    ids: Vec<Id>,
    /// `None` where a record was removed.
    vals: Vec<Option<V>>,
    holes: usize,
    /// Ids below `ids.last()` that the arrays do not hold.
    extra: BTreeMap<Id, V>,
}

impl<V> Default for Dense<V> {
    fn default() -> Self {
        Self {
            ids: Vec::new(),
            vals: Vec::new(),
            holes: 0,
            extra: BTreeMap::new(),
        }
    }
}

impl<V> Dense<V> {
    pub(super) fn len(&self) -> usize {
        self.ids.len() - self.holes + self.extra.len()
    }

    /// Room for `n` more appended records; a failed reservation is left to growth.
    pub(super) fn reserve(&mut self, n: usize) {
        let _ = self.ids.try_reserve(n);
        let _ = self.vals.try_reserve(n);
    }

    fn place(&self, id: Id) -> Result<usize, usize> {
        self.ids.binary_search(&id)
    }

    pub(super) fn get(&self, id: &Id) -> Option<&V> {
        match self.place(*id) {
            Ok(i) => self.vals[i].as_ref(),
            Err(_) => self.extra.get(id),
        }
    }

    pub(super) fn get_mut(&mut self, id: &Id) -> Option<&mut V> {
        match self.place(*id) {
            Ok(i) => self.vals[i].as_mut(),
            Err(_) => self.extra.get_mut(id),
        }
    }

    /// Puts `v` under `id`; the value it replaces comes back.
    pub(super) fn insert(&mut self, id: Id, v: V) -> Option<V> {
        if self.ids.last().is_none_or(|last| *last < id) {
            self.ids.push(id);
            self.vals.push(Some(v));
            return None;
        }
        match self.place(id) {
            Ok(i) => {
                let old = self.vals[i].replace(v);
                if old.is_none() {
                    self.holes -= 1;
                }
                old
            }
            Err(_) => {
                let old = self.extra.insert(id, v);
                if self.extra.len() > EXTRA.max(self.ids.len() / 16) {
                    self.merge();
                }
                old
            }
        }
    }

    pub(super) fn remove(&mut self, id: &Id) -> Option<V> {
        let old = match self.place(*id) {
            Ok(i) => self.vals[i].take(),
            Err(_) => return self.extra.remove(id),
        };
        if old.is_some() {
            self.holes += 1;
            if self.holes > HOLES && self.holes * 2 > self.ids.len() {
                self.merge();
            }
        }
        old
    }

    /// At least the largest id held: for sizing sets of ids.
    pub(super) fn max_id(&self) -> Option<Id> {
        let extra = self.extra.keys().next_back();
        self.ids.last().max(extra).copied()
    }

    /// Closes the holes and takes in the ids held apart, in place.
    fn merge(&mut self) {
        let mut w = 0;
        for r in 0..self.ids.len() {
            if self.vals[r].is_some() {
                self.ids.swap(w, r);
                self.vals.swap(w, r);
                w += 1;
            }
        }
        self.ids.truncate(w);
        self.vals.truncate(w);
        self.holes = 0;
        // Merged from the back, into the room added at the end.
        let extra: Vec<(Id, V)> = std::mem::take(&mut self.extra).into_iter().collect();
        let (mut i, mut at) = (w, w + extra.len());
        self.ids.resize(at, 0);
        self.vals.resize_with(at, || None);
        for (id, v) in extra.into_iter().rev() {
            while i > 0 && self.ids[i - 1] > id {
                i -= 1;
                at -= 1;
                self.ids.swap(i, at);
                self.vals.swap(i, at);
            }
            at -= 1;
            self.ids[at] = id;
            self.vals[at] = Some(v);
        }
    }

    /// Every (id, value), ids ascending.
    pub(super) fn iter(&self) -> Iter<'_, V> {
        self.iter_after(None)
    }

    /// Every (id, value) with an id above `after`, ids ascending, found by halving rather
    /// than by walking past the ones before.
    pub(super) fn iter_after(&self, after: Option<Id>) -> Iter<'_, V> {
        let (from, rest) = match after {
            Some(a) => (
                self.ids.partition_point(|i| *i <= a),
                self.extra
                    .range((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded)),
            ),
            None => (0, self.extra.range(..)),
        };
        Iter {
            main: self.ids[from..].iter().zip(self.vals[from..].iter()),
            next_main: None,
            extra: rest.peekable(),
        }
    }

    pub(super) fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }
}

pub(super) struct Iter<'a, V> {
    main: std::iter::Zip<std::slice::Iter<'a, Id>, std::slice::Iter<'a, Option<V>>>,
    next_main: Option<(&'a Id, &'a V)>,
    extra: std::iter::Peekable<btree_map::Range<'a, Id, V>>,
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a Id, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next_main.is_none() {
            self.next_main = self
                .main
                .by_ref()
                .find_map(|(id, v)| v.as_ref().map(|v| (id, v)));
        }
        match (self.next_main, self.extra.peek()) {
            (Some(m), Some(e)) if e.0 < m.0 => self.extra.next(),
            (Some(m), _) => {
                self.next_main = None;
                Some(m)
            }
            (None, _) => self.extra.next(),
        }
    }
}

impl<'a, V> IntoIterator for &'a Dense<V> {
    type Item = (&'a Id, &'a V);
    type IntoIter = Iter<'a, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_a_btree_map_under_appends_holes_and_ids_coming_back() {
        let mut d: Dense<u64> = Dense::default();
        let mut r: BTreeMap<Id, u64> = BTreeMap::new();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = 1;
        for step in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let id = match x % 10 {
                // New largest ids, mostly, as the counter hands them out.
                0..=4 => {
                    next += 1 + x % 3;
                    next
                }
                // Any id seen so far: an update, or one coming back after removal.
                5..=7 => 1 + (x >> 8) % next,
                _ => {
                    let id = 1 + (x >> 8) % next;
                    assert_eq!(d.remove(&id), r.remove(&id), "remove {id} at {step}");
                    continue;
                }
            };
            assert_eq!(
                d.insert(id, step),
                r.insert(id, step),
                "insert {id} at {step}"
            );
            assert_eq!(d.len(), r.len());
            if step % 997 == 0 {
                let got: Vec<(Id, u64)> = d.iter().map(|(k, v)| (*k, *v)).collect();
                let want: Vec<(Id, u64)> = r.iter().map(|(k, v)| (*k, *v)).collect();
                assert_eq!(got, want, "at {step}");
            }
            let probe = 1 + (x >> 16) % (next + 2);
            if step % 101 == 0 {
                let got: Vec<Id> = d.iter_after(Some(probe)).map(|(k, _)| *k).collect();
                let want: Vec<Id> = r.range(probe + 1..).map(|(k, _)| *k).collect();
                assert_eq!(got, want, "after {probe} at {step}");
            }
            assert_eq!(d.get(&probe), r.get(&probe), "get {probe} at {step}");
            assert!(d.max_id() >= r.keys().next_back().copied());
        }
        if let Some(v) = d.get_mut(&next) {
            *v = 7;
        }
        r.entry(next).and_modify(|v| *v = 7);
        assert_eq!(
            d.values().copied().collect::<Vec<_>>(),
            r.values().copied().collect::<Vec<_>>()
        );
        // The thresholds were crossed: merges and closings ran, and changed nothing above.
        assert!(d.extra.len() <= EXTRA.max(d.ids.len() / 16));
    }

    #[test]
    fn removing_everything_leaves_it_empty() {
        let mut d: Dense<u8> = Dense::default();
        for id in 0..100 {
            d.insert(id, 1);
        }
        for id in (0..100).rev() {
            assert_eq!(d.remove(&id), Some(1));
        }
        assert_eq!(d.len(), 0);
        assert_eq!(d.iter().count(), 0);
        assert_eq!(d.insert(50, 2), None);
        assert_eq!(d.iter().map(|(k, _)| *k).collect::<Vec<_>>(), vec![50]);
    }
}
