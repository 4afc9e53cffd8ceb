//! Imports (match, merge, write in one commit, record for undo) and their revert.

use std::collections::HashMap;

use super::{Acted, Cx, Update};
use crate::domain::customer::validate_interaction;
use crate::domain::{Customer, CustomerInput, Id, Interaction, InteractionKind, LIST_MAX};
use crate::service::request::{
    ImportBatch, ImportMode, ImportRecord, ImportReport, MatchOn, Response,
};
use crate::service::{Error, Result};
use crate::store::{self, Op, Tree, codec};
use crate::transfer::normal;

pub(super) const NEXT_IMPORT: &[u8] = b"import/next";

pub(super) fn record_key(id: Id) -> Vec<u8> {
    let mut k = b"import/rec/".to_vec();
    k.extend(store::id_key(id));
    k
}

/// A row's normalised emails and phones, computed once and looked up in the file's and the
/// database's matchers both. One string per row, each key led by its kind and ended by NUL,
/// and the matchers borrow from it: a hundred thousand rows otherwise meant four small
/// strings each, allocated, cloned into two maps and freed again.
#[derive(Default)]
struct Keys(String);

const EMAIL: char = 'e';
const PHONE: char = 'p';

impl Keys {
    fn of(d: &CustomerInput) -> Keys {
        let mut s = String::new();
        for e in &d.emails {
            s.push(EMAIL);
            s.push_str(&normal::email_key(e));
            s.push('\0');
        }
        for p in d.phones.iter().filter_map(|p| normal::phone_key(p)) {
            s.push(PHONE);
            s.push_str(&p);
            s.push('\0');
        }
        Keys(s)
    }
}

/// Who holds a key: the first line of this file that had it, and the customer that has it.
#[derive(Default, Clone, Copy)]
struct Holders {
    line: Option<u64>,
    customer: Option<Id>,
}

/// Normalised email and phone (kind-prefixed, so one map) to the line and the customer
/// holding them: one lookup per key answers both "seen earlier in the file" and "matches a
/// customer", and one entry per key records both.
struct Matcher<'k> {
    map: HashMap<&'k str, Holders, foldhash::fast::RandomState>,
}

impl<'k> Matcher<'k> {
    fn with_capacity(n: usize) -> Self {
        Matcher {
            map: HashMap::with_capacity_and_hasher(2 * n, Default::default()),
        }
    }

    /// The earliest line holding any of the keys, and the customer holding one of the kinds
    /// in `on`; e-mails are looked at before phones (`Keys` holds them first).
    fn look(&self, k: &Keys, on: &[MatchOn]) -> (Option<u64>, Option<Id>) {
        let (email, phone) = (on.contains(&MatchOn::Email), on.contains(&MatchOn::Phone));
        let (mut line, mut by_email, mut by_phone) = (None, None, None);
        for key in k.0.split_terminator('\0') {
            let Some(h) = self.map.get(key) else {
                continue;
            };
            line = line.or(h.line);
            if key.starts_with(EMAIL) && email {
                by_email = by_email.or(h.customer);
            } else if key.starts_with(PHONE) && phone {
                by_phone = by_phone.or(h.customer);
            }
        }
        (line, by_email.or(by_phone))
    }

    /// Records the keys as held by `line` (if none held them yet) and by `customer`.
    fn mark(&mut self, k: &'k Keys, line: Option<u64>, customer: Option<Id>) {
        for key in k.0.split_terminator('\0') {
            let h = self.map.entry(key).or_default();
            h.line = h.line.or(line);
            h.customer = h.customer.or(customer);
        }
    }
}

fn union(into: &mut Vec<String>, from: &[String], key: impl Fn(&str) -> String) {
    for v in from {
        if into.len() >= LIST_MAX {
            break;
        }
        if !into.iter().any(|x| key(x) == key(v)) {
            into.push(v.clone());
        }
    }
}

