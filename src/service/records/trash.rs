//! Delete to the trash, list it, restore from it. Deleting never destroys: the record waits
//! `trash_days` in the trash, sealed, and the nightly run purges it after that.

use super::{Acted, Cx, Update};
use crate::domain::Id;
use crate::domain::role::Scope;
use crate::privacy::trash::{self, TrashEntry};
use crate::privacy::{Record, RecordKind};
use crate::service::request::Response;
use crate::service::{Error, Result};
use crate::store::{self, Op, Tree};

fn live_tree(kind: RecordKind) -> Tree {
    match kind {
        RecordKind::Customer => Tree::Customers,
        RecordKind::Task => Tree::Tasks,
        RecordKind::Employee => Tree::Employees,
    }
}

impl Cx<'_> {
    /// The ops that move `record` from its tree to the trash.
    pub(super) fn to_trash(&self, record: Record, unlinked: Vec<Id>) -> Result<Vec<Op>> {
        let kind = record.kind();
        let id = record.id();
        let entry = TrashEntry {
            deleted_at: self.now,
            deleted_by: self.me(),
            purge_at: self.now + i64::from(self.settings.trash_days) * 86_400,
            record,
            unlinked,
        };
        Ok(vec![
            Op::remove(live_tree(kind), store::id_key(id).to_vec()),
            trash::put(&self.open.vault, &entry)?,
        ])
    }

    fn may_touch_trashed(&self, e: &TrashEntry) -> bool {
        match (&e.record, self.reach) {
            (_, Scope::All) => true,
            (Record::Task(t), Scope::Own) => {
                t.data.assignee == Some(self.me()) || t.stamp.created_by == self.me()
            }
            _ => false,
        }
    }

    pub fn trash_list(&mut self, kind: RecordKind) -> Result<Acted> {
        let items = trash::list(self.store, &self.open.vault, kind)?
            .into_iter()
            .filter(|e| self.may_touch_trashed(e))
            .map(|e| e.item())
            .collect();
        Ok(Acted::read(Response::Trash(items), String::new()))
    }

    pub fn trash_restore(&mut self, kind: RecordKind, id: Id) -> Result<Acted> {
        let not_found = || Error::NotFound(format!("{} {id} in the trash", kind.as_str()));
        let (key, entry) =
            trash::find(self.store, &self.open.vault, kind, id)?.ok_or_else(not_found)?;
        if !self.may_touch_trashed(&entry) {
            return Err(not_found());
        }
        if self
            .store
            .get_raw(live_tree(kind), &store::id_key(id))?
            .is_some()
        {
            return Err(Error::Refused(format!(
                "{} {id} exists already; it was not restored",
                kind.as_str()
            )));
        }
        let mut ops = vec![Op::remove(Tree::Trash, key)];
        let mut updates = Vec::new();
        let mut relinked = 0;
        match entry.record {
            Record::Customer(mut c) => {
                c.stamp = self.bump(&c.stamp);
                ops.push(
                    self.open
                        .vault
                        .put(Tree::Customers, &store::id_key(id), &c)?,
                );
                updates.push(Update::Customer(Box::new(c)));
                for tid in &entry.unlinked {
                    if let Some(t) = self.open.tasks.read().get(tid) {
                        if t.data.customer.is_none() {
                            let mut t = t.clone();
                            t.data.customer = Some(id);
                            t.stamp = self.bump(&t.stamp);
                            ops.push(self.open.vault.put(Tree::Tasks, &store::id_key(t.id), &t)?);
                            updates.push(Update::Task(Box::new(t)));
                            relinked += 1;
                        }
                    }
                }
            }
            Record::Task(mut t) => {
                // The customer it pointed at may have gone meanwhile.
                if let Some(c) = t.data.customer {
                    if self.open.index().customer(c).is_none() {
                        t.data.customer = None;
                    }
                }
                t.stamp = self.bump(&t.stamp);
                ops.push(self.open.vault.put(Tree::Tasks, &store::id_key(id), &t)?);
                updates.push(Update::Task(Box::new(t)));
            }
            Record::Employee(mut e) => {
                if let Some(m) = e.data.manager {
                    if !self.open.employees.read().contains_key(&m) {
                        e.data.manager = None;
                    }
                }
                e.stamp = self.bump(&e.stamp);
                ops.push(
                    self.open
                        .vault
                        .put(Tree::Employees, &store::id_key(id), &e)?,
                );
                updates.push(Update::Employee(Box::new(e)));
                for rid in &entry.unlinked {
                    if let Some(r) = self.open.employees.read().get(rid) {
                        if r.data.manager.is_none() {
                            let mut r = r.clone();
                            r.data.manager = Some(id);
                            r.stamp = self.bump(&r.stamp);
                            ops.push(self.open.vault.put(
                                Tree::Employees,
                                &store::id_key(r.id),
                                &r,
                            )?);
                            updates.push(Update::Employee(Box::new(r)));
                            relinked += 1;
                        }
                    }
                }
            }
        }
        Ok(Acted {
            response: Response::Restored { relinked },
            target: format!("{}:{id}", kind.as_str()),
            ops,
            detail: if relinked > 0 {
                format!("{relinked} links restored")
            } else {
                String::new()
            },
            updates,
        })
    }
}
