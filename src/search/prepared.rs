//! Customers folded for the index but not yet in it, so that at unseal one core can open
//! and fold records while the other puts them in.
//!
//! A batch keeps every folded text of its customers in one buffer: the thread that inserts
//! copies them into the arenas and frees the buffer whole, instead of freeing a dozen small
//! strings per customer that the other thread allocated.

use super::brief::{self, Fixed};
use crate::domain::Customer;
use crate::domain::text::{digits_into, fold_into};

use super::arena::TAG_MARK;

/// Texts kept per customer: the folded name, then the arena's five fields.
pub(super) const TEXTS: usize = 6;

#[derive(Default)]
pub struct Prepared {
    fixed: Vec<Fixed>,
    /// What lists show of each (see `brief.rs`), back to back, and where each ends.
    shown: Vec<u8>,
    shown_ends: Vec<usize>,
    text: String,
    /// Where each text ends in `text`, `TEXTS` per customer.
    ends: Vec<usize>,
    scratch: String,
}

impl Prepared {
    pub fn with_capacity(customers: usize) -> Prepared {
        Prepared {
            fixed: Vec::with_capacity(customers),
            shown: Vec::with_capacity(customers * 80),
            shown_ends: Vec::with_capacity(customers),
            text: String::with_capacity(customers * 160),
            ends: Vec::with_capacity(customers * TEXTS),
            scratch: String::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.fixed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fixed.is_empty()
    }

    fn end(&mut self) {
        self.ends.push(self.text.len());
    }

    /// The text at `from..to`, appended again.
    fn again(&mut self, from: usize, to: usize) {
        // Through a kept scratch string: `String::extend_from_within` is newer than our MSRV.
        self.scratch.clear();
        self.scratch
            .push_str(self.text.get(from..to).unwrap_or_default());
        self.text.push_str(&self.scratch);
    }

    pub fn push(&mut self, c: &Customer) {
        let d = &c.data;
        // Each text is folded once, straight into the buffer: a million of these at sign-in.
        let name = self.text.len();
        fold_into(&mut self.text, &d.name);
        let name_end = self.text.len();
        self.end();
        // Hay: name, company, e-mails and tags, space separated.
        self.again(name, name_end);
        let company = d.company.as_deref().map(|c| {
            self.text.push(' ');
            let at = self.text.len();
            fold_into(&mut self.text, c);
            (at, self.text.len())
        });
        for e in &d.emails {
            self.text.push(' ');
            fold_into(&mut self.text, e);
        }
        let mut tags = Vec::with_capacity(d.tags.len());
        for t in &d.tags {
            self.text.push(' ');
            let at = self.text.len();
            fold_into(&mut self.text, t);
            tags.push((at, self.text.len()));
        }
        self.end();
        for (i, p) in d.phones.iter().enumerate() {
            if i > 0 {
                self.text.push(' ');
            }
            digits_into(&mut self.text, p);
        }
        self.end();
        if let Some(city) = &d.address.city {
            fold_into(&mut self.text, city);
        }
        self.end();
        if let Some((from, to)) = company {
            self.again(from, to);
        }
        self.end();
        // Each tag led by the mark and the last one ended by it, so a tag matches whole.
        for (from, to) in tags {
            self.text.push(TAG_MARK);
            self.again(from, to);
        }
        self.text.push(TAG_MARK);
        self.end();
        brief::encode(c, &mut self.shown);
        self.shown_ends.push(self.shown.len());
        self.fixed.push(Fixed::of(c));
    }

    /// Bytes per customer of each arena field (separator included), on average over the
    /// batch: what an unseal reserves from after the first batch.
    pub(super) fn field_bytes(&self) -> [usize; super::arena::FIELDS] {
        let n = self.len().max(1);
        let mut sums = [0usize; TEXTS];
        let mut last = 0;
        for (i, end) in self.ends.iter().enumerate() {
            sums[i % TEXTS] += end - last;
            last = *end;
        }
        // The name is part of the hay, not a field of its own; the shown text is last.
        let [_, hay, digits, city, company, tags] = sums;
        [hay, digits, city, company, tags, self.shown.len()].map(|b| b / n + 1)
    }

    pub(super) fn clear(&mut self) {
        self.fixed.clear();
        self.shown.clear();
        self.shown_ends.clear();
        self.text.clear();
        self.ends.clear();
    }

    /// Each customer's fixed fields, folded texts and shown text, in the order pushed.
    pub(super) fn drain(&mut self) -> impl Iterator<Item = (Fixed, [&str; TEXTS], &[u8])> {
        let (text, ends) = (&self.text, &self.ends);
        let (shown, shown_ends) = (&self.shown, &self.shown_ends);
        self.fixed.drain(..).enumerate().map(move |(i, f)| {
            let texts = std::array::from_fn(|j| {
                let n = i * TEXTS + j;
                let start = if n == 0 { 0 } else { ends[n - 1] };
                text.get(start..ends[n]).unwrap_or_default()
            });
            let start = if i == 0 { 0 } else { shown_ends[i - 1] };
            (
                f,
                texts,
                shown.get(start..shown_ends[i]).unwrap_or_default(),
            )
        })
    }
}
