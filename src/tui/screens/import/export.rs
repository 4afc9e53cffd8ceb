//! Export from the Customers screen: the customers the current filters show, to a file
//! whose path and format are asked, CSV with a BOM for Excel if wished, and the sensitive
//! fields when the role may reveal them; an existing file is replaced only after a `y`.
//! The service makes the file's contents and decides on the sensitive fields, so the audit
//! entry names its count, fingerprint and whether they went along.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::file;
use super::save_as::{SaveAs, Step};
use crate::client::download::{Wanted, download};
use crate::domain::Permission;
use crate::domain::role::Scope;
use crate::service::{CustomerFilter, Error, ExportFormat, ExportWhat};
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::screens::{Ctx, Me};
use crate::tui::ui::Ui;
use crate::tui::widgets::form::{Field, Form};

#[derive(Debug, Clone)]
pub struct ExportForm {
    pub form: Form,
    filter: CustomerFilter,
    file: SaveAs,
    /// Asked for: the screen says "Exporting…" first, then the next tick runs it (`work`),
    /// since a million customers take seconds.
    waiting: Option<(PathBuf, bool)>,
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

/// The encodings offered for CSV; the second is `export --bom`.
const ENCODINGS: [&str; 2] = ["UTF-8", "UTF-8 with BOM (Excel)"];

/// Whether the form offers the sensitive fields: to whom the table lets see them on every
/// customer, as an export holds every customer of the filter. Only an offer: the service
/// decides again on the request.
pub fn offers_reveal(me: &Me) -> bool {
    me.can(Permission::CustomerAdmin) && me.scope(Permission::CustomerSensitive) == Scope::All
}

impl ExportForm {
    /// `searching`: the search box holds a query, which the export does not apply (a search
    /// also finds near misses; `export --filter` takes its conditions exactly).
    /// `reveal`: offer the sensitive fields ([`offers_reveal`]).
    pub fn new(filter: CustomerFilter, searching: bool, reveal: bool) -> ExportForm {
        let which = Field::fixed("which", "Customers", &describe(&filter));
        let which = if searching {
            which.with_hint("the search box is not applied: filter with status, tag, mine")
        } else {
            which
        };
        let mut fields = vec![
            Field::text("file", "File", "customers.csv")
                .with_hint("created 0600; a relative path is from where Kasefet started"),
            Field::choice("format", "Format", vec!["csv", "json", "vcard"], "csv"),
            Field::choice("encoding", "Encoding", ENCODINGS.to_vec(), ENCODINGS[0])
                .with_hint("CSV only: the BOM makes Excel read accents and Hebrew right"),
        ];
        if reveal {
            fields.push(
                Field::check("sensitive", "Sensitive", false)
                    .with_hint("national id, birth date, private notes, card digits (audited)"),
            );
        }
        fields.push(which);
        let form = Form::new(fields);
        ExportForm {
            form,
            filter,
            file: SaveAs::new("the export"),
            waiting: None,
        }
    }

    /// An export was asked for and has not run yet.
    pub fn busy(&self) -> bool {
        self.waiting.is_some()
    }

    /// Runs the export asked for, if any.
    pub fn work(&mut self, ctx: &mut Ctx) -> Outcome {
        match self.waiting.take() {
            Some((path, replace)) => self.export(path, replace, ctx),
            None => Outcome::Stay,
        }
    }

    pub fn chain(&self) -> &'static [Context] {
        self.file.chain()
    }

    pub fn typing(&self) -> bool {
        !self.file.asking()
    }

    pub fn hints(&self) -> &'static [Action] {
        self.file.hints(&[
            Action::Save,
            Action::NextField,
            Action::Toggle,
            Action::Cancel,
        ])
    }

    pub fn update(&mut self, action: Action) -> Outcome {
        if self.waiting.is_some() {
            return Outcome::Stay;
        }
        let step = match self.file.answer(action) {
            Some(step) => step,
            None => match action {
                Action::NextField if !self.form.on_last() => {
                    self.form.next();
                    Step::Stay
                }
                Action::PrevField => {
                    self.form.prev();
                    Step::Stay
                }
                Action::Toggle if self.form.toggle() => Step::Stay,
                Action::Cancel => return Outcome::Close,
                Action::NextField | Action::Save => self.file.submit(&mut self.form),
                _ => return Outcome::Ignored,
            },
        };
        if let Step::Write { path, replace } = step {
            self.form.message = Some("Exporting…".into());
            self.waiting = Some((path, replace));
        }
        Outcome::Stay
    }

    fn export(&mut self, path: PathBuf, replace: bool, ctx: &mut Ctx) -> Outcome {
        let format = match self.form.value("format").as_str() {
            "json" => ExportFormat::Json,
            "vcard" => ExportFormat::Vcard,
            _ => ExportFormat::Csv,
        };
        let wanted = Wanted {
            what: ExportWhat::Customers,
            format,
            reveal: self.form.checked("sensitive"),
            filter: self.filter.clone(),
            bom: format == ExportFormat::Csv && self.form.value("encoding") == ENCODINGS[1],
        };
        // The parts are gathered here and the file written once, as `SaveAs` writes it.
        let mut bytes = Vec::new();
        let got = download(&wanted, &mut |r| ctx.call(r), &mut |b: &[u8]| {
            bytes.extend_from_slice(b);
            Ok::<(), Error>(())
        });
        let count = match got {
            Ok(n) => n,
            Err(e) => {
                self.form.message = Some(e.to_string());
                ctx.fail(&e);
                return Outcome::Stay;
            }
        };
        if !SaveAs::write(&mut self.form, &path, &bytes, replace, ctx) {
            return Outcome::Stay;
        }
        ctx.ok(format!(
            "Exported {count} customer{}{} to {}",
            if count == 1 { "" } else { "s" },
            if self.form.checked("sensitive") {
                " with their sensitive fields"
            } else {
                ""
            },
            file::shown(&path)
        ));
        Outcome::Close
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let height = self.form.height() + 2;
        self.file
            .draw(&self.form, f, area, ui, "Export customers", height);
    }
}
