//! `customer duplicates`, `customer merge`, and the duplicate warning of `add` and `edit`.

use super::output::{json, table};
use super::{CliError, Ctx, unexpected};
use crate::domain::CustomerInput;
use crate::service::{Request, Response, exit};

/// Refuses (with the conflict exit code) a create or edit whose email or phone belongs to
/// another customer, naming who; `--allow-duplicate` skips this.
pub fn refuse_duplicates(
    ctx: &mut Ctx<'_>,
    input: &CustomerInput,
    except: Option<u64>,
) -> Result<(), CliError> {
    let Response::Duplicates(found) = ctx.call(Request::CustomerDuplicatesOf {
        input: Box::new(input.clone()),
        except,
    })?
    else {
        return Err(unexpected());
    };
    if found.is_empty() {
        return Ok(());
    }
    let who: Vec<String> = found
        .iter()
        .map(|d| format!("customer {} ({}, {})", d.a, d.a_name, d.reason))
        .collect();
    Err(CliError {
        code: exit::CONFLICT,
        message: format!(
            "possible duplicate of {}; pass --allow-duplicate to save anyway, or merge with `kasefet customer merge`",
            who.join("; ")
        ),
    })
}

pub fn list(ctx: &mut Ctx<'_>) -> Result<String, CliError> {
    let Response::Duplicates(pairs) = ctx.call(Request::CustomerDuplicates)? else {
        return Err(unexpected());
    };
    if pairs.len() >= crate::service::DUPLICATES_MAX {
        warnln!(
            "kasefet: these are the first {} pairs; merge or correct them and run again for the rest",
            pairs.len()
        );
    }
    if ctx.json {
        return json(&pairs);
    }
    let rows: Vec<Vec<String>> = pairs
        .iter()
        .map(|p| {
            vec![
                p.a.to_string(),
                p.a_name.clone(),
                p.b.to_string(),
                p.b_name.clone(),
                p.reason.clone(),
            ]
        })
        .collect();
    Ok(table(&["ID", "NAME", "ID", "NAME", "WHY"], &rows))
}

pub fn merge(ctx: &mut Ctx<'_>, keep: u64, other: u64) -> Result<String, CliError> {
    let Response::Merged { record } = ctx.call(Request::CustomerMerge { keep, other })? else {
        return Err(unexpected());
    };
    Ok(if ctx.json {
        json(&serde_json::json!({ "kept": keep, "merged": other, "import_record": record }))?
    } else {
        format!(
            "merged customer {other} into {keep} (undo with `kasefet import revert {record}`)\n"
        )
    })
}
