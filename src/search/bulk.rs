//! Customers loaded into a new index in one pass, as the unseal reads them.
//!
//! `put_customer` inserts into two ordered maps per customer (by id, by folded name), which
//! was half of its cost and a third of unsealing a million customers. Read in id order
//! into an index that holds no customers yet, the entries are collected and both maps are
//! built once from sorted runs: the same index, built faster.

use std::collections::{BTreeMap, BTreeSet};

use super::{Customer, CustomerSummary, Entry, Id, Index, customer_entry};

pub struct CustomerLoad<'a> {
    index: &'a mut Index,
    /// False when the index held customers already: then every customer goes through
    /// `put_customer`, which also replaces what it held.
    bulk: bool,
    entries: Vec<(Id, Entry<CustomerSummary>)>,
    names: Vec<(String, Id)>,
}

impl Index {
    /// Customers to add, fastest in ascending id order into an index that holds none;
    /// the maps are complete when the load is dropped.
    pub fn load_customers(&mut self) -> CustomerLoad<'_> {
        let bulk = self.customers.entries.is_empty();
        CustomerLoad {
            index: self,
            bulk,
            entries: Vec::new(),
            names: Vec::new(),
        }
    }
}

impl CustomerLoad<'_> {
    pub fn put(&mut self, c: &Customer) {
        let in_order = self.entries.last().is_none_or(|(last, _)| *last < c.id);
        if !self.bulk || !in_order {
            // Out of order (not what a scan gives): what was collected goes in first, then
            // this one the ordinary way, and so does everything after it.
            self.finish();
            self.bulk = false;
            self.index.put_customer(c);
            return;
        }
        let (summary, name, fields) = customer_entry(c);
        let slot = self
            .index
            .customers
            .arena
            .push(c.id, fields.each_ref().map(String::as_str));
        self.entries.push((
            c.id,
            Entry {
                item: summary,
                slot,
            },
        ));
        self.names.push((name, c.id));
    }

    fn finish(&mut self) {
        if self.entries.is_empty() {
            return;
        }
        let entries = std::mem::take(&mut self.entries);
        let mut names = std::mem::take(&mut self.names);
        names.sort_unstable();
        let customers = &mut self.index.customers;
        if customers.entries.is_empty() {
            customers.entries = BTreeMap::from_iter(entries);
        } else {
            customers.entries.extend(entries);
        }
        customers.generation += 1;
        if self.index.by_name.is_empty() {
            self.index.by_name = BTreeSet::from_iter(names);
        } else {
            self.index.by_name.extend(names);
        }
        self.index.drop_orders();
    }
}

impl Drop for CustomerLoad<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::Stamp;
    use crate::domain::customer::CustomerInput;
    use crate::search::{Start, Window};

    fn random_customers(n: u64, seed: u64) -> Vec<Customer> {
        let words = [
            "levi", "cohen", "núñez", "avi", "haifa", "optics", "co 3", "ruth",
        ];
        let mut x = seed;
        let mut next = |m: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m as u64) as usize
        };
        (1..=n)
            .map(|id| {
                let data = CustomerInput {
                    name: format!("{} {} {id}", words[next(8)], words[next(8)]),
                    company: (next(2) == 0).then(|| words[next(8)].to_string()),
                    emails: vec![format!("c{id}@example.org")],
                    phones: vec![format!("050-{:03}-{:04}", next(1000), next(10000))],
                    tags: vec![["vip", "new"][next(2)].into()],
                    ..Default::default()
                };
                Customer {
                    id,
                    stamp: Stamp {
                        created_at: next(1000) as i64,
                        ..Stamp::default()
                    },
                    data,
                    interactions: Vec::new(),
                }
            })
            .collect()
    }

    fn answers(index: &Index, me: Id) -> Vec<String> {
        let mut out = Vec::new();
        for q in ["levi", "nu", "050", "c1@", "tag:vip", "zzz", "co 3", "levy"] {
            let hits = index.search_customers(q, 1000, me, |_| true);
            out.push(format!(
                "{q}: {:?}",
                hits.iter().map(|h| h.id).collect::<Vec<_>>()
            ));
        }
        for key in [
            crate::search::SortKey::Name,
            crate::search::SortKey::Created,
        ] {
            let w = Window {
                start: Start::Offset(0),
                limit: 1000,
                sort: crate::search::page::Sort { key, desc: false },
            };
            let page = index.customer_page("", |_| true, "all", &w, me);
            out.push(format!(
                "{key:?}: {:?}",
                page.rows.iter().map(|r| r.id).collect::<Vec<_>>()
            ));
        }
        out
    }

    #[test]
    fn a_bulk_load_builds_the_index_put_customer_builds() {
        let customers = random_customers(700, 7);
        let mut one_by_one = Index::default();
        for c in &customers {
            one_by_one.put_customer(c);
        }
        let mut bulk = Index::default();
        {
            let mut load = bulk.load_customers();
            for c in &customers {
                load.put(c);
            }
        }
        assert_eq!(answers(&bulk, 1), answers(&one_by_one, 1));
        // Into an index that already holds customers, and out of order part way: the
        // ordinary way from there on. (Ties rank by when a record went in, so the
        // reference goes in the same order.)
        for order in [
            std::iter::once(5)
                .chain((0..700).rev())
                .collect::<Vec<usize>>(),
            (0..300).chain([10]).chain(300..700).collect(),
        ] {
            let mut reference = Index::default();
            for &i in &order {
                reference.put_customer(&customers[i]);
            }
            let mut mixed = Index::default();
            let (first, rest) = if order[0] == 5 {
                mixed.put_customer(&customers[5]);
                (1, &order[1..])
            } else {
                (0, &order[..])
            };
            {
                let mut load = mixed.load_customers();
                for &i in rest {
                    load.put(&customers[i]);
                }
            }
            assert_eq!(answers(&mixed, 1), answers(&reference, 1), "order {first}");
        }
        // Later writes find the entries the load made.
        let mut changed = customers[3].clone();
        changed.data.name = "Zed Changed".into();
        bulk.put_customer(&changed);
        one_by_one.put_customer(&changed);
        bulk.remove_customer(customers[4].id);
        one_by_one.remove_customer(customers[4].id);
        assert_eq!(answers(&bulk, 1), answers(&one_by_one, 1));
    }
}