/// An update never loses data: lists gain the new values, fields the file leaves empty keep
/// theirs, and what the file fills in wins.
fn merge(old: &CustomerInput, new: &CustomerInput) -> CustomerInput {
    let mut m = old.clone();
    m.name = new.name.clone();
    m.company = new.company.clone().or(m.company);
    union(&mut m.emails, &new.emails, normal::email_key);
    union(&mut m.phones, &new.phones, |p| {
        normal::phone_key(p).unwrap_or_else(|| p.to_owned())
    });
    union(&mut m.tags, &new.tags, str::to_lowercase);
    let (a, b) = (&mut m.address, &new.address);
    a.street = b.street.clone().or(a.street.take());
    a.city = b.city.clone().or(a.city.take());
    a.postal_code = b.postal_code.clone().or(a.postal_code.take());
    a.country = b.country.clone().or(a.country.take());
    m.source = new.source.clone().or(m.source);
    if new.marketing_consent {
        m.marketing_consent = true;
        m.consent_date = new.consent_date.or(m.consent_date);
    }
    if let Some(ns) = &new.sensitive {
        let s = m.sensitive.get_or_insert_with(Default::default);
        s.national_id = ns.national_id.clone().or(s.national_id.take());
        s.date_of_birth = ns.date_of_birth.or(s.date_of_birth);
        s.private_notes = ns.private_notes.clone().or(s.private_notes.take());
        s.payment_last4 = ns.payment_last4.clone().or(s.payment_last4.take());
    }
    m
}

