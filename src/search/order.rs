//! Ids kept in one sort order, in blocks: an insert moves at most one block's ids, and the
//! id at a place is found by summing block lengths (a thousand additions at a million
//! records) instead of walking the list.

use crate::domain::Id;

/// Ids per block at most; a full block splits in two.
const BLOCK: usize = 1024;

#[derive(Debug, Default, Clone)]
pub(super) struct Order {
    blocks: Vec<Vec<Id>>,
    len: usize,
}

impl Order {
    /// From ids already in order.
    pub fn from_sorted(ids: impl IntoIterator<Item = Id>) -> Order {
        let mut blocks: Vec<Vec<Id>> = Vec::new();
        let mut len = 0;
        for id in ids {
            match blocks.last_mut() {
                // Room left in each block, so the first inserts do not split them all.
                Some(b) if b.len() < BLOCK * 7 / 8 => b.push(id),
                _ => {
                    let mut b = Vec::with_capacity(BLOCK);
                    b.push(id);
                    blocks.push(b);
                }
            }
            len += 1;
        }
        Order { blocks, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// How many ids come first in the order for which `before` holds (it must hold for a
    /// leading run of the order and nowhere after).
    pub fn count(&self, before: impl Fn(Id) -> bool) -> usize {
        let (b, i) = self.locate(&before);
        self.blocks[..b].iter().map(Vec::len).sum::<usize>() + i
    }

    /// (block, index inside it) of the first id for which `before` does not hold.
    fn locate(&self, before: &impl Fn(Id) -> bool) -> (usize, usize) {
        let b = self
            .blocks
            .partition_point(|blk| blk.last().is_some_and(|id| before(*id)));
        match self.blocks.get(b) {
            Some(blk) => (b, blk.partition_point(|id| before(*id))),
            None => (b, 0),
        }
    }

    pub fn insert(&mut self, id: Id, before: impl Fn(Id) -> bool) {
        let (mut b, i) = self.locate(&before);
        if b == self.blocks.len() {
            if b == 0 {
                self.blocks.push(Vec::with_capacity(BLOCK));
            } else {
                b -= 1;
            }
            let blk = &mut self.blocks[b];
            blk.push(id);
        } else {
            self.blocks[b].insert(i, id);
        }
        self.len += 1;
        if self.blocks[b].len() >= BLOCK {
            let tail = self.blocks[b].split_off(BLOCK / 2);
            self.blocks.insert(b + 1, tail);
        }
    }

    /// Removes `id`, found where `before` says it sorts; false when it is not there.
    pub fn remove(&mut self, id: Id, before: impl Fn(Id) -> bool) -> bool {
        let (b, i) = self.locate(&before);
        let Some(blk) = self.blocks.get_mut(b) else {
            return false;
        };
        if blk.get(i) != Some(&id) {
            return false;
        }
        blk.remove(i);
        let empty = blk.is_empty();
        self.len -= 1;
        if empty {
            self.blocks.remove(b);
        }
        true
    }

    /// The ids from place `from` on, in order.
    pub fn iter_from(&self, from: usize) -> impl DoubleEndedIterator<Item = Id> + '_ {
        let mut skip = from;
        let mut first = self.blocks.len();
        for (n, blk) in self.blocks.iter().enumerate() {
            if skip < blk.len() {
                first = n;
                break;
            }
            skip -= blk.len();
        }
        let head = self
            .blocks
            .get(first)
            .map_or(&[][..], |b| &b[skip.min(b.len())..]);
        let rest = self.blocks.get(first + 1..).unwrap_or(&[]);
        head.iter().chain(rest.iter().flatten()).copied()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Id> + '_ {
        self.blocks.iter().flatten().copied()
    }

    pub fn at(&self, place: usize) -> Option<Id> {
        self.iter_from(place).next()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn inserts_and_removes_keep_the_order_across_block_splits() {
        // Order by (id % 7, id): a key unrelated to insertion order.
        let key = |id: Id| (id % 7, id);
        let mut o = Order::default();
        let mut reference: Vec<Id> = Vec::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..6000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let id = x % 3000;
            if let Ok(p) = reference.binary_search_by_key(&key(id), |i| key(*i)) {
                reference.remove(p);
                assert!(o.remove(id, |i| key(i) < key(id)));
            } else {
                let p = reference.partition_point(|i| key(*i) < key(id));
                reference.insert(p, id);
                o.insert(id, |i| key(i) < key(id));
            }
            assert_eq!(o.len(), reference.len());
        }
        assert_eq!(o.iter().collect::<Vec<_>>(), reference);
        for place in [0, 1, 511, 512, 1023, 1024, reference.len() - 1] {
            assert_eq!(o.at(place), reference.get(place).copied(), "{place}");
            assert_eq!(
                o.iter_from(place).collect::<Vec<_>>(),
                reference[place..].to_vec()
            );
        }
        let k = key(reference[700]);
        assert_eq!(o.count(|i| key(i) < k), 700);
        assert!(!o.remove(999_999, |i| key(i) < key(999_999)));
        assert_eq!(o.at(reference.len()), None);
    }
}
