//! `kasefet customer ...`

use std::collections::HashMap;

use super::args::{CustomerCmd, CustomerFields};
use super::output::{Table, fields, json, opt, table};
use super::{CliError, Ctx, date_arg, unexpected};
use crate::domain::customer::{CustomerKind, CustomerStatus};
use crate::domain::{Customer, CustomerInput, CustomerSensitive, InteractionKind};
use crate::search::{CustomerSummary, Sort, SortKey, Start, Window};
use crate::service::bounds::MAX_PAGE_LIMIT;
use crate::service::clock::format_local;
use crate::service::{CustomerFilter, Request, Response};

fn status(s: &str) -> Result<CustomerStatus, CliError> {
    CustomerStatus::parse(s).ok_or_else(|| {
        CliError::invalid(format!(
            "invalid input: status: {s:?} is not lead, prospect, active or inactive"
        ))
    })
}

fn some(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.trim().is_empty())
}

/// Applies the options given on the command line to `d`; options not given leave it alone.
fn apply(
    ctx: &mut Ctx<'_>,
    f: &CustomerFields,
    d: &mut CustomerInput,
    today: jiff::civil::Date,
) -> Result<(), CliError> {
    if let Some(n) = &f.name {
        d.name = n.clone();
    }
    if f.company_record {
        d.kind = CustomerKind::Company;
    }
    if f.company.is_some() {
        d.company = some(&f.company);
    }
    if !f.emails.is_empty() {
        d.emails = f.emails.clone();
    }
    if !f.phones.is_empty() {
        d.phones = f.phones.clone();
    }
    if !f.tags.is_empty() {
        d.tags = f.tags.clone();
    }
    if let Some(s) = &f.status {
        d.status = status(s)?;
    }
    if let Some(o) = &f.owner {
        d.owner = Some(ctx.user_id(o)?);
    }
    if f.source.is_some() {
        d.source = some(&f.source);
    }
    if f.street.is_some() {
        d.address.street = some(&f.street);
    }
    if f.city.is_some() {
        d.address.city = some(&f.city);
    }
    if f.postal_code.is_some() {
        d.address.postal_code = some(&f.postal_code);
    }
    if f.country.is_some() {
        d.address.country = some(&f.country);
    }
    if f.consent {
        d.marketing_consent = true;
        d.consent_date = date_arg("consent date", &f.consent_date)?.or(Some(today));
    } else if f.no_consent {
        d.marketing_consent = false;
        d.consent_date = None;
    } else if f.consent_date.is_some() {
        d.consent_date = date_arg("consent date", &f.consent_date)?;
    }
    Ok(())
}

fn wants_sensitive(f: &CustomerFields) -> bool {
    f.national_id.is_some()
        || f.birth_date.is_some()
        || f.private_notes.is_some()
        || f.payment_last4.is_some()
}

fn apply_sensitive(f: &CustomerFields, s: &mut CustomerSensitive) -> Result<(), CliError> {
    if f.national_id.is_some() {
        s.national_id = some(&f.national_id);
    }
    if f.birth_date.is_some() {
        s.date_of_birth = date_arg("date of birth", &f.birth_date)?;
    }
    if f.private_notes.is_some() {
        s.private_notes = some(&f.private_notes);
    }
    if f.payment_last4.is_some() {
        s.payment_last4 = some(&f.payment_last4);
    }
    Ok(())
}

fn get(ctx: &mut Ctx<'_>, id: u64, reveal: bool) -> Result<Customer, CliError> {
    match ctx.call(Request::CustomerGet { id, reveal })? {
        Response::Customer(c) => Ok(*c),
        _ => Err(unexpected()),
    }
}

