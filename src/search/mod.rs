//! In-memory index over decrypted records, rebuilt at unseal and updated on every write.
//! Nothing here is ever written to disk.

use std::collections::BTreeMap;

use memchr::memmem::Finder;

use serde::{Deserialize, Serialize};

use crate::domain::customer::CustomerStatus;
use crate::domain::text::{digits, fold};
use crate::domain::{Customer, Employee, Id, Task, UnixTime};

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
    /// Folded name, company, emails and tags, space separated.
    hay: String,
    /// All phone digits, space separated.
    digits: String,
    /// Folded name, for ranking prefix matches first.
    name: String,
}

fn matches<T>(e: &Entry<T>, terms: &[Term]) -> bool {
    let (hay, digits) = (e.hay.as_bytes(), e.digits.as_bytes());
    terms.iter().all(|t| match t {
        Term::Text { word, .. } => word.find(hay).is_some(),
        Term::Digits {
            digits: d,
            word,
            national,
        } => {
            d.find(digits).is_some()
                || word.find(hay).is_some()
                || national.as_ref().is_some_and(|n| n.find(digits).is_some())
        }
    })
}

/// A query word with its substring searcher built once: a scan of 100,000 entries then
/// costs one search per entry, not one searcher setup per entry. A handful live per query,
/// so the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Term {
    Text {
        text: String,
        word: Finder<'static>,
    },
    /// A term that is mostly digits: matched against phone digits (and as text).
    Digits {
        digits: Finder<'static>,
        word: Finder<'static>,
        /// A national number ("050…") looked for inside an international one ("+972-50…").
        national: Option<Finder<'static>>,
    },
}

fn finder(s: &str) -> Finder<'static> {
    Finder::new(s.as_bytes()).into_owned()
}

fn terms(query: &str) -> Vec<Term> {
    fold(query)
        .split_whitespace()
        .map(|w| {
            let d = digits(w);
            if d.len() >= 3 && d.len() * 2 >= w.len() {
                let trimmed = d.trim_start_matches('0');
                Term::Digits {
                    national: (d.starts_with('0') && d.len() > 4).then(|| finder(trimmed)),
                    digits: finder(&d),
                    word: finder(w),
                }
            } else {
                Term::Text {
                    text: w.to_string(),
                    word: finder(w),
                }
            }
        })
        .collect()
}

#[derive(Default)]
pub struct Index {
    customers: BTreeMap<Id, Entry<CustomerSummary>>,
    /// Folded names in order, so names starting with the query are found by a range
    /// lookup instead of a scan.
    by_name: std::collections::BTreeSet<(String, Id)>,
    employees: BTreeMap<Id, Entry<(String, String)>>,
    tasks: BTreeMap<Id, Entry<(String, Id, Id)>>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Index({} customers)", self.customers.len())
    }
}

impl Index {
    pub fn put_customer(&mut self, c: &Customer) {
        let d = &c.data;
        let mut hay = fold(&d.name);
        for part in d.company.iter().chain(&d.emails).chain(&d.tags) {
            hay.push(' ');
            hay.push_str(&fold(part));
        }
        let digits = d
            .phones
            .iter()
            .map(|p| digits(p))
            .collect::<Vec<_>>()
            .join(" ");
        let summary = CustomerSummary {
            id: c.id,
            name: d.name.clone(),
            company: d.company.clone(),
            email: d.emails.first().cloned(),
            phone: d.phones.first().cloned(),
            status: d.status,
            tags: d.tags.clone(),
            owner: d.owner,
            created_at: c.stamp.created_at,
            updated_at: c.stamp.updated_at,
        };
        let name = fold(&d.name);
        self.by_name.insert((name.clone(), c.id));
        let old = self.customers.insert(
            c.id,
            Entry {
                item: summary,
                hay,
                digits,
                name,
            },
        );
        if let Some(old) = old.filter(|o| o.name != fold(&d.name)) {
            self.by_name.remove(&(old.name, c.id));
        }
    }

    pub fn remove_customer(&mut self, id: Id) {
        if let Some(old) = self.customers.remove(&id) {
            self.by_name.remove(&(old.name, id));
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
        self.employees.insert(
            e.id,
            Entry {
                item: (d.name.clone(), detail),
                hay,
                digits,
                name: fold(&d.name),
            },
        );
    }

    pub fn remove_employee(&mut self, id: Id) {
        self.employees.remove(&id);
    }

    pub fn put_task(&mut self, t: &Task) {
        let hay = fold(&t.data.title);
        let assignee = t.data.assignee.unwrap_or(t.stamp.created_by);
        self.tasks.insert(
            t.id,
            Entry {
                item: (t.data.title.clone(), assignee, t.stamp.created_by),
                name: hay.clone(),
                hay,
                digits: String::new(),
            },
        );
    }

    pub fn remove_task(&mut self, id: Id) {
        self.tasks.remove(&id);
    }

    pub fn customer(&self, id: Id) -> Option<&CustomerSummary> {
        self.customers.get(&id).map(|e| &e.item)
    }

    pub fn customers(&self) -> impl Iterator<Item = &CustomerSummary> {
        self.customers.values().map(|e| &e.item)
    }

    pub fn customer_count(&self) -> usize {
        self.customers.len()
    }

    /// Customers matching every term of `query`, names starting with the first term first.
    pub fn search_customers(
        &self,
        query: &str,
        limit: usize,
        allow: impl Fn(&CustomerSummary) -> bool,
    ) -> Vec<CustomerSummary> {
        self.customers_matching(&terms(query), limit, allow)
    }

    fn customers_matching(
        &self,
        terms: &[Term],
        limit: usize,
        allow: impl Fn(&CustomerSummary) -> bool,
    ) -> Vec<CustomerSummary> {
        let first = match terms.first() {
            Some(Term::Text { text, .. }) => text.clone(),
            _ => String::new(),
        };
        let mut out = Vec::new();
        // Names starting with the first word come first, found by range, not by scan.
        if !first.is_empty() {
            let from = (first.clone(), 0);
            for (name, id) in self.by_name.range(from..) {
                if out.len() >= limit || !name.starts_with(&first) {
                    break;
                }
                if let Some(e) = self.customers.get(id) {
                    if matches(e, terms) && allow(&e.item) {
                        out.push(e.item.clone());
                    }
                }
            }
        }
        // Then any other match, in id order, stopping as soon as the page is full.
        for e in self.customers.values() {
            if out.len() >= limit {
                break;
            }
            let counted = !first.is_empty() && e.name.starts_with(&first);
            if !counted && matches(e, terms) && allow(&e.item) {
                out.push(e.item.clone());
            }
        }
        out
    }

    /// One search across kinds; `can_*` say what the caller's role may see.
    pub fn quick(
        &self,
        query: &str,
        limit: usize,
        customers: bool,
        employees: bool,
        task_allowed: impl Fn(Id, Id) -> bool,
    ) -> Vec<Hit> {
        let mut hits = Vec::new();
        if query.trim().is_empty() {
            return hits;
        }
        let terms = terms(query);
        if customers {
            for c in self.customers_matching(&terms, limit, |_| true) {
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
        if employees {
            for (id, e) in &self.employees {
                if hits.len() >= limit * 2 {
                    break;
                }
                if matches(e, &terms) {
                    hits.push(Hit {
                        kind: HitKind::Employee,
                        id: *id,
                        title: e.item.0.clone(),
                        detail: e.item.1.clone(),
                    });
                }
            }
        }
        for (id, e) in &self.tasks {
            if hits.len() >= limit * 3 {
                break;
            }
            if matches(e, &terms) && task_allowed(e.item.1, e.item.2) {
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
