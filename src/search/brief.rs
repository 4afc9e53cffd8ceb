//! A customer summary as the index holds it: the fixed fields inline, the texts in one
//! allocation.
//!
//! With a million customers the summaries are most of the index. A `CustomerSummary` is
//! 168 bytes inline plus an allocation for each text, and a map node holds it at half fill;
//! a `Brief` is 64 bytes plus one allocation holding the texts back to back. Summaries are
//! made from briefs only for what is shown: a page, a search result.

use crate::domain::customer::CustomerStatus;
use crate::domain::{Customer, Id, UnixTime};

use super::CustomerSummary;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brief {
    pub id: Id,
    pub owner: Option<Id>,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
    pub status: CustomerStatus,
    /// Name, company, first e-mail, first phone, then the tags. Each optional text is led by
    /// its length plus one (zero when absent), the name by its length, and the tags by
    /// their count and then each its length; lengths are LEB128.
    text: Box<[u8]>,
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

/// Reads the texts back in the order `Brief::new` wrote them.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn len(&mut self) -> usize {
        let mut n = 0usize;
        let mut shift = 0;
        while let Some((&b, rest)) = self.0.split_first() {
            self.0 = rest;
            n |= usize::from(b & 0x7f) << shift;
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
        // Written from `&str` by `new` and never changed, so this never fails.
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

impl Brief {
    pub fn new(c: &Customer) -> Brief {
        let d = &c.data;
        let optional = [
            d.company.as_deref(),
            d.emails.first().map(String::as_str),
            d.phones.first().map(String::as_str),
        ];
        let size = d.name.len()
            + optional.iter().flatten().map(|t| t.len()).sum::<usize>()
            + d.tags.iter().map(|t| t.len() + 1).sum::<usize>()
            + 6;
        let mut text = Vec::with_capacity(size);
        put_len(&mut text, d.name.len());
        text.extend_from_slice(d.name.as_bytes());
        for t in optional {
            match t {
                None => text.push(0),
                Some(t) => {
                    put_len(&mut text, t.len() + 1);
                    text.extend_from_slice(t.as_bytes());
                }
            }
        }
        put_len(&mut text, d.tags.len());
        for t in &d.tags {
            put_len(&mut text, t.len());
            text.extend_from_slice(t.as_bytes());
        }
        Brief {
            id: c.id,
            owner: d.owner,
            created_at: c.stamp.created_at,
            updated_at: c.stamp.updated_at,
            status: d.status,
            text: text.into_boxed_slice(),
        }
    }

    pub fn name(&self) -> &str {
        Reader(&self.text).name()
    }

    /// Company, first e-mail and first phone.
    fn contact(&self) -> (Reader<'_>, [Option<&str>; 3]) {
        let mut r = Reader(&self.text);
        r.name();
        let parts = [r.optional(), r.optional(), r.optional()];
        (r, parts)
    }

    pub fn tags(&self) -> impl Iterator<Item = &str> {
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
            let b = Brief::new(&c);
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
