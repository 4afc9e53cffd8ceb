//! Customer requests. Staff reach only the customers they own for writes and reveals.

use super::{Acted, Cx, Update};
use crate::domain::customer::validate_interaction;
use crate::domain::role::{Permission, Scope, scope};
use crate::domain::{Customer, CustomerInput, Id, Interaction, InteractionKind};
use crate::service::request::Response;
use crate::service::{Error, Result};
use crate::store::{self, Tree};

impl Cx<'_> {
    pub(super) fn load_customer(&self, id: Id) -> Result<Customer> {
        self.open
            .vault
            .get(self.store, Tree::Customers, &store::id_key(id))?
            .ok_or_else(|| Error::NotFound(format!("customer {id}")))
    }

    /// For writes and reveals under `Scope::Own`: only the owner.
    pub(super) fn require_owner(&self, c: &Customer, doing: &str) -> Result<()> {
        if self.reach == Scope::Own && c.data.owner != Some(self.me()) {
            return Err(Error::Denied(format!(
                "you can only {doing} customers you own"
            )));
        }
        Ok(())
    }

    pub(super) fn may_see_sensitive(&self, c: &Customer) -> bool {
        match scope(self.user.role, Permission::CustomerSensitive) {
            Scope::All => true,
            Scope::Own => c.data.owner == Some(self.me()),
            Scope::None => false,
        }
    }

    pub fn customer_get(&mut self, id: Id, reveal: bool) -> Result<Acted> {
        let mut c = self.load_customer(id)?;
        if reveal {
            self.require_owner(&c, "reveal sensitive fields of")?;
        } else {
            c.data.sensitive = None;
        }
        Ok(Acted::read(
            Response::Customer(Box::new(c)),
            format!("customer:{id}"),
        ))
    }

    pub fn customer_create(&mut self, input: CustomerInput) -> Result<Acted> {
        let mut data = input.validate()?;
        match data.owner {
            None => data.owner = Some(self.me()),
            Some(o) if o != self.me() && self.reach == Scope::Own => {
                return Err(Error::Denied(
                    "you can only create customers you own".into(),
                ));
            }
            Some(o) => self.user_exists(o, "owner")?,
        }
        if data.sensitive.is_none() {
            data.sensitive = Some(Default::default());
        }
        let (id, id_op) = self.store.next_id(Tree::Customers)?;
        let c = Customer {
            id,
            stamp: self.new_stamp(),
            data,
            interactions: Vec::new(),
        };
        let ops = vec![
            id_op,
            self.open
                .vault
                .put(Tree::Customers, &store::id_key(id), &c)?,
        ];
        Ok(Acted {
            response: Response::Created { id },
            target: format!("customer:{id}"),
            ops,
            detail: String::new(),
            updates: vec![Update::Customer(Box::new(c))],
        })
    }

    pub fn customer_update(&mut self, id: Id, version: u64, input: CustomerInput) -> Result<Acted> {
        let current = self.load_customer(id)?;
        self.require_owner(&current, "change")?;
        self.check_version(format!("customer {id}"), &current.stamp, version)?;
        let mut data = input.validate()?;
        // No owner in the input means "keep the owner".
        if data.owner.is_none() {
            data.owner = current.data.owner;
        }
        if data.owner != current.data.owner {
            if self.reach == Scope::Own {
                return Err(Error::Denied(
                    "only a manager or admin can change a customer's owner".into(),
                ));
            }
            if let Some(o) = data.owner {
                self.user_exists(o, "owner")?;
            }
        }
        let mut detail = String::new();
        match data.sensitive {
            None => data.sensitive = current.data.sensitive.clone(),
            Some(_) if !self.may_see_sensitive(&current) => {
                return Err(Error::Denied(
                    "you cannot change the sensitive fields of this customer".into(),
                ));
            }
            Some(_) => detail = "sensitive fields written".into(),
        }
        let keep = self.keep_version(&current)?;
        let c = Customer {
            id,
            stamp: self.bump(&current.stamp),
            data,
            interactions: current.interactions,
        };
        Ok(Acted {
            response: Response::Done,
            target: format!("customer:{id}"),
            ops: vec![
                keep,
                self.open
                    .vault
                    .put(Tree::Customers, &store::id_key(id), &c)?,
            ],
            detail,
            updates: vec![Update::Customer(Box::new(c))],
        })
    }

    pub fn customer_interaction(
        &mut self,
        id: Id,
        kind: InteractionKind,
        text: &str,
    ) -> Result<Acted> {
        let mut c = self.load_customer(id)?;
        let text = validate_interaction(text)?;
        c.interactions.push(Interaction {
            kind,
            author: self.me(),
            at: self.now,
            text,
        });
        c.stamp = self.bump(&c.stamp);
        Ok(Acted {
            response: Response::Done,
            target: format!("customer:{id}"),
            ops: vec![
                self.open
                    .vault
                    .put(Tree::Customers, &store::id_key(id), &c)?,
            ],
            detail: kind.as_str().into(),
            updates: vec![Update::Customer(Box::new(c))],
        })
    }

    pub fn customer_delete(&mut self, id: Id) -> Result<Acted> {
        let c = self.load_customer(id)?;
        // Tasks keep their text but lose the link, so nothing points at a deleted record;
        // the trash remembers which, so a restore links them again.
        let mut ops = Vec::new();
        let mut updates = vec![Update::CustomerGone(id)];
        let linked: Vec<_> = self
            .open
            .tasks
            .read()
            .values()
            .filter(|t| t.data.customer == Some(id))
            .cloned()
            .collect();
        let unlinked = linked.iter().map(|t| t.id).collect();
        ops.extend(self.to_trash(crate::privacy::Record::Customer(c), unlinked)?);
        for mut t in linked {
            t.data.customer = None;
            t.stamp = self.bump(&t.stamp);
            ops.push(self.open.vault.put(Tree::Tasks, &store::id_key(t.id), &t)?);
            updates.push(Update::Task(Box::new(t)));
        }
        Ok(Acted {
            response: Response::Done,
            target: format!("customer:{id}"),
            ops,
            detail: String::new(),
            updates,
        })
    }

    pub fn customer_import(&mut self, inputs: Vec<CustomerInput>, dry_run: bool) -> Result<Acted> {
        let mut clean = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.into_iter().enumerate() {
            let mut d = input.validate().map_err(|e| {
                let mut errs = e.0;
                for f in &mut errs {
                    f.field = format!("row {} {}", i + 1, f.field);
                }
                Error::Invalid(crate::domain::Invalid(errs))
            })?;
            match d.owner {
                None => d.owner = Some(self.me()),
                Some(o) => self.user_exists(o, &format!("row {} owner", i + 1))?,
            }
            if d.sensitive.is_none() {
                d.sensitive = Some(Default::default());
            }
            clean.push(d);
        }
        let count = clean.len();
        if dry_run || count == 0 {
            let mut a = Acted::read(
                Response::Imported {
                    count,
                    first_id: None,
                },
                "customers".into(),
            );
            a.detail = format!("dry run: {count} rows valid");
            return Ok(a);
        }
        let (first, _) = self.store.next_id(Tree::Customers)?;
        let mut ops = Vec::with_capacity(count + 1);
        let mut updates = Vec::with_capacity(count);
        for (n, data) in clean.into_iter().enumerate() {
            let id = first + n as u64;
            let c = Customer {
                id,
                stamp: self.new_stamp(),
                data,
                interactions: Vec::new(),
            };
            updates.push(Update::Customer(Box::new(c)));
        }
        ops.extend(self.seal_customers(&updates)?);
        ops.push(store::Op::put(
            Tree::Meta,
            format!("next_id/{}", Tree::Customers.name()).into_bytes(),
            store::codec::encode(&(first + count as u64))?,
        ));
        Ok(Acted {
            response: Response::Imported {
                count,
                first_id: Some(first),
            },
            target: "customers".into(),
            ops,
            detail: format!(
                "{count} customers, ids {first}..{}",
                first + count as u64 - 1
            ),
            updates,
        })
    }
}
