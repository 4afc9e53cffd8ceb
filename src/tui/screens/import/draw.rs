//! Drawing the import screen: the list of imports, the path form, the file with its
//! mapping and dry run, the progress bar, the outcome.

use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::*;
use crate::tui::screens::when;
use crate::tui::text::{clean, fit};
use crate::tui::widgets::pane;
use crate::tui::widgets::table::{self, Row, Width, col};

pub fn draw(s: &Import, f: &mut Frame, area: Rect, ui: &Ui) {
    match &s.stage {
        Stage::List => draw_list(s, f, area, ui),
        Stage::Path(form) => {
            let inner = pane(f, area, "Import customers: which file?", ui.theme, true);
            let [top, rest] =
                Layout::vertical([Constraint::Length(4), Constraint::Fill(1)]).areas(inner);
            f.render_widget(
                Paragraph::new(
                    "Google, Outlook, HubSpot, Zoho, Salesforce, LinkedIn and Thunderbird \
exports are recognised by their header, other CSV files by their column names, vCards by \
their fields. Nothing is written before a dry run and a yes.",
                )
                .style(ui.theme.dim())
                .wrap(Wrap { trim: true }),
                top,
            );
            form.draw(f, rest, ui.theme, s.ask.is_none());
        }
        Stage::Review => draw_review(s, f, area, ui),
        Stage::Sending { dry_run } => draw_sending(s, *dry_run, f, area, ui),
        Stage::Done => {
            let title = match s.report().and_then(|r| r.import_id) {
                Some(id) => format!("Import {id} done"),
                None => "Import done".into(),
            };
            let inner = pane(f, area, &title, ui.theme, true);
            let mut lines = s.file.as_ref().map(|l| summary(l, ui)).unwrap_or_default();
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                format!(
                    "{} back to the imports, where {} reverts one.",
                    ui.key(chain::IMPORT, Action::Back),
                    ui.key(chain::IMPORT, Action::Revert)
                ),
                ui.theme.dim(),
            )));
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        }
    }
}

