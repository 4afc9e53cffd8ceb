//! Moving customers in and out: CSV and vCard files read into validated-later rows, and
//! Kasefet's own exports. Below `service`: nothing here touches the store.

mod decode;
pub mod export;
mod fields;
pub mod normal;
pub mod parts;
mod preset;
pub mod read_csv;
pub mod source;
pub mod target;
pub mod vcard;

use serde::{Deserialize, Serialize};

use crate::domain::CustomerInput;

pub use fields::Field;
pub use preset::Preset;

/// One customer read from a file, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// Line (CSV) or card number (vCard) in the source file, counted from 1.
    pub line: u64,
    pub input: CustomerInput,
    /// The source system's own id (Salesforce `Id`, HubSpot `Record ID`, Zoho `Record Id`).
    pub external_id: Option<String>,
    /// Free-text notes of the source, kept as a note on the customer's timeline.
    pub note: Option<String>,
}

/// A row that could not be read, with the original cells so it can be fixed and re-imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    pub line: u64,
    pub reason: String,
    pub cells: Vec<String>,
}

/// Everything read from one file, before the service validates and matches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Parsed {
    /// The detected (or given) source, e.g. `google`.
    pub source: String,
    /// The header row (CSV), for writing rejected rows back out.
    pub header: Vec<String>,
    /// Column → field, in column order (`ignore` for columns read but not kept).
    pub mapping: Vec<(String, String)>,
    pub unmapped: Vec<String>,
    pub rows: Vec<ImportRow>,
    pub rejects: Vec<Reject>,
    /// Photos, logos and keys skipped (vCard): counted, never stored.
    pub skipped_binary: usize,
    /// Values dropped from otherwise good cards (a `TEL` holding a word), as `card N: why`.
    pub dropped: Vec<String>,
    /// The cells of each row, parallel to `rows` (CSV), for writing refused rows back out.
    #[serde(skip)]
    pub raw: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Vcard,
    /// Kasefet's own JSON export (a list of customers).
    Json,
}

impl Format {
    /// `.vcf`/`.vcard` by name, else a file that starts like a vCard, else CSV.
    pub fn detect(name: &str, bytes: &[u8]) -> Format {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".vcf") || lower.ends_with(".vcard") {
            return Format::Vcard;
        }
        if lower.ends_with(".json") {
            return Format::Json;
        }
        let text = decode::text(bytes);
        if text.trim_start().starts_with('[') {
            return Format::Json;
        }
        if text
            .trim_start()
            .get(..11)
            .is_some_and(|s| s.eq_ignore_ascii_case("begin:vcard"))
        {
            Format::Vcard
        } else {
            Format::Csv
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TransferError {
    #[error("{0}")]
    Unreadable(String),
    #[error("--map {0:?}: use 'Column name=field' with a field from: {1}")]
    BadMap(String, String),
    #[error("unknown preset {0:?}; use one of: {1}")]
    BadPreset(String, String),
}

pub type Result<T> = std::result::Result<T, TransferError>;

/// Options that change how a file is read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `None` = detect from the header.
    pub preset: Option<Preset>,
    /// `Column name=field` overrides, applied after the preset.
    pub map: Vec<String>,
}

/// Reads a whole file. Rows that cannot be read become `rejects`; nothing is validated
/// against the domain rules here (the service does that, for every front end).
pub fn read(format: Format, bytes: &[u8], opts: &ReadOptions) -> Result<Parsed> {
    match format {
        Format::Csv => read_csv::read(bytes, opts),
        Format::Vcard => Ok(vcard::read(&decode::text(bytes))),
        Format::Json => read_json(bytes),
    }
}

/// Kasefet's JSON export: records come back with every field; owners and ids belong to the
/// database they came from, so the id becomes the external id and the owner is the importer's.
fn read_json(bytes: &[u8]) -> Result<Parsed> {
    let list: Vec<crate::domain::Customer> = serde_json::from_slice(bytes).map_err(|e| {
        TransferError::Unreadable(format!("not a Kasefet customer export (JSON): {e}"))
    })?;
    let rows = list
        .into_iter()
        .enumerate()
        .map(|(i, c)| ImportRow {
            line: i as u64 + 1,
            input: CustomerInput {
                owner: None,
                ..c.data
            },
            external_id: Some(c.id.to_string()),
            note: None,
        })
        .collect();
    Ok(Parsed {
        source: "kasefet".into(),
        rows,
        ..Parsed::default()
    })
}

impl Parsed {
    /// Every refused row as the `--rejects` CSV: those the file could not give (`rejects`)
    /// and those the service refused (`refused`, by line), in line order. `lines` are the
    /// lines of the rows sent, parallel to `raw` (the rows themselves may be gone by then).
    pub fn rejects_csv(&self, lines: &[u64], refused: &[(u64, String)]) -> Vec<u8> {
        let by_line: std::collections::HashMap<u64, &Vec<String>> =
            lines.iter().copied().zip(self.raw.iter()).collect();
        let mut all = self.rejects.clone();
        for (line, reason) in refused {
            all.push(Reject {
                line: *line,
                reason: reason.clone(),
                cells: by_line.get(line).map(|c| (*c).clone()).unwrap_or_default(),
            });
        }
        all.sort_by_key(|r| r.line);
        read_csv::rejects_csv(&self.header, &all)
    }
}

/// SHA-256 of a file, hex: names an import or an export in the audit log without its contents.
pub fn fingerprint(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    data_encoding::HEXLOWER.encode(d.as_ref())
}
