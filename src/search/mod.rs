//! In-memory index over decrypted records, rebuilt at unseal and updated on every write.
//! Nothing here is ever written to disk.

use serde::{Deserialize, Serialize};

use crate::domain::customer::CustomerStatus;
use crate::domain::text::{digits, fold};
use crate::domain::{Customer, Employee, Id, Task, UnixTime};

mod arena;
mod brief;
mod dense;
mod fuzzy;
mod grams;
mod listing;
mod narrow;
mod order;
pub mod page;
mod prepared;
mod query;

use arena::{Arena, FIELDS, Field};
use brief::Fixed;
use dense::Dense;
use grams::{Keys, Sieve};
use query::{Filter, Query, Term, finder, parse};

pub use brief::Brief;
pub use page::{Cursor, Page, Sort, SortKey, Start, Window};
pub use prepared::Prepared;

/// Most records the typo fallback scores per needle.
const FUZZY_CANDIDATES: usize = 4_000;

/// Most names the prefix walk looks at. A first word shared by many names ("jose" among a
/// million) whose other words match few of them would otherwise walk them all; past this,
/// the arena scan finds the rest and still ranks name prefixes first.
const PREFIX_WALK: usize = 2_000;

/// Records the scan looks at once it has a page of matches inside words but still too few at
/// a word start: past this, a single letter ("z" inside every "nunez") stops scanning.
const INSIDE_BUDGET: usize = 5_000;

/// What lists and search results show of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSummary {
    pub id: Id,
    pub name: String,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: CustomerStatus,
    pub tags: Vec<String>,
    pub owner: Option<Id>,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Customer,
    Employee,
    Task,
}

/// One quick-lookup result across kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub kind: HitKind,
    pub id: Id,
    pub title: String,
    pub detail: String,
}

struct Entry<T> {
    item: T,
    /// Where this record's text lives in its kind's arena.
    slot: usize,
}

/// A kind's records: summaries by id, their text in one arena.
struct Kind<T> {
    entries: Dense<Entry<T>>,
    arena: Arena,
    /// Bumped by every write, so a remembered scan of an older arena is never used.
    generation: u64,
}

impl<T> Kind<T> {
    fn new(arena: Arena) -> Self {
        Self {
            entries: Dense::default(),
            arena,
            generation: 0,
        }
    }
}

impl<T> Kind<T> {
    /// Puts `item` in with its texts. The old entry comes back with its slot still
    /// readable in the arena until the next put or remove: compaction runs first.
    fn put(&mut self, id: Id, item: T, fields: [&[u8]; FIELDS]) -> Option<Entry<T>> {
        self.compact();
        self.generation += 1;
        let slot = self.arena.push(id, fields);
        let old = self.entries.insert(id, Entry { item, slot });
        if let Some(o) = &old {
            self.arena.kill(o.slot);
        }
        old
    }

    /// Like `put`, the entry comes back readable until the next change.
    fn remove(&mut self, id: Id) -> Option<Entry<T>> {
        self.compact();
        let old = self.entries.remove(&id)?;
        self.generation += 1;
        self.arena.kill(old.slot);
        Some(old)
    }

    fn compact(&mut self) {
        if self.arena.wants_compaction() {
            let entries = &mut self.entries;
            self.arena = self.arena.compacted(|id, slot| {
                if let Some(e) = entries.get_mut(&id) {
                    e.slot = slot;
                }
            });
        }
    }

    fn term_matches(&self, slot: usize, t: &Term) -> bool {
        let hay = self.arena.get(Field::Hay, slot);
        match t {
            Term::Text { word, .. } => word.find(hay).is_some(),
            Term::Digits {
                digits: d,
                word,
                national,
            } => {
                let digits = self.arena.get(Field::Digits, slot);
                d.find(digits).is_some()
                    || word.find(hay).is_some()
                    || national.as_ref().is_some_and(|n| n.find(digits).is_some())
            }
        }
    }

