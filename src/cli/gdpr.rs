//! `kasefet gdpr export CUSTOMER [--to FILE]`: a data subject's request answered in one go.

use std::path::PathBuf;

use super::args::GdprCmd;
use super::output::json;
use super::prompt::{create_private, fill_private};
use super::{CliError, Ctx, unexpected};
use crate::privacy::subject::render_text;
use crate::service::{Request, Response};

/// The plain-text rendering's path next to the JSON file: `FILE.txt`.
fn text_path(to: &std::path::Path) -> PathBuf {
    let mut name = to.as_os_str().to_owned();
    name.push(".txt");
    PathBuf::from(name)
}

pub fn run(ctx: &mut Ctx<'_>, cmd: GdprCmd) -> Result<String, CliError> {
    match cmd {
        GdprCmd::Export { customer, to } => {
            // Both files exist (empty, 0600) before the export is taken and audited, so
            // an export on the record cannot be lost to a path that turns out unwritable.
            let files = match &to {
                Some(p) => {
                    let txt = text_path(p);
                    let a = create_private(p)?;
                    let b = match create_private(&txt) {
                        Ok(b) => b,
                        Err(e) => {
                            let _ = std::fs::remove_file(p);
                            return Err(e);
                        }
                    };
                    Some((p.clone(), a, txt, b))
                }
                None => None,
            };
            let export = match ctx.call(Request::SubjectExport { id: customer }) {
                Ok(Response::SubjectExport(x)) => x,
                other => {
                    if let Some((p, _, txt, _)) = &files {
                        let _ = std::fs::remove_file(p);
                        let _ = std::fs::remove_file(txt);
                    }
                    return match other {
                        Err(e) => Err(e),
                        Ok(_) => Err(unexpected()),
                    };
                }
            };
            let body = json(&*export)?;
            let text = render_text(&export);
            match files {
                Some((p, a, txt, b)) => {
                    fill_private(a, &p, &body)?;
                    fill_private(b, &txt, &text)?;
                    Ok(format!(
                        "subject export of customer {customer}: {} (JSON) and {} (plain text), mode 0600\n",
                        p.display(),
                        txt.display()
                    ))
                }
                None if ctx.json => Ok(body),
                None => Ok(text),
            }
        }
        GdprCmd::Erase { customer, reason } => {
            let (unlinked, backups) = match ctx.call(Request::CustomerErase {
                id: customer,
                reason,
            })? {
                Response::Erased {
                    unlinked_tasks,
                    backups,
                } => (unlinked_tasks, backups),
                _ => return Err(unexpected()),
            };
            if ctx.json {
                return json(&serde_json::json!({
                    "id": customer,
                    "unlinked_tasks": unlinked,
                    "backups": backups,
                }));
            }
            let mut out = format!(
                "erased customer {customer}: record, timeline, sensitive part, history and search entries removed; {unlinked} linked tasks keep their text and lost the link\n"
            );
            match &backups {
                Some(r) => {
                    out.push_str(&format!("backups: {}\n", r.summary()));
                    for (name, why) in &r.failed {
                        out.push_str(&format!("  not rewritten: {name}: {why}\n"));
                    }
                }
                None => out.push_str("backups: no backup folder is configured\n"),
            }
            out.push_str(
                "copies outside the backup folder (tapes, USB disks, other machines) are out of reach: erase them by hand or restore them only with kasefet, which applies the erasure journal\n",
            );
            match backups {
                Some(r) if !r.failed.is_empty() => {
                    super::print(&out)?;
                    Err(CliError::failure(format!(
                        "{} backups could not be rewritten; the next nightly run retries them",
                        r.failed.len()
                    )))
                }
                _ => Ok(out),
            }
        }
    }
}
