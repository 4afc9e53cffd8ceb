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
    Table::new(headers).page(rows)
}

/// `table` a page at a time, for a list too long to hold: the header goes before the first
/// page, and each column is as wide as every row so far needs (a later, wider cell moves
/// the columns after it from there on). One page is exactly `table`.
pub struct Table {
    widths: Vec<usize>,
    header: Option<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            widths: headers.iter().map(|h| h.width()).collect(),
            header: Some(headers.iter().map(|h| h.to_uppercase()).collect()),
        }
    }

    pub fn page(&mut self, rows: &[Vec<String>]) -> String {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| clean(c)).collect())
            .collect();
        for r in &rows {
            for (w, c) in self.widths.iter_mut().zip(r) {
                *w = (*w).max(c.width().min(48));
            }
        }
        let widths = &self.widths;
        let mut out = String::new();
        let line = |out: &mut String, cells: Vec<String>| {
            let last = cells.len().saturating_sub(1);
            for (i, c) in cells.into_iter().enumerate() {
                // The last column has nothing to line up with: it is never cut.
                let c = if i == last { c } else { truncate(&c, 48) };
                if i == last {
                    out.push_str(&c);
                } else {
                    let pad = widths
                        .get(i)
                        .copied()
                        .unwrap_or(0)
                        .saturating_sub(c.width());
                    let _ = write!(out, "{c}{}  ", " ".repeat(pad));
                }
            }
            out.push('\n');
        };
        if let Some(h) = self.header.take() {
            line(&mut out, h);
        }
        for r in rows {
            line(&mut out, r);
        }
        out
    }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row(id: &str, name: &str, tail: &str) -> Vec<String> {
        vec![id.into(), name.into(), tail.into()]
    }

    #[test]
    fn a_table_in_pages_lines_up_as_one_while_no_cell_is_wider() {
        let h = ["id", "name", "tags"];
        let all = vec![
            row("1", "נועה לוי", "vip"),
            row("22", "Dan", ""),
            row("3", "José Núñez", "a,b"),
        ];
        let whole = table(&h, &all);
        let mut t = Table::new(&h);
        let paged = [t.page(&all[..1]), t.page(&all[1..])].concat();
        // The first page sets the widths; here the later rows are no wider.
        let mut t = Table::new(&h);
        let wide_first = [t.page(&[all[2].clone(), all[1].clone()]), t.page(&all[..1])].concat();
        assert_eq!(whole.lines().count(), 4);
        assert_eq!(paged.lines().count(), 4);
        assert_eq!(
            wide_first.lines().map(|l| l.width()).collect::<Vec<_>>(),
            table(&h, &[all[2].clone(), all[1].clone(), all[0].clone()])
                .lines()
                .map(|l| l.width())
                .collect::<Vec<_>>()
        );
        // A wider cell later moves the columns after it from its own line on.
        assert!(paged.starts_with("ID  NAME"), "{paged}");
        assert!(whole.starts_with("ID  NAME"), "{whole}");
        assert!(
            paged.lines().nth(2).unwrap().starts_with("22  Dan"),
            "{paged}"
        );
        // A terminal escape in a cell is cleaned on every page.
        let mut t = Table::new(&h);
        assert!(!t.page(&[row("9", "x\u{1b}[2Jy", "")]).contains('\u{1b}'));
    }
}