    fn terms_match(&self, slot: usize, terms: &[Term]) -> bool {
        terms.iter().all(|t| self.term_matches(slot, t))
    }

    /// The blocks where a record may hold every one of `terms`.
    fn sieve<'t>(&self, terms: impl IntoIterator<Item = &'t Term>) -> Sieve<'_> {
        let a = &self.arena;
        // Each term is a choice of (field, needle): a record holds it when any one is found.
        let choices: Vec<Vec<(Field, Keys)>> = terms
            .into_iter()
            .map(|t| match t {
                Term::Text { word, .. } => vec![(Field::Hay, a.keys(Field::Hay, word.needle()))],
                Term::Digits {
                    digits,
                    word,
                    national,
                } => vec![
                    (
                        Field::Digits,
                        // The national form is part of the whole digits, so it covers both.
                        a.keys(Field::Digits, national.as_ref().unwrap_or(digits).needle()),
                    ),
                    (Field::Hay, a.keys(Field::Hay, word.needle())),
                ],
            })
            .collect();
        Sieve::new(move |b| {
            choices
                .iter()
                .all(|c| c.iter().any(|(f, k)| a.may_hold(*f, b, k)))
        })
    }

    /// The `(slot, offset of the match)` of records whose text holds the term, in slot order,
    /// among the blocks `sieve` passes.
    fn scan_term(&self, t: &Term, sieve: &Sieve<'_>, mut f: impl FnMut(usize, usize) -> bool) {
        match t {
            Term::Text { word, .. } => self.arena.scan(Field::Hay, word, Some(sieve), f),
            Term::Digits {
                digits,
                word,
                national,
            } => {
                // Two passes; a record found by the first is skipped in the second.
                let mut seen = Marks::new(self.arena.slots());
                let mut go = true;
                self.arena.scan(
                    Field::Digits,
                    national.as_ref().unwrap_or(digits),
                    Some(sieve),
                    |s, o| {
                        seen.insert(s);
                        go = f(s, o);
                        go
                    },
                );
                if go {
                    self.arena.scan(Field::Hay, word, Some(sieve), |s, o| {
                        seen.contains(s) || f(s, o)
                    });
                }
            }
        }
    }
}

impl Kind<Fixed> {
    fn brief<'a>(&'a self, e: &'a Entry<Fixed>) -> Brief<'a> {
        e.item.with(self.arena.get(Field::Shown, e.slot))
    }
}

/// A set of slots, one bit each: cheaper than hashing when a scan visits many of them.
struct Marks(Vec<u64>);

impl Marks {
    fn new(slots: usize) -> Self {
        Marks(vec![0; slots.div_ceil(64)])
    }

    fn contains(&self, slot: usize) -> bool {
        self.0
            .get(slot / 64)
            .is_some_and(|w| w & (1 << (slot % 64)) != 0)
    }

    /// True when `slot` was not in the set yet.
    fn insert(&mut self, slot: usize) -> bool {
        let Some(w) = self.0.get_mut(slot / 64) else {
            return false;
        };
        let bit = 1 << (slot % 64);
        let new = *w & bit == 0;
        *w |= bit;
        new
    }
}

fn filter_matches(k: &Kind<Fixed>, e: &Entry<Fixed>, f: &Filter, me: Id) -> bool {
    let a = &k.arena;
    match f {
        Filter::Tag(t) => t.find(a.get(Field::Tags, e.slot)).is_some(),
        Filter::City(c) => c.find(a.get(Field::City, e.slot)).is_some(),
        Filter::Company(c) => c.find(a.get(Field::Company, e.slot)).is_some(),
        Filter::Status(s) => e.item.status == *s,
        Filter::OwnerMe => e.item.owner == Some(me),
    }
}

/// Ranks of a match, best first.
const EXACT_OR_PREFIX: u8 = 0;
const WORD_START: u8 = 1;
const INSIDE: u8 = 2;
const FUZZY: u8 = 3;

