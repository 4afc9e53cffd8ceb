//! The help popup: the keys of the current screen, read from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::text::pad;
use crate::tui::ui::Ui;
use crate::tui::widgets::{centered, popup};

fn heading(c: Context) -> &'static str {
    match c {
        Context::Global => "Anywhere",
        Context::Main => "Tabs",
        Context::List => "Lists",
        Context::Customers => "Customers",
        Context::Tasks => "Tasks",
        Context::Employees => "Employees",
        Context::Users => "Users",
        Context::Sessions => "Live sessions",
        Context::Audit => "Audit",
        Context::Backups => "Backups",
        Context::Search => "Search box",
        Context::Form => "Forms",
        Context::Confirm => "Questions",
        Context::Conflict => "Conflicts",
        Context::Popup => "Popups",
        Context::Trash => "Trash",
        Context::History => "History",
        Context::Import => "Import",
    }
}

/// What the search box understands (src/search/query.rs), for the Customers screen and the
/// search box.
const SEARCH_LANGUAGE: &[(&str, &str)] = &[
    (
        "levi 050",
        "every word must match: name, company, e-mail, tags, phone",
    ),
    (
        "050 123 4567",
        "phones in any spacing, with or without +972",
    ),
    ("tag:vip", "a whole tag"),
    ("city:haifa", "the city contains"),
    ("status:lead", "lead, prospect, active, inactive"),
    ("owner:me", "customers you own"),
    ("company:\"a b\"", "quotes keep words together"),
    ("levy", "one typo still finds \"Levi\""),
];

/// An action's line where its word alone would say too little.
fn describe_in(ctx: Context, a: Action) -> &'static str {
    match (ctx, a) {
        (Context::Import, Action::Edit) => "the highlighted column: next field",
        _ => a.describe(),
    }
}

/// The help lines for `chain`; `offered` leaves out what this person cannot do.
pub fn lines(ui: &Ui, chain: &[Context], offered: &dyn Fn(Action) -> bool) -> Vec<Line<'static>> {
    let t = ui.theme;
    let mut out = Vec::new();
    let all: Vec<Context> = chain
        .iter()
        .copied()
        .chain(std::iter::once(Context::Global))
        .collect();
    for ctx in all {
        let entries: Vec<(String, Action)> = ui
            .keymap
            .context(ctx)
            .iter()
            .filter(|(a, _)| offered(*a))
            .filter_map(|(a, _)| Some((ui.keymap.keys_in(ctx, chain, *a)?, *a)))
            .collect();
        if entries.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(Line::default());
        }
        out.push(Line::from(Span::styled(heading(ctx), t.header())));
        for (keys, a) in entries {
            out.push(Line::from(vec![
                Span::styled(pad(&keys, 16), t.key()),
                Span::raw(describe_in(ctx, a)),
            ]));
        }
    }
    if chain.contains(&Context::Customers) || chain.contains(&Context::Search) {
        out.push(Line::default());
        out.push(Line::from(Span::styled("Search language", t.header())));
        for (k, what) in SEARCH_LANGUAGE {
            out.push(Line::from(vec![
                Span::styled(pad(k, 16), t.key()),
                Span::raw(*what),
            ]));
        }
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled("Text fields", t.header())));
    for (k, what) in [
        ("← → Home End", "move (Ctrl-A, Ctrl-E too)"),
        ("Backspace Del", "delete a character"),
        ("Ctrl-U Ctrl-W", "delete to the start / a word"),
    ] {
        out.push(Line::from(vec![
            Span::styled(pad(k, 16), t.key()),
            Span::raw(what),
        ]));
    }
    out
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    ui: &Ui,
    title: &str,
    lines: Vec<Line<'static>>,
    scroll: usize,
) {
    let h = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height.saturating_sub(2));
    // As wide as the longest line, so no description is cut where the terminal has room.
    let widest = lines.iter().map(Line::width).max().unwrap_or(0) + 2;
    let w = u16::try_from(widest)
        .unwrap_or(u16::MAX)
        .clamp(64, area.width.saturating_sub(2).max(64));
    let inner = popup(
        f,
        centered(area, w, h),
        &format!("Keys · {title}"),
        ui.theme,
    );
    let skip = scroll.min(lines.len().saturating_sub(usize::from(inner.height)));
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()),
        inner,
    );
}
