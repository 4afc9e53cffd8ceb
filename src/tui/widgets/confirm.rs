//! A yes/no question in a popup. Destructive actions always pass through one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{centered, popup};
use crate::tui::action::Action;
use crate::tui::keymap::chain;
use crate::tui::text::clean;
use crate::tui::ui::Ui;

/// The question, and what to do on yes (a value the screen defines).
#[derive(Debug, Clone)]
pub struct Confirm<T> {
    pub title: String,
    pub question: String,
    pub yes: &'static str,
    pub on_yes: T,
}

/// What the person answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    Yes(T),
    No,
    /// The key meant nothing here; the question stays open.
    Pending,
}

impl<T: Clone> Confirm<T> {
    pub fn new(
        title: impl Into<String>,
        question: impl Into<String>,
        yes: &'static str,
        on_yes: T,
    ) -> Self {
        Confirm {
            title: title.into(),
            question: question.into(),
            yes,
            on_yes,
        }
    }

    pub fn answer(&self, action: Action) -> Answer<T> {
        match action {
            Action::Yes => Answer::Yes(self.on_yes.clone()),
            Action::No | Action::Cancel | Action::Back | Action::Close => Answer::No,
            _ => Answer::Pending,
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let theme = ui.theme;
        let inner = popup(f, centered(area, 60, 8), &self.title, theme);
        let yes = ui
            .keymap
            .keys_for(chain::CONFIRM, Action::Yes)
            .unwrap_or_default();
        let no = ui
            .keymap
            .keys_for(chain::CONFIRM, Action::No)
            .unwrap_or_default();
        let lines = vec![
            Line::from(clean(&self.question)),
            Line::default(),
            Line::from(vec![
                Span::styled(yes, theme.key()),
                Span::raw(format!(" {}    ", self.yes)),
                Span::styled(no, theme.key()),
                Span::raw(" no"),
            ]),
        ];
        f.render_widget(
            Paragraph::new(crate::tui::bidi::lines(lines)).wrap(Wrap { trim: true }),
            inner,
        );
    }
}