pub fn run(ctx: &mut Ctx<'_>, cmd: CustomerCmd) -> Result<String, CliError> {
    let today = crate::service::Clock::System.today();
    match cmd {
        CustomerCmd::Add {
            fields: f,
            note,
            allow_duplicate,
        } => {
            let mut d = CustomerInput::default();
            if f.name.is_none() {
                return Err(CliError::invalid(
                    "invalid input: name: is required (--name)",
                ));
            }
            apply(ctx, &f, &mut d, today)?;
            if wants_sensitive(&f) {
                let mut s = CustomerSensitive::default();
                apply_sensitive(&f, &mut s)?;
                d.sensitive = Some(s);
            }
            if !allow_duplicate {
                super::duplicates::refuse_duplicates(ctx, &d, None)?;
            }
            let id = match ctx.call(Request::CustomerCreate { input: d })? {
                Response::Created { id } => id,
                _ => return Err(unexpected()),
            };
            if let Some(text) = note {
                ctx.call(Request::CustomerAddInteraction {
                    id,
                    kind: InteractionKind::Note,
                    text,
                })?;
            }
            Ok(if ctx.json {
                json(&serde_json::json!({ "id": id }))?
            } else {
                format!("created customer {id}\n")
            })
        }
        CustomerCmd::List {
            status: s,
            tag,
            mine,
            query,
            sort,
            desc,
            offset,
            limit,
        } => {
            let filter = CustomerFilter {
                status: s.as_deref().map(status).transpose()?,
                tag,
                mine,
                query: None,
            };
            let key = SortKey::parse(&sort)
                .filter(|k| *k != SortKey::Due)
                .ok_or_else(|| {
                    CliError::invalid(format!(
                        "invalid input: sort: {sort:?} is not name, updated, created or status"
                    ))
                })?;
            let sort = Sort { key, desc };
            let query = query.unwrap_or_default();
            list(
                ctx,
                &Listing {
                    filter: &filter,
                    query: &query,
                    sort,
                    offset,
                    limit,
                },
            )
        }
        CustomerCmd::Search { query, limit } => {
            match ctx.call(Request::CustomerSearch {
                query: query.join(" "),
                limit,
            })? {
                Response::Customers(list) => summaries(ctx, &list),
                _ => Err(unexpected()),
            }
        }
        CustomerCmd::Show { id, reveal } => {
            let c = get(ctx, id, reveal)?;
            if ctx.json {
                return json(&c);
            }
            let names = ctx.usernames()?;
            let tasks = super::linked::tasks(ctx, id)?;
            let consent = super::consent::history(ctx, id)?;
            Ok(show(&c, &names)
                + &super::consent::render(&consent, &names)
                + &super::linked::render(&tasks))
        }
        CustomerCmd::Edit {
            id,
            fields: f,
            allow_duplicate,
        } => {
            let sensitive = wants_sensitive(&f);
            let c = get(ctx, id, sensitive)?;
            let mut d = c.data.clone();
            apply(ctx, &f, &mut d, today)?;
            if sensitive {
                let mut s = d.sensitive.clone().unwrap_or_default();
                apply_sensitive(&f, &mut s)?;
                d.sensitive = Some(s);
            }
            if !allow_duplicate {
                super::duplicates::refuse_duplicates(ctx, &d, Some(id))?;
            }
            ctx.call(Request::CustomerUpdate {
                id,
                version: c.stamp.version,
                input: d,
            })?;
            Ok(if ctx.json {
                json(&serde_json::json!({ "id": id }))?
            } else {
                format!("updated customer {id}\n")
            })
        }
        CustomerCmd::Duplicates => super::duplicates::list(ctx),
        CustomerCmd::Merge { keep, other } => super::duplicates::merge(ctx, keep, other),
        CustomerCmd::Delete { id } => {
            ctx.call(Request::CustomerDelete { id })?;
            Ok(if ctx.json {
                json(&serde_json::json!({ "id": id }))?
            } else {
                format!(
                    "moved customer {id} to the trash (`kasefet customer restore {id}` brings it back)\n"
                )
            })
        }
        CustomerCmd::Note { id, text, kind } => {
            let kind = InteractionKind::parse(&kind).ok_or_else(|| {
                CliError::invalid("invalid input: kind: use call, email, meeting or note")
            })?;
            ctx.call(Request::CustomerAddInteraction { id, kind, text })?;
            Ok(if ctx.json {
                json(&serde_json::json!({ "id": id }))?
            } else {
                format!("logged {} for customer {id}\n", kind.as_str())
            })
        }
        CustomerCmd::History { id } => super::history::show(ctx, id),
        CustomerCmd::Consent {
            id,
            given,
            how,
            date,
            ..
        } => super::consent::record(ctx, id, given, &how, &date),
        CustomerCmd::Revert { id, to } => {
            ctx.call(Request::CustomerRevert { id, to })?;
            Ok(if ctx.json {
                json(&serde_json::json!({ "id": id, "reverted_to": to }))?
            } else {
                format!("customer {id} has the fields of version {to} again\n")
            })
        }
        CustomerCmd::Trash => super::trash::list(ctx, crate::privacy::RecordKind::Customer),
        CustomerCmd::Restore { id } => {
            super::trash::restore(ctx, crate::privacy::RecordKind::Customer, id)
        }
    }
}

/// The list a page at a time (the next one after the last row seen, so a customer added
/// or deleted meanwhile does not shift or repeat rows), up to `limit` rows after `offset`;
/// `each` gets every page and whether it is the last.
fn pages(
    ctx: &mut Ctx<'_>,
    l: &Listing<'_>,
    each: &mut dyn FnMut(Vec<CustomerSummary>, bool) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let Listing {
        filter,
        query,
        sort,
        offset,
        limit,
    } = *l;
    let mut seen = 0;
    let mut start = Start::Offset(offset);
    loop {
        let want = limit.map_or(MAX_PAGE_LIMIT, |l| l.saturating_sub(seen));
        if want == 0 {
            return each(Vec::new(), true);
        }
        let window = Window {
            start,
            limit: want.min(MAX_PAGE_LIMIT),
            sort,
        };
        let page = match ctx.call(Request::CustomerPage {
            filter: filter.clone(),
            query: query.to_string(),
            window,
        })? {
            Response::CustomerPage(p) => p,
            _ => return Err(unexpected()),
        };
        seen += page.rows.len();
        let next = match page.last {
            Some(last) if page.more() && limit.is_none_or(|l| seen < l) => Some(last),
            _ => None,
        };
        each(page.rows, next.is_none())?;
        match next {
            Some(last) => start = Start::After(last),
            None => return Ok(()),
        }
    }
}

