//! Folded text of one record kind laid out contiguously, one arena per field kind, so a
//! query is one memmem pass over memory instead of a searcher call per record.

use memchr::memmem::Finder;

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
}

const FIELDS: usize = 5;

/// Never part of sanitized, folded text, so it can separate records and tags.
pub(super) const END: u8 = b'\n';
pub(super) const TAG_MARK: char = '\u{1}';

#[derive(Default)]
struct Column {
    text: Vec<u8>,
    /// Where each slot's text starts; a slot ends at the next start (minus `END`).
    starts: Vec<usize>,
}

impl Column {
    fn get(&self, slot: usize) -> &[u8] {
        let start = self.starts[slot];
        let end = self
            .starts
            .get(slot + 1)
            .map_or(self.text.len(), |s| *s)
            .saturating_sub(1);
        &self.text[start..end]
    }

    fn slot_at(&self, pos: usize) -> usize {
        self.starts.partition_point(|s| *s <= pos).saturating_sub(1)
    }
}

#[derive(Default)]
pub(super) struct Arena {
    columns: [Column; FIELDS],
    /// Owner of each slot; `None` once the record was removed or rewritten.
    ids: Vec<Option<Id>>,
    dead: usize,
}

impl Arena {
    /// Appends a record's fields and returns its slot.
    pub(super) fn push(&mut self, id: Id, fields: [&str; FIELDS]) -> usize {
        for (col, text) in self.columns.iter_mut().zip(fields) {
            col.starts.push(col.text.len());
            col.text.extend_from_slice(text.as_bytes());
            col.text.push(END);
        }
        self.ids.push(Some(id));
        self.ids.len() - 1
    }

    pub(super) fn kill(&mut self, slot: usize) {
        if let Some(id) = self.ids.get_mut(slot).filter(|i| i.is_some()) {
            *id = None;
            self.dead += 1;
        }
    }

    pub(super) fn get(&self, field: Field, slot: usize) -> &[u8] {
        self.columns[field as usize].get(slot)
    }

    pub(super) fn id(&self, slot: usize) -> Option<Id> {
        self.ids.get(slot).copied().flatten()
    }

    /// Calls `f` once per live slot whose `field` contains the needle, in slot order, with
    /// the offset of the first match inside the slot; stops when `f` returns false.
    pub(super) fn scan(
        &self,
        field: Field,
        needle: &Finder<'_>,
        mut f: impl FnMut(usize, usize) -> bool,
    ) {
        let col = &self.columns[field as usize];
        if needle.needle().is_empty() {
            // An empty needle is found everywhere, even in an empty arena with no slots.
            for slot in (0..self.ids.len()).filter(|s| self.ids[*s].is_some()) {
                if !f(slot, 0) {
                    return;
                }
            }
            return;
        }
        let mut last = usize::MAX;
        for pos in needle.find_iter(&col.text) {
            let slot = col.slot_at(pos);
            if slot == last || self.ids.get(slot).is_none_or(|i| i.is_none()) {
                continue;
            }
            last = slot;
            if !f(slot, pos - col.starts[slot]) {
                return;
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
        let mut out = Arena::default();
        for (slot, id) in self.ids.iter().enumerate() {
            if let Some(id) = id {
                let texts: [&[u8]; FIELDS] = std::array::from_fn(|f| self.columns[f].get(slot));
                for (col, text) in out.columns.iter_mut().zip(texts) {
                    col.starts.push(col.text.len());
                    col.text.extend_from_slice(text);
                    col.text.push(END);
                }
                out.ids.push(Some(*id));
                moved(*id, out.ids.len() - 1);
            }
        }
        out
    }
}
