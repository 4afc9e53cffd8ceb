//! Customers folded for the index but not yet in it, so that at unseal one core can open
//! and fold records while the other puts them in.
//!
//! A batch keeps every folded text of its customers in one buffer: the thread that inserts
//! copies them into the arenas and frees the buffer whole, instead of freeing a dozen small
//! strings per customer that the other thread allocated.

use super::Brief;
use crate::domain::Customer;
use crate::domain::text::{digits_into, fold_into};

use super::arena::TAG_MARK;

/// Texts kept per customer: the folded name, then the arena's five fields.
pub(super) const TEXTS: usize = 6;

#[derive(Default)]
pub struct Prepared {
    briefs: Vec<Brief>,
    text: String,
    /// Where each text ends in `text`, `TEXTS` per customer.
    ends: Vec<usize>,
    scratch: String,
}

impl Prepared {
    pub fn with_capacity(customers: usize) -> Prepared {
        Prepared {
            briefs: Vec::with_capacity(customers),
            text: String::with_capacity(customers * 160),
            ends: Vec::with_capacity(customers * TEXTS),
            scratch: String::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.briefs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.briefs.is_empty()
    }

    fn end(&mut self) {
        self.ends.push(self.text.len());
    }

    /// The text since `from`, appended again.
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
        self.briefs.push(Brief::new(c));
    }

    pub(super) fn clear(&mut self) {
        self.briefs.clear();
        self.text.clear();
        self.ends.clear();
    }

    /// Each customer's brief and texts, in the order they were pushed.
    pub(super) fn drain(&mut self) -> impl Iterator<Item = (Brief, [&str; TEXTS])> {
        let text = &self.text;
        let ends = &self.ends;
        self.briefs.drain(..).enumerate().map(move |(i, b)| {
            let texts = std::array::from_fn(|j| {
                let n = i * TEXTS + j;
                let start = if n == 0 { 0 } else { ends[n - 1] };
                text.get(start..ends[n]).unwrap_or_default()
            });
            (b, texts)
        })
    }
}
