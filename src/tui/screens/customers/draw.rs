//! Drawing the customers screen: filter bar, list, record pane, and the popups over them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Customers, Focus, Mode};
use crate::domain::{Customer, Permission};
use crate::search::CustomerSummary;
use crate::tui::action::Action;
use crate::tui::bidi;
use crate::tui::keymap::chain;
use crate::tui::screens::paged::draw_rows_label;
use crate::tui::screens::{date_of, when};
use crate::tui::text::{clean, clean_lines, fit};
use crate::tui::theme::Theme;
use crate::tui::ui::Ui;
use crate::tui::widgets::table::{self, Row, Width, col};
use crate::tui::widgets::{centered, pane, popup};

/// Below this width the list and the record take turns instead of sitting side by side.
const SIDE_BY_SIDE: u16 = 100;

pub fn draw(s: &Customers, f: &mut Frame, area: Rect, ui: &Ui) {
    match &s.mode {
        Mode::Trash(v) => return v.draw(f, area, ui),
        Mode::History(v) => return v.draw(f, area, ui),
        _ => {}
    }
    if let Mode::Import(i) = &s.mode {
        i.draw(f, area, ui);
        return;
    }
    if let Mode::Edit(ed) = &s.mode {
        let title = match (&ed.id, &s.open) {
            (None, _) => "New customer".to_string(),
            (Some(_), Some(c)) => format!("Edit {}", fit(&clean(&c.data.name), 40)),
            (Some(_), None) => "Edit customer".to_string(),
        };
        let inner = pane(f, area, &title, ui.theme, true);
        ed.form.draw(f, inner, ui.theme, ed.conflict.is_none());
        if let Some(c) = &ed.conflict {
            c.draw(f, area, ui);
        }
        if let Some(d) = &ed.duplicate {
            d.draw(f, area, ui);
        }
        return;
    }
    let [bar, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    if body.width >= SIDE_BY_SIDE {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(body);
        draw_list(s, f, left, ui);
        draw_record(s, f, right, ui);
    } else if s.focus == Focus::Record && s.open.is_some() {
        draw_record(s, f, body, ui);
    } else {
        draw_list(s, f, body, ui);
    }
    // After the list, which settles the rows shown that the bar counts.
    draw_bar(s, f, bar, ui);
    match &s.mode {
        Mode::Log(n) => {
            let inner = popup(f, centered(area, 70, 8), "Log an interaction", ui.theme);
            n.form.draw(f, inner, ui.theme, true);
        }
        Mode::Tag(form) => {
            let inner = popup(f, centered(area, 50, 5), "Filter by tag", ui.theme);
            form.draw(f, inner, ui.theme, true);
        }
        Mode::Delete(c) => c.draw(f, area, ui),
        Mode::Subject(x) => {
            let inner = popup(f, centered(area, 70, 6), "Subject access export", ui.theme);
            x.form.draw(f, inner, ui.theme, true);
        }
        Mode::Erase(x) => {
            let title = format!("Erase {} for good", fit(&clean(x.name()), 40));
            let inner = popup(f, centered(area, 70, 8), &title, ui.theme);
            x.form.draw(f, inner, ui.theme, true);
        }
        Mode::Export(x) => x.draw(f, area, ui),
        _ => {}
    }
}

fn draw_bar(s: &Customers, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    let searching = matches!(s.mode, Mode::Search);
    let mut spans = vec![
        Span::styled(ui.key(chain::CUSTOMERS, Action::Search), t.key()),
        Span::styled(" search: ", if searching { t.focus() } else { t.label() }),
    ];
    let [left, right] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(58)]).areas(area);
    let prefix: u16 = spans.iter().map(|s| s.width() as u16).sum();
    let field = Rect {
        x: left.x + prefix,
        width: left.width.saturating_sub(prefix),
        ..left
    };
    f.render_widget(Line::from(std::mem::take(&mut spans)), left);
    s.search.draw(f, field, t.text(), searching);
    let status = s.status.map_or("any", |x| x.as_str());
    let tag = s.tag.as_deref().map(clean).unwrap_or_else(|| "any".into());
    let mut filters = format!(
        "status {status} · tag {} · {} · by {}",
        fit(&tag, 10),
        if s.mine { "mine" } else { "everyone's" },
        s.sort.label(),
    );
    // The list counts its rows on its own border; search results are counted here.
    if let Some(found) = &s.found {
        filters.push_str(&format!(" · {}", count(found.len())));
    }
    f.render_widget(
        Line::from(Span::styled(
            fit(&filters, usize::from(right.width)),
            t.dim(),
        ))
        .right_aligned(),
        right,
    );
}

