//! A customer summary as the index holds it: the fixed fields inline in its map, the texts
//! back to back in the arena's `Shown` column.
//!
//! With a million customers the summaries are most of the index. A `CustomerSummary` is
//! 168 bytes inline plus an allocation for each text, and a map node holds it at half fill;
//! `Fixed` is 48 bytes and the texts take their own length plus a byte or two, with no
//! allocation per customer. Summaries are made only for what is shown: a page, a result.

use crate::domain::customer::CustomerStatus;
use crate::domain::{Customer, Id, UnixTime};

use super::CustomerSummary;

/// What the index keeps of a customer beside its texts: fixed size, inline in its map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fixed {
    pub id: Id,
    pub owner: Option<Id>,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
    pub status: CustomerStatus,
}

impl Fixed {
    pub(super) fn of(c: &Customer) -> Fixed {
        Fixed {
            id: c.id,
            owner: c.data.owner,
            created_at: c.stamp.created_at,
            updated_at: c.stamp.updated_at,
            status: c.data.status,
        }
    }

    /// The brief of this customer, whose shown text (`encode`) is `text`.
    pub(super) fn with<'a>(&self, text: &'a [u8]) -> Brief<'a> {
        Brief {
            id: self.id,
            owner: self.owner,
            created_at: self.created_at,
            updated_at: self.updated_at,
            status: self.status,
            text,
        }
    }
}

/// A customer as the index holds it, for filters and lists: the fixed fields, and the
/// shown texts where the index keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Brief<'a> {
    pub id: Id,
    pub owner: Option<Id>,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
    pub status: CustomerStatus,
    /// As `encode` wrote it.
    text: &'a [u8],
}

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

/// Appends what lists show of `c`: name, company, first e-mail, first phone, then the
/// tags. Each optional text is led by its length plus one (zero when absent), the name by
/// its length, and the tags by their count and then each its length; lengths are LEB128.
pub(super) fn encode(c: &Customer, out: &mut Vec<u8>) {
    let d = &c.data;
    put_len(out, d.name.len());
    out.extend_from_slice(d.name.as_bytes());
    let optional = [
        d.company.as_deref(),
        d.emails.first().map(String::as_str),
        d.phones.first().map(String::as_str),
    ];
    for t in optional {
        match t {
            None => out.push(0),
            Some(t) => {
                put_len(out, t.len() + 1);
                out.extend_from_slice(t.as_bytes());
            }
        }
    }
    put_len(out, d.tags.len());
    for t in &d.tags {
        put_len(out, t.len());
        out.extend_from_slice(t.as_bytes());
    }
}

/// Reads the texts back in the order `encode` wrote them.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn len(&mut self) -> usize {
        let mut n = 0usize;
        let mut shift = 0;
        while let Some((&b, rest)) = self.0.split_first() {
            self.0 = rest;
            n |= usize::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        n
    }

    fn text(&mut self, n: usize) -> &'a str {
        let (t, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        // Written from `&str` by `encode` and never changed, so this never fails.
        std::str::from_utf8(t).unwrap_or_default()
    }

    fn name(&mut self) -> &'a str {
        let n = self.len();
        self.text(n)
    }

    fn optional(&mut self) -> Option<&'a str> {
        match self.len() {
            0 => None,
            n => Some(self.text(n - 1)),
        }
    }
}

impl<'a> Brief<'a> {
    pub fn name(&self) -> &'a str {
        Reader(self.text).name()
    }

    /// Company, first e-mail and first phone.
    fn contact(&self) -> (Reader<'a>, [Option<&'a str>; 3]) {
        let mut r = Reader(self.text);
        r.name();
        let parts = [r.optional(), r.optional(), r.optional()];
        (r, parts)
    }

    pub fn tags(&self) -> impl Iterator<Item = &'a str> {
        let (mut r, _) = self.contact();
        let n = r.len();
        (0..n).map(move |_| r.name())
    }

    pub fn summary(&self) -> CustomerSummary {
        let (_, [company, email, phone]) = self.contact();
        CustomerSummary {
            id: self.id,
            name: self.name().to_string(),
            company: company.map(str::to_string),
            email: email.map(str::to_string),
            phone: phone.map(str::to_string),
            status: self.status,
            tags: self.tags().map(str::to_string).collect(),
            owner: self.owner,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::customer::CustomerInput;

    fn customer(input: CustomerInput) -> Customer {
        Customer {
            id: 42,
            stamp: crate::domain::Stamp {
                version: 1,
                created_at: 7,
                created_by: 1,
                updated_at: 9,
                updated_by: 1,
            },
            data: input,
            interactions: Vec::new(),
        }
    }

    #[test]
    fn a_brief_gives_back_the_summary_it_was_made_from() {
        let long = "x".repeat(70_000);
        let cases = [
            CustomerInput {
                name: "Dana Levi".into(),
                ..Default::default()
            },
            CustomerInput {
                name: "José Núñez".into(),
                company: Some(String::new()),
                emails: vec!["a@b.example".into(), "second@b.example".into()],
                phones: vec!["+972 50-123-4567".into()],
                tags: vec!["vip".into(), String::new(), "שלום".into()],
                owner: Some(3),
                status: CustomerStatus::ALL[1],
                ..Default::default()
            },
            CustomerInput {
                name: long.clone(),
                company: Some(long.clone()),
                tags: vec![long.clone(); 3],
                ..Default::default()
            },
        ];
        for input in cases {
            let c = customer(input);
            let mut text = Vec::new();
            encode(&c, &mut text);
            let b = Fixed::of(&c).with(&text);
            let d = &c.data;
            let want = CustomerSummary {
                id: 42,
                name: d.name.clone(),
                company: d.company.clone(),
                email: d.emails.first().cloned(),
                phone: d.phones.first().cloned(),
                status: d.status,
                tags: d.tags.clone(),
                owner: d.owner,
                created_at: 7,
                updated_at: 9,
            };
            assert_eq!(b.summary(), want);
            assert_eq!(b.name(), d.name);
            assert_eq!(b.tags().collect::<Vec<_>>(), d.tags);
        }
    }
}
