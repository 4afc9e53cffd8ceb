//! Folded text of one record kind laid out contiguously, one arena per field kind, so a
//! query is one memmem pass over memory instead of a searcher call per record.

use memchr::memmem::Finder;

use super::grams::{BLOCK, Grams, Keys, Sieve};
use crate::domain::Id;

/// The field kinds a record's text is split into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// Folded name, company, e-mails and tags, space separated.
    Hay = 0,
    /// Phone digits, space separated.
    Digits = 1,
    /// Folded city.
    City = 2,
    /// Folded company.
    Company = 3,
    /// Folded tags, each wrapped in `TAG_MARK` so a tag is matched whole.
    Tags = 4,
    /// What lists show of the record (see `brief.rs`): read by slot, never scanned.
    Shown = 5,
}

pub(super) const FIELDS: usize = 6;

/// Bits per block of each field's n-gram table, as a shift (see `grams.rs`). The large
/// fields get them; the small ones are scanned whole, or only checked record by record.
const GRAM_SHIFTS: [u32; FIELDS] = [14, 13, 0, 0, 0, 0];

/// Most blocks one memmem pass covers.
const MAX_RUN: usize = 64;

/// Never part of sanitized, folded text, so it can separate records and tags.
pub(super) const END: u8 = b'\n';
pub(super) const TAG_MARK: char = '\u{1}';

struct Column {
    text: Vec<u8>,
    /// Where each slot's text starts, from its block's base; a slot ends at the next start
    /// (minus `END`). Four bytes, not eight: a million slots in six columns save 24 MB.
    starts: Vec<u32>,
    /// Where each block of `BLOCK` slots starts in `text`. A block's text is at most
    /// `BLOCK` records of validated fields, a few hundred kilobytes at the very most, so
    /// its offsets fit in `u32` however large the column grows.
    bases: Vec<usize>,
    grams: Grams,
}

impl Column {
    fn new(shift: u32) -> Self {
        Self {
            text: Vec::new(),
            starts: Vec::new(),
            bases: Vec::new(),
            grams: Grams::new(shift),
        }
    }

    fn push(&mut self, text: &[u8]) {
        let slot = self.starts.len();
        self.grams.add(slot / BLOCK, text);
        if slot % BLOCK == 0 {
            self.bases.push(self.text.len());
        }
        let base = self.bases.last().copied().unwrap_or(0);
        self.starts
            .push(u32::try_from(self.text.len() - base).unwrap_or(u32::MAX));
        self.text.extend_from_slice(text);
        self.text.push(END);
    }

    fn reserve(&mut self, records: usize, bytes: usize) {
        let _ = self.text.try_reserve(records.saturating_mul(bytes));
        let _ = self.starts.try_reserve(records);
        let _ = self.bases.try_reserve(records / BLOCK + 1);
        self.grams.reserve(records / BLOCK + 1);
    }

    /// Where slot `slot`'s text starts (the end of the text past the last slot).
    fn start(&self, slot: usize) -> usize {
        match (self.bases.get(slot / BLOCK), self.starts.get(slot)) {
            (Some(base), Some(at)) => base + *at as usize,
            _ => self.text.len(),
        }
    }

    /// Where the text of slots `from..to` starts and ends.
    fn span(&self, from: usize, to: usize) -> (usize, usize) {
        (self.start(from), self.start(to))
    }

    fn get(&self, slot: usize) -> &[u8] {
        let end = self.start(slot + 1).saturating_sub(1);
        self.text.get(self.start(slot)..end).unwrap_or_default()
    }

    /// The slot holding `pos`, searching forward from `from`, a slot starting at or before
    /// it: hits come in order, so this is a step or two, not a search of all the starts.
    fn slot_from(&self, from: usize, pos: usize) -> usize {
        let n = self.starts.len().saturating_sub(from);
        let at = |i: usize| self.start(from + i);
        let mut step = 1;
        while step < n && at(step) <= pos {
            step *= 2;
        }
        let lo = step / 2;
        let (mut a, mut b) = (lo, step.min(n));
        while a < b {
            let mid = (a + b) / 2;
            if at(mid) <= pos {
                a = mid + 1;
            } else {
                b = mid;
            }
        }
        from + lo + (a - lo).saturating_sub(1)
    }
}

