//! Printing results: aligned tables for people, JSON for scripts. Every stored string is
//! sanitised again on the way out (SECURITY.md, "Terminal").

use std::fmt::Write as _;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use super::CliError;
use crate::domain::text::sanitize_line;

/// Cleans a value for a terminal.
pub fn clean(s: &str) -> String {
    sanitize_line(s)
}

pub fn json<T: Serialize>(value: &T) -> Result<String, CliError> {
    let mut s =
        serde_json::to_string_pretty(value).map_err(|e| CliError::failure(e.to_string()))?;
    s.push('\n');
    Ok(s)
}

/// Columns padded by display width, so Hebrew and wide characters line up.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| clean(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(c.width().min(48));
            }
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: Vec<String>| {
        let last = cells.len().saturating_sub(1);
        for (i, c) in cells.into_iter().enumerate() {
            // The last column has nothing to line up with: it is never cut.
            let c = if i == last { c } else { truncate(&c, 48) };
            if i == last {
                out.push_str(&c);
            } else {
                let pad = widths[i].saturating_sub(c.width());
                let _ = write!(out, "{c}{}  ", " ".repeat(pad));
            }
        }
        out.push('\n');
    };
    line(&mut out, headers.iter().map(|h| h.to_uppercase()).collect());
    for r in rows {
        line(&mut out, r);
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for ch in s.chars() {
        if out.width() + 2 > max {
            break;
        }
        out.push(ch);
    }
    out.push('…');
    out
}

/// `label: value` lines for one record, skipping empty values.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let w = pairs.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in pairs {
        if v.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{k}:{} {}", " ".repeat(w - k.width()), clean(v));
    }
    out
}

pub fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}
