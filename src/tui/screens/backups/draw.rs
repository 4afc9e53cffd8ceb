//! Drawing the backups screen: the state of the last run, the list, and the highlighted one.

use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::*;
use crate::backup::status::STALE_AFTER_SECS;
use crate::tui::screens::when;
use crate::tui::text::{clean, fit};
use crate::tui::widgets::pane;
use crate::tui::widgets::table::{self, Row, Width, col};

impl Backups {
    pub(super) fn draw_screen(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        // The highlighted backup's details below the list, once there is one.
        let detail_h = if self.selected().is_some() { 8 } else { 0 };
        let [bar, list, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(detail_h),
        ])
        .areas(area);
        f.render_widget(self.status_line(ui, usize::from(bar.width)), bar);
        let folder = self
            .items
            .first()
            .and_then(|b| b.path.parent())
            .map(|p| format!("Backups in {}", clean(&p.display().to_string())))
            .unwrap_or_else(|| "Backups".into());
        let inner = pane(f, list, &folder, t, true);
        if let Some(why) = &self.problem {
            let lines = vec![
                Line::from(Span::styled(clean(why), t.error())),
                Line::default(),
                Line::from(Span::styled(
                    "Until then no backup is taken, at night or on request.",
                    t.dim(),
                )),
            ];
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        } else if self.items.is_empty() {
            let run = ui.key(chain::BACKUPS, Action::RunBackup);
            f.render_widget(
                Span::styled(
                    format!("No backup has been taken yet. {run} takes one now."),
                    t.warn(),
                ),
                inner,
            );
        } else {
            self.draw_list(f, inner, ui);
        }
        self.draw_detail(f, detail, ui);
    }

    /// One line on how backups stand: the newest, and the last failure if it is the latest.
    fn status_line(&self, ui: &Ui, room: usize) -> Line<'static> {
        let t = ui.theme;
        let BackupSeen::Known(status) = ui.backups else {
            return Line::default();
        };
        let text = fit(&clean(&status.describe(ui.now)), room);
        let style = if status.failing() {
            t.error()
        } else if status.stale(ui.now) {
            t.warn()
        } else {
            t.ok()
        };
        let mark = if status.failing() || status.stale(ui.now) {
            "! "
        } else {
            ""
        };
        Line::from(Span::styled(
            fit(&format!("{mark}{}", capital(&text)), room),
            style,
        ))
    }

    fn draw_list(&self, f: &mut Frame, inner: Rect, ui: &Ui) {
        let t = ui.theme;
        let cols = [
            col("Taken", Width::Cells(16)),
            col("Size", Width::Cells(10)),
            col("Records", Width::Share(1)),
            col("Verified", Width::Cells(12)),
        ];
        let rows: Vec<Row> = self
            .items
            .iter()
            .map(|b| {
                let (records, broken) = match (&b.manifest, &b.problem) {
                    (Some(m), _) => (m.summary(), false),
                    (None, Some(p)) => (format!("unreadable: {p}"), true),
                    (None, None) => ("unreadable".into(), true),
                };
                let (verified, failed) = match self.verified.get(&b.name) {
                    Some(v) if !v.ok => ("FAILED".to_string(), true),
                    Some(v) if v.full => ("yes, in full".into(), false),
                    Some(_) => ("intact".into(), false),
                    None => ("not yet".into(), false),
                };
                let row = Row::new(vec![when(b.created_at), size(b.bytes), records, verified]);
                if broken || failed {
                    row.styled(t.error())
                } else {
                    row
                }
            })
            .collect();
        table::draw(f, inner, &cols, &rows, &self.sel, t, true);
    }

    fn draw_detail(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let Some(b) = self.selected() else {
            return;
        };
        let inner = pane(f, area, &clean(&b.name), t, false);
        let label = |s: &str| Span::styled(format!("{s:<11}"), t.label());
        let age = ui.now - b.created_at;
        let taken = Span::styled(
            format!("{} ({} ago)", when(b.created_at), ago(age)),
            if age > STALE_AFTER_SECS {
                t.warn()
            } else {
                t.text()
            },
        );
        let records = match (&b.manifest, &b.problem) {
            (Some(m), _) => Span::raw(m.summary()),
            (None, p) => Span::styled(
                clean(p.as_deref().unwrap_or("the header could not be read")),
                t.error(),
            ),
        };
        let verified = match self.verified.get(&b.name) {
            Some(v) => Span::styled(
                format!(
                    "{} {} at {}: {}",
                    if v.ok { "ok," } else { "FAILED," },
                    if v.full { "in full" } else { "integrity only" },
                    when(v.at),
                    clean(without_kind(&v.detail))
                ),
                if v.ok { t.ok() } else { t.error() },
            ),
            None => Span::styled(
                format!(
                    "not yet: {} opens every record and walks the audit chain",
                    ui.key(chain::BACKUPS, Action::VerifyBackup)
                ),
                t.dim(),
            ),
        };
        let written = match &b.manifest {
            Some(m) => format!(
                "kasefet {} · database {}",
                clean(&m.program_version),
                m.database_id_hex().get(..12).unwrap_or_default()
            ),
            None => String::new(),
        };
        let lines = vec![
            Line::from(vec![label("Taken"), taken]),
            Line::from(vec![label("Size"), Span::raw(format!("{} bytes", b.bytes))]),
            Line::from(vec![label("Records"), records]),
            Line::from(vec![label("Written by"), Span::raw(written)]),
            Line::from(vec![label("Verified"), verified]),
        ];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    }
}

/// The stored detail starts with the kind of check ("full: ..."), which the line says already.
fn without_kind(detail: &str) -> &str {
    detail
        .strip_prefix("full: ")
        .or_else(|| detail.strip_prefix("integrity: "))
        .unwrap_or(detail)
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
