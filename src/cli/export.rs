//! `kasefet export customers|tasks|employees ...`

use std::io::Write;

use super::args::ExportArgs;
use super::{CliError, Ctx, unexpected};
use crate::domain::customer::CustomerStatus;
use crate::service::{CustomerFilter, ExportFormat, ExportWhat, Request, Response};

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
    let (bytes, count) = match ctx.call(Request::Export {
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
    })? {
        Response::Exported { bytes, count, .. } => (bytes, count),
        _ => return Err(unexpected()),
    };
    match target {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|_| out.flush())
                .map_err(|e| CliError::failure(e.to_string()))?;
            Ok(String::new())
        }
        Some(Target::New(f, p)) => {
            crate::transfer::target::fill(f, &bytes)
                .map_err(|e| CliError::failure(format!("cannot write {}: {e}", p.display())))?;
            Ok(format!("{count} exported to {}\n", p.display()))
        }
        Some(Target::Replace(p)) => {
            replace(&p, &bytes)?;
            Ok(format!("{count} exported to {}\n", p.display()))
        }
    }
}

enum Target {
    New(std::fs::File, std::path::PathBuf),
    Replace(std::path::PathBuf),
}

/// `--force`: the old file is either whole or replaced, and never left readable by others.
fn replace(p: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    crate::transfer::target::replace(p, bytes)
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", p.display())))
}
