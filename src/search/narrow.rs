//! Narrowing: a query typed one key further ("lev" → "levi", "levi" → "levi o") looks only at
//! the records the shorter one matched, instead of scanning the whole arena again. A record
//! holding every word of the new query holds every word of the old one when each old word is
//! part of a new word, so the old matches are a superset of the new ones.
//!
//! Only a complete match list is kept (a scan cut short by the result limit says nothing
//! about the records after it), and only while the arena is unchanged: any write bumps the
//! generation and the memo is ignored.

use std::sync::Mutex;

/// Larger match lists are not kept: copying them would cost about what a scan does.
const MAX_SLOTS: usize = 200_000;

struct Memo {
    generation: u64,
    /// The free words, all plain text, whose records `slots` are.
    words: Vec<String>,
    slots: Vec<usize>,
}

/// One memo per index: the last complete scan for a free word. Searches run under the
/// index's read lock, so this needs its own lock; it is held only to copy in or out.
#[derive(Default)]
pub(super) struct Narrow(Mutex<Option<Memo>>);

impl Narrow {
    /// The slots every record holding all of `words` is among, when a complete earlier scan
    /// for words each contained in one of these was made on this generation.
    pub(super) fn candidates(&self, generation: u64, words: &[&str]) -> Option<Vec<usize>> {
        let memo = self.0.lock().ok()?;
        memo.as_ref()
            .filter(|m| {
                m.generation == generation
                    && m.words
                        .iter()
                        .all(|old| words.iter().any(|new| new.contains(old.as_str())))
            })
            .map(|m| m.slots.clone())
    }

    pub(super) fn remember(&self, generation: u64, words: Vec<String>, slots: Vec<usize>) {
        if slots.len() > MAX_SLOTS {
            return;
        }
        if let Ok(mut memo) = self.0.lock() {
            *memo = Some(Memo {
                generation,
                words,
                slots,
            });
        }
    }

    #[cfg(test)]
    pub(super) fn forget(&self) {
        if let Ok(mut memo) = self.0.lock() {
            *memo = None;
        }
    }
}
