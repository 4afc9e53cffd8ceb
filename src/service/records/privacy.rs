//! Subject access: everything about one customer, gathered in one answer (admin, manager).

use std::collections::HashMap;

use super::{Acted, Cx};
use crate::domain::Id;
use crate::privacy::changes::customer_history;
use crate::privacy::subject::{FORMAT, SubjectExport, consent_history};
use crate::privacy::{RecordKind, history};
use crate::service::Result;
use crate::service::request::Response;

impl Cx<'_> {
    pub fn subject_export(&mut self, id: Id) -> Result<Acted> {
        let customer = self.load_customer(id)?;
        let kept = history::versions(self.store, &self.open.vault, RecordKind::Customer, id)?;
        let mut tasks: Vec<_> = self
            .open
            .tasks
            .read()
            .values()
            .filter(|t| t.data.customer == Some(id))
            .cloned()
            .collect();
        tasks.sort_by_key(|t| t.id);
        let target = format!("customer:{id}");
        let mut audit = Vec::new();
        for e in crate::audit::chain::newest_first(self.store, &self.open.vault) {
            let e = e?;
            if e.target == target {
                audit.push(e);
            }
        }
        audit.reverse();
        let mut ids: Vec<Id> = vec![
            self.me(),
            customer.stamp.created_by,
            customer.stamp.updated_by,
        ];
        ids.extend(customer.data.owner);
        ids.extend(customer.interactions.iter().map(|i| i.author));
        ids.extend(kept.iter().map(|k| k.replaced_by));
        ids.extend(tasks.iter().flat_map(|t| {
            let mut v = vec![t.stamp.created_by];
            v.extend(t.data.assignee);
            v.extend(t.comments.iter().map(|c| c.author));
            v
        }));
        ids.extend(audit.iter().filter_map(|e| e.user));
        let people: HashMap<Id, String> = ids
            .into_iter()
            .map(|u| (u, self.open.username(u)))
            .collect();
        let export = SubjectExport {
            format: FORMAT.into(),
            exported_at: self.now,
            exported_by: self.me(),
            consent: consent_history(
                &kept,
                &customer,
                &crate::privacy::consent::list(self.store, &self.open.vault, id)?,
            ),
            history: customer_history(&kept, &customer, true),
            customer,
            tasks,
            audit,
            people,
        };
        let mut a = Acted::read(Response::SubjectExport(Box::new(export)), target);
        a.detail = "subject access export, sensitive part included".into();
        Ok(a)
    }
}

/// The longest erasure reason kept.
const REASON_MAX: usize = 200;

impl Cx<'_> {
    /// The live part of an erasure; `Service::handle_erase` rewrites the backups after.
    pub fn customer_erase(&mut self, id: Id, reason: &str) -> Result<Acted> {
        let reason = crate::domain::text::required_line("reason", reason, REASON_MAX)
            .map_err(|e| crate::service::Error::Invalid(crate::domain::Invalid(vec![e])))?;
        let live = self
            .store
            .get_raw(crate::store::Tree::Customers, &crate::store::id_key(id))?
            .is_some();
        // Erasure skips the trash: a deleted customer can be erased as well.
        let trashed =
            crate::privacy::trash::find(self.store, &self.open.vault, RecordKind::Customer, id)?
                .is_some();
        if !live && !trashed {
            return Err(crate::service::Error::NotFound(format!("customer {id}")));
        }
        let (mut ops, updates, unlinked_tasks) =
            erase_ops(self.store, self.open, id, self.now, self.me(), &reason)?;
        ops.push(crate::service::erase::whole_folder_op(self.store)?);
        Ok(Acted {
            response: Response::Erased {
                unlinked_tasks,
                backups: None,
            },
            target: format!("customer:{id}"),
            ops,
            // The reason is in the journal, sealed; the log says only what happened.
            detail: format!("erased; {unlinked_tasks} linked tasks lost the link"),
            updates,
        })
    }
}

/// The live erasure of one customer, by `by` at `now`: the record and everything kept under
/// its id removed, linked tasks (live and in the trash) unlinked, the journal entry written.
/// Returns the ops, the cache updates and how many live tasks lost the link. Shared with
/// retention rules whose action is `erase`.
pub(crate) fn erase_ops(
    store: &crate::store::Store,
    open: &crate::service::unsealed::Unsealed,
    id: Id,
    now: crate::domain::UnixTime,
    by: Id,
    reason: &str,
) -> Result<(Vec<crate::store::Op>, Vec<super::Update>, usize)> {
    let mut ops = crate::privacy::erasure::removal_ops(store, id)?;
    let mut updates = vec![super::Update::CustomerGone(id)];
    let linked: Vec<_> = open
        .tasks
        .read()
        .values()
        .filter(|t| t.data.customer == Some(id))
        .cloned()
        .collect();
    let unlinked_tasks = linked.len();
    for mut t in linked {
        t.data.customer = None;
        t.stamp = super::bumped(&t.stamp, now, by);
        ops.push(
            open.vault
                .put(crate::store::Tree::Tasks, &crate::store::id_key(t.id), &t)?,
        );
        updates.push(super::Update::Task(Box::new(t)));
    }
    // Tasks waiting in the trash lose the link too, so a restore cannot bring it back.
    for mut e in crate::privacy::trash::list(store, &open.vault, RecordKind::Task)? {
        if let crate::privacy::Record::Task(t) = &mut e.record {
            if t.data.customer == Some(id) {
                t.data.customer = None;
                ops.push(crate::privacy::trash::put(&open.vault, &e)?);
            }
        }
    }
    let entry = crate::privacy::erasure::entry(&open.vault, id, now, by, reason)?;
    ops.push(crate::privacy::erasure::journal_op(&entry)?);
    Ok((ops, updates, unlinked_tasks))
}
