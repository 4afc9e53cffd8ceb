//! The refused rows of a dry run (or an import) to a file, as `import --rejects FILE`
//! writes them: the file's own columns and a reason, to be fixed and imported again.
//! The path is asked; an existing file is replaced only after a `y`.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::file;
use super::save_as::{SaveAs, Step};
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::screens::Ctx;
use crate::tui::ui::Ui;
use crate::tui::widgets::form::{Field, Form};

#[derive(Debug, Clone)]
pub struct RejectsForm {
    pub form: Form,
    /// The CSV, made when the form opened: what the screen shows is what is written.
    csv: Vec<u8>,
    count: usize,
    file: SaveAs,
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
            file: SaveAs::new("the refused rows"),
        }
    }

    pub fn chain(&self) -> &'static [Context] {
        self.file.chain()
    }

    pub fn typing(&self) -> bool {
        !self.file.asking()
    }

    pub fn hints(&self) -> &'static [Action] {
        self.file.hints(&[Action::Save, Action::Cancel])
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Outcome {
        let step = match self.file.answer(action) {
            Some(step) => step,
            None => match action {
                Action::Cancel => return Outcome::Cancelled,
                Action::NextField | Action::Save => self.file.submit(&mut self.form),
                Action::PrevField | Action::Toggle => Step::Stay,
                _ => return Outcome::Ignored,
            },
        };
        let Step::Write { path, replace } = step else {
            return Outcome::Stay;
        };
        if !SaveAs::write(&mut self.form, &path, &self.csv, replace, ctx) {
            return Outcome::Stay;
        }
        Outcome::Written(file::shown(&path), self.count)
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let height = self.form.height() + 3;
        self.file
            .draw(&self.form, f, area, ui, "Write the refused rows", height);
    }
}
