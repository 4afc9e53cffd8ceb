//! `kasefet retention preview|run`: what the [[retention.rule]]s do, before and when they do it.

use super::args::RetentionCmd;
use super::output::{clean, json, table};
use super::{CliError, Ctx, unexpected};
use crate::privacy::retention::Plan;
use crate::service::clock::format_local;
use crate::service::{Request, Response};

const NO_RULES: &str = "no retention rules are set: add [[retention.rule]] entries to kasefet.toml (see `man kasefet`, RETENTION)\n";

fn render(plan: &Plan, names: bool, done: bool) -> String {
    if plan.rules.is_empty() {
        return NO_RULES.into();
    }
    let mut out = String::new();
    for r in &plan.rules {
        let verb = if done { r.rule.action.done() } else { "due" };
        out.push_str(&format!(
            "rule {}: {}: {} {verb}\n",
            r.number,
            r.rule.describe(),
            r.customers.len()
        ));
        if names && !r.customers.is_empty() {
            let rows: Vec<Vec<String>> = r
                .customers
                .iter()
                .map(|c| {
                    vec![
                        c.id.to_string(),
                        clean(&c.name),
                        c.status.as_str().to_string(),
                        format_local(c.last_activity),
                    ]
                })
                .collect();
            for line in table(&["id", "name", "status", "last activity"], &rows).lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    out
}

pub fn run(ctx: &mut Ctx<'_>, cmd: RetentionCmd) -> Result<String, CliError> {
    match cmd {
        RetentionCmd::Preview => {
            let plan = match ctx.call(Request::RetentionPreview { counts_only: false })? {
                Response::RetentionPlan(p) => p,
                _ => return Err(unexpected()),
            };
            if ctx.json {
                return json(&plan);
            }
            let mut out = render(&plan, true, false);
            if plan.total() > 0 {
                out.push_str(
                    "the nightly run applies these after its backup; `kasefet retention run` applies them now\n",
                );
            }
            Ok(out)
        }
        RetentionCmd::Run => {
            let (plan, backups) = match ctx.call(Request::RetentionRun)? {
                Response::RetentionDone { plan, backups } => (plan, backups),
                _ => return Err(unexpected()),
            };
            if ctx.json {
                return json(&serde_json::json!({ "plan": plan, "backups": backups }));
            }
            let mut out = render(&plan, false, true);
            if let Some(r) = &backups {
                out.push_str(&format!("backups: {}\n", r.summary()));
                for (name, why) in &r.failed {
                    out.push_str(&format!("  not rewritten: {name}: {why}\n"));
                }
            }
            Ok(out)
        }
    }
}
