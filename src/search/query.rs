//! The search box's language: free words plus `tag:vip city:haifa status:lead owner:me
//! company:"levi optics"`, as in khard and KeePassXC. A phone number may be typed with
//! spaces or in international form.

use memchr::memmem::Finder;

use super::arena::TAG_MARK;
use crate::domain::customer::CustomerStatus;
use crate::domain::text::{digits, fold};

/// Fewer digits than this in a run of number-like words is not a phone number.
const PHONE_MIN_DIGITS: usize = 7;

/// One word (or quoted phrase) to find in the record's text, its searcher built once. A
/// handful live per query, so the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
pub(super) enum Term {
    Text {
        text: String,
        word: Finder<'static>,
    },
    /// Mostly digits: matched against phone digits (and as text).
    Digits {
        digits: Finder<'static>,
        word: Finder<'static>,
        /// The number's national part, looked for in numbers stored in the other form.
        national: Option<Finder<'static>>,
    },
}

/// A `key:value` condition.
pub(super) enum Filter {
    /// Whole tag, wrapped in the arena's tag marks.
    Tag(Finder<'static>),
    City(Finder<'static>),
    Company(Finder<'static>),
    Status(CustomerStatus),
    OwnerMe,
}

#[derive(Default)]
pub(super) struct Query {
    pub terms: Vec<Term>,
    pub filters: Vec<Filter>,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.filters.is_empty()
    }

    /// The first free word, which names are ranked by.
    pub fn first_text(&self) -> Option<&str> {
        match self.terms.first() {
            Some(Term::Text { text, .. }) => Some(text),
            _ => None,
        }
    }
}

pub(super) fn finder(s: &str) -> Finder<'static> {
    Finder::new(s.as_bytes()).into_owned()
}

/// Splits on spaces, keeping `"quoted phrases"` (also after `key:`) whole.
fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn phone_like(t: &str) -> bool {
    t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | '.' | '/'))
}

/// Joins runs of number-like words ("+972 50 123 4567") that together look like a phone: a
/// run that starts as one does ("+…", "0…", "(0…") from its second word on, so the list does
/// not empty while "050 1" is being typed, any other from its seventh digit.
fn join_phones(tokens: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, out: &mut Vec<String>| {
        let opens = run
            .first()
            .map(|t| t.trim_start_matches('('))
            .is_some_and(|t| t.starts_with('+') || t.starts_with('0'));
        if run.len() > 1 && (opens || digits(&run.concat()).len() >= PHONE_MIN_DIGITS) {
            out.push(run.concat());
        } else {
            out.append(run);
        }
        run.clear();
    };
    for t in tokens {
        if phone_like(&t) {
            run.push(t);
        } else {
            flush(&mut run, &mut out);
            out.push(t);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Digits of the country calling code that starts `d` (the digits after `+` or `00`). E.164
/// codes are a prefix code assigned by zone, so the first two digits say how long it is.
pub(super) fn country_code_len(d: &str) -> Option<usize> {
    let b = d.as_bytes();
    let two = |set: &[u8]| {
        if set.contains(b.get(1)?) {
            Some(2)
        } else {
            Some(3)
        }
    };
    match b.first()? {
        b'1' | b'7' => Some(1),
        b'2' => two(b"07"),
        b'3' => two(b"0123469"),
        b'4' => two(b"013456789"),
        b'5' => two(b"12345678"),
        b'6' => two(b"0123456"),
        b'8' => two(b"1246"),
        b'9' => two(b"0123458"),
        _ => None,
    }
}

/// What to look for, inside every stored number's digits, for a number typed in a form other
/// than the stored one: the national part after a trunk `0` ("050…" finds "+972-50…"), or
/// after an international prefix and country code ("+972 50…", "00972 (0)50…" find "050…").
/// It is part of the typed digits, so it finds whatever they find. `None` for fewer than
/// two digits ("050" looks for "50", so "levi 050" finds Levi's "+972-50…"): "00000" trims
/// to nothing, and an empty needle would match every record.
fn national<'d>(w: &str, d: &'d str) -> Option<&'d str> {
    let abroad = if w.starts_with('+') {
        Some(d)
    } else {
        d.strip_prefix("00")
    };
    let rest = match abroad {
        Some(a) => &a[country_code_len(a)?.min(a.len())..],
        None if d.starts_with('0') => d,
        None => return None,
    };
    let rest = rest.trim_start_matches('0');
    (rest.len() >= 2).then_some(rest)
}

fn term(w: &str) -> Term {
    let d = digits(w);
    if d.len() >= 3 && d.len() * 2 >= w.len() {
        Term::Digits {
            national: national(w, &d).map(finder),
            digits: finder(&d),
            word: finder(w),
        }
    } else {
        Term::Text {
            text: w.to_string(),
            word: finder(w),
        }
    }
}

fn filter(key: &str, value: &str) -> Option<Filter> {
    if value.is_empty() {
        return None;
    }
    Some(match key {
        "tag" => Filter::Tag(finder(&format!("{TAG_MARK}{value}{TAG_MARK}"))),
        "city" => Filter::City(finder(value)),
        "company" => Filter::Company(finder(value)),
        "status" => Filter::Status(CustomerStatus::parse(value)?),
        "owner" if value == "me" => Filter::OwnerMe,
        _ => return None,
    })
}

/// Parses a query; a `key:value` that is not a known filter is searched for as text, so
/// nothing typed is silently dropped.
pub(super) fn parse(query: &str) -> Query {
    let mut q = Query::default();
    for t in join_phones(tokens(&fold(query))) {
        let parsed = t.split_once(':').and_then(|(k, v)| filter(k, v));
        match parsed {
            Some(f) => q.filters.push(f),
            None => q.terms.push(term(&t)),
        }
    }
    q
}