fn draw_list(s: &Import, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    let inner = pane(f, area, "Imports", t, s.ask.is_none());
    if s.imports.is_empty() {
        let new = ui.key(chain::IMPORT, Action::New);
        f.render_widget(
            Paragraph::new(format!(
                "No import yet. {new} starts one: customers in a CSV or vCard file."
            ))
            .style(t.dim())
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let cols = [
        col("#", Width::Cells(4)),
        col("When", Width::Cells(16)),
        col("By", Width::Cells(10)),
        col("File", Width::Share(2)),
        col("Source", Width::Cells(10)),
        col("New", Width::Cells(6)),
        col("Upd", Width::Cells(6)),
        col("", Width::Cells(8)),
    ];
    let rows: Vec<Row> = s
        .imports
        .iter()
        .map(|r| {
            let row = Row::new(vec![
                r.id.to_string(),
                when(r.at),
                ui.people.name(Some(r.by)),
                r.file_name.clone(),
                r.source.clone(),
                r.created.len().to_string(),
                r.updated.len().to_string(),
                if r.reverted_at.is_some() {
                    "reverted".into()
                } else {
                    String::new()
                },
            ]);
            if r.reverted_at.is_some() {
                row.styled(t.dim())
            } else {
                row
            }
        })
        .collect();
    table::draw(f, inner, &cols, &rows, &s.sel, t, s.ask.is_none());
}

/// What was read: the file, its source and format, the rows, and what was left aside.
fn header(l: &Loaded, ui: &Ui) -> Vec<Line<'static>> {
    let t = ui.theme;
    let format = match l.format {
        Format::Csv => "CSV",
        Format::Vcard => "vCard",
        Format::Json => "Kasefet JSON",
    };
    vec![
        Line::from(vec![
            Span::styled("File    ", t.label()),
            Span::raw(clean(&l.path)),
        ]),
        Line::from(vec![
            Span::styled("Source  ", t.label()),
            Span::raw(format!(
                "{} ({format}), {} rows read{}",
                clean(&l.parsed.source),
                l.parsed.rows.len() + l.parsed.rejects.len(),
                if l.parsed.rejects.is_empty() {
                    String::new()
                } else {
                    format!(", {} unreadable", l.parsed.rejects.len())
                }
            )),
        ]),
        Line::from(vec![
            Span::styled("Mode    ", t.label()),
            Span::raw(format!(
                "{}, matched by email and phone{}",
                mode_name(l.mode),
                l.tag
                    .as_ref()
                    .map(|g| format!(", tagged {}", clean(g)))
                    .unwrap_or_default()
            )),
        ]),
    ]
}

fn draw_review(s: &Import, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    let Some(l) = &s.file else { return };
    let title = format!("Import {}", fit(&clean(&l.name), 50));
    let inner = pane(f, area, &title, t, s.ask.is_none() && s.save.is_none());
    let head = header(l, ui);
    let change = if l.parsed.header.is_empty() {
        String::new()
    } else {
        format!(
            "{} and {} step the highlighted column's field forward and back, {} leaves it out. ",
            ui.key(chain::IMPORT, Action::Edit),
            ui.key(chain::IMPORT, Action::MapBack),
            ui.key(chain::IMPORT, Action::IgnoreColumn)
        )
    };
    let lines = match &l.report {
        Some(_) => summary(l, ui),
        None => vec![Line::from(Span::styled(
            format!(
                "{change}{} runs a dry run: it checks every row and writes nothing.",
                ui.key(chain::IMPORT, Action::DryRun)
            ),
            t.dim(),
        ))],
    };
    // One more for the counts' line, which wraps on a narrow screen.
    let report_h = u16::try_from(lines.len() + 1).unwrap_or(u16::MAX);
    let [top, map, bottom] = Layout::vertical([
        Constraint::Length(head.len() as u16),
        Constraint::Fill(1),
        Constraint::Length(report_h),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(head), top);
    let columns = l.columns();
    if columns.is_empty() {
        f.render_widget(
            Paragraph::new("\nvCard properties map to fields by name (FN, EMAIL, TEL, ADR, ORG…).")
                .style(t.dim()),
            map,
        );
    } else {
        let cols = [
            col("Column in the file", Width::Share(1)),
            col("Kasefet field", Width::Share(1)),
        ];
        let rows: Vec<Row> = columns
            .into_iter()
            .map(|(c, fld)| match fld {
                Some(fld) if fld != "ignore" => Row::new(vec![c, fld]),
                Some(fld) => Row::new(vec![c, fld]).styled(t.dim()),
                None => Row::new(vec![c, "— not imported".into()]).styled(t.dim()),
            })
            .collect();
        let active = s.ask.is_none() && s.save.is_none();
        table::draw(f, map, &cols, &rows, &s.sel, t, active);
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), bottom);
}

/// The counts of the last run, and the first rows refused with their reasons.
fn summary(l: &Loaded, ui: &Ui) -> Vec<Line<'static>> {
    let t = ui.theme;
    let Some(r) = &l.report else {
        return Vec::new();
    };
    let (c, u) = if r.dry_run {
        ("would create", "would update")
    } else {
        ("created", "updated")
    };
    let refused = r.rejected.len() + l.parsed.rejects.len();
    let mut lines = vec![
        Line::from(Span::styled(
            if r.dry_run {
                "Dry run (nothing written):"
            } else {
                "Imported:"
            },
            t.header(),
        )),
        Line::from(format!(
            "{} rows: {c} {}, {u} {}, unchanged {}; {} already in the database, {} twice in the file",
            r.rows_read + l.parsed.rejects.len(),
            r.created,
            r.updated,
            r.unchanged,
            r.matches_in_database,
            r.duplicates_in_file.len()
        )),
        Line::from(Span::styled(
            format!("{refused} refused"),
            if refused > 0 { t.warn() } else { t.ok() },
        )),
    ];
    let mut why: Vec<(u64, String)> = l
        .parsed
        .rejects
        .iter()
        .map(|x| (x.line, x.reason.clone()))
        .chain(r.rejected.iter().cloned())
        .collect();
    why.sort_by_key(|x| x.0);
    for (line, reason) in why.iter().take(4) {
        lines.push(Line::from(Span::styled(
            format!("  line {line}: {}", clean(reason)),
            t.warn(),
        )));
    }
    let write = ui.key(chain::IMPORT, Action::WriteRejects);
    if why.len() > 4 {
        lines.push(Line::from(Span::styled(
            format!("  … and {} more ({write} writes them all)", why.len() - 4),
            t.dim(),
        )));
    }
    match &l.written {
        Some((path, n)) => lines.push(Line::from(Span::styled(
            format!(
                "{n} refused row{} written to {}",
                if *n == 1 { "" } else { "s" },
                clean(path)
            ),
            t.ok(),
        ))),
        None if refused > 0 => lines.push(Line::from(Span::styled(
            format!("{write} writes the refused rows to a CSV file, with the reason."),
            t.dim(),
        ))),
        None => {}
    }
    if r.dry_run {
        lines.push(Line::from(Span::styled(
            format!(
                "{} imports it (asks first).",
                ui.key(chain::IMPORT, Action::RunImport)
            ),
            t.dim(),
        )));
    }
    lines
}

fn draw_sending(s: &Import, dry_run: bool, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    let Some(l) = &s.file else { return };
    let inner = pane(
        f,
        area,
        &format!("Import {}", fit(&clean(&l.name), 50)),
        t,
        true,
    );
    let (sent, total, all) = l
        .upload
        .as_ref()
        .map_or((0, 0, false), |u| (u.sent, u.total, u.sent_all()));
    let label = if all {
        if dry_run {
            format!("{total} rows sent; checking them in one pass…")
        } else {
            format!("{total} rows; validating, matching and writing them in one commit…")
        }
    } else {
        format!("Sending rows: {sent} of {total}")
    };
    let ratio = if total == 0 {
        1.0
    } else {
        sent as f64 / total as f64
    };
    let [_, text, bar, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(label).style(t.text()), text);
    // Drawn as text, so it reads the same on every terminal and in a plain theme.
    let room = usize::from(bar.width).saturating_sub(7).max(1);
    let full = ((ratio.clamp(0.0, 1.0) * room as f64) as usize).min(room);
    f.render_widget(
        Line::from(vec![
            Span::styled("█".repeat(full), t.ok()),
            Span::styled("░".repeat(room - full), t.dim()),
            Span::raw(format!(" {:>3}%", (ratio.clamp(0.0, 1.0) * 100.0) as u32)),
        ]),
        bar,
    );
}
