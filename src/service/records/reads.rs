//! The heavy reads that need only the search index: customer lists and searches and the
//! quick lookup. `handle` answers them after letting go of the service lock (holding only
//! the index's read lock), so many people can search at once while writers wait only for
//! the index, briefly.

use crate::domain::role::{Permission, Scope, scope};
use crate::domain::{Id, User};
use crate::search::{CustomerSummary, Index, Page, Window};
use crate::service::request::{CustomerFilter, Request, Response};

/// True for the requests `answer` serves.
pub(crate) fn index_only(req: &Request) -> bool {
    matches!(
        req,
        Request::CustomerList { .. }
            | Request::CustomerSearch { .. }
            | Request::CustomerPage { .. }
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

fn keeps(f: &CustomerFilter, c: &CustomerSummary, me: Id) -> bool {
    f.status.is_none_or(|s| c.status == s)
        && f.tag
            .as_ref()
            .is_none_or(|t| c.tags.iter().any(|x| x.eq_ignore_ascii_case(t)))
        && (!f.mine || c.owner == Some(me))
}

fn list(index: &Index, f: &CustomerFilter, user: &User) -> Vec<CustomerSummary> {
    index
        .customers()
        .filter(|c| keeps(f, c, user.id))
        .cloned()
        .collect()
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
    let (f, me) = (f.clone(), user.id);
    index.customer_page(query, move |c| keeps(&f, c, me), &view, w, me)
}
