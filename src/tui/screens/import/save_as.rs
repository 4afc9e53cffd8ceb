//! The file a form writes, shared by the export and the refused-rows forms: the path typed
//! in the form's `file` field, and a `y` before an existing file is replaced.

use std::path::{Path, PathBuf};

use ratatui::Frame;
use ratatui::layout::Rect;

use super::file;
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::screens::{Ctx, Note};
use crate::tui::ui::Ui;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::form::Form;
use crate::tui::widgets::{centered, popup};

#[derive(Debug, Clone)]
pub struct SaveAs {
    /// What an existing file would be replaced with, for the question ("the export").
    with: &'static str,
    ask: Option<Confirm<PathBuf>>,
}

/// What a key leaves to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing to write yet: the question is open or was answered no, or the path refused.
    Stay,
    /// Write the file at `path`, over an existing one when `replace` (after a yes).
    Write { path: PathBuf, replace: bool },
}

impl SaveAs {
    pub fn new(with: &'static str) -> SaveAs {
        SaveAs { with, ask: None }
    }

    /// True while "replace the file?" is asked: it has the keys, not the form.
    pub fn asking(&self) -> bool {
        self.ask.is_some()
    }

    pub fn chain(&self) -> &'static [Context] {
        if self.asking() {
            chain::CONFIRM
        } else {
            chain::FORM
        }
    }

    /// The question's hints while it is asked, else the form's own.
    pub fn hints(&self, form: &'static [Action]) -> &'static [Action] {
        if self.asking() {
            &[Action::Yes, Action::No]
        } else {
            form
        }
    }

    /// The answer `action` gives while the question is asked; `None` when none is.
    pub fn answer(&mut self, action: Action) -> Option<Step> {
        let answer = self.ask.as_ref()?.answer(action);
        Some(match answer {
            Answer::Yes(path) => {
                self.ask = None;
                Step::Write {
                    path,
                    replace: true,
                }
            }
            Answer::No => {
                self.ask = None;
                Step::Stay
            }
            Answer::Pending => Step::Stay,
        })
    }

    /// The path typed in `form`; the question first when a file is there already.
    pub fn submit(&mut self, form: &mut Form) -> Step {
        let path = match file::resolve(&form.value("file")) {
            Ok(p) => p,
            Err(why) => {
                form.message = Some(why);
                return Step::Stay;
            }
        };
        if path.exists() {
            let q = format!(
                "{} already exists. Replace it with {}?",
                path.display(),
                self.with
            );
            self.ask = Some(Confirm::new("Replace the file?", q, "replace", path));
            return Step::Stay;
        }
        Step::Write {
            path,
            replace: false,
        }
    }

    /// Writes `bytes` as [`Step::Write`] said; a failure is told in `form` and on the
    /// status line. True when written.
    pub fn write(form: &mut Form, path: &Path, bytes: &[u8], replace: bool, ctx: &mut Ctx) -> bool {
        match file::write(path, bytes, replace) {
            Ok(()) => true,
            Err(why) => {
                form.message = Some(why.clone());
                ctx.note = Some(Note::error(why));
                false
            }
        }
    }

    /// `form` in a popup `height` rows high, titled `title`, with the question over it.
    pub fn draw(&self, form: &Form, f: &mut Frame, area: Rect, ui: &Ui, title: &str, height: u16) {
        let inner = popup(f, centered(area, 76, height), title, ui.theme);
        form.draw(f, inner, ui.theme, !self.asking());
        if let Some(ask) = &self.ask {
            ask.draw(f, area, ui);
        }
    }
}
