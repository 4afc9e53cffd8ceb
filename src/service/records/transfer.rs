//! Imports (match, merge, write in one commit, record for undo), their revert, and exports
//! made here so the audit entry names exactly the file handed out.

use std::collections::HashMap;

use super::{Acted, Cx, Update};
use crate::domain::customer::validate_interaction;
use crate::domain::{Customer, CustomerInput, Id, Interaction, InteractionKind, LIST_MAX};
use crate::service::request::{
    ExportFormat, ExportWhat, ImportBatch, ImportMode, ImportRecord, ImportReport, MatchOn,
    Response,
};
use crate::service::{Error, Result};
use crate::store::{self, Op, Tree, codec};
use crate::transfer::{export, normal};

pub(super) const NEXT_IMPORT: &[u8] = b"import/next";

pub(super) fn record_key(id: Id) -> Vec<u8> {
    let mut k = b"import/rec/".to_vec();
    k.extend(store::id_key(id));
    k
}

/// A row's normalised emails and phones, computed once and looked up in the file's and the
/// database's matchers both.
struct Keys {
    email: Vec<String>,
    phone: Vec<String>,
}

impl Keys {
    fn of(d: &CustomerInput) -> Keys {
        Keys {
            email: d.emails.iter().map(|e| normal::email_key(e)).collect(),
            phone: d
                .phones
                .iter()
                .filter_map(|p| normal::phone_key(p))
                .collect(),
        }
    }
}

/// Lookups from normalised email, phone and external id to a customer.
#[derive(Default)]
struct Matcher {
    email: HashMap<String, Id>,
    phone: HashMap<String, Id>,
}

impl Matcher {
    fn with_capacity(n: usize) -> Matcher {
        Matcher {
            email: HashMap::with_capacity(n),
            phone: HashMap::with_capacity(n),
        }
    }

    fn add(&mut self, id: Id, k: &Keys) {
        for e in &k.email {
            self.email.entry(e.clone()).or_insert(id);
        }
        for p in &k.phone {
            self.phone.entry(p.clone()).or_insert(id);
        }
    }

    fn find(&self, k: &Keys, on: &[MatchOn]) -> Option<Id> {
        let by_email = || k.email.iter().find_map(|e| self.email.get(e).copied());
        let by_phone = || k.phone.iter().find_map(|p| self.phone.get(p).copied());
        (on.contains(&MatchOn::Email).then(by_email).flatten())
            .or_else(|| on.contains(&MatchOn::Phone).then(by_phone).flatten())
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
        let mut db = Matcher::with_capacity(existing.len() + n);
        for c in existing.values() {
            db.add(c.id, &Keys::of(&c.data));
        }
        // Keys seen earlier in this file → line, to tell duplicates inside the file.
        let mut in_file = Matcher::with_capacity(n);
        let mut ext_in_file: HashMap<Vec<u8>, u64> = HashMap::new();
        let all_keys = [MatchOn::Email, MatchOn::Phone];
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
                    .map(|r| {
                        r.input.validate().map(|d| {
                            let k = Keys::of(&d);
                            (d, k)
                        })
                    })
                    .collect(),
            )
        })?;
        for (row, checked) in rows.into_iter().zip(checked) {
            let (data, keys) = match checked {
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
            if let Some(id) = in_file.find(&keys, &all_keys) {
                // `in_file` maps to the line as an id.
                report.duplicates_in_file.push((row.line, id));
                continue;
            }
            in_file.add(row.line, &keys);
            if let Some(k) = &ext {
                ext_in_file.insert(k.clone(), row.line);
            }
            let by_ext = match &ext {
                Some(k) => self.ext_lookup(k)?.filter(|id| existing.contains_key(id)),
                None => None,
            };
            let matched = by_ext.or_else(|| db.find(&keys, &b.match_on));
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
                    db.add(id, &keys);
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

    pub fn export(
        &mut self,
        what: ExportWhat,
        format: ExportFormat,
        reveal: bool,
        filter: &crate::service::CustomerFilter,
        bom: bool,
    ) -> Result<Acted> {
        let names = self.open.users.clone();
        let who = move |id: Option<Id>| {
            id.and_then(|i| names.get(&i).map(|u| u.username.clone()))
                .unwrap_or_default()
        };
        let o = export::CsvOptions { bom };
        let (bytes, count) = match what {
            ExportWhat::Customers => {
                // The index decides who passes, as the lists do; the records come whole.
                let ids: std::collections::HashSet<crate::domain::Id> = {
                    let index = self.open.index();
                    super::reads::filtered(&index, filter, self.me())
                        .into_iter()
                        .map(|c| c.id)
                        .collect()
                };
                let mut cs: Vec<Customer> = self
                    .all_customers()?
                    .into_iter()
                    .filter(|c| ids.contains(&c.id))
                    .collect();
                if !reveal {
                    cs.iter_mut().for_each(|c| c.data.sensitive = None);
                }
                let bytes = match format {
                    ExportFormat::Csv => export::customers_csv(&cs, reveal, &who, &o),
                    ExportFormat::Json => export::json(&cs),
                    ExportFormat::Vcard => export::customers_vcard(&cs, reveal),
                };
                (bytes, cs.len())
            }
            ExportWhat::Tasks => {
                let ts: Vec<_> = self.open.tasks.read().values().cloned().collect();
                let bytes = match format {
                    ExportFormat::Csv => export::tasks_csv(&ts, &who, &o),
                    ExportFormat::Json => export::json(&ts),
                    ExportFormat::Vcard => {
                        return Err(Error::Refused("vCard export is for customers only".into()));
                    }
                };
                (bytes, ts.len())
            }
            ExportWhat::Employees => {
                let mut es: Vec<_> = self.open.employees.read().values().cloned().collect();
                if !reveal {
                    es.iter_mut().for_each(|e| e.data.hr = None);
                }
                let bytes = match format {
                    ExportFormat::Csv => export::employees_csv(&es, reveal, &who, &o),
                    ExportFormat::Json => export::json(&es),
                    ExportFormat::Vcard => {
                        return Err(Error::Refused("vCard export is for customers only".into()));
                    }
                };
                (bytes, es.len())
            }
        };
        let fingerprint = crate::transfer::fingerprint(&bytes);
        let what_name = match what {
            ExportWhat::Customers => "customers",
            ExportWhat::Tasks => "tasks",
            ExportWhat::Employees => "employees",
        };
        let mut a = Acted::read(
            Response::Exported {
                bytes,
                count,
                fingerprint: fingerprint.clone(),
            },
            what_name.into(),
        );
        a.detail = format!(
            "{count} {what_name} as {format:?}{}; filter status={:?} tag={:?} mine={} query={}; sha256 {fingerprint}",
            if reveal { " with sensitive fields" } else { "" },
            filter.status.map(|s| s.as_str()),
            filter.tag,
            filter.mine,
            // Conditions only (see `reads::check_filter_query`), but they may name a city or
            // a company: counted, not copied.
            filter
                .query
                .as_ref()
                .map_or("none".to_string(), |q| format!(
                    "{} conditions",
                    super::reads::words(q).len()
                ))
        );
        Ok(a)
    }
}
