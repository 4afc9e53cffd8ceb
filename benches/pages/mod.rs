//! Figures for lists by the page (issue 12): the first page in each order (which builds
//! the order: the sort), later pages (an offset in the middle, the end, the next page by
//! cursor, the window around a record), filtered pages, and a page after a write.

use std::time::{Duration, Instant};

use kasefet::search::{Sort, SortKey, Start, Window};
use kasefet::service::{CustomerFilter, Request, Response, Service, Session};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn page(
    service: &Service,
    s: &Session,
    filter: &CustomerFilter,
    query: &str,
    window: Window,
) -> Res<(
    Duration,
    kasefet::search::Page<kasefet::search::CustomerSummary>,
)> {
    let t = Instant::now();
    match service.handle(
        s,
        Request::CustomerPage {
            filter: filter.clone(),
            query: query.into(),
            window,
        },
    )? {
        Response::CustomerPage(p) => Ok((t.elapsed(), p)),
        _ => Err("not a page".into()),
    }
}

pub fn run(
    service: &Service,
    s: &Session,
    n: usize,
    stats: impl Fn(&str, Vec<Duration>),
) -> Res<()> {
    let all = CustomerFilter::default();
    for key in [
        SortKey::Name,
        SortKey::Updated,
        SortKey::Created,
        SortKey::Status,
    ] {
        let sort = Sort { key, desc: false };
        let (first, p) = page(service, s, &all, "", Window::first(100, sort))?;
        println!(
            "first page by {} over {n} customers (builds the order: the sort): {first:?} ({} of {})",
            key.as_str(),
            p.rows.len(),
            p.total
        );
        let mut v = Vec::new();
        let mut cursor = p.last.clone();
        for i in 0..50 {
            let start = match i % 5 {
                0 => Start::Offset(n / 2 + i),
                1 => Start::End,
                2 => Start::After(cursor.clone().unwrap_or_default()),
                3 => Start::Around {
                    id: (n / 3 + i) as u64,
                    or_offset: 0,
                },
                _ => Start::Offset(n - n / 10),
            };
            let desc = i % 2 == 0;
            let (d, p) = page(
                service,
                s,
                &all,
                "",
                Window {
                    start,
                    limit: 100,
                    sort: Sort { key, desc },
                },
            )?;
            cursor = p.last.or(cursor);
            v.push(d);
        }
        stats(
            &format!(
                "page of 100 by {} over {n} (middle, end, next by cursor, around an id)",
                key.as_str()
            ),
            v,
        );
    }
    let leads = CustomerFilter {
        status: Some(kasefet::domain::customer::CustomerStatus::Lead),
        ..Default::default()
    };
    let by_name = Sort::default();
    for (label, filter, query) in [
        ("status lead", &leads, ""),
        ("query \"levi\"", &all, "levi"),
        ("query \"tag:vip\"", &all, "tag:vip"),
    ] {
        let (first, p) = page(service, s, filter, query, Window::first(100, by_name))?;
        let mut v = Vec::new();
        for i in 0..20 {
            let start = if i % 2 == 0 {
                Start::Offset(p.total / 2 + i)
            } else {
                Start::End
            };
            v.push(
                page(
                    service,
                    s,
                    filter,
                    query,
                    Window {
                        start,
                        limit: 100,
                        sort: by_name,
                    },
                )?
                .0,
            );
        }
        println!(
            "filtered ({label}) first page over {n}: {first:?} ({} matching)",
            p.total
        );
        stats(&format!("filtered ({label}) later pages"), v);
    }
    // A write drops the kept filtered list; the orders are patched, not rebuilt.
    let mut after = Vec::new();
    let mut filtered = Vec::new();
    for i in 0..10 {
        service.handle(
            s,
            Request::CustomerCreate {
                input: super::fixtures::customer(n + i),
            },
        )?;
        after.push(page(service, s, &all, "", Window::first(100, by_name))?.0);
        filtered.push(page(service, s, &leads, "", Window::first(100, by_name))?.0);
    }
    stats("unfiltered page right after a write", after);
    stats("filtered (status lead) page right after a write", filtered);
    Ok(())
}
