//! `customer|task|employee trash` and `... restore ID`.

use super::output::{clean, json, table};
use super::{CliError, Ctx, unexpected};
use crate::privacy::RecordKind;
use crate::service::clock::format_local;
use crate::service::{Request, Response};

pub fn list(ctx: &mut Ctx<'_>, kind: RecordKind) -> Result<String, CliError> {
    let items = match ctx.call(Request::TrashList { kind })? {
        Response::Trash(items) => items,
        _ => return Err(unexpected()),
    };
    if ctx.json {
        return json(&items);
    }
    if items.is_empty() {
        return Ok(format!("the {} trash is empty\n", kind.as_str()));
    }
    let names = ctx.usernames()?;
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            vec![
                i.id.to_string(),
                clean(&i.label),
                format_local(i.deleted_at),
                names
                    .get(&i.deleted_by)
                    .cloned()
                    .unwrap_or_else(|| format!("user {}", i.deleted_by)),
                format_local(i.purge_at),
            ]
        })
        .collect();
    Ok(table(
        &["id", "name", "deleted", "by", "purged after"],
        &rows,
    ))
}

pub fn restore(ctx: &mut Ctx<'_>, kind: RecordKind, id: u64) -> Result<String, CliError> {
    let relinked = match ctx.call(Request::TrashRestore { kind, id })? {
        Response::Restored { relinked } => relinked,
        _ => return Err(unexpected()),
    };
    if ctx.json {
        return json(&serde_json::json!({ "id": id, "relinked": relinked }));
    }
    let links = match (kind, relinked) {
        (_, 0) => String::new(),
        (RecordKind::Customer, n) => format!(", {n} linked tasks linked again"),
        (_, n) => format!(", {n} reports linked again"),
    };
    Ok(format!("restored {} {id}{links}\n", kind.as_str()))
}