pub struct Index {
    customers: Kind<Fixed>,
    /// Folded names in order, so names starting with the query are found by a range
    /// lookup instead of a scan.
    by_name: std::collections::BTreeSet<(Box<str>, Id)>,
    employees: Kind<(String, String)>,
    tasks: Kind<(String, Id, Id)>,
    narrow: narrow::Narrow,
    /// Customer sort orders, built when first asked for (see `listing.rs`).
    orders: listing::Locked,
}

impl Default for Index {
    fn default() -> Self {
        Self {
            customers: Kind::new(Arena::default()),
            by_name: Default::default(),
            // Employees and tasks are checked record by record, never scanned: n-gram tables
            // would be memory and sign-in time for nothing.
            employees: Kind::new(Arena::without_grams()),
            tasks: Kind::new(Arena::without_grams()),
            narrow: Default::default(),
            orders: Default::default(),
        }
    }
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Index({} customers)", self.customers.entries.len())
    }
}

/// An employee's or task's searched texts, with nothing in the customer-only fields.
fn texts([hay, digits]: [&str; 2]) -> [&[u8]; FIELDS] {
    let mut t: [&[u8]; FIELDS] = [b""; FIELDS];
    t[Field::Hay as usize] = hay.as_bytes();
    t[Field::Digits as usize] = digits.as_bytes();
    t
}

impl Index {
    pub fn put_customer(&mut self, c: &Customer) {
        let mut p = Prepared::with_capacity(1);
        p.push(c);
        self.put_prepared(&mut p);
    }

    /// Room for at most `n` customers about to be put in batch by batch, `first` being the
    /// first batch: sized from its texts with room to spare. Only into an empty index.
    pub fn reserve_customers(&mut self, n: usize, first: &Prepared) {
        if self.customers.arena.slots() == 0 && !first.is_empty() {
            // Twice the first batch's sizes: later customers have longer ids in their
            // texts, and falling short means one copy of every column after all.
            let bytes = first.field_bytes().map(|b| b * 2);
            self.customers.arena.reserve(n, bytes);
            self.customers.entries.reserve(n);
        }
    }

    /// Puts in every customer of `p`, leaving it empty for the next batch.
    pub fn put_prepared(&mut self, p: &mut Prepared) {
        for (fixed, [name, hay, digits, city, company, tags], shown) in p.drain() {
            let id = fixed.id;
            self.unlist(id);
            self.by_name.insert((name.into(), id));
            let k = &mut self.customers;
            let [hay, digits, city, company, tags] =
                [hay, digits, city, company, tags].map(str::as_bytes);
            let old = k.put(id, fixed, [hay, digits, city, company, tags, shown]);
            let old = old.map(|o| fold(k.brief(&o).name())).filter(|o| o != name);
            if let Some(old) = old {
                self.by_name.remove(&(old.into_boxed_str(), id));
            }
            self.list(id);
        }
        p.clear();
    }

    pub fn remove_customer(&mut self, id: Id) {
        self.unlist(id);
        if let Some(old) = self.customers.remove(id) {
            let name = fold(self.customers.brief(&old).name());
            self.by_name.remove(&(name.into_boxed_str(), id));
        }
    }

    pub fn put_employee(&mut self, e: &Employee) {
        let d = &e.data;
        let mut hay = fold(&d.name);
        for part in d.title.iter().chain(&d.department).chain(&d.email) {
            hay.push(' ');
            hay.push_str(&fold(part));
        }
        let detail = [d.title.clone(), d.phone.clone(), d.email.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        let digits = d.phone.as_deref().map(digits).unwrap_or_default();
        self.employees
            .put(e.id, (d.name.clone(), detail), texts([&hay, &digits]));
    }

    pub fn remove_employee(&mut self, id: Id) {
        self.employees.remove(id);
    }

    pub fn put_task(&mut self, t: &Task) {
        let hay = fold(&t.data.title);
        let assignee = t.data.assignee.unwrap_or(t.stamp.created_by);
        self.tasks.put(
            t.id,
            (t.data.title.clone(), assignee, t.stamp.created_by),
            texts([&hay, ""]),
        );
    }

    pub fn remove_task(&mut self, id: Id) {
        self.tasks.remove(id);
    }

    pub fn customer(&self, id: Id) -> Option<CustomerSummary> {
        let k = &self.customers;
        k.entries.get(&id).map(|e| k.brief(e).summary())
    }

    pub fn customers(&self) -> impl Iterator<Item = Brief<'_>> {
        let k = &self.customers;
        k.entries.values().map(|e| k.brief(e))
    }

