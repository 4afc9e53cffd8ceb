//! Customer lists by the page, sorted in the index.
//!
//! Each sort order is built the first time someone asks for it (from the name index, or
//! by one sort of the times) and then kept up to date by every write, so a page costs a
//! lookup in the order and a copy of its rows. A filtered list (status, tag, mine, a query)
//! is the order walked once against the set of matching ids, and then kept up to date by
//! writes like the orders, so paging through it, or past a colleague's change, costs no
//! more walks.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Mutex;

use super::brief::Fixed;
use super::order::Order;
use super::page::{Cursor, Page, SortKey, Sorted, Window, span};
use super::query::{Query, parse};
use super::{Brief, CustomerSummary, Entry, Index, Kind, filter_matches};
use crate::domain::Id;
use crate::domain::customer::CustomerStatus;
use crate::domain::text::fold;

/// Writes after which unread orders are dropped rather than kept up to date: a bulk import
/// would otherwise pay for orders nobody looks at (they are rebuilt at the next page).
const DROP_AFTER_WRITES: usize = 50_000;

/// The customer orders, behind a lock of their own so readers holding the index's read
/// lock can build them.
#[derive(Default)]
pub(super) struct Orders {
    by: [Option<Order>; 4],
    view: Option<View>,
    writes: usize,
}

/// What a filtered list keeps: a customer passing it.
pub type Keep = Box<dyn Fn(&Brief<'_>) -> bool + Send + Sync>;

/// The last filtered list asked for, in ascending order, kept up to date by writes like
/// the orders (so a page after a colleague's change does not walk the order again).
struct View {
    key: String,
    sort: SortKey,
    ids: Vec<Id>,
    keep: Keep,
    query: Query,
    me: Id,
}

impl View {
    fn matches(&self, k: &Kind<Fixed>, e: &Entry<Fixed>) -> bool {
        matches(k, e, &self.query, &self.keep, self.me)
    }
}

fn matches(
    k: &Kind<Fixed>,
    e: &Entry<Fixed>,
    q: &Query,
    keep: &impl Fn(&Brief<'_>) -> bool,
    me: Id,
) -> bool {
    keep(&k.brief(e))
        && k.terms_match(e.slot, &q.terms)
        && q.filters.iter().all(|f| filter_matches(k, e, f, me))
}

pub(super) type Locked = Mutex<Orders>;

fn slot(k: SortKey) -> usize {
    match k {
        SortKey::Name | SortKey::Due => 0,
        SortKey::Updated => 1,
        SortKey::Created => 2,
        SortKey::Status => 3,
    }
}

const SLOT_KEYS: [SortKey; 4] = [
    SortKey::Name,
    SortKey::Updated,
    SortKey::Created,
    SortKey::Status,
];

fn status_rank(s: CustomerStatus) -> i64 {
    CustomerStatus::ALL
        .iter()
        .position(|x| *x == s)
        .unwrap_or(0) as i64
}

/// A customer's sort value in order `k` (customers have no due date: `Due` is by name).
/// The folded name is folded again here rather than kept twice: only the few comparisons
/// of a lookup in an order need it.
fn parts<'a>(k: SortKey, kind: &'a Kind<Fixed>, e: &'a Entry<Fixed>) -> (i64, Cow<'a, str>) {
    let name = || Cow::Owned(fold(kind.brief(e).name()));
    match k {
        SortKey::Name | SortKey::Due => (0, name()),
        SortKey::Updated => (e.item.updated_at, Cow::Borrowed("")),
        SortKey::Created => (e.item.created_at, Cow::Borrowed("")),
        SortKey::Status => (status_rank(e.item.status), name()),
    }
}

fn cursor(k: SortKey, kind: &Kind<Fixed>, e: &Entry<Fixed>) -> Cursor {
    let (major, minor) = parts(k, kind, e);
    Cursor {
        major,
        minor: minor.into_owned(),
        id: e.item.id,
    }
}

/// True for ids sorting before `c` (or at it, when `inclusive`).
fn before<'a>(
    k: SortKey,
    kind: &'a Kind<Fixed>,
    c: &'a Cursor,
    inclusive: bool,
) -> impl Fn(Id) -> bool + 'a {
    move |id| {
        kind.entries.get(&id).is_some_and(|e| {
            let (major, minor) = parts(k, kind, e);
            let ord = c.cmp_parts(major, &minor, id);
            ord.is_gt() || (inclusive && ord.is_eq())
        })
    }
}