const HEADERS: [&str; 8] = [
    "id", "name", "company", "phone", "email", "status", "owner", "tags",
];

fn rows(list: &[CustomerSummary], names: &HashMap<u64, String>) -> Vec<Vec<String>> {
    list.iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.name.clone(),
                opt(&c.company),
                opt(&c.phone),
                opt(&c.email),
                c.status.as_str().into(),
                c.owner
                    .and_then(|o| names.get(&o).cloned())
                    .unwrap_or_default(),
                c.tags.join(","),
            ]
        })
        .collect()
}

fn summaries(ctx: &mut Ctx<'_>, list: &[CustomerSummary]) -> Result<String, CliError> {
    if ctx.json {
        return json(&list);
    }
    let names = ctx.usernames()?;
    Ok(table(&HEADERS, &rows(list, &names)))
}

/// What `customer list` asks for.
#[derive(Clone, Copy)]
struct Listing<'a> {
    filter: &'a CustomerFilter,
    query: &'a str,
    sort: Sort,
    offset: usize,
    limit: Option<usize>,
}

/// `customer list`: each page printed as it comes, so a million customers are never held
/// at once (in a batch, whose output is gathered per command, the whole list is made first).
fn list(ctx: &mut Ctx<'_>, l: &Listing<'_>) -> Result<String, CliError> {
    if !ctx.stream {
        let mut all = Vec::new();
        pages(ctx, l, &mut |rows, _| {
            all.extend(rows);
            Ok(())
        })?;
        return summaries(ctx, &all);
    }
    let names = ctx.usernames()?;
    let json = ctx.json;
    let mut table = Table::new(&HEADERS);
    let mut first = true;
    pages(ctx, l, &mut |page, last| {
        let text = if json {
            String::from_utf8_lossy(&crate::transfer::export::json_part(&page, first, last))
                .into_owned()
        } else {
            table.page(&rows(&page, &names))
        };
        first = false;
        super::print(&text)
    })?;
    Ok(String::new())
}

fn show(c: &Customer, names: &HashMap<u64, String>) -> String {
    let d = &c.data;
    let who = |id: u64| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("user {id}"))
    };
    let address = d.address.one_line();
    let mut pairs = vec![
        ("id", c.id.to_string()),
        ("name", d.name.clone()),
        (
            "kind",
            if d.kind == CustomerKind::Company {
                "company".into()
            } else {
                "person".into()
            },
        ),
        ("company", opt(&d.company)),
        ("email", d.emails.join(", ")),
        ("phone", d.phones.join(", ")),
        ("address", address),
        ("status", d.status.as_str().into()),
        ("tags", d.tags.join(", ")),
        ("owner", d.owner.map(who).unwrap_or_default()),
        ("source", opt(&d.source)),
        (
            "consent",
            if d.marketing_consent {
                format!(
                    "yes{}",
                    d.consent_date
                        .map(|x| format!(" (since {x})"))
                        .unwrap_or_default()
                )
            } else {
                "no".into()
            },
        ),
        (
            "updated",
            format!(
                "{} by {} (version {})",
                format_local(c.stamp.updated_at),
                who(c.stamp.updated_by),
                c.stamp.version
            ),
        ),
    ];
    match &d.sensitive {
        Some(s) => {
            pairs.push(("national id", opt(&s.national_id)));
            pairs.push((
                "born",
                s.date_of_birth.map(|x| x.to_string()).unwrap_or_default(),
            ));
            pairs.push(("private notes", opt(&s.private_notes)));
            pairs.push((
                "payment",
                s.payment_last4
                    .as_ref()
                    .map(|p| format!("•••• {p}"))
                    .unwrap_or_default(),
            ));
        }
        None => pairs.push((
            "sensitive",
            "hidden (--reveal shows it where your role allows; audited)".into(),
        )),
    }
    let mut out = fields(&pairs);
    if !c.interactions.is_empty() {
        out.push_str("\ntimeline:\n");
        for i in c.interactions.iter().rev() {
            out.push_str(&format!(
                "  {}  {:<7} {}  {}\n",
                format_local(i.at),
                i.kind.as_str(),
                super::output::clean(&who(i.author)),
                super::output::clean(&i.text.replace('\n', " ⏎ "))
            ));
        }
    }
    out
}