pub(super) struct Arena {
    columns: [Column; FIELDS],
    /// Owner of each slot, whether or not the slot is still live.
    ids: Vec<Id>,
    /// One bit per slot, cleared once its record was removed or rewritten: a bit instead of
    /// an `Option` beside every id saves 8 bytes a record.
    live: Vec<u64>,
    dead: usize,
    shifts: [u32; FIELDS],
}

impl Default for Arena {
    fn default() -> Self {
        Self::with_shifts(GRAM_SHIFTS)
    }
}

impl Arena {
    fn with_shifts(shifts: [u32; FIELDS]) -> Self {
        Self {
            columns: shifts.map(Column::new),
            ids: Vec::new(),
            live: Vec::new(),
            dead: 0,
            shifts,
        }
    }

    /// An arena without n-gram tables, which scans every block: for kinds that are never
    /// scanned, and in tests, what the tables must never change the results of.
    pub(super) fn without_grams() -> Self {
        Self::with_shifts([0; FIELDS])
    }

    /// Room for `records` more slots whose fields take `bytes` each. Only what is written
    /// becomes resident, so reserving too much costs address space, not memory; growing
    /// instead would copy each column into one twice its size and leave the old one to the
    /// allocator, which at a million customers is a hundred megabytes held for a while.
    pub(super) fn reserve(&mut self, records: usize, bytes: [usize; FIELDS]) {
        for (col, b) in self.columns.iter_mut().zip(bytes) {
            col.reserve(records, b);
        }
        let _ = self.ids.try_reserve(records);
        let _ = self.live.try_reserve(records / 64 + 1);
    }

    /// Appends a record's fields and returns its slot.
    pub(super) fn push(&mut self, id: Id, fields: [&[u8]; FIELDS]) -> usize {
        for (col, text) in self.columns.iter_mut().zip(fields) {
            col.push(text);
        }
        let slot = self.ids.len();
        self.ids.push(id);
        if slot % 64 == 0 {
            self.live.push(0);
        }
        if let Some(w) = self.live.last_mut() {
            *w |= 1 << (slot % 64);
        }
        slot
    }

    pub(super) fn kill(&mut self, slot: usize) {
        if self.is_live(slot) {
            if let Some(w) = self.live.get_mut(slot / 64) {
                *w &= !(1 << (slot % 64));
            }
            self.dead += 1;
        }
    }

    pub(super) fn get(&self, field: Field, slot: usize) -> &[u8] {
        self.columns[field as usize].get(slot)
    }

    fn is_live(&self, slot: usize) -> bool {
        self.live
            .get(slot / 64)
            .is_some_and(|w| w & (1 << (slot % 64)) != 0)
    }

    /// Slots ever pushed, live or dead.
    pub(super) fn slots(&self) -> usize {
        self.ids.len()
    }

    pub(super) fn id(&self, slot: usize) -> Option<Id> {
        self.ids.get(slot).copied().filter(|_| self.is_live(slot))
    }

    /// What a block must hold for `field` to hold `needle` in one of its slots.
    pub(super) fn keys(&self, field: Field, needle: &[u8]) -> Keys {
        self.columns[field as usize].grams.keys(needle, END)
    }

    /// False only when no slot of block `block` can hold what `keys` were made for in
    /// `field`.
    pub(super) fn may_hold(&self, field: Field, block: usize, keys: &Keys) -> bool {
        self.columns[field as usize].grams.may_hold(block, keys)
    }

