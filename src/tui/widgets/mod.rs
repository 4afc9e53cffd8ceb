//! Building blocks the screens share.

pub mod confirm;
pub mod conflict;
pub mod field;
pub mod form;
pub mod input;
pub mod qr;
pub mod table;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders, Clear};

use super::theme::Theme;

/// A `w`×`h` box in the middle of `area` (smaller if `area` is).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Clears `area` and draws a framed popup titled `title`; returns the inside.
pub fn popup(f: &mut Frame, area: Rect, title: &str, theme: &Theme) -> Rect {
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus())
        .title(Span::styled(
            format!(" {} ", super::bidi::visual(title)),
            theme.title(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    inner
}

/// A framed pane; the frame is brighter when the pane has focus.
pub fn pane(f: &mut Frame, area: Rect, title: &str, theme: &Theme, focused: bool) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(if focused {
            theme.border_focus()
        } else {
            theme.border()
        })
        .title(Span::styled(
            format!(" {} ", super::bidi::visual(title)),
            if focused {
                theme.title()
            } else {
                theme.header()
            },
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    inner
}
