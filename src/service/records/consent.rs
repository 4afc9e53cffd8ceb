//! Marketing consent given or withdrawn, with how the person gave it, and its history.

use jiff::civil::Date;

use super::{Acted, Cx, Update};
use crate::domain::{Customer, FieldError, Id, Invalid};
use crate::privacy::consent::{self, ConsentRecord, Method};
use crate::privacy::{RecordKind, history};
use crate::service::request::Response;
use crate::service::{Error, Result};
use crate::store::{self, Tree};

impl Cx<'_> {
    pub fn customer_consent(
        &mut self,
        id: Id,
        given: bool,
        how: Method,
        date: Option<Date>,
    ) -> Result<Acted> {
        let current = self.load_customer(id)?;
        self.require_owner(&current, "change")?;
        let invalid = |message: &str| {
            Error::Invalid(Invalid(vec![FieldError {
                field: "consent date".into(),
                message: message.into(),
            }]))
        };
        if !given && date.is_some() {
            return Err(invalid("is set only when consent is given"));
        }
        if date.is_some_and(|d| d > self.today) {
            return Err(invalid("is in the future"));
        }
        let mut data = current.data.clone();
        data.marketing_consent = given;
        data.consent_date = given.then(|| date.unwrap_or(self.today));
        let c = Customer {
            id,
            stamp: self.bump(&current.stamp),
            data,
            interactions: current.interactions.clone(),
        };
        let record = ConsentRecord {
            version: c.stamp.version,
            at: self.now,
            by: self.me(),
            given,
            date: c.data.consent_date,
            how,
        };
        Ok(Acted {
            response: Response::Done,
            target: format!("customer:{id}"),
            ops: vec![
                self.keep_version(&current)?,
                self.open
                    .vault
                    .put(Tree::Customers, &store::id_key(id), &c)?,
                consent::put(&self.open.vault, id, &record)?,
            ],
            detail: format!(
                "{} by {}",
                if given { "given" } else { "withdrawn" },
                how.as_str()
            ),
            updates: vec![Update::Customer(Box::new(c))],
        })
    }

    pub fn consent_history(&mut self, id: Id) -> Result<Acted> {
        let current = self.load_customer(id)?;
        let kept = history::versions(self.store, &self.open.vault, RecordKind::Customer, id)?;
        let records = consent::list(self.store, &self.open.vault, id)?;
        let events = crate::privacy::subject::consent_history(&kept, &current, &records);
        Ok(Acted::read(
            Response::Consent(events),
            format!("customer:{id}"),
        ))
    }
}