impl Cx<'_> {
    fn ext_key(&self, source: &str, ext: &str) -> Vec<u8> {
        let mut k = b"import/ext/".to_vec();
        k.extend(
            self.open
                .vault
                .blind("import.external_id", &format!("{source}\0{ext}")),
        );
        k
    }

    fn ext_lookup(&self, key: &[u8]) -> Result<Option<Id>> {
        Ok(match self.store.get_raw(Tree::Meta, key)? {
            Some(v) => Some(codec::decode::<Id>(&v)?),
            None => None,
        })
    }

    pub(super) fn all_customers(&self) -> Result<Vec<Customer>> {
        Ok(self
            .open
            .vault
            .open_all::<Customer>(self.store, Tree::Customers)?)
    }

    pub fn import_customers(&mut self, b: ImportBatch) -> Result<Acted> {
        let owner = match b.owner {
            Some(o) => {
                self.user_exists(o, "owner")?;
                o
            }
            None => self.me(),
        };
        let mut report = ImportReport {
            dry_run: b.dry_run,
            rows_read: b.rows.len(),
            ..Default::default()
        };
        let mut existing: HashMap<Id, Customer> = self
            .all_customers()?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let n = b.rows.len();
        let existing_keys: Vec<(Id, Keys)> = existing
            .values()
            .map(|c| (c.id, Keys::of(&c.data)))
            .collect();
        let mut ext_in_file: HashMap<Vec<u8>, u64> = HashMap::new();
        let (first_id, _) = self.store.next_id(Tree::Customers)?;
        let mut next = first_id;
        // Sized up front: each large reallocation while the rows' small buffers are being
        // freed makes glibc consolidate its free lists (malloc_consolidate led the profile).
        let mut ops: Vec<Op> = Vec::with_capacity(n + 4);
        let mut updates = Vec::with_capacity(n);
        let mut created = Vec::with_capacity(n);
        let mut changed: Vec<(Id, u64, Box<CustomerInput>)> = Vec::new();
        let mut touched: HashMap<Id, u64> = HashMap::new();
        let mut rows = b.rows;
        for row in &mut rows {
            let input = &mut row.input;
            if input.owner.is_none() {
                input.owner = Some(owner);
            }
            if let Some(t) = &b.tag {
                if !input.tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                    input.tags.push(t.clone());
                }
            }
        }
        // Each row's validation depends on that row alone: all of them on every core first.
        let checked = crate::store::parallel::map_chunks(&rows, |c| {
            Ok::<_, Error>(
                c.iter()
                    .map(|r| match r.input.validate() {
                        Ok(d) => {
                            let k = Keys::of(&d);
                            (Ok(d), k)
                        }
                        Err(e) => (Err(e), Keys::default()),
                    })
                    .collect(),
            )
        })?;
        let (checked, keys): (Vec<_>, Vec<Keys>) = checked.into_iter().unzip();
        let mut held = Matcher::with_capacity(existing.len() + n);
        for (id, k) in &existing_keys {
            held.mark(k, None, Some(*id));
        }
        for ((row, checked), keys) in rows.into_iter().zip(checked).zip(&keys) {
            let data = match checked {
                Ok(d) => d,
                Err(e) => {
                    report.rejected.push((row.line, e.to_string()));
                    continue;
                }
            };
            let note = match row.note.as_deref().map(validate_interaction) {
                Some(Err(e)) => {
                    report.rejected.push((row.line, format!("notes: {e}")));
                    continue;
                }
                Some(Ok(n)) => Some(n),
                None => None,
            };
            let ext = row
                .external_id
                .as_deref()
                .map(|x| self.ext_key(&b.source, x.trim()));
            if let Some(k) = &ext {
                if let Some(&earlier) = ext_in_file.get(k) {
                    report.duplicates_in_file.push((row.line, earlier));
                    continue;
                }
            }
            let (earlier, customer) = held.look(keys, &b.match_on);
            if let Some(line) = earlier {
                report.duplicates_in_file.push((row.line, line));
                continue;
            }
            if let Some(k) = &ext {
                ext_in_file.insert(k.clone(), row.line);
            }
            let by_ext = match &ext {
                Some(k) => self.ext_lookup(k)?.filter(|id| existing.contains_key(id)),
                None => None,
            };
            let matched = by_ext.or(customer);
            let creates = matched.is_none() && b.mode != ImportMode::Update;
            held.mark(keys, Some(row.line), creates.then_some(next));
            match matched {
                Some(id) => {
                    report.matches_in_database += 1;
                    if b.mode == ImportMode::Create || touched.contains_key(&id) {
                        report.unchanged += 1;
                        continue;
                    }
                    let Some(cur) = existing.get(&id) else {
                        continue;
                    };
                    // A note already on the timeline (the same file again) is not news.
                    let note = note.filter(|n| {
                        !cur.interactions
                            .iter()
                            .any(|i| i.kind == InteractionKind::Note && i.text == *n)
                    });
                    let merged = merge(&cur.data, &data);
                    let merged = match merged.validate() {
                        Ok(m) => m,
                        Err(e) => {
                            report
                                .rejected
                                .push((row.line, format!("merged with customer {id}: {e}")));
                            continue;
                        }
                    };
                    if merged == cur.data && note.is_none() {
                        report.unchanged += 1;
                        continue;
                    }
                    let mut c = cur.clone();
                    c.data = merged;
                    c.stamp = self.bump(&cur.stamp);
                    if let Some(n) = note {
                        c.interactions.push(self.import_note(n));
                    }
                    report.updated += 1;
                    touched.insert(id, c.stamp.version);
                    changed.push((id, c.stamp.version, Box::new(cur.data.clone())));
                    if !b.dry_run {
                        if let Some(k) = &ext {
                            ops.push(Op::put(Tree::Meta, k.clone(), codec::encode(&id)?));
                        }
                        updates.push(Update::Customer(Box::new(c.clone())));
                    }
                    existing.insert(id, c);
                }
                None if b.mode == ImportMode::Update => report.unchanged += 1,
                None => {
                    let id = next;
                    next += 1;
                    report.created += 1;
                    created.push(id);
                    if b.dry_run {
                        continue;
                    }
                    let mut c = Customer {
                        id,
                        stamp: self.new_stamp(),
                        data,
                        interactions: Vec::new(),
                    };
                    if c.data.sensitive.is_none() {
                        c.data.sensitive = Some(Default::default());
                    }
                    if let Some(n) = note {
                        c.interactions.push(self.import_note(n));
                    }
                    if let Some(k) = &ext {
                        ops.push(Op::put(Tree::Meta, k.clone(), codec::encode(&id)?));
                    }
                    updates.push(Update::Customer(Box::new(c)));
                }
            }
        }
        let detail = format!(
            "{} rows, {} created, {} updated, {} rejected, file sha256 {}",
            report.rows_read,
            report.created,
            report.updated,
            report.rejected.len(),
            b.file_sha256
        );
        if b.dry_run || (report.created == 0 && report.updated == 0) {
            let mut a = Acted::read(Response::ImportReport(Box::new(report)), "customers".into());
            a.detail = if b.dry_run {
                format!("dry run: {detail}")
            } else {
                detail
            };
            return Ok(a);
        }
        ops.extend(self.seal_customers(&updates)?);
        let import_id = match self.store.get_raw(Tree::Meta, NEXT_IMPORT)? {
            Some(v) => codec::decode::<u64>(&v)?,
            None => 1,
        };
        ops.push(Op::put(
            Tree::Meta,
            NEXT_IMPORT.to_vec(),
            codec::encode(&(import_id + 1))?,
        ));
        ops.push(Op::put(
            Tree::Meta,
            format!("next_id/{}", Tree::Customers.name()).into_bytes(),
            codec::encode(&next)?,
        ));
        let record = ImportRecord {
            id: import_id,
            at: self.now,
            by: self.me(),
            file_name: b.file_name,
            file_sha256: b.file_sha256,
            source: b.source,
            mapping: b.mapping,
            created,
            updated: changed,
            rejected: report.rejected.len(),
            reverted_at: None,
            removed: Vec::new(),
            kept_before: Vec::new(),
            repointed: Vec::new(),
        };
        ops.push(
            self.open
                .vault
                .put(Tree::Meta, &record_key(import_id), &record)?,
        );
        report.import_id = Some(import_id);
        Ok(Acted {
            response: Response::ImportReport(Box::new(report)),
            target: format!("import:{import_id}"),
            ops,
            detail,
            updates,
        })
    }

    /// The bulk write path: every customer the import writes (its cache updates hold them)
    /// sealed in one pass on every core, rather than one by one as the rows are read.
    pub(super) fn seal_customers(&self, updates: &[Update]) -> Result<Vec<Op>> {
        let items: Vec<(Vec<u8>, &Customer)> = updates
            .iter()
            .filter_map(|u| match u {
                Update::Customer(c) => Some((store::id_key(c.id).to_vec(), &**c)),
                _ => None,
            })
            .collect();
        Ok(self.open.vault.put_many(Tree::Customers, &items)?)
    }

    fn import_note(&self, text: String) -> Interaction {
        Interaction {
            kind: InteractionKind::Note,
            author: self.me(),
            at: self.now,
            text,
        }
    }

    pub(super) fn load_import(&self, id: Id) -> Result<ImportRecord> {
        self.open
            .vault
            .get(self.store, Tree::Meta, &record_key(id))?
            .ok_or_else(|| Error::NotFound(format!("import {id}")))
    }

    pub fn import_list(&mut self) -> Result<Acted> {
        let mut list = Vec::new();
        for r in self.store.tree(Tree::Meta).scan_prefix(b"import/rec/") {
            let (k, v) = r.map_err(crate::store::StoreError::from)?;
            list.push(self.open.vault.open::<ImportRecord>(Tree::Meta, &k, &v)?);
        }
        Ok(Acted::read(Response::Imports(list), String::new()))
    }

    pub fn import_show(&mut self, id: Id) -> Result<Acted> {
        Ok(Acted::read(
            Response::Import(Box::new(self.load_import(id)?)),
            format!("import:{id}"),
        ))
    }

    pub fn import_revert(&mut self, id: Id) -> Result<Acted> {
        let mut rec = self.load_import(id)?;
        if rec.reverted_at.is_some() {
            return Err(Error::Refused(format!("import {id} was already reverted")));
        }
        let mut since = Vec::new();
        let mut ops = Vec::new();
        let mut updates = Vec::new();
        let mut linked: Vec<Id> = Vec::new();
        for &cid in &rec.created {
            match self.open.vault.get::<Customer>(
                self.store,
                Tree::Customers,
                &store::id_key(cid),
            )? {
                Some(c) if c.stamp.version != 1 => since.push(cid),
                Some(_) => {
                    ops.push(Op::remove(Tree::Customers, store::id_key(cid).to_vec()));
                    updates.push(Update::CustomerGone(cid));
                    linked.push(cid);
                }
                None => {}
            }
        }
        for (cid, version, before) in &rec.updated {
            match self.open.vault.get::<Customer>(
                self.store,
                Tree::Customers,
                &store::id_key(*cid),
            )? {
                Some(c) if c.stamp.version != *version => since.push(*cid),
                Some(mut c) => {
                    c.data = (**before).clone();
                    c.stamp = self.bump(&c.stamp);
                    ops.push(
                        self.open
                            .vault
                            .put(Tree::Customers, &store::id_key(*cid), &c)?,
                    );
                    updates.push(Update::Customer(Box::new(c)));
                }
                None => since.push(*cid),
            }
        }
        self.revert_merge(&rec, &mut since, &mut ops, &mut updates)?;
        if !since.is_empty() {
            let names: Vec<String> = since.iter().map(|i| format!("customer {i}")).collect();
            return Err(Error::Refused(format!(
                "import {id} cannot be reverted: changed since the import: {}",
                names.join(", ")
            )));
        }
        // Tasks keep their text but lose the link to a customer that goes away.
        let tasks: Vec<_> = self
            .open
            .tasks
            .read()
            .values()
            .filter(|t| t.data.customer.is_some_and(|c| linked.contains(&c)))
            .cloned()
            .collect();
        for mut t in tasks {
            t.data.customer = None;
            t.stamp = self.bump(&t.stamp);
            ops.push(self.open.vault.put(Tree::Tasks, &store::id_key(t.id), &t)?);
            updates.push(Update::Task(Box::new(t)));
        }
        rec.reverted_at = Some(self.now);
        ops.push(self.open.vault.put(Tree::Meta, &record_key(id), &rec)?);
        let detail = format!("{} removed, {} restored", linked.len(), rec.updated.len());
        Ok(Acted {
            response: Response::Done,
            target: format!("import:{id}"),
            ops,
            detail,
            updates,
        })
    }
}