/// A whole order, or a filtered list cut from one.
enum List<'a> {
    All(&'a Order),
    Some(&'a [Id]),
}

struct Listed<'a> {
    list: List<'a>,
    key: SortKey,
    kind: &'a Kind<Fixed>,
}

impl Sorted for Listed<'_> {
    fn len(&self) -> usize {
        match self.list {
            List::All(o) => o.len(),
            List::Some(ids) => ids.len(),
        }
    }

    fn count_below(&self, c: &Cursor, inclusive: bool) -> usize {
        let f = before(self.key, self.kind, c, inclusive);
        match self.list {
            List::All(o) => o.count(f),
            List::Some(ids) => ids.partition_point(|id| f(*id)),
        }
    }

    fn position(&self, id: Id) -> Option<usize> {
        let c = cursor(self.key, self.kind, self.kind.entries.get(&id)?);
        let p = self.count_below(&c, false);
        let at = match self.list {
            List::All(o) => o.at(p),
            List::Some(ids) => ids.get(p).copied(),
        };
        (at == Some(id)).then_some(p)
    }
}

impl Listed<'_> {
    /// The ids at ascending places `[from, to)`.
    fn ids(&self, from: usize, to: usize) -> Vec<Id> {
        match self.list {
            List::All(o) => o.iter_from(from).take(to - from).collect(),
            List::Some(ids) => ids[from..to].to_vec(),
        }
    }
}

/// Matching ids, as bits when ids are dense enough (they are handed out one by one).
enum IdSet {
    Bits(Vec<u64>),
    Hash(HashSet<Id>),
}

impl IdSet {
    fn new(max: Id) -> IdSet {
        match usize::try_from(max / 64 + 1) {
            Ok(words) if words <= 1 << 26 => IdSet::Bits(vec![0; words]),
            _ => IdSet::Hash(HashSet::new()),
        }
    }

    fn insert(&mut self, id: Id) {
        match self {
            IdSet::Bits(b) => {
                if let Some(w) = usize::try_from(id / 64).ok().and_then(|i| b.get_mut(i)) {
                    *w |= 1 << (id % 64);
                }
            }
            IdSet::Hash(h) => {
                h.insert(id);
            }
        }
    }

    fn contains(&self, id: Id) -> bool {
        match self {
            IdSet::Bits(b) => usize::try_from(id / 64)
                .ok()
                .and_then(|i| b.get(i))
                .is_some_and(|w| w & (1 << (id % 64)) != 0),
            IdSet::Hash(h) => h.contains(&id),
        }
    }
}

impl Index {
    /// Builds order `k` from what the index holds.
    fn build_order(&self, k: SortKey) -> Order {
        let entries = &self.customers.entries;
        match k {
            SortKey::Name | SortKey::Due => {
                Order::from_sorted(self.by_name.iter().map(|(_, id)| *id))
            }
            SortKey::Updated | SortKey::Created => {
                let mut v: Vec<(i64, Id)> = entries
                    .iter()
                    .map(|(id, e)| (parts(k, &self.customers, e).0, *id))
                    .collect();
                v.sort_unstable();
                Order::from_sorted(v.into_iter().map(|(_, id)| id))
            }
            SortKey::Status => {
                // The name order split by status keeps names in order within each. Ranks
                // are read in id order first: looking each up in name order would jump
                // about the whole index.
                let max = entries.max_id().unwrap_or(0);
                let mut sets: Vec<IdSet> = CustomerStatus::ALL
                    .iter()
                    .map(|_| IdSet::new(max))
                    .collect();
                for (id, e) in entries {
                    let r = usize::try_from(status_rank(e.item.status)).unwrap_or(0);
                    sets[r].insert(*id);
                }
                Order::from_sorted(sets.iter().flat_map(|set| {
                    self.by_name
                        .iter()
                        .map(|(_, id)| *id)
                        .filter(|id| set.contains(*id))
                }))
            }
        }
    }

    /// Takes `id` out of every built order; called before its entry changes.
    pub(super) fn unlist(&mut self, id: Id) {
        let orders = self.orders.get_mut().unwrap_or_else(|p| p.into_inner());
        orders.writes += 1;
        if orders.writes > DROP_AFTER_WRITES {
            orders.by = Default::default();
            orders.view = None;
            return;
        }
        let Some(e) = self.customers.entries.get(&id) else {
            return;
        };
        if let Some(v) = orders.view.as_mut() {
            let c = cursor(v.sort, &self.customers, e);
            let f = before(v.sort, &self.customers, &c, false);
            let p = v.ids.partition_point(|i| f(*i));
            if v.ids.get(p) == Some(&id) {
                v.ids.remove(p);
            }
        }
        for (n, order) in orders.by.iter_mut().enumerate() {
            if let Some(o) = order {
                let k = SLOT_KEYS[n];
                let c = cursor(k, &self.customers, e);
                o.remove(id, before(k, &self.customers, &c, false));
            }
        }
    }

