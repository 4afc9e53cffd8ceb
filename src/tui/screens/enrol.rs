//! TOTP enrolment: the QR code, and beside it the base32 secret as text (for typing into an
//! app by hand), the otpauth URL, and the field for the first code.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::text::wrap;
use crate::tui::ui::Ui;
use crate::tui::widgets::form::Form;
use crate::tui::widgets::qr;

/// The secret in groups of four, as apps show it.
pub fn grouped(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What an enrolment screen shows.
pub struct Enrolment<'a> {
    pub title: &'a str,
    pub intro: &'a str,
    pub secret: &'a str,
    pub url: &'a str,
}

/// Draws the enrolment: QR on the left, text and the code field on the right.
pub fn draw(f: &mut Frame, area: Rect, ui: &Ui, e: &Enrolment, form: &Form) {
    let (title, intro, secret, url) = (e.title, e.intro, e.secret, e.url);
    let t = ui.theme;
    let qr = qr::lines(
        url,
        usize::from(area.width).saturating_sub(32),
        usize::from(area.height),
    )
    .unwrap_or_default();
    let qr_w = qr.first().map_or(0, |l| l.chars().count()) as u16;
    let [left, _, right] = Layout::horizontal([
        Constraint::Length(qr_w),
        Constraint::Length(2),
        Constraint::Fill(1),
    ])
    .areas(area);
    let qr_lines: Vec<Line> = qr.into_iter().map(Line::from).collect();
    f.render_widget(Paragraph::new(qr_lines), left);
    let w = usize::from(right.width).max(10);
    let mut lines: Vec<Line> = wrap(title, w)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, t.title())))
        .collect();
    lines.push(Line::default());
    lines.extend(wrap(intro, w).into_iter().map(Line::from));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("Or type this secret:", t.label())));
    lines.extend(
        wrap(&grouped(secret), w)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, t.secret()))),
    );
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("otpauth URL:", t.label())));
    let url_lines: Vec<String> = url
        .chars()
        .collect::<Vec<_>>()
        .chunks(w)
        .map(|c| c.iter().collect())
        .collect();
    lines.extend(
        url_lines
            .into_iter()
            .map(|l| Line::from(Span::styled(l, t.dim()))),
    );
    lines.push(Line::default());
    let text_h = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let [text, field, rest] = Layout::vertical([
        Constraint::Length(text_h),
        Constraint::Length(form.height()),
        Constraint::Fill(1),
    ])
    .areas(right);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    form.draw(f, field, t, true);
    let _ = rest;
}
