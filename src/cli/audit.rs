//! `kasefet audit verify|list`.

use super::args::AuditCmd;
use super::output::{json, table};
use super::{CliError, Ctx, unexpected};
use crate::service::clock::format_local;
use crate::service::{Request, Response, exit};

pub fn run(ctx: &mut Ctx<'_>, cmd: AuditCmd) -> Result<String, CliError> {
    match cmd {
        AuditCmd::Verify => match ctx.call(Request::AuditVerify)? {
            Response::AuditReport(r) => {
                let text = if ctx.json { json(&r)? } else { String::new() };
                match &r.problem {
                    None if ctx.json => Ok(text),
                    None => Ok(format!(
                        "audit log intact: {} entries, head {}\n",
                        r.entries,
                        &r.head[..16]
                    )),
                    Some(p) => {
                        if ctx.json {
                            super::print(&text)?;
                        }
                        Err(CliError {
                            code: exit::FAILURE,
                            message: format!("audit log broken: {p}"),
                        })
                    }
                }
            }
            _ => Err(unexpected()),
        },
        AuditCmd::List { limit, offset } => match ctx.call(Request::AuditList { offset, limit })? {
            Response::Audit(list) if ctx.json => json(&list),
            Response::Audit(list) => {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|e| {
                        vec![
                            e.seq.to_string(),
                            format_local(e.at),
                            e.username.clone().unwrap_or_else(|| "-".into()),
                            e.peer_uid.map(|u| u.to_string()).unwrap_or_default(),
                            e.action.clone(),
                            e.target.clone(),
                            e.outcome.as_str().into(),
                            e.detail.clone(),
                        ]
                    })
                    .collect();
                Ok(table(
                    &[
                        "seq", "time", "user", "uid", "action", "target", "outcome", "detail",
                    ],
                    &rows,
                ))
            }
            _ => Err(unexpected()),
        },
    }
}
