//! Retention rules applied to the live database: each rule's customers erased (the same
//! erasure as `gdpr erase`) or anonymised, with one audit entry per rule holding counts only.
//! The admin's `retention run` and the nightly run share `apply`; the backup rewrite the
//! erasures need happens after the commit, outside the lock (`Service::handle_retention`).

use super::{Acted, Cx, Update, bumped};
use crate::domain::{AuditEvent, Customer, Id, Outcome, UnixTime};
use crate::privacy::retention::{self, Action, Plan, Rule};
use crate::privacy::{RecordKind, history};
use crate::service::Result;
use crate::service::request::Response;
use crate::service::unsealed::Unsealed;
use crate::store::{self, Op, Store, Tree};

/// The ops and cache updates of one run, what each rule did, and the plan it followed.
pub(crate) struct Applied {
    pub ops: Vec<Op>,
    pub updates: Vec<Update>,
    /// Ids only.
    pub plan: Plan,
    /// Per rule: its number and the audit detail ("lead customers ...: 3 erased").
    pub done: Vec<(usize, String)>,
    pub erased: usize,
}

/// What the next run would do: read from the search index, which holds every live
/// customer's status, tags and last change.
pub(crate) fn plan(open: &Unsealed, rules: &[Rule], now: UnixTime) -> Plan {
    retention::plan(rules, open.index().customers(), now)
}

/// The anonymisation of one customer by `by` at `now`: the record rewritten as
/// `retention::anonymised` says, its kept versions (and consent log) removed, and tasks that
/// pointed at it unlinked, as an erasure does.
fn anonymise_ops(
    store: &Store,
    open: &Unsealed,
    c: &Customer,
    now: UnixTime,
    by: Id,
) -> Result<(Vec<Op>, Vec<Update>)> {
    let mut a = retention::anonymised(c);
    a.stamp = bumped(&c.stamp, now, by);
    let mut ops = history::remove_all(store, RecordKind::Customer, c.id)?;
    ops.push(open.vault.put(Tree::Customers, &store::id_key(c.id), &a)?);
    let mut updates = vec![Update::Customer(Box::new(a))];
    for t in open
        .tasks
        .read()
        .values()
        .filter(|t| t.data.customer == Some(c.id))
    {
        let mut t = t.clone();
        t.data.customer = None;
        t.stamp = bumped(&t.stamp, now, by);
        ops.push(open.vault.put(Tree::Tasks, &store::id_key(t.id), &t)?);
        updates.push(Update::Task(Box::new(t)));
    }
    Ok((ops, updates))
}

/// Applies `rules` at `now` on behalf of `by` (0: the nightly run). A customer whose record
/// does not open (quarantined) is left for a person to look at and counted as skipped.
pub(crate) fn apply(
    store: &Store,
    open: &Unsealed,
    rules: &[Rule],
    now: UnixTime,
    by: Id,
) -> Result<Applied> {
    let planned = plan(open, rules, now);
    let mut out = Applied {
        ops: Vec::new(),
        updates: Vec::new(),
        plan: planned.clone().without_names(),
        done: Vec::new(),
        erased: 0,
    };
    for r in &planned.rules {
        let mut acted = 0;
        let mut skipped = 0;
        for p in &r.customers {
            let Ok(Some(c)) =
                open.vault
                    .get::<Customer>(store, Tree::Customers, &store::id_key(p.id))
            else {
                skipped += 1;
                continue;
            };
            let (ops, updates) = match r.rule.action {
                Action::Erase => {
                    let reason = format!("retention rule {}: {}", r.number, r.rule.describe());
                    let (ops, updates, _) =
                        super::privacy::erase_ops(store, open, c.id, now, by, &reason)?;
                    out.erased += 1;
                    (ops, updates)
                }
                Action::Anonymise => anonymise_ops(store, open, &c, now, by)?,
            };
            out.ops.extend(ops);
            out.updates.extend(updates);
            acted += 1;
        }
        let mut detail = format!("{}: {acted} {}", r.rule.describe(), r.rule.action.done());
        if skipped > 0 {
            detail.push_str(&format!(", {skipped} skipped (record did not open)"));
        }
        out.done.push((r.number, detail));
    }
    if out.erased > 0 {
        out.ops.push(crate::service::erase::whole_folder_op(store)?);
    }
    Ok(out)
}

/// One audit entry per rule, after `base` (who and from where).
pub(crate) fn rule_events(base: &AuditEvent, done: &[(usize, String)]) -> Vec<AuditEvent> {
    done.iter()
        .map(|(n, detail)| AuditEvent {
            action: "retention.rule".into(),
            target: format!("retention:rule:{n}"),
            outcome: Outcome::Ok,
            detail: detail.clone(),
            ..base.clone()
        })
        .collect()
}

/// The run's own audit detail: totals.
pub(crate) fn summary(plan: &Plan) -> String {
    format!(
        "{} rules, {} customers acted on",
        plan.rules.len(),
        plan.total()
    )
}

impl Cx<'_> {
    pub fn retention_preview(&mut self, counts_only: bool) -> Result<Acted> {
        let p = plan(self.open, &self.settings.retention_rules, self.now);
        let detail = summary(&p).replace("acted on", "due");
        let p = if counts_only { p.without_names() } else { p };
        let mut a = Acted::read(Response::RetentionPlan(p), "retention".into());
        a.detail = detail;
        Ok(a)
    }

    pub fn retention_run(&mut self) -> Result<Acted> {
        let applied = apply(
            self.store,
            self.open,
            &self.settings.retention_rules,
            self.now,
            self.me(),
        )?;
        let base = AuditEvent {
            seq: 0,
            at: self.now,
            user: Some(self.me()),
            username: Some(self.user.username.clone()),
            peer_uid: self.peer.uid,
            peer_pid: self.peer.pid,
            action: String::new(),
            target: String::new(),
            outcome: Outcome::Ok,
            detail: String::new(),
        };
        let mut ops = applied.ops;
        for e in rule_events(&base, &applied.done) {
            ops.extend(crate::audit::append(
                &self.open.vault,
                &mut self.open.head,
                e,
            )?);
        }
        Ok(Acted {
            detail: summary(&applied.plan),
            response: Response::RetentionDone {
                plan: applied.plan,
                backups: None,
            },
            target: "retention".into(),
            ops,
            updates: applied.updates,
        })
    }
}
