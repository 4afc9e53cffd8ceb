//! The refused rows of a dry run (or an import) to a file, as `import --rejects FILE`
//! writes them: the file's own columns and a reason, to be fixed and imported again.
//! The path is asked; an existing file is replaced only after a `y`.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::file;
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::screens::Ctx;
use crate::tui::ui::Ui;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::{centered, popup};

#[derive(Debug, Clone)]
pub struct RejectsForm {
    pub form: Form,
    /// The CSV, made when the form opened: what the screen shows is what is written.
    csv: Vec<u8>,
    count: usize,
    ask: Option<Confirm<PathBuf>>,
}

/// What the form did with a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    Ignored,
    Cancelled,
    /// Written: the full path and the number of rows.
    Written(String, usize),
}

impl RejectsForm {
    /// `source`: the imported file's name, for the suggested path beside it.
    pub fn new(source: &str, csv: Vec<u8>, count: usize) -> RejectsForm {
        let stem = std::path::Path::new(source)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "import".into());
        let form = Form::new(vec![
            Field::text("file", "File", &format!("{stem}-rejected.csv")).with_hint(
                "created 0600; the file's columns and a reason; a relative path is from where Kasefet started",
            ),
            Field::fixed(
                "rows",
                "Rows",
                &format!("{count} refused row{}", if count == 1 { "" } else { "s" }),
            ),
        ]);
        RejectsForm {
            form,
            csv,
            count,
            ask: None,
        }
    }

    pub fn chain(&self) -> &'static [Context] {
        if self.ask.is_some() {
            chain::CONFIRM
        } else {
            chain::FORM
        }
    }

    pub fn typing(&self) -> bool {
        self.ask.is_none()
    }

    pub fn hints(&self) -> &'static [Action] {
        if self.ask.is_some() {
            &[Action::Yes, Action::No]
        } else {
            &[Action::Save, Action::Cancel]
        }
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Outcome {
        if let Some(ask) = &self.ask {
            match ask.answer(action) {
                Answer::Yes(path) => {
                    self.ask = None;
                    return self.write(path, true, ctx);
                }
                Answer::No => self.ask = None,
                Answer::Pending => {}
            }
            return Outcome::Stay;
        }
        match action {
            Action::Cancel => Outcome::Cancelled,
            Action::NextField | Action::Save => {
                let path = match file::resolve(&self.form.value("file")) {
                    Ok(p) => p,
                    Err(why) => {
                        self.form.message = Some(why);
                        return Outcome::Stay;
                    }
                };
                if path.exists() {
                    let q = format!(
                        "{} already exists. Replace it with the refused rows?",
                        path.display()
                    );
                    self.ask = Some(Confirm::new("Replace the file?", q, "replace", path));
                    return Outcome::Stay;
                }
                self.write(path, false, ctx)
            }
            Action::PrevField | Action::Toggle => Outcome::Stay,
            _ => Outcome::Ignored,
        }
    }

    fn write(&mut self, path: PathBuf, replace: bool, ctx: &mut Ctx) -> Outcome {
        match file::write(&path, &self.csv, replace) {
            Ok(()) => Outcome::Written(file::shown(&path), self.count),
            Err(why) => {
                self.form.message = Some(why.clone());
                ctx.note = Some(crate::tui::screens::Note::error(why));
                Outcome::Stay
            }
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let inner = popup(
            f,
            centered(area, 76, self.form.height() + 3),
            "Write the refused rows",
            ui.theme,
        );
        self.form.draw(f, inner, ui.theme, self.ask.is_none());
        if let Some(ask) = &self.ask {
            ask.draw(f, area, ui);
        }
    }
}
