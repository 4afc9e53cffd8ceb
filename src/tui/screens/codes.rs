//! Recovery codes, shown once.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::text::clean;
use crate::tui::ui::Ui;

pub fn lines(ui: &Ui, codes: &[&str]) -> Vec<Line<'static>> {
    let t = ui.theme;
    let mut out = vec![
        Line::from(Span::styled("Your recovery codes", t.title())),
        Line::default(),
        Line::from(
            "Each signs you in once instead of a code from your phone. Write them down or print them \
and keep them away from this computer. They are shown only now.",
        ),
        Line::default(),
    ];
    for pair in codes.chunks(2) {
        let cells: Vec<String> = pair.iter().map(|c| format!("{:<24}", clean(c))).collect();
        out.push(Line::from(Span::styled(
            format!("    {}", cells.join("")),
            t.secret(),
        )));
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, ui: &Ui, codes: &[&str], footer: Line<'static>) {
    let mut l = lines(ui, codes);
    l.push(Line::default());
    l.push(footer);
    f.render_widget(
        Paragraph::new(l).wrap(ratatui::widgets::Wrap { trim: false }),
        area,
    );
}
