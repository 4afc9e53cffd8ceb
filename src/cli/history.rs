//! `customer history ID`: one block per change, newest first.

use super::output::{clean, json};
use super::{CliError, Ctx, unexpected};
use crate::service::clock::format_local;
use crate::service::{Request, Response};

pub fn show(ctx: &mut Ctx<'_>, id: u64) -> Result<String, CliError> {
    let entries = match ctx.call(Request::CustomerHistory { id })? {
        Response::History(e) => e,
        _ => return Err(unexpected()),
    };
    if ctx.json {
        return json(&entries);
    }
    if entries.is_empty() {
        return Ok(format!(
            "customer {id} has not been changed since it was created\n"
        ));
    }
    let names = ctx.usernames()?;
    let mut out = String::new();
    for e in entries.iter().rev() {
        let who = names
            .get(&e.by)
            .cloned()
            .unwrap_or_else(|| format!("user {}", e.by));
        out.push_str(&format!(
            "version {}  {}  {}\n",
            e.version,
            format_local(e.at),
            clean(&who)
        ));
        if e.changes.is_empty() {
            out.push_str("  (no field changed)\n");
        }
        for c in &e.changes {
            let shown = |v: &str| {
                if v.is_empty() {
                    "—".to_string()
                } else {
                    clean(&v.replace('\n', " ⏎ "))
                }
            };
            out.push_str(&format!(
                "  {}: {} → {}\n",
                c.field,
                shown(&c.from),
                shown(&c.to)
            ));
        }
    }
    Ok(out)
}
