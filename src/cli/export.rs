//! `kasefet export customers|tasks|employees ...`

use std::io::Write;

use super::args::ExportArgs;
use super::{CliError, Ctx};
use crate::client::download::{Wanted, download};
use crate::domain::customer::CustomerStatus;
use crate::service::{CustomerFilter, ExportFormat, ExportWhat, Request};

pub fn run(ctx: &mut Ctx<'_>, a: ExportArgs) -> Result<String, CliError> {
    let what = match a.what.trim().to_ascii_lowercase().as_str() {
        "customers" => ExportWhat::Customers,
        "tasks" => ExportWhat::Tasks,
        "employees" => ExportWhat::Employees,
        w => {
            return Err(CliError::invalid(format!(
                "export {w:?}: use customers, tasks or employees"
            )));
        }
    };
    let format = match a.format.trim().to_ascii_lowercase().as_str() {
        "csv" => ExportFormat::Csv,
        "json" => ExportFormat::Json,
        "vcard" | "vcf" => ExportFormat::Vcard,
        f => {
            return Err(CliError::invalid(format!(
                "--format {f:?}: use csv, json or vcard"
            )));
        }
    };
    let status = match &a.status {
        Some(s) => Some(CustomerStatus::parse(s).ok_or_else(|| {
            CliError::invalid(format!(
                "--status {s:?}: use lead, prospect, active or inactive"
            ))
        })?),
        None => None,
    };
    // The file first: an export must not be made (and audited) only to fail at writing.
    let target = match &a.to {
        Some(p) if a.force => Some(Target::Replace(p.clone())),
        Some(p) => Some(Target::New(super::prompt::create_private(p)?, p.clone())),
        None => None,
    };
    let wanted = Wanted {
        what,
        format,
        reveal: a.reveal,
        filter: CustomerFilter {
            status,
            tag: a.tag.clone(),
            mine: false,
            query: a.filter.clone(),
        },
        bom: a.bom,
    };
    // Parts are written as they come, so no side holds the whole file.
    let mut call = |r: Request| ctx.call(r);
    match target {
        None => {
            let mut out = std::io::stdout().lock();
            download(&wanted, &mut call, &mut |b: &[u8]| {
                out.write_all(b).map_err(|e| match e.kind() {
                    std::io::ErrorKind::BrokenPipe => CliError::output_closed(super::exit::OK),
                    _ => CliError::failure(e.to_string()),
                })
            })?;
            out.flush().map_err(|e| CliError::failure(e.to_string()))?;
            Ok(String::new())
        }
        // Parts go to a temp file renamed into place at the end, so a kill midway leaves
        // the named file empty (a new one) or as it was (`--force`), never half an export.
        Some(target) => {
            let (claimed, p) = match target {
                Target::New(f, p) => (Some(f), p),
                Target::Replace(p) => (None, p),
            };
            let cannot =
                |e: std::io::Error| CliError::failure(format!("cannot write {}: {e}", p.display()));
            let staged = crate::transfer::target::Staged::new(&p).map_err(cannot);
            let done = staged.and_then(|mut staged| {
                let n = download(&wanted, &mut call, &mut |b: &[u8]| {
                    staged.write(b).map_err(cannot)
                })?;
                staged.finish().map_err(cannot)?;
                Ok(n)
            });
            match done {
                Ok(count) => Ok(format!("{count} exported to {}\n", p.display())),
                Err(e) => {
                    if claimed.is_some() {
                        let _ = std::fs::remove_file(&p);
                    }
                    Err(e)
                }
            }
        }
    }
}

enum Target {
    New(std::fs::File, std::path::PathBuf),
    Replace(std::path::PathBuf),
}
