//! CSV files as tools export them, through the `csv` crate.

use super::decode;
use super::fields::{Field, RowBuilder};
use super::{ImportRow, Parsed, Preset, ReadOptions, Reject, Result, TransferError};

/// Column index → field, from the preset and then the `--map` overrides.
fn mapping(header: &[String], preset: Preset, map: &[String]) -> Result<Vec<Option<Field>>> {
    let mut fields: Vec<Option<Field>> = header.iter().map(|h| preset.field(h)).collect();
    for m in map {
        let bad = || TransferError::BadMap(m.clone(), Field::names());
        let (col, field) = m.rsplit_once('=').ok_or_else(bad)?;
        let field = Field::parse(field).ok_or_else(bad)?;
        let i = header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(col.trim()))
            .ok_or_else(|| {
                TransferError::BadMap(
                    m.clone(),
                    format!("(the file has no column {:?})", col.trim()),
                )
            })?;
        fields[i] = Some(field);
    }
    Ok(fields)
}

pub fn read(bytes: &[u8], opts: &ReadOptions) -> Result<Parsed> {
    let text = decode::text(bytes);
    let (body, skipped_lines) = decode::skip_preamble(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(decode::separator(body))
        .flexible(true)
        .from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| TransferError::Unreadable(format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(TransferError::Unreadable(
            "the file has no header row".into(),
        ));
    }
    let preset = opts.preset.unwrap_or_else(|| Preset::detect(&header));
    let fields = mapping(&header, preset, &opts.map)?;
    let col = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (deleted, master) = if preset == Preset::Salesforce {
        (col("IsDeleted"), col("MasterRecordId"))
    } else {
        (None, None)
    };
    let mut out = Parsed {
        source: preset.as_str().into(),
        mapping: header
            .iter()
            .zip(&fields)
            .filter_map(|(h, f)| f.map(|f| (h.clone(), f.as_str().to_owned())))
            .collect(),
        unmapped: header
            .iter()
            .zip(&fields)
            .filter(|(h, f)| f.is_none() && !h.is_empty())
            .map(|(h, _)| h.clone())
            .collect(),
        header: header.clone(),
        ..Parsed::default()
    };
    // Reading is one pass through the file; what each row means depends on that row alone,
    // so turning rows into customers runs on every core.
    let columns = Columns {
        fields: &fields,
        deleted,
        master,
    };
    // In batches, so a large file is never held as records and rows both.
    let mut records: Vec<(u64, std::result::Result<csv::StringRecord, String>)> =
        Vec::with_capacity(BATCH);
    let mut done = false;
    while !done {
        records.clear();
        while records.len() < BATCH {
            let line = reader.position().line() + skipped_lines;
            let mut record = csv::StringRecord::new();
            match reader.read_record(&mut record) {
                Ok(false) => {
                    done = true;
                    break;
                }
                Ok(true) => records.push((line, Ok(record))),
                Err(e) => records.push((line, Err(format!("unreadable CSV: {e}")))),
            }
        }
        let outcomes = crate::store::parallel::map_chunks(&records, |chunk| {
            Ok::<_, std::convert::Infallible>(
                chunk
                    .iter()
                    .map(|(line, r)| match r {
                        Ok(record) => columns.row(*line, record),
                        Err(reason) => Outcome::Rejected(Reject {
                            line: *line,
                            reason: reason.clone(),
                            cells: Vec::new(),
                        }),
                    })
                    .collect(),
            )
        });
        let Ok(outcomes) = outcomes;
        for o in outcomes {
            match o {
                Outcome::Row(row, cells) => {
                    out.rows.push(*row);
                    out.raw.push(cells);
                }
                Outcome::Rejected(r) => out.rejects.push(r),
                Outcome::Dropped(why) => out.dropped.push(why),
                Outcome::Blank => {}
            }
        }
    }
    Ok(out)
}

/// Rows read before they are turned into customers on every core.
const BATCH: usize = 16_384;

/// What one CSV row comes to.
enum Outcome {
    Row(Box<ImportRow>, Vec<String>),
    Rejected(Reject),
    /// Left out on purpose (Salesforce's deleted and merged records), with the reason.
    Dropped(String),
    Blank,
}

/// Which column holds which field, and Salesforce's bookkeeping columns.
struct Columns<'a> {
    fields: &'a [Option<Field>],
    deleted: Option<usize>,
    master: Option<usize>,
}

impl Columns<'_> {
    fn row(&self, line: u64, record: &csv::StringRecord) -> Outcome {
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").trim();
        if cell(self.deleted).eq_ignore_ascii_case("true") || cell(self.deleted) == "1" {
            return Outcome::Dropped(format!("line {line}: deleted in Salesforce, skipped"));
        }
        if !cell(self.master).is_empty() {
            return Outcome::Dropped(format!(
                "line {line}: merged into another Salesforce record, skipped"
            ));
        }
        let mut b = RowBuilder::default();
        let mut problem = None;
        for (i, value) in record.iter().enumerate() {
            if let Some(Some(f)) = self.fields.get(i) {
                if let Err(e) = b.add(*f, value) {
                    problem.get_or_insert(e);
                }
            }
        }
        if problem.is_none() && !b.has_any() && record.iter().all(|c| c.trim().is_empty()) {
            return Outcome::Blank;
        }
        let external_id = b.external_id.clone();
        let result = match problem {
            Some(p) => Err(p),
            None => b.finish(None),
        };
        let cells = || record.iter().map(str::to_owned).collect();
        match result {
            Ok((input, note)) => Outcome::Row(
                Box::new(ImportRow {
                    line,
                    input,
                    external_id,
                    note,
                }),
                cells(),
            ),
            Err(reason) => Outcome::Rejected(Reject {
                line,
                reason,
                cells: cells(),
            }),
        }
    }
}

/// The rejected rows as CSV: the original header and cells, then a `reason` column. Cells
/// are made inert like an export's, since this file is opened in a spreadsheet to be fixed.
pub fn rejects_csv(header: &[String], rejects: &[Reject]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<&str> = vec!["line"];
    head.extend(header.iter().map(String::as_str));
    head.push("reason");
    let _ = w.write_record(&head);
    for r in rejects {
        let mut row = vec![r.line.to_string()];
        row.extend(r.cells.iter().cloned());
        row.resize(header.len() + 1, String::new());
        row.push(r.reason.clone());
        let _ = w.write_record(row.iter().map(|c| super::export::inert(c)));
    }
    w.into_inner().unwrap_or_default()
}