    /// `customers` from the first id above `after`.
    pub fn customers_after(&self, after: Option<Id>) -> impl Iterator<Item = Brief<'_>> {
        let k = &self.customers;
        k.entries.iter_after(after).map(|(_, e)| k.brief(e))
    }

    pub fn customer_count(&self) -> usize {
        self.customers.entries.len()
    }

    /// Customers matching every word and filter of `query` (see `query.rs` for the
    /// language; `owner:me` means `me`): names equal to or starting with the first word
    /// first, then matches at a word start, then inside a word, then near misses (one
    /// typo) of a free word.
    pub fn search_customers(
        &self,
        query: &str,
        limit: usize,
        me: Id,
        allow: impl Fn(&Brief<'_>) -> bool,
    ) -> Vec<CustomerSummary> {
        self.customers_matching(&parse(query), limit, me, allow)
    }

    /// The first `take` ids above `after`, ascending, of customers holding every word and
    /// condition of `query` exactly (no near misses, no ranking): a part of an export,
    /// whose filter has conditions only, found by walking from where the last part ended.
    pub fn customer_ids_after(
        &self,
        query: &str,
        after: Option<Id>,
        take: usize,
        me: Id,
        allow: impl Fn(&Brief<'_>) -> bool,
    ) -> Vec<Id> {
        let q = parse(query);
        let k = &self.customers;
        k.entries
            .iter_after(after)
            .filter(|(_, e)| {
                k.terms_match(e.slot, &q.terms)
                    && q.filters.iter().all(|f| filter_matches(k, e, f, me))
                    && allow(&k.brief(e))
            })
            .map(|(id, _)| *id)
            .take(take)
            .collect()
    }

    fn customers_matching(
        &self,
        q: &Query,
        limit: usize,
        me: Id,
        allow: impl Fn(&Brief<'_>) -> bool,
    ) -> Vec<CustomerSummary> {
        let k = &self.customers;
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        let ok = |e: &Entry<Fixed>, terms: &[Term]| {
            k.terms_match(e.slot, terms)
                && q.filters.iter().all(|f| filter_matches(k, e, f, me))
                && allow(&k.brief(e))
        };
        let mut found: Vec<(u8, Id)> = Vec::new();
        let mut seen = Marks::new(k.arena.slots());
        let first = q.first_text().unwrap_or_default().to_string();
        if !first.is_empty() {
            let from: Box<str> = first.as_str().into();
            let names = self.by_name.range((from, 0)..).take(PREFIX_WALK);
            for (name, id) in names {
                if found.len() >= limit || !name.starts_with(&first) {
                    break;
                }
                if let Some(e) = k.entries.get(id).filter(|e| ok(e, &q.terms)) {
                    seen.insert(e.slot);
                    found.push((EXACT_OR_PREFIX, *id));
                }
            }
        }
        // One pass over the arena of the most telling condition; matches at a word start
        // are kept apart so they can go before matches inside a word.
        let mut prefix = Vec::new();
        let mut word_start = Vec::new();
        let mut inside = Vec::new();
        let mut visited = 0usize;
        // `held` says the caller already knows the record holds every term: the cheap
        // checks go before the lookup of its summary.
        let mut visit = |slot: usize, at: usize, held: bool| {
            visited += 1;
            if seen.insert(slot) && (held || k.terms_match(slot, &q.terms)) {
                let e = k.arena.id(slot).and_then(|id| k.entries.get(&id));
                if let Some(e) = e.filter(|e| ok(e, &[])) {
                    let hay = k.arena.get(Field::Hay, slot);
                    let start =
                        at == 0 || hay.get(at - 1).is_some_and(|b| !b.is_ascii_alphanumeric());
                    // The folded name leads the record's text, so a name starting with the
                    // first word is a match at offset 0 of a scan for it.
                    let bucket = if !first.is_empty() && at == 0 {
                        &mut prefix
                    } else if start {
                        &mut word_start
                    } else {
                        &mut inside
                    };
                    bucket.push(e.item.id);
                }
            }
            found.len() + prefix.len() + word_start.len() < limit
                && (inside.len() < limit || visited < INSIDE_BUDGET)
        };
        let words: Option<Vec<&str>> = q
            .terms
            .iter()
            .map(|t| match t {
                Term::Text { text, .. } => Some(text.as_str()),
                Term::Digits { .. } => None,
            })
            .collect();
        if let (Some(Term::Text { word, .. }), Some(words)) = (q.terms.first(), &words) {
            // Every slot holding all the words, whether or not the filters and the role
            // accept it, so the next keystroke can narrow from them.
            let mut holding = Vec::new();
            let mut complete = true;
            let mut go = |slot: usize, at: usize| {
                // A record missing another word is rejected here, before the bookkeeping of
                // `visit`: in "levi op" that is nearly every record holding "levi".
                if !k.terms_match(slot, &q.terms) {
                    return true;
                }
                holding.push(slot);
                complete = visit(slot, at, true);
                complete
            };
            match self.narrow.candidates(k.generation, words) {
                Some(slots) => {
                    for slot in slots {
                        if let Some(at) = word.find(k.arena.get(Field::Hay, slot)) {
                            if !go(slot, at) {
                                break;
                            }
                        }
                    }
                }
                None => k
                    .arena
                    .scan(Field::Hay, word, Some(&k.sieve(&q.terms)), &mut go),
            }
            if complete {
                let words = words.iter().map(|w| w.to_string()).collect();
                self.narrow.remember(k.generation, words, holding);
            }
        } else if let Some(t) = q.terms.first() {
            k.scan_term(t, &k.sieve(&q.terms), |s, o| visit(s, o, false));
        } else {
            let rarest = q
                .filters
                .iter()
                .filter_map(|f| match f {
                    Filter::Tag(n) => Some((Field::Tags, n)),
                    Filter::City(n) => Some((Field::City, n)),
                    Filter::Company(n) => Some((Field::Company, n)),
                    _ => None,
                })
                .min_by_key(|(field, n)| k.arena.count(*field, n, k.entries.len() / 4 + 1));
            match rarest {
                Some((field, needle)) => {
                    k.arena.scan(field, needle, None, |s, _| visit(s, 0, false))
                }
                None => {
                    for e in k.entries.values() {
                        if !visit(e.slot, 0, false) {
                            break;
                        }
                    }
                }
            }
        }
        found.extend(prefix.into_iter().map(|id| (EXACT_OR_PREFIX, id)));
        found.extend(word_start.into_iter().map(|id| (WORD_START, id)));
        found.extend(inside.into_iter().map(|id| (INSIDE, id)));
        found.truncate(limit);
        if found.len() < limit {
            let mut exclude: std::collections::HashSet<Id> = found.iter().map(|f| f.1).collect();
            for id in self.near_misses(q, limit - found.len(), me, &allow, &mut exclude) {
                found.push((FUZZY, id));
            }
        }
        found
            .into_iter()
            .filter_map(|(_, id)| k.entries.get(&id).map(|e| k.brief(e).summary()))
            .collect()
    }

    /// Records where one free word is one or two typos off and everything else matches.
    fn near_misses(
        &self,
        q: &Query,
        limit: usize,
        me: Id,
        allow: &impl Fn(&Brief<'_>) -> bool,
        exclude: &mut std::collections::HashSet<Id>,
    ) -> Vec<Id> {
        let k = &self.customers;
        let mut out: Vec<(usize, Id)> = Vec::new();
        for (i, t) in q.terms.iter().enumerate() {
            let Term::Text { text, .. } = t else { continue };
            let word: Vec<char> = text.chars().collect();
            let max = fuzzy::budget(word.len());
            // Typos are forgiven in words, not in e-mail fragments, numbers or phrases:
            // "person99999@" one edit off matches every "person…" there is.
            if max == 0 || !text.chars().all(char::is_alphabetic) {
                continue;
            }
            let rest: Vec<&Term> = q
                .terms
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, t)| t)
                .collect();
            let ascii = fuzzy::ascii(&word);
            let sieve = k.sieve(rest.iter().copied());
            for needle in fuzzy::needles(&word) {
                let mut tried = 0usize;
                k.arena
                    .scan(Field::Hay, &finder(&needle), Some(&sieve), |slot, _| {
                        tried += 1;
                        let e = k.arena.id(slot).and_then(|id| k.entries.get(&id));
                        // The other words and filters first: a memmem each, far cheaper than
                        // scoring, and in "levi op" they rule out nearly every candidate.
                        let e = e.filter(|e| {
                            !exclude.contains(&e.item.id)
                                && rest.iter().all(|t| k.term_matches(slot, t))
                                && q.filters.iter().all(|f| filter_matches(k, e, f, me))
                                && allow(&k.brief(e))
                        });
                        if let Some(e) = e {
                            let hay = String::from_utf8_lossy(k.arena.get(Field::Hay, slot));
                            if let Some(d) = fuzzy::best_of(&word, ascii.as_deref(), &hay, max) {
                                exclude.insert(e.item.id);
                                out.push((d, e.item.id));
                            }
                        }
                        // Candidates are bounded so a common fragment cannot turn this into a
                        // scorer run over every record.
                        tried < FUZZY_CANDIDATES && out.len() < limit * 4
                    });
            }
        }
        out.sort_by_key(|(d, _)| *d);
        out.into_iter().take(limit).map(|(_, id)| id).collect()
    }

    /// One search across kinds; `can_*` say what the caller's role may see.
    pub fn quick(
        &self,
        query: &str,
        limit: usize,
        me: Id,
        customers: bool,
        employees: bool,
        task_allowed: impl Fn(Id, Id) -> bool,
    ) -> Vec<Hit> {
        let mut hits = Vec::new();
        if query.trim().is_empty() {
            return hits;
        }
        let q = parse(query);
        if customers {
            for c in self.customers_matching(&q, limit, me, |_| true) {
                let detail = [c.company.clone(), c.phone.clone(), c.email.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                hits.push(Hit {
                    kind: HitKind::Customer,
                    id: c.id,
                    title: c.name,
                    detail,
                });
            }
        }
        // Filters name customer fields, so they leave out the other kinds.
        if !q.filters.is_empty() || q.terms.is_empty() {
            return hits;
        }
        if employees {
            for (id, e) in &self.employees.entries {
                if hits.len() >= limit * 2 {
                    break;
                }
                if self.employees.terms_match(e.slot, &q.terms) {
                    hits.push(Hit {
                        kind: HitKind::Employee,
                        id: *id,
                        title: e.item.0.clone(),
                        detail: e.item.1.clone(),
                    });
                }
            }
        }
        for (id, e) in &self.tasks.entries {
            if hits.len() >= limit * 3 {
                break;
            }
            if self.tasks.terms_match(e.slot, &q.terms) && task_allowed(e.item.1, e.item.2) {
                hits.push(Hit {
                    kind: HitKind::Task,
                    id: *id,
                    title: e.item.0.clone(),
                    detail: String::new(),
                });
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod page_tests;

#[cfg(test)]
mod phone_tests;
