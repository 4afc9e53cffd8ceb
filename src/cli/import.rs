//! `kasefet import customers FILE ...`, `import list|show|revert`.

use serde::Serialize;

use super::args::{ImportArgs, ImportCmd};
use super::output::{fields, json, table};
use super::{CliError, Ctx, unexpected};
use crate::service::clock::format_local;
use crate::service::{
    ImportBatch, ImportMode, ImportRecord, ImportReport, MatchOn, Request, Response,
};
use crate::transfer::{self, Format, Preset, ReadOptions};

pub fn run(ctx: &mut Ctx<'_>, c: ImportCmd) -> Result<String, CliError> {
    match c {
        ImportCmd::Customers(a) => customers(ctx, *a),
        ImportCmd::List => match ctx.call(Request::ImportList)? {
            Response::Imports(list) => list_out(ctx, &list),
            _ => Err(unexpected()),
        },
        ImportCmd::Show { id } => match ctx.call(Request::ImportShow { id })? {
            Response::Import(r) => show_out(ctx, &r),
            _ => Err(unexpected()),
        },
        ImportCmd::Revert { id } => match ctx.call(Request::ImportRevert { id })? {
            Response::Done => Ok(format!("import {id} reverted\n")),
            _ => Err(unexpected()),
        },
    }
}

fn options(a: &ImportArgs) -> Result<(ImportMode, Vec<MatchOn>), CliError> {
    let mode = match a.mode.trim().to_ascii_lowercase().as_str() {
        "create" => ImportMode::Create,
        "update" => ImportMode::Update,
        "upsert" => ImportMode::Upsert,
        m => {
            return Err(CliError::invalid(format!(
                "--mode {m:?}: use create, update or upsert"
            )));
        }
    };
    let mut on = Vec::new();
    for k in a
        .match_on
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        on.push(match k.to_ascii_lowercase().as_str() {
            "email" => MatchOn::Email,
            "phone" => MatchOn::Phone,
            "none" => continue,
            k => {
                return Err(CliError::invalid(format!(
                    "--match {k:?}: use email, phone or both"
                )));
            }
        });
    }
    Ok((mode, on))
}

/// What the import prints (and `--json` returns): the service's counts plus what reading
/// the file found.
#[derive(Serialize)]
struct Outcome<'a> {
    file: String,
    source: &'a str,
    #[serde(flatten)]
    report: &'a ImportReport,
    /// Rows refused while reading the file (before validation), (line, reason).
    unreadable: Vec<(u64, &'a str)>,
    unmapped_columns: &'a [String],
    mapping: &'a [(String, String)],
    skipped_photos_and_keys: usize,
    dropped_values: &'a [String],
}

fn customers(ctx: &mut Ctx<'_>, a: ImportArgs) -> Result<String, CliError> {
    let (mode, match_on) = options(&a)?;
    let bytes = transfer::source::read(&a.file).map_err(CliError::invalid)?;
    let name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let format = match a.format.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Format::detect(&name, &bytes),
        Some("csv") => Format::Csv,
        Some("vcard" | "vcf") => Format::Vcard,
        Some(f) => {
            return Err(CliError::invalid(format!(
                "--format {f:?}: use csv or vcard"
            )));
        }
    };
    let preset = match a.preset.trim() {
        "auto" | "" => None,
        p => Some(Preset::parse(p).ok_or_else(|| {
            CliError::invalid(
                transfer::TransferError::BadPreset(p.into(), Preset::names()).to_string(),
            )
        })?),
    };
    let owner = match &a.owner {
        Some(o) => Some(ctx.user_id(o)?),
        None => None,
    };
    let opts = ReadOptions {
        preset,
        map: a.map.clone(),
    };
    let mut parsed =
        transfer::read(format, &bytes, &opts).map_err(|e| CliError::invalid(e.to_string()))?;
    // Made first, so a result cannot be lost to a path that turns out not to be writable.
    let rejects_file = match &a.rejects {
        Some(p) => Some((super::prompt::create_private(p)?, p.clone())),
        None => None,
    };
    let lines: Vec<u64> = parsed.rows.iter().map(|r| r.line).collect();
    // One request, one commit: on a terminal, say which stage a long import is in.
    if super::prompt::is_tty() {
        eprintln!(
            "kasefet: read {} rows from {} ({}); {} in one commit...",
            lines.len(),
            a.file.display(),
            parsed.source,
            if a.dry_run {
                "checking"
            } else {
                "validating, matching and writing"
            }
        );
    }
    let batch = ImportBatch {
        file_name: name,
        file_sha256: transfer::fingerprint(&bytes),
        source: parsed.source.clone(),
        mapping: parsed.mapping.clone(),
        rows: std::mem::take(&mut parsed.rows),
        mode,
        match_on,
        owner,
        tag: a.tag.clone(),
        dry_run: a.dry_run,
    };
    let report = send(ctx, batch)?;
    if let Some((f, path)) = rejects_file {
        let text = parsed.rejects_csv(&lines, &report.rejected);
        super::prompt::fill_private(f, &path, &String::from_utf8_lossy(&text))?;
    }
    let out = Outcome {
        file: a.file.display().to_string(),
        source: &parsed.source,
        report: &report,
        unreadable: parsed
            .rejects
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect(),
        unmapped_columns: &parsed.unmapped,
        mapping: &parsed.mapping,
        skipped_photos_and_keys: parsed.skipped_binary,
        dropped_values: &parsed.dropped,
    };
    if ctx.json {
        return json(&out);
    }
    Ok(summary(&out))
}

