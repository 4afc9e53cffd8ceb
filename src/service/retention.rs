//! Retention runs: the admin's `retention run` through the one door, and the nightly run's,
//! which has no session. Both apply the rules in one commit with an audit entry per rule,
//! then rewrite the backups once for all the customers the rules erased.

use super::records::retention::{apply, rule_events, summary};
use super::request::{Request, Response};
use super::{Error, Result, Service, Session};
use crate::domain::{AuditEvent, Outcome};
use crate::privacy::retention::Plan;
use crate::privacy::rewrite::RewriteReport;

impl Service {
    pub(crate) fn handle_retention(&self, session: &Session, req: Request) -> Result<Response> {
        let response = self.handle_now(session, req)?;
        let Response::RetentionDone { plan, .. } = response else {
            return Ok(response);
        };
        let backups = match self.backup_config() {
            Some(cfg) if erased(&plan) > 0 => {
                let vault = self.vault_for(
                    session,
                    crate::domain::Permission::CustomerErase,
                    "customer.erase_backups",
                )?;
                Some(self.rewrite_after_erasure(&cfg, Some(session), vault.dek(), "retention")?)
            }
            _ => None,
        };
        Ok(Response::RetentionDone { plan, backups })
    }

    /// The nightly run's retention, after its backup: `Ok(None)` when no rule is set. Needs
    /// the key (records must be read and rewritten): sealed, it is refused, and the nightly
    /// runner tries again once someone signs in.
    pub fn run_retention(&self) -> Result<Option<(Plan, Option<RewriteReport>)>> {
        let rules = &self.settings.retention_rules;
        if rules.is_empty() {
            return Ok(None);
        }
        let now = self.clock.now();
        let (plan, erased_any, key) = {
            let mut inner = self.lock();
            let Some(open) = inner.open.as_mut() else {
                return Err(Error::Refused(
                    "the database is sealed: retention rules wait for someone to sign in".into(),
                ));
            };
            let applied = apply(&self.store, open, rules, now, 0)?;
            let base = AuditEvent {
                seq: 0,
                at: now,
                user: None,
                username: None,
                peer_uid: Some(rustix::process::getuid().as_raw()),
                peer_pid: Some(std::process::id()),
                action: "retention.run".into(),
                target: "retention".into(),
                outcome: Outcome::Ok,
                detail: summary(&applied.plan),
            };
            let mut ops = applied.ops;
            let mut events = rule_events(&base, &applied.done);
            events.push(base);
            for e in events {
                ops.extend(crate::audit::append(&open.vault, &mut open.head, e)?);
            }
            if let Err(e) = self.store.commit(&ops) {
                open.head = crate::audit::Head::load(&self.store)?;
                return Err(e.into());
            }
            if !applied.updates.is_empty() {
                open.revision = open.revision.wrapping_add(1);
            }
            // The run ends no session.
            super::records::Update::apply_all(applied.updates, open);
            let key = crate::crypto::SecretKey::from_bytes(*open.vault.dek().expose());
            (applied.plan, applied.erased > 0, key)
        };
        let backups = match self.backup_config() {
            Some(cfg) if erased_any => {
                Some(self.rewrite_after_erasure(&cfg, None, &key, "retention")?)
            }
            _ => None,
        };
        Ok(Some((plan, backups)))
    }
}

/// How many customers the run erased (their rules' action is `erase`).
fn erased(plan: &Plan) -> usize {
    plan.rules
        .iter()
        .filter(|r| r.rule.action == crate::privacy::retention::Action::Erase)
        .map(|r| r.customers.len())
        .sum()
}
