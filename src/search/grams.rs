//! Which short byte sequences (1, 2 and 3 bytes) each block of slots holds, hashed into a
//! few kilobits per block. A needle is in a block only if all its trigrams are, so a scan
//! skips every block missing one: a query that matches nothing, or a few records, touches a
//! fraction of the arena instead of all of it. False positives only cost a scan of the
//! block; a block is never wrongly skipped.

/// Slots per block: small enough that a rare needle skips most of the arena, large enough
/// that the bits cost a few bytes per record.
pub(super) const BLOCK: usize = 256;

/// Hashed n-gram bits, block by block.
pub(super) struct Grams {
    /// Bits per block, as a shift: 0 keeps no bits, and every block may hold anything.
    shift: u32,
    words: Vec<u64>,
}

/// The bits a needle needs, computed once per query.
pub(super) struct Keys(Option<Vec<u32>>);

impl Keys {
    /// Keys that every block passes.
    pub(super) fn any() -> Self {
        Keys(None)
    }
}

/// A gram of at most three bytes as one number: its length, then its bytes.
fn hash(gram: &[u8], shift: u32) -> u32 {
    let mut h = gram.len() as u32;
    for b in gram {
        h = (h << 8) | u32::from(*b);
    }
    mix(h, shift)
}

/// Fibonacci hashing: the top bits of the product are well mixed.
fn mix(packed: u32, shift: u32) -> u32 {
    packed.wrapping_mul(0x9E37_79B1) >> (32 - shift)
}

impl Grams {
    pub(super) fn new(shift: u32) -> Self {
        Self {
            shift,
            words: Vec::new(),
        }
    }

    fn per_block(&self) -> usize {
        (1usize << self.shift) / 64
    }

    /// Room for `blocks` more blocks; a failed reservation is left to ordinary growth.
    pub(super) fn reserve(&mut self, blocks: usize) {
        if self.shift != 0 {
            let _ = self
                .words
                .try_reserve(blocks.saturating_mul(self.per_block()));
        }
    }

    /// Records that block `block` holds `text` (one slot's text, separators excluded).
    pub(super) fn add(&mut self, block: usize, text: &[u8]) {
        if self.shift == 0 {
            return;
        }
        let per = self.per_block();
        let end = (block + 1) * per;
        if self.words.len() < end {
            self.words.resize(end, 0);
        }
        let bits = &mut self.words[block * per..end];
        let mut set = |packed: u32| {
            let h = mix(packed, self.shift) as usize;
            bits[h / 64] |= 1 << (h % 64);
        };
        // The last three bytes, packed as `hash` packs them: one pass instead of three.
        let mut last = 0u32;
        for (i, b) in text.iter().enumerate() {
            last = (last << 8) | u32::from(*b);
            set((1 << 8) | (last & 0xff));
            if i >= 1 {
                set((2 << 16) | (last & 0xffff));
            }
            if i >= 2 {
                set((3 << 24) | (last & 0xff_ffff));
            }
        }
    }

    /// What a block must hold to hold `needle`: its trigrams, or the needle itself when
    /// shorter. A needle holding `sep` (which never is inside a slot) gets no keys.
    pub(super) fn keys(&self, needle: &[u8], sep: u8) -> Keys {
        if self.shift == 0 || needle.is_empty() || needle.contains(&sep) {
            return Keys::any();
        }
        let mut keys: Vec<u32> = needle
            .windows(needle.len().min(3))
            .map(|g| hash(g, self.shift))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        Keys(Some(keys))
    }

    /// False only when block `block` cannot hold what `keys` were made for.
    pub(super) fn may_hold(&self, block: usize, keys: &Keys) -> bool {
        let Some(keys) = &keys.0 else { return true };
        let per = self.per_block();
        let Some(bits) = self.words.get(block * per..(block + 1) * per) else {
            return false;
        };
        keys.iter()
            .all(|k| bits[*k as usize / 64] & (1 << (k % 64)) != 0)
    }
}

/// Which blocks may hold a match of every condition of a query. Asked block by block as a
/// scan reaches them, so a scan that stops after the first blocks pays for those only.
pub(super) struct Sieve<'a>(Box<dyn Fn(usize) -> bool + 'a>);

impl<'a> Sieve<'a> {
    pub(super) fn new(pass: impl Fn(usize) -> bool + 'a) -> Self {
        Sieve(Box::new(pass))
    }

    pub(super) fn passes(&self, block: usize) -> bool {
        (self.0)(block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_holding_the_needle_is_never_skipped() {
        let mut g = Grams::new(12);
        g.add(0, b"dana levi person1@example.org");
        g.add(1, b"moshe cohen");
        for needle in ["levi", "a", "le", "person1@", "dana levi p"] {
            let k = g.keys(needle.as_bytes(), b'\n');
            assert!(g.may_hold(0, &k), "{needle}");
            assert!(!g.may_hold(1, &k), "{needle}");
        }
        assert!(g.may_hold(1, &g.keys(b"cohen", b'\n')));
        assert!(g.may_hold(1, &g.keys(b"a\nb", b'\n')));
        assert!(!g.may_hold(2, &g.keys(b"cohen", b'\n')));
        let none = Grams::new(0);
        assert!(none.may_hold(5, &none.keys(b"x", b'\n')));
    }
}
