//! The heavy reads that need only the search index: customer lists and searches and the
//! quick lookup. `handle` answers them after letting go of the service lock (holding only
//! the index's read lock), so many people can search at once while writers wait only for
//! the index, briefly.

use crate::domain::role::{Permission, Scope, scope};
use crate::domain::{Id, User};
use crate::search::{Brief, CustomerSummary, Index, Page, Window};
use crate::service::request::{CustomerFilter, Request, Response};

/// True for the requests `answer` serves.
pub(crate) fn index_only(req: &Request) -> bool {
    matches!(
        req,
        Request::CustomerList { .. }
            | Request::CustomerSearch { .. }
            | Request::CustomerPage { .. }
            | Request::CustomerNames { .. }
            | Request::QuickSearch { .. }
    )
}

/// The answer to an `index_only` request, already authorized for `user`.
pub(crate) fn answer(req: &Request, index: &Index, user: &User) -> Option<Response> {
    match req {
        Request::CustomerList { filter } => Some(Response::Customers(list(index, filter, user))),
        Request::CustomerPage {
            filter,
            query,
            window,
        } => Some(Response::CustomerPage(page(
            index, filter, query, window, user,
        ))),
        Request::CustomerNames { ids } => Some(Response::Names(
            ids.iter()
                .filter_map(|id| index.customer(*id).map(|c| (*id, c.name.clone())))
                .collect(),
        )),
        Request::CustomerSearch { query, limit } => Some(Response::Customers(
            index.search_customers(query, (*limit).clamp(1, 1000), user.id, |_| true),
        )),
        Request::QuickSearch { query, limit } => {
            let customers = scope(user.role, Permission::CustomerRead) != Scope::None;
            let tasks = scope(user.role, Permission::TaskRead);
            let me = user.id;
            Some(Response::Hits(index.quick(
                query,
                (*limit).clamp(1, 200),
                me,
                customers,
                true,
                |assignee, creator| match tasks {
                    Scope::All => true,
                    Scope::Own => assignee == me || creator == me,
                    Scope::None => false,
                },
            )))
        }
        _ => None,
    }
}

/// The words of a filter query, quoted phrases kept whole (`company:"levi optics"`).
pub(crate) fn words(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in q.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                cur.push(ch);
            }
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

/// The conditions a filter may hold. Free words are the search box's: they also find near
/// misses (one typo off), which a filter deciding what leaves in a file must not.
pub(crate) fn check_filter_query(q: &str) -> Result<(), crate::domain::Invalid> {
    const KEYS: [&str; 5] = ["tag:", "city:", "status:", "owner:", "company:"];
    for w in words(q) {
        let lower = w.to_lowercase();
        if !KEYS
            .iter()
            .any(|k| lower.starts_with(k) && lower.len() > k.len())
        {
            return Err(crate::domain::Invalid(vec![
                crate::domain::FieldError::new(
                    "filter.query",
                    format!(
                        "{w:?} is not a condition; a filter takes tag:, city:, status:, owner:me and company: (quote a value with spaces)"
                    ),
                ),
            ]));
        }
    }
    Ok(())
}

/// Customers passing every condition of `f`, from the index.
pub(crate) fn filtered(
    index: &Index,
    f: &CustomerFilter,
    me: crate::domain::Id,
) -> Vec<CustomerSummary> {
    let keep = |c: &Brief<'_>| keeps(f, c, me);
    match f.query.as_deref().filter(|q| !q.trim().is_empty()) {
        Some(q) => index.search_customers(q, index.customer_count().max(1), me, keep),
        None => index
            .customers()
            .filter(|c| keep(c))
            .map(|c| c.summary())
            .collect(),
    }
}

/// The ids `filtered` finds above `after`, ascending, at most `limit`, and whether more
/// are left: a part of an export. It walks from `after` in id order and stops past the
/// part, so a million customers in parts of ten thousand cost one pass in all, not one
/// each.
pub(crate) fn filtered_ids_after(
    index: &Index,
    f: &CustomerFilter,
    me: Id,
    after: Option<Id>,
    limit: usize,
) -> (Vec<Id>, bool) {
    let keep = |c: &Brief<'_>| keeps(f, c, me);
    let mut ids: Vec<Id> = match f.query.as_deref().filter(|q| !q.trim().is_empty()) {
        // An export's query has conditions only (`check_filter_query`), so an exact match
        // finds what the search would.
        Some(q) => index.customer_ids_after(q, after, limit.saturating_add(1), me, keep),
        None => index
            .customers_after(after)
            .filter(|c| keeps(f, c, me))
            .map(|c| c.id)
            .take(limit.saturating_add(1))
            .collect(),
    };
    let more = ids.len() > limit;
    ids.truncate(limit);
    (ids, more)
}

fn list(index: &Index, f: &CustomerFilter, user: &User) -> Vec<CustomerSummary> {
    filtered(index, f, user.id)
}

/// The filter's own conditions, for the page (its query goes with the page's query).
fn keeps(f: &CustomerFilter, c: &Brief<'_>, me: Id) -> bool {
    f.status.is_none_or(|s| c.status == s)
        && f.tag
            .as_ref()
            .is_none_or(|t| c.tags().any(|x| x.eq_ignore_ascii_case(t)))
        && (!f.mine || c.owner == Some(me))
}

fn page(
    index: &Index,
    f: &CustomerFilter,
    query: &str,
    w: &Window,
    user: &User,
) -> Page<CustomerSummary> {
    // The filter's own text names it, so the index can keep the filtered list for the
    // next page; the unfiltered list needs no name.
    let view = if *f == CustomerFilter::default() {
        String::new()
    } else {
        format!("{f:?}")
    };
    let query = match f.query.as_deref() {
        Some(q) if !q.trim().is_empty() => format!("{q} {query}"),
        _ => query.to_string(),
    };
    let (f, me) = (f.clone(), user.id);
    index.customer_page(&query, move |c| keeps(&f, c, me), &view, w, me)
}
