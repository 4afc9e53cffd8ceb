//! Duplicates in daily work: the warning before a create or edit, the list of candidate
//! pairs, and merging two records into one (undoable like an import).

use std::collections::{BTreeSet, HashMap};

use super::transfer::{NEXT_IMPORT, record_key};
use super::{Acted, Cx, Update};
use crate::domain::{Customer, CustomerInput, Id, LIST_MAX};
use crate::service::request::{DUPLICATES_MAX, DuplicatePair, ImportRecord, Response};
use crate::service::{Error, Result};
use crate::store::{self, Op, Tree, codec};
use crate::transfer::normal;

fn keys(d: &CustomerInput) -> Vec<(String, &'static str)> {
    let mut k: Vec<(String, &'static str)> = d
        .emails
        .iter()
        .map(|e| (format!("e:{}", normal::email_key(e)), "same email"))
        .collect();
    k.extend(
        d.phones
            .iter()
            .filter_map(|p| normal::phone_key(p))
            .map(|p| (format!("p:{p}"), "same phone")),
    );
    k
}

/// The kept record wins where it has a value; the other fills gaps and adds list entries.
fn fold_into(keep: &CustomerInput, other: &CustomerInput) -> CustomerInput {
    let mut m = keep.clone();
    let add = |into: &mut Vec<String>, from: &[String], key: &dyn Fn(&str) -> String| {
        for v in from {
            if into.len() < LIST_MAX && !into.iter().any(|x| key(x) == key(v)) {
                into.push(v.clone());
            }
        }
    };
    add(&mut m.emails, &other.emails, &normal::email_key);
    add(&mut m.phones, &other.phones, &|p: &str| {
        normal::phone_key(p).unwrap_or_else(|| p.to_owned())
    });
    add(&mut m.tags, &other.tags, &str::to_lowercase);
    m.company = m.company.or_else(|| other.company.clone());
    let (a, b) = (&mut m.address, &other.address);
    if a == &Default::default() {
        *a = b.clone();
    }
    m.source = m.source.or_else(|| other.source.clone());
    if !m.marketing_consent && other.marketing_consent {
        m.marketing_consent = true;
        m.consent_date = other.consent_date;
    }
    if let Some(os) = &other.sensitive {
        let s = m.sensitive.get_or_insert_with(Default::default);
        s.national_id = s.national_id.take().or_else(|| os.national_id.clone());
        s.date_of_birth = s.date_of_birth.or(os.date_of_birth);
        s.private_notes = match (s.private_notes.take(), &os.private_notes) {
            (Some(a), Some(b)) if &a != b => Some(format!("{a}\n\n{b}")),
            (a, b) => a.or_else(|| b.clone()),
        };
        s.payment_last4 = s.payment_last4.take().or_else(|| os.payment_last4.clone());
    }
    m
}

impl Cx<'_> {
    pub fn customer_duplicates(&mut self) -> Result<Acted> {
        let all = self.all_customers()?;
        let names: HashMap<Id, &str> = all.iter().map(|c| (c.id, c.data.name.as_str())).collect();
        let mut seen: HashMap<String, Vec<Id>> = HashMap::new();
        let mut pairs: BTreeSet<(Id, Id, &'static str)> = BTreeSet::new();
        // A pair is listed once, for the first reason found; looked up here, not by a walk
        // of every pair so far (quadratic: at a million customers it never finished).
        let mut paired: std::collections::HashSet<(Id, Id)> = std::collections::HashSet::new();
        for c in &all {
            if pairs.len() >= DUPLICATES_MAX {
                break;
            }
            let mut k = keys(&c.data);
            k.push((
                format!(
                    "n:{}",
                    normal::name_key(&c.data.name, c.data.company.as_deref())
                ),
                "same name and company",
            ));
            for (key, why) in k {
                let ids = seen.entry(key).or_default();
                for &other in ids.iter() {
                    if other != c.id && paired.insert((other, c.id)) {
                        pairs.insert((other, c.id, why));
                    }
                }
                if !ids.contains(&c.id) {
                    ids.push(c.id);
                }
            }
        }
        let list = pairs
            .into_iter()
            .take(DUPLICATES_MAX)
            .map(|(a, b, why)| DuplicatePair {
                a,
                a_name: names.get(&a).copied().unwrap_or_default().to_owned(),
                b,
                b_name: names.get(&b).copied().unwrap_or_default().to_owned(),
                reason: why.into(),
            })
            .collect();
        Ok(Acted::read(Response::Duplicates(list), "customers".into()))
    }

    pub fn customer_duplicates_of(
        &mut self,
        input: &CustomerInput,
        except: Option<Id>,
    ) -> Result<Acted> {
        let want: HashMap<String, &'static str> = keys(input).into_iter().collect();
        // The index names the customers whose text holds the address or the number's last
        // digits (a few, as a rule, plus the search's near misses); only those are opened
        // and compared exactly. Before,
        // every save opened every customer: 2.5 s and 1.5 GB at a million.
        let candidates: BTreeSet<Id> = {
            let index = self.open.index();
            let me = self.me();
            want.keys()
                .filter_map(|k| k.split_once(':').map(|(_, needle)| needle))
                // The search's n-gram sieve and arena scan, not a walk of every record:
                // this runs before every save.
                .flat_map(|needle| index.search_customers(needle, DUPLICATES_MAX, me, |_| true))
                .map(|c| c.id)
                .collect()
        };
        let mut list = Vec::new();
        for id in candidates {
            if Some(id) == except || list.len() >= DUPLICATES_MAX {
                continue;
            }
            let c = self.load_customer(id)?;
            if let Some(why) = keys(&c.data).iter().find_map(|(k, _)| want.get(k)) {
                list.push(DuplicatePair {
                    a: c.id,
                    a_name: c.data.name.clone(),
                    b: except.unwrap_or(0),
                    b_name: input.name.clone(),
                    reason: (*why).into(),
                });
            }
        }
        Ok(Acted::read(Response::Duplicates(list), String::new()))
    }

    fn customer_by_id(&self, id: Id) -> Result<Customer> {
        self.open
            .vault
            .get(self.store, Tree::Customers, &store::id_key(id))?
            .ok_or_else(|| Error::NotFound(format!("customer {id}")))
    }

    pub fn customer_merge(&mut self, keep: Id, other: Id) -> Result<Acted> {
        if keep == other {
            return Err(Error::Refused(
                "a customer cannot be merged with itself".into(),
            ));
        }
        let k = self.customer_by_id(keep)?;
        let o = self.customer_by_id(other)?;
        let data = fold_into(&k.data, &o.data).validate()?;
        let mut merged = k.clone();
        merged.data = data;
        merged.interactions.extend(o.interactions.iter().cloned());
        merged.interactions.sort_by_key(|i| i.at);
        merged.stamp = self.bump(&k.stamp);
        let mut ops = vec![
            self.open
                .vault
                .put(Tree::Customers, &store::id_key(keep), &merged)?,
            Op::remove(Tree::Customers, store::id_key(other).to_vec()),
        ];
        let mut updates = vec![
            Update::Customer(Box::new(merged.clone())),
            Update::CustomerGone(other),
        ];
        let moved: Vec<_> = self
            .open
            .tasks
            .read()
            .values()
            .filter(|t| t.data.customer == Some(other))
            .cloned()
            .collect();
        let mut repointed = Vec::new();
        for mut t in moved {
            t.data.customer = Some(keep);
            t.stamp = self.bump(&t.stamp);
            repointed.push((t.id, t.stamp.version));
            ops.push(self.open.vault.put(Tree::Tasks, &store::id_key(t.id), &t)?);
            updates.push(Update::Task(Box::new(t)));
        }
        let id = match self.store.get_raw(Tree::Meta, NEXT_IMPORT)? {
            Some(v) => codec::decode::<u64>(&v)?,
            None => 1,
        };
        ops.push(Op::put(
            Tree::Meta,
            NEXT_IMPORT.to_vec(),
            codec::encode(&(id + 1))?,
        ));
        let rec = ImportRecord {
            id,
            at: self.now,
            by: self.me(),
            file_name: format!("merge of customer {other} into {keep}"),
            file_sha256: String::new(),
            source: "merge".into(),
            mapping: Vec::new(),
            created: Vec::new(),
            updated: vec![(keep, merged.stamp.version, Box::new(k.data.clone()))],
            rejected: 0,
            reverted_at: None,
            removed: vec![o],
            kept_before: vec![k],
            repointed: repointed.clone(),
        };
        ops.push(self.open.vault.put(Tree::Meta, &record_key(id), &rec)?);
        Ok(Acted {
            response: Response::Merged { record: id },
            target: format!("customer:{keep}"),
            ops,
            detail: format!(
                "customer {other} merged into {keep}; {} tasks moved; undo: import revert {id}",
                repointed.len()
            ),
            updates,
        })
    }

    /// The merge half of a revert: the kept record's timeline as it was, the other record
    /// back, its tasks back. Changed records are named in `since`.
    pub(super) fn revert_merge(
        &mut self,
        rec: &ImportRecord,
        since: &mut Vec<Id>,
        ops: &mut Vec<Op>,
        updates: &mut Vec<Update>,
    ) -> Result<()> {
        for before in &rec.kept_before {
            // `updated` already put back the data; the timeline goes back too.
            if let Some(pos) = ops.iter().position(|o| {
                o.tree == Tree::Customers
                    && o.key == store::id_key(before.id).to_vec()
                    && o.value.is_some()
            }) {
                let mut c = before.clone();
                c.stamp = self.bump(&self.customer_by_id(before.id)?.stamp);
                ops[pos] = self
                    .open
                    .vault
                    .put(Tree::Customers, &store::id_key(c.id), &c)?;
                updates.push(Update::Customer(Box::new(c)));
            }
        }
        for gone in &rec.removed {
            if self
                .store
                .get_raw(Tree::Customers, &store::id_key(gone.id))?
                .is_some()
            {
                since.push(gone.id);
                continue;
            }
            let mut c = gone.clone();
            c.stamp = self.bump(&gone.stamp);
            ops.push(
                self.open
                    .vault
                    .put(Tree::Customers, &store::id_key(c.id), &c)?,
            );
            updates.push(Update::Customer(Box::new(c)));
        }
        if let Some(gone) = rec.removed.first() {
            for (tid, version) in &rec.repointed {
                if let Some(t) = self.open.tasks.read().get(tid).cloned() {
                    if t.stamp.version == *version {
                        let mut t = t;
                        t.data.customer = Some(gone.id);
                        t.stamp = self.bump(&t.stamp);
                        ops.push(self.open.vault.put(Tree::Tasks, &store::id_key(t.id), &t)?);
                        updates.push(Update::Task(Box::new(t)));
                    }
                }
            }
        }
        Ok(())
    }
}