fn count(n: usize) -> String {
    if n >= super::SEARCH_LIMIT {
        format!("{n}+")
    } else {
        n.to_string()
    }
}

fn draw_list(s: &Customers, f: &mut Frame, area: Rect, ui: &Ui) {
    let active = s.focus == Focus::List;
    let inner = pane(f, area, "Customers", ui.theme, active);
    let cols = [
        col("Name", Width::Share(3)),
        col("Company", Width::Share(2)),
        col("Phone", Width::Cells(16)),
        col("Status", Width::Cells(8)),
    ];
    let row = |i: usize| {
        // A row beyond the window held shows for the moment it takes to load.
        let Some(c) = s.row(i) else {
            return Row::new(vec!["…".into()]);
        };
        Row::new(vec![
            c.name.clone(),
            c.company.clone().unwrap_or_default(),
            c.phone.clone().unwrap_or_default(),
            c.status.as_str().into(),
        ])
    };
    table::draw_with(f, inner, &cols, s.row_count(), row, &s.sel, ui.theme, true);
    if s.found.is_none() {
        draw_rows_label(f, area, &s.sel, s.row_count(), ui.theme);
    }
}

fn kv<'a>(t: &Theme, k: &str, v: String) -> Line<'a> {
    // A label as wide as the column still keeps a space before its value.
    let label = if k.chars().count() >= 13 {
        format!("{k} ")
    } else {
        format!("{k:<13}")
    };
    Line::from(vec![Span::styled(label, t.label()), Span::raw(clean(&v))])
}

fn draw_record(s: &Customers, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    let focused = s.focus == Focus::Record;
    match (&s.open, s.selected()) {
        (Some(c), _) => {
            let inner = pane(f, area, "Customer", t, focused);
            let lines = bidi::lines(record_lines(s, c, ui, usize::from(inner.width)));
            let skip = u16::try_from(s.scroll.min(lines.len().saturating_sub(1))).unwrap_or(0);
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .scroll((skip, 0)),
                inner,
            );
        }
        (None, Some(c)) => {
            let inner = pane(f, area, "Preview", t, false);
            f.render_widget(Paragraph::new(bidi::lines(preview_lines(c, ui))), inner);
        }
        (None, None) => {
            let inner = pane(f, area, "Customer", t, false);
            f.render_widget(
                Paragraph::new(Span::styled("No customer selected.", t.dim())),
                inner,
            );
        }
    }
}

fn preview_lines(c: &CustomerSummary, ui: &Ui) -> Vec<Line<'static>> {
    let t = ui.theme;
    vec![
        Line::from(Span::styled(clean(&c.name), t.header())),
        kv(t, "Company", c.company.clone().unwrap_or_default()),
        kv(t, "Email", c.email.clone().unwrap_or_default()),
        kv(t, "Phone", c.phone.clone().unwrap_or_default()),
        kv(t, "Status", c.status.as_str().into()),
        kv(t, "Tags", c.tags.join(", ")),
        Line::default(),
        Line::from(vec![
            Span::styled(ui.key(chain::CUSTOMERS, Action::Open), t.key()),
            Span::styled(" opens the record and its timeline", t.dim()),
        ]),
    ]
}