/// One request when the rows fit in a frame; otherwise in parts (`client::upload`), with a
/// line of progress on a terminal. Either way the service writes them in one commit.
fn send(ctx: &mut Ctx<'_>, batch: ImportBatch) -> Result<Box<ImportReport>, CliError> {
    if transfer::parts::encoded_len(&batch.rows) <= transfer::parts::PART_BYTES {
        return match ctx.call(Request::ImportCustomers {
            batch: Box::new(batch),
        })? {
            Response::ImportReport(r) => Ok(r),
            _ => Err(unexpected()),
        };
    }
    let dry_run = batch.dry_run;
    let mut line = super::progress::Line::new("sending rows");
    let up = crate::client::upload::Upload::new(batch, transfer::parts::PART_BYTES);
    let report = up.run(ctx.backend, dry_run, |sent, total| line.show(sent, total));
    line.finish(if dry_run {
        "checking them in one pass..."
    } else {
        "validating, matching and writing them in one commit..."
    });
    Ok(Box::new(report?))
}

fn summary(o: &Outcome<'_>) -> String {
    let r = o.report;
    let (c, u) = if r.dry_run {
        ("would create", "would update")
    } else {
        ("created", "updated")
    };
    let mut s = format!(
        "{}{} ({}): {} rows read; {c} {}, {u} {}, unchanged {}, matches in the database {}, \
duplicates in the file {}, rejected {}\n",
        if r.dry_run { "dry run: " } else { "" },
        o.file,
        o.source,
        r.rows_read + o.unreadable.len(),
        r.created,
        r.updated,
        r.unchanged,
        r.matches_in_database,
        r.duplicates_in_file.len(),
        r.rejected.len() + o.unreadable.len(),
    );
    if let Some(id) = r.import_id {
        s.push_str(&format!(
            "import {id} recorded (undo with `kasefet import revert {id}`)\n"
        ));
    }
    let mut refused: Vec<(u64, &str)> = o.unreadable.clone();
    refused.extend(r.rejected.iter().map(|(l, m)| (*l, m.as_str())));
    refused.sort_by_key(|x| x.0);
    for (line, why) in refused.iter().take(20) {
        s.push_str(&format!("  line {line}: {why}\n"));
    }
    if refused.len() > 20 {
        s.push_str(&format!(
            "  ... and {} more (use --rejects FILE)\n",
            refused.len() - 20
        ));
    }
    for (line, first) in r.duplicates_in_file.iter().take(10) {
        s.push_str(&format!(
            "  line {line}: same person as line {first}, skipped\n"
        ));
    }
    if !o.unmapped_columns.is_empty() {
        s.push_str(&format!(
            "unmapped columns (use --map 'Column=field'): {}\n",
            o.unmapped_columns.join(", ")
        ));
    }
    if o.skipped_photos_and_keys > 0 {
        s.push_str(&format!(
            "skipped {} photos, logos or keys\n",
            o.skipped_photos_and_keys
        ));
    }
    for d in o.dropped_values.iter().take(10) {
        s.push_str(&format!("  {d}\n"));
    }
    // Reasons and column names come from the file: cleaned line by line for the terminal.
    s.lines()
        .map(|l| {
            let indent = l.len() - l.trim_start_matches(' ').len();
            format!("{}{}\n", &l[..indent], super::output::clean(l))
        })
        .collect()
}

fn list_out(ctx: &mut Ctx<'_>, list: &[ImportRecord]) -> Result<String, CliError> {
    if ctx.json {
        return json(&list);
    }
    let names = ctx.usernames()?;
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                format_local(r.at),
                names.get(&r.by).cloned().unwrap_or_default(),
                r.file_name.clone(),
                r.source.clone(),
                r.created.len().to_string(),
                r.updated.len().to_string(),
                if r.reverted_at.is_some() {
                    "reverted"
                } else {
                    ""
                }
                .into(),
            ]
        })
        .collect();
    Ok(table(
        &[
            "ID", "WHEN", "BY", "FILE", "SOURCE", "CREATED", "UPDATED", "",
        ],
        &rows,
    ))
}

fn show_out(ctx: &mut Ctx<'_>, r: &ImportRecord) -> Result<String, CliError> {
    if ctx.json {
        return json(r);
    }
    let names = ctx.usernames()?;
    let mapping: Vec<String> = r
        .mapping
        .iter()
        .map(|(c, f)| format!("{c} → {f}"))
        .collect();
    Ok(fields(&[
        ("import", r.id.to_string()),
        ("when", format_local(r.at)),
        ("by", names.get(&r.by).cloned().unwrap_or_default()),
        ("file", r.file_name.clone()),
        ("sha256", r.file_sha256.clone()),
        ("source", r.source.clone()),
        ("created", r.created.len().to_string()),
        ("updated", r.updated.len().to_string()),
        ("rejected", r.rejected.to_string()),
        (
            "reverted",
            r.reverted_at.map(format_local).unwrap_or_default(),
        ),
        ("mapping", mapping.join(", ")),
    ]))
}
