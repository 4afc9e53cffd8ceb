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
            consent: consent_history(&kept, &customer),
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
