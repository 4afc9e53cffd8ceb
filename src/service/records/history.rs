//! A customer's history (who changed which field, when) and reverting to an earlier version.
//! Every field change keeps the version it replaced (`customer_update` and here).

use super::{Acted, Cx, Update};
use crate::domain::role::Scope;
use crate::domain::{Customer, Id};
use crate::privacy::changes::{customer_at, customer_history};
use crate::privacy::history;
use crate::privacy::{Record, RecordKind};
use crate::service::request::Response;
use crate::service::{Error, Result};
use crate::store::{self, Op, Tree};

impl Cx<'_> {
    /// The op that keeps `previous` before a change replaces it.
    pub(super) fn keep_record(&self, previous: Record) -> Result<Op> {
        Ok(history::keep(
            &self.open.vault,
            previous,
            self.now,
            self.me(),
        )?)
    }

    pub(super) fn keep_version(&self, previous: &Customer) -> Result<Op> {
        self.keep_record(Record::Customer(previous.clone()))
    }

    pub fn customer_history(&mut self, id: Id) -> Result<Acted> {
        let current = self.load_customer(id)?;
        let kept = history::versions(self.store, &self.open.vault, RecordKind::Customer, id)?;
        let reveal = self.may_see_sensitive(&current);
        let entries = customer_history(&kept, &current, reveal);
        let mut a = Acted::read(Response::History(entries), format!("customer:{id}"));
        if reveal {
            a.detail = "sensitive fields shown".into();
        }
        Ok(a)
    }

    pub fn customer_revert(&mut self, id: Id, to: u64) -> Result<Acted> {
        let current = self.load_customer(id)?;
        self.require_owner(&current, "change")?;
        let kept = history::versions(self.store, &self.open.vault, RecordKind::Customer, id)?;
        let mut data = customer_at(&kept, &current, to).ok_or_else(|| {
            Error::NotFound(format!(
                "version {to} of customer {id} (it is at version {})",
                current.stamp.version
            ))
        })?;
        if to == current.stamp.version {
            return Err(Error::Refused(format!(
                "customer {id} is at version {to} already"
            )));
        }
        // What the reverting person could not have set by an edit stays as it is.
        if self.reach == Scope::Own {
            data.owner = current.data.owner;
        } else if let Some(o) = data.owner {
            if !self.open.users().contains_key(&o) {
                data.owner = current.data.owner;
            }
        }
        let mut detail = format!("to version {to}");
        if !self.may_see_sensitive(&current) {
            data.sensitive = current.data.sensitive.clone();
        } else if data.sensitive != current.data.sensitive {
            detail.push_str(", sensitive fields written");
        }
        let c = Customer {
            id,
            stamp: self.bump(&current.stamp),
            data,
            interactions: current.interactions.clone(),
        };
        Ok(Acted {
            response: Response::Done,
            target: format!("customer:{id}"),
            ops: vec![
                self.keep_version(&current)?,
                self.open
                    .vault
                    .put(Tree::Customers, &store::id_key(id), &c)?,
            ],
            detail,
            updates: vec![Update::Customer(Box::new(c))],
        })
    }
}
