//! Export from the Customers screen: the customers the current filters show, to a file
//! whose path and format are asked; an existing file is replaced only after a `y`. The
//! service makes the file's contents, so the audit entry names its count and fingerprint.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::file;
use crate::service::{CustomerFilter, ExportFormat, ExportWhat, Request, Response};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::screens::{Ctx, unexpected};
use crate::tui::ui::Ui;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::{centered, popup};

#[derive(Debug, Clone)]
pub struct ExportForm {
    pub form: Form,
    filter: CustomerFilter,
    ask: Option<Confirm<PathBuf>>,
}

/// What the form did with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    Ignored,
    /// Written, or cancelled: the form closes.
    Close,
}

fn describe(f: &CustomerFilter) -> String {
    let mut parts = Vec::new();
    if let Some(s) = f.status {
        parts.push(format!("status {}", s.as_str()));
    }
    if let Some(t) = &f.tag {
        parts.push(format!("tag {t}"));
    }
    if f.mine {
        parts.push("mine only".into());
    }
    if parts.is_empty() {
        "every customer".into()
    } else {
        parts.join(", ")
    }
}

impl ExportForm {
    /// `searching`: the search box holds a query, which the export does not apply (a search
    /// also finds near misses; `export --filter` takes its conditions exactly).
    pub fn new(filter: CustomerFilter, searching: bool) -> ExportForm {
        let which = Field::fixed("which", "Customers", &describe(&filter));
        let which = if searching {
            which.with_hint("the search box is not applied: filter with status, tag, mine")
        } else {
            which
        };
        let form = Form::new(vec![
            Field::text("file", "File", "customers.csv")
                .with_hint("created 0600; a relative path is from where Kasefet started"),
            Field::choice("format", "Format", vec!["csv", "json", "vcard"], "csv"),
            which,
        ]);
        ExportForm {
            form,
            filter,
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
            &[
                Action::Save,
                Action::NextField,
                Action::Toggle,
                Action::Cancel,
            ]
        }
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Outcome {
        if let Some(ask) = &self.ask {
            match ask.answer(action) {
                Answer::Yes(path) => {
                    self.ask = None;
                    return self.export(path, true, ctx);
                }
                Answer::No => self.ask = None,
                Answer::Pending => {}
            }
            return Outcome::Stay;
        }
        match action {
            Action::NextField if !self.form.on_last() => self.form.next(),
            Action::PrevField => self.form.prev(),
            Action::Toggle if self.form.toggle() => {}
            Action::Cancel => return Outcome::Close,
            Action::NextField | Action::Save => {
                let typed = self.form.value("file").trim().to_string();
                if typed.is_empty() {
                    self.form.message = Some("Type the path of the file to write".into());
                    return Outcome::Stay;
                }
                let path = match typed.strip_prefix("~/") {
                    Some(rest) => std::env::var_os("HOME")
                        .map(|h| PathBuf::from(h).join(rest))
                        .unwrap_or_else(|| PathBuf::from(&typed)),
                    None => PathBuf::from(&typed),
                };
                if path.is_dir() {
                    self.form.message =
                        Some(format!("{} is a folder; name a file in it", path.display()));
                    return Outcome::Stay;
                }
                if path.exists() {
                    let q = format!(
                        "{} already exists. Replace it with the export?",
                        path.display()
                    );
                    self.ask = Some(Confirm::new("Replace the file?", q, "replace", path));
                    return Outcome::Stay;
                }
                return self.export(path, false, ctx);
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Stay
    }

    fn export(&mut self, path: PathBuf, replace: bool, ctx: &mut Ctx) -> Outcome {
        let format = match self.form.value("format").as_str() {
            "json" => ExportFormat::Json,
            "vcard" => ExportFormat::Vcard,
            _ => ExportFormat::Csv,
        };
        let (bytes, count) = match ctx.call(Request::Export {
            what: ExportWhat::Customers,
            format,
            reveal: false,
            filter: self.filter.clone(),
            bom: false,
        }) {
            Ok(Response::Exported { bytes, count, .. }) => (bytes, count),
            Ok(_) => {
                ctx.fail(&unexpected());
                return Outcome::Stay;
            }
            Err(e) => {
                self.form.message = Some(e.to_string());
                ctx.fail(&e);
                return Outcome::Stay;
            }
        };
        let written = if replace {
            file::replace(&path, &bytes)
        } else {
            file::write_new(&path, &bytes).map_err(|e| {
                e.unwrap_or_else(|| format!("{} appeared meanwhile; not replaced", path.display()))
            })
        };
        match written {
            Ok(()) => {
                let shown = std::fs::canonicalize(&path).unwrap_or(path);
                ctx.ok(format!(
                    "Exported {count} customer{} to {}",
                    if count == 1 { "" } else { "s" },
                    shown.display()
                ));
                Outcome::Close
            }
            Err(why) => {
                self.form.message = Some(why.clone());
                ctx.note = Some(crate::tui::screens::Note::error(why));
                Outcome::Stay
            }
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let inner = popup(f, centered(area, 70, 10), "Export customers", ui.theme);
        self.form.draw(f, inner, ui.theme, self.ask.is_none());
        if let Some(ask) = &self.ask {
            ask.draw(f, area, ui);
        }
    }
}