    /// Calls `f` once per live slot whose `field` contains the needle, in slot order, with
    /// the offset of the first match inside the slot; stops when `f` returns false. Only
    /// blocks that `sieve` passes and that may hold the needle are read.
    pub(super) fn scan(
        &self,
        field: Field,
        needle: &Finder<'_>,
        sieve: Option<&Sieve<'_>>,
        mut f: impl FnMut(usize, usize) -> bool,
    ) {
        let col = &self.columns[field as usize];
        if needle.needle().is_empty() {
            // An empty needle is found everywhere, even in an empty arena with no slots.
            for slot in (0..self.ids.len()).filter(|s| self.is_live(*s)) {
                if !f(slot, 0) {
                    return;
                }
            }
            return;
        }
        let keys = col.grams.keys(needle.needle(), END);
        let pass = |b: usize| sieve.is_none_or(|s| s.passes(b)) && col.grams.may_hold(b, &keys);
        let blocks = self.ids.len().div_ceil(BLOCK);
        let mut block = 0;
        // Runs grow from one block: a scan that stops early (a common word, its page full
        // in the first blocks) asks the sieve about few blocks, a long one restarts memmem
        // rarely.
        let mut run = 1;
        while block < blocks {
            if !pass(block) {
                block += 1;
                continue;
            }
            // A run of passing blocks is one memmem pass: a match never crosses a slot's
            // `END`, so it never crosses a block's edge either.
            let first = block;
            while block < blocks && block - first < run && pass(block) {
                block += 1;
            }
            run = (run * 2).min(MAX_RUN);
            let (lo, hi) = col.span(first * BLOCK, block * BLOCK);
            let mut slot = first * BLOCK;
            let mut last = usize::MAX;
            for pos in needle.find_iter(&col.text[lo..hi]) {
                let pos = lo + pos;
                slot = col.slot_from(slot, pos);
                if slot == last || !self.is_live(slot) {
                    continue;
                }
                last = slot;
                if !f(slot, pos - col.start(slot)) {
                    return;
                }
            }
        }
    }

    /// How often `needle` occurs in `field`, counting to `cap` at most: which of several
    /// conditions is rarest, so the scan walks the fewest records.
    pub(super) fn count(&self, field: Field, needle: &Finder<'_>, cap: usize) -> usize {
        needle
            .find_iter(&self.columns[field as usize].text)
            .take(cap)
            .count()
    }

    /// True when enough slots are dead that a rebuild pays for itself.
    pub(super) fn wants_compaction(&self) -> bool {
        self.dead > 4096 && self.dead * 2 > self.ids.len()
    }

    /// A copy with only the live slots; `moved` hears each (id, new slot).
    pub(super) fn compacted(&self, mut moved: impl FnMut(Id, usize)) -> Arena {
        let mut out = Arena::with_shifts(self.shifts);
        for (slot, id) in self.ids.iter().enumerate() {
            if self.is_live(slot) {
                let texts: [&[u8]; FIELDS] = std::array::from_fn(|f| self.columns[f].get(slot));
                let new = out.push(*id, texts);
                moved(*id, new);
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Texts of every length from empty to long, so slots of one block start at offsets
    /// far from their base and blocks end mid-run.
    fn text(i: usize) -> Vec<u8> {
        let mut t = format!("r{i} ").into_bytes();
        t.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, (i * 37) % 700));
        if i % 5 == 0 {
            t.extend_from_slice(b" needle");
        }
        t
    }

    #[test]
    fn slots_read_back_and_scans_find_each_match_once_across_many_blocks() {
        for (mut a, reserve) in [(Arena::default(), true), (Arena::without_grams(), false)] {
            let n = BLOCK * 9 + 17;
            if reserve {
                a.reserve(n / 2, [64; FIELDS]);
            }
            for i in 0..n {
                let t = text(i);
                let slot = a.push(i as Id, [&t, b"", b"", b"", b"", &t]);
                assert_eq!(slot, i);
            }
            for i in (0..n).step_by(3) {
                a.kill(i);
            }
            for i in 0..n {
                assert_eq!(a.get(Field::Hay, i), text(i).as_slice(), "{i}");
                assert_eq!(a.get(Field::Digits, i), b"", "{i}");
            }
            for needle in ["needle", "r1", "aaaa", "zzzzzzzz", "r2 "] {
                let mut found = Vec::new();
                a.scan(
                    Field::Hay,
                    &Finder::new(needle.as_bytes()),
                    None,
                    |slot, at| {
                        found.push((slot, at));
                        true
                    },
                );
                let want: Vec<(usize, usize)> = (0..n)
                    .filter(|i| i % 3 != 0)
                    .filter_map(|i| {
                        let t = text(i);
                        memchr::memmem::find(&t, needle.as_bytes()).map(|at| (i, at))
                    })
                    .collect();
                assert_eq!(found, want, "{needle}");
            }
        }
    }
}