fn record_lines(s: &Customers, c: &Customer, ui: &Ui, width: usize) -> Vec<Line<'static>> {
    let t = ui.theme;
    let d = &c.data;
    let addr = d.address.one_line();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(clean(&d.name), t.header()),
            Span::styled(format!("  [{}]", d.status.as_str()), t.dim()),
        ]),
        kv(t, "Company", d.company.clone().unwrap_or_default()),
        kv(t, "Emails", d.emails.join(", ")),
        kv(t, "Phones", d.phones.join(", ")),
        kv(t, "Address", addr),
        kv(t, "Tags", d.tags.join(", ")),
        kv(t, "Owner", ui.people.name(d.owner)),
        kv(t, "Source", d.source.clone().unwrap_or_default()),
        kv(
            t,
            "Consent",
            super::linked::consent(d, s.consent_how.as_deref()),
        ),
    ];
    match (&d.sensitive, s.revealed) {
        (Some(x), true) => {
            lines.push(Line::from(Span::styled(
                "Sensitive (shown; audited)",
                t.warn(),
            )));
            lines.push(kv(
                t,
                "National id",
                x.national_id.clone().unwrap_or_default(),
            ));
            lines.push(kv(
                t,
                "Born",
                x.date_of_birth.map(|x| x.to_string()).unwrap_or_default(),
            ));
            lines.push(kv(
                t,
                "Card",
                x.payment_last4
                    .as_ref()
                    .map(|l| format!("•••• {l}"))
                    .unwrap_or_default(),
            ));
            for (i, l) in x
                .private_notes
                .as_deref()
                .map(clean_lines)
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                // 12 cells: the label column is 13 wide and needs its space.
                lines.push(kv(t, if i == 0 { "Private note" } else { "" }, l));
            }
        }
        _ => {
            let may = ui
                .me
                .is_some_and(|m| m.reaches(Permission::CustomerSensitive, d.owner));
            let hint = if may {
                format!(
                    "hidden · {} reveals (audited)",
                    ui.key(chain::CUSTOMERS, Action::Reveal)
                )
            } else {
                "hidden".into()
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{:<13}", "Sensitive"), t.label()),
                Span::styled(hint, t.dim()),
            ]));
        }
    }
    lines.push(Line::from(Span::styled(
        format!(
            "Created {} by {} · changed {} by {}",
            when(c.stamp.created_at),
            ui.people.name(Some(c.stamp.created_by)),
            when(c.stamp.updated_at),
            ui.people.name(Some(c.stamp.updated_by))
        ),
        t.dim(),
    )));
    lines.extend(super::linked::lines(&s.linked, ui, width));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!("Timeline ({})", c.interactions.len()),
        t.header(),
    )));
    if c.interactions.is_empty() {
        let key = ui.key(chain::CUSTOMERS, Action::Interaction);
        lines.push(Line::from(Span::styled(
            format!("Nothing logged yet · {key} logs a call, email, meeting or note"),
            t.dim(),
        )));
    }
    // Each entry: date, kind, author, then the text wrapped under itself (below them, when
    // the pane is narrow).
    let indent = if width >= 70 { 30 } else { 2 };
    let room = width.saturating_sub(indent).max(20);
    for i in c.interactions.iter().rev() {
        let wrapped: Vec<String> = clean_lines(&i.text)
            .iter()
            .flat_map(|l| crate::tui::text::wrap(l, room))
            .collect();
        let mut text = wrapped.into_iter();
        let mut head = vec![
            Span::styled(format!("{} ", date_of(i.at)), t.dim()),
            Span::styled(format!("{:<8}", i.kind.as_str()), t.label()),
            Span::styled(
                format!("{:<10} ", fit(&ui.people.name(Some(i.author)), 10)),
                t.dim(),
            ),
        ];
        if indent > 2 {
            head.push(Span::raw(text.next().unwrap_or_default()));
        }
        lines.push(Line::from(head));
        for more in text {
            lines.push(Line::from(format!("{:indent$}{more}", "")));
        }
    }
    lines
}