    /// Puts `id` into every built order; called after its entry changed.
    pub(super) fn list(&mut self, id: Id) {
        let orders = self.orders.get_mut().unwrap_or_else(|p| p.into_inner());
        let Some(e) = self.customers.entries.get(&id) else {
            return;
        };
        if let Some(v) = orders
            .view
            .as_mut()
            .filter(|v| v.matches(&self.customers, e))
        {
            let c = cursor(v.sort, &self.customers, e);
            let f = before(v.sort, &self.customers, &c, false);
            let p = v.ids.partition_point(|i| f(*i));
            v.ids.insert(p, id);
        }
        for (n, order) in orders.by.iter_mut().enumerate() {
            if let Some(o) = order {
                let k = SLOT_KEYS[n];
                let c = cursor(k, &self.customers, e);
                o.insert(id, before(k, &self.customers, &c, false));
            }
        }
    }

    /// One window of the customers that match `query` (the search language, matched
    /// exactly: no typo fallback) and `keep`, in the window's order. `view` names the
    /// `keep` filter (with whatever it depends on, such as the caller), so the filtered
    /// list can be kept for the next page; the same `view` must mean the same filter.
    pub fn customer_page(
        &self,
        query: &str,
        keep: impl Fn(&Brief<'_>) -> bool + Send + Sync + 'static,
        view: &str,
        w: &Window,
        me: Id,
    ) -> Page<CustomerSummary> {
        let mut orders = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        orders.writes = 0;
        let k = w.sort.key;
        let s = slot(k);
        if orders.by[s].is_none() {
            orders.by[s] = Some(self.build_order(k));
        }
        let q = parse(query);
        let filtered = !q.is_empty() || !view.is_empty();
        let view_key = format!("{view}\u{0}{query}\u{0}{me}");
        let fresh = orders
            .view
            .as_ref()
            .is_some_and(|v| v.key == view_key && slot(v.sort) == s);
        if filtered && !fresh {
            let Orders {
                by, view: cached, ..
            } = &mut *orders;
            let ids = match &by[s] {
                Some(o) => self.filtered(o, &q, &keep, me),
                None => Vec::new(),
            };
            *cached = Some(View {
                key: view_key,
                sort: k,
                ids,
                keep: Box::new(keep),
                query: q,
                me,
            });
        }
        let list = match (&orders.by[s], &orders.view) {
            (_, Some(v)) if filtered => List::Some(&v.ids),
            (Some(o), _) => List::All(o),
            (None, _) => List::Some(&[]),
        };
        let listed = Listed {
            list,
            key: k,
            kind: &self.customers,
        };
        let (from, to) = span(&listed, w);
        let n = listed.len();
        let ids = if w.sort.desc {
            let mut ids = listed.ids(n - to, n - from);
            ids.reverse();
            ids
        } else {
            listed.ids(from, to)
        };
        let entries: Vec<&Entry<Fixed>> = ids
            .iter()
            .filter_map(|id| self.customers.entries.get(id))
            .collect();
        Page {
            first: entries.first().map(|e| cursor(k, &self.customers, e)),
            last: entries.last().map(|e| cursor(k, &self.customers, e)),
            rows: entries
                .into_iter()
                .map(|e| self.customers.brief(e).summary())
                .collect(),
            offset: from,
            total: n,
        }
    }

    /// The ids of `order` that match, in its order.
    fn filtered(
        &self,
        order: &Order,
        q: &Query,
        keep: &impl Fn(&Brief<'_>) -> bool,
        me: Id,
    ) -> Vec<Id> {
        let k = &self.customers;
        let max = k.entries.max_id().unwrap_or(0);
        let mut set = IdSet::new(max);
        let ok = |e: &Entry<Fixed>| matches(k, e, q, keep, me);
        match q.terms.first() {
            // One pass over the arena finds the candidates; the rest is checked on them.
            Some(t) => k.scan_term(t, &k.sieve(&q.terms), |slot, _| {
                if let Some(e) = k.arena.id(slot).and_then(|id| k.entries.get(&id)) {
                    if ok(e) {
                        set.insert(e.item.id);
                    }
                }
                true
            }),
            None => {
                for e in k.entries.values().filter(|e| ok(e)) {
                    set.insert(e.item.id);
                }
            }
        }
        order.iter().filter(|id| set.contains(*id)).collect()
    }
}
