//! "Someone else saved first": who and when, and the choice between their version and mine.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{centered, popup};
use crate::service::Error;
use crate::tui::action::Action;
use crate::tui::keymap::chain;
use crate::tui::text::clean;
use crate::tui::ui::Ui;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub what: String,
    pub by: String,
    pub at: String,
    /// The version now stored: saving over it sends this one.
    pub version: u64,
}

impl Conflict {
    pub fn from_error(e: &Error) -> Option<Conflict> {
        match e {
            Error::Conflict {
                what,
                by,
                at,
                version,
            } => Some(Conflict {
                what: what.clone(),
                by: by.clone(),
                at: at.clone(),
                version: *version,
            }),
            _ => None,
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let inner = popup(f, centered(area, 64, 10), "Someone else saved first", t);
        let key = |a| Span::styled(ui.key(chain::CONFLICT, a), t.key());
        let lines = vec![
            Line::from(vec![
                Span::raw(format!("{} was changed by ", clean(&self.what))),
                Span::styled(clean(&self.by), t.header()),
                Span::raw(format!(" at {}.", clean(&self.at))),
            ]),
            Line::default(),
            Line::from(vec![
                key(Action::Reload),
                Span::raw("  reload theirs (your edits are dropped)"),
            ]),
            Line::from(vec![
                key(Action::Overwrite),
                Span::raw("  overwrite: save yours over theirs"),
            ]),
            Line::from(vec![key(Action::Cancel), Span::raw("  keep editing")]),
        ];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    }
}
