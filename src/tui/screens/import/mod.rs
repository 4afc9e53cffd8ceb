//! Import (admins and managers, from Customers): the past imports with revert, and a new
//! one step by step: the file's path, the detected source and the mapping (a column's
//! field can be changed), a dry run with its counts and first refused rows, then the
//! import itself after a `y`, with a progress bar while the rows are sent; the refused
//! rows can be written to a file for fixing (`rejects.rs`).
//! State and keys here, drawing in `draw.rs`; the export form in `export.rs`.

mod draw;
pub mod export;
mod file;
mod rejects;
mod save_as;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Ctx, Lost, Note, unexpected};
use crate::client::upload::Upload;
use crate::domain::Id;
use crate::service::{
    Error, ImportBatch, ImportMode, ImportRecord, ImportReport, MatchOn, Request, Response,
};
use crate::transfer::{self, Field as Column, Format, Parsed, ReadOptions};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::ui::Ui;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::Selection;

const MODES: [&str; 3] = ["upsert", "create", "update"];

/// The file as read, kept to read again when a column's field changes.
#[derive(Debug, Clone)]
struct Loaded {
    path: String,
    name: String,
    bytes: Vec<u8>,
    format: Format,
    /// `Column=field` overrides chosen on the screen.
    map: Vec<String>,
    parsed: Parsed,
    mode: ImportMode,
    tag: Option<String>,
    /// The last dry run's (or the import's) counts.
    report: Option<ImportReport>,
    /// The rows as the service holds them, after a dry run: the import sends nothing again.
    upload: Option<Upload>,
    /// Where the refused rows of this report were written, and how many.
    written: Option<(String, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    Import,
    Revert(Id),
}

#[derive(Debug, Clone)]
enum Stage {
    /// Past imports.
    List,
    Path(Form),
    /// The file read: source, mapping, and the dry run's counts once there is one.
    Review,
    /// Parts going to the service, then the commit; `busy` until done.
    Sending {
        dry_run: bool,
    },
    /// Imported: the counts and the import's id.
    Done,
}

#[derive(Debug, Clone)]
pub struct Import {
    stage: Stage,
    file: Option<Loaded>,
    imports: Vec<ImportRecord>,
    /// The list row, or the mapping row while reviewing.
    sel: Selection,
    ask: Option<Confirm<Ask>>,
    /// The path form as last filled, to come back to.
    last_form: Option<Form>,
    /// Asking where to write the refused rows.
    save: Option<rejects::RejectsForm>,
}

/// What the screen asks of the one that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Stay,
    /// Back to the customers, which load again (an import or a revert may have changed them).
    Leave,
}

impl Loaded {
    /// Every column of the file with the field it goes to (`None`: not imported).
    fn columns(&self) -> Vec<(String, Option<String>)> {
        self.parsed
            .header
            .iter()
            .filter(|h| !h.is_empty())
            .map(|h| {
                let field = self
                    .parsed
                    .mapping
                    .iter()
                    .find(|(c, _)| c == h)
                    .map(|(_, f)| f.clone());
                (h.clone(), field)
            })
            .collect()
    }

    /// Rows refused by the last report, those the file could not give included.
    fn refused(&self) -> usize {
        self.report
            .as_ref()
            .map_or(0, |r| r.rejected.len() + self.parsed.rejects.len())
    }
}

/// Which way a column's field changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Remap {
    Next,
    Prev,
    Ignore,
}

fn mode_of(s: &str) -> ImportMode {
    match s {
        "create" => ImportMode::Create,
        "update" => ImportMode::Update,
        _ => ImportMode::Upsert,
    }
}

fn mode_name(m: ImportMode) -> &'static str {
    match m {
        ImportMode::Create => "create",
        ImportMode::Update => "update",
        ImportMode::Upsert => "upsert",
    }
}

fn path_form(path: &str, mode: &str, tag: &str) -> Form {
    Form::new(vec![
        Field::text("file", "File", path).with_hint("a CSV or vCard file, as exported"),
        Field::choice("mode", "Mode", MODES.to_vec(), mode)
            .with_hint("upsert adds new people and updates the ones it finds"),
        Field::text("tag", "Tag", tag).with_hint("added to every imported customer"),
    ])
}

/// A session problem goes to the app; anything else to the status line.
fn failed(ctx: &mut Ctx, e: &Error) {
    match e {
        Error::SessionLocked => ctx.lost = Some(Lost::Locked),
        Error::SessionEnded => ctx.lost = Some(Lost::Ended),
        _ => ctx.fail(e),
    }
}

impl Import {
    /// Opens on the past imports.
    pub fn open(ctx: &mut Ctx) -> Import {
        let mut s = Import {
            stage: Stage::List,
            file: None,
            imports: Vec::new(),
            sel: Selection::default(),
            ask: None,
            last_form: None,
            save: None,
        };
        s.reload(ctx);
        s
    }

    fn reload(&mut self, ctx: &mut Ctx) {
        match ctx.call(Request::ImportList) {
            Ok(Response::Imports(mut list)) => {
                list.sort_by_key(|r| std::cmp::Reverse(r.id));
                self.imports = list;
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
        if matches!(self.stage, Stage::List) {
            self.sel.clamp(self.imports.len());
        }
    }

    pub fn chain(&self) -> &'static [Context] {
        if self.ask.is_some() {
            return chain::CONFIRM;
        }
        if let Some(save) = &self.save {
            return save.chain();
        }
        match self.stage {
            Stage::Path(_) => chain::FORM,
            _ => chain::IMPORT,
        }
    }

    pub fn typing(&self) -> bool {
        if let Some(save) = &self.save {
            return self.ask.is_none() && save.typing();
        }
        self.ask.is_none() && matches!(self.stage, Stage::Path(_))
    }

    pub fn busy(&self) -> bool {
        matches!(self.stage, Stage::Sending { .. })
    }

    pub fn unsaved(&self) -> bool {
        matches!(&self.stage, Stage::Path(f) if f.changed())
    }

    pub fn hints(&self) -> &'static [Action] {
        use Action::*;
        if self.ask.is_some() {
            return &[Yes, No];
        }
        if let Some(save) = &self.save {
            return save.hints();
        }
        // The screen leaves out what it does not offer (`WriteRejects` with none refused).
        match &self.stage {
            Stage::List => &[New, Revert, Back, Help],
            Stage::Path(_) => &[NextField, Save, Toggle, Cancel],
            Stage::Review if self.report().is_some() => &[
                RunImport,
                WriteRejects,
                Edit,
                MapBack,
                IgnoreColumn,
                DryRun,
                Back,
                Help,
            ],
            Stage::Review => &[DryRun, Edit, MapBack, IgnoreColumn, Back, Help],
            Stage::Sending { .. } => &[],
            Stage::Done => &[WriteRejects, Back, Help],
        }
    }

    /// False for keys that mean nothing at this step (left out of the help).
    pub fn offers(&self, action: Action) -> bool {
        match action {
            Action::New => matches!(self.stage, Stage::List),
            Action::Revert => matches!(self.stage, Stage::List) && self.selected().is_some(),
            Action::DryRun => matches!(self.stage, Stage::Review),
            // A vCard maps by property names: there is no column to change.
            Action::Edit | Action::MapBack | Action::IgnoreColumn => {
                matches!(self.stage, Stage::Review)
                    && self.file.as_ref().is_some_and(|f| !f.columns().is_empty())
            }
            Action::WriteRejects => {
                matches!(self.stage, Stage::Review | Stage::Done)
                    && self.file.as_ref().is_some_and(|f| f.refused() > 0)
            }
            Action::RunImport => matches!(self.stage, Stage::Review) && self.report().is_some(),
            _ => true,
        }
    }

    fn report(&self) -> Option<&ImportReport> {
        self.file.as_ref().and_then(|f| f.report.as_ref())
    }

    fn selected(&self) -> Option<&ImportRecord> {
        self.imports.get(self.sel.index)
    }

    pub fn input(&mut self, key: &ratatui::crossterm::event::KeyEvent) {
        if let Some(save) = &mut self.save {
            save.form.input(key);
        } else if let Stage::Path(form) = &mut self.stage {
            form.input(key);
        }
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(save) = &mut self.save {
            save.form.paste(text);
        } else if let Stage::Path(form) = &mut self.stage {
            form.paste(text);
        }
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> (bool, Exit) {
        if let Some(ask) = &self.ask {
            match ask.answer(action) {
                Answer::Yes(what) => {
                    self.ask = None;
                    return (true, self.yes(what, ctx));
                }
                Answer::No => self.ask = None,
                Answer::Pending => {}
            }
            return (true, Exit::Stay);
        }
        if self.save.is_some() {
            return (self.saving(action, ctx), Exit::Stay);
        }
        let stage = std::mem::replace(&mut self.stage, Stage::List);
        let (used, stage, exit) = self.step(stage, action, ctx);
        self.stage = stage;
        (used, exit)
    }

    fn step(&mut self, stage: Stage, action: Action, ctx: &mut Ctx) -> (bool, Stage, Exit) {
        match (stage, action) {
            (Stage::List, Action::Back) => (true, Stage::List, Exit::Leave),
            (Stage::List, Action::New) => {
                let form = self
                    .last_form
                    .take()
                    .unwrap_or_else(|| path_form("", "upsert", ""));
                (true, Stage::Path(form), Exit::Stay)
            }
            (Stage::List, Action::Revert) => {
                if let Some(r) = self.selected() {
                    let q = format!(
                        "Revert import {} ({})? It removes the {} customers it created and puts back the {} it updated; customers changed since stop it, named.",
                        r.id,
                        crate::tui::text::clean(&r.file_name),
                        r.created.len(),
                        r.updated.len()
                    );
                    self.ask = Some(Confirm::new(
                        "Revert import",
                        q,
                        "revert",
                        Ask::Revert(r.id),
                    ));
                }
                (true, Stage::List, Exit::Stay)
            }
            (Stage::List, a) => (
                self.sel.apply(a, self.imports.len()),
                Stage::List,
                Exit::Stay,
            ),
            (Stage::Path(form), Action::Cancel) => {
                self.last_form = Some(form);
                self.sel.index = 0;
                (true, Stage::List, Exit::Stay)
            }
            (Stage::Path(mut form), Action::NextField) if !form.on_last() => {
                form.next();
                (true, Stage::Path(form), Exit::Stay)
            }
            (Stage::Path(mut form), Action::PrevField) => {
                form.prev();
                (true, Stage::Path(form), Exit::Stay)
            }
            (Stage::Path(mut form), Action::Toggle) => {
                let used = form.toggle();
                (used, Stage::Path(form), Exit::Stay)
            }
            (Stage::Path(mut form), Action::NextField | Action::Save) => match self.load(&form) {
                Ok(()) => {
                    self.sel.index = 0;
                    self.last_form = Some(form);
                    (true, Stage::Review, Exit::Stay)
                }
                Err(why) => {
                    form.message = Some(why);
                    (true, Stage::Path(form), Exit::Stay)
                }
            },
            (s @ Stage::Path(_), _) => (false, s, Exit::Stay),
            (Stage::Review, Action::Back) => {
                self.forget(ctx);
                let form = self
                    .last_form
                    .take()
                    .unwrap_or_else(|| path_form("", "upsert", ""));
                (true, Stage::Path(form), Exit::Stay)
            }
            (Stage::Review, Action::Edit) => {
                self.remap(Remap::Next, ctx);
                (true, Stage::Review, Exit::Stay)
            }
            (Stage::Review, Action::MapBack) => {
                self.remap(Remap::Prev, ctx);
                (true, Stage::Review, Exit::Stay)
            }
            (Stage::Review, Action::IgnoreColumn) => {
                self.remap(Remap::Ignore, ctx);
                (true, Stage::Review, Exit::Stay)
            }
            (s @ (Stage::Review | Stage::Done), Action::WriteRejects) => {
                self.ask_rejects(ctx);
                (true, s, Exit::Stay)
            }
            (Stage::Review, Action::DryRun) => self.start(true, ctx),
            (Stage::Review, Action::RunImport) => {
                if let (Some(f), Some(r)) = (&self.file, self.report()) {
                    let q = format!(
                        "Import {} rows of {}? It creates {} customers and updates {} ({} refused). The import can be reverted in the import list.",
                        r.rows_read,
                        crate::tui::text::clean(&f.name),
                        r.created,
                        r.updated,
                        r.rejected.len() + f.parsed.rejects.len()
                    );
                    self.ask = Some(Confirm::new("Import customers", q, "import", Ask::Import));
                } else {
                    ctx.note = Some(Note::warn("Run the dry run first (it writes nothing)"));
                }
                (true, Stage::Review, Exit::Stay)
            }
            (Stage::Review, a) => {
                let n = self.file.as_ref().map_or(0, |f| f.columns().len());
                (self.sel.apply(a, n), Stage::Review, Exit::Stay)
            }
            (s @ Stage::Sending { .. }, _) => (true, s, Exit::Stay),
            (Stage::Done, Action::Back) => {
                self.file = None;
                self.sel.index = 0;
                self.reload(ctx);
                (true, Stage::List, Exit::Stay)
            }
            (s @ Stage::Done, _) => (false, s, Exit::Stay),
        }
    }

    fn yes(&mut self, what: Ask, ctx: &mut Ctx) -> Exit {
        match what {
            Ask::Import => {
                let (_, stage, exit) = self.start(false, ctx);
                self.stage = stage;
                exit
            }
            Ask::Revert(id) => {
                match ctx.call(Request::ImportRevert { id }) {
                    Ok(Response::Done) => ctx.ok(format!("Import {id} reverted")),
                    Ok(_) => ctx.fail(&unexpected()),
                    Err(e) => failed(ctx, &e),
                }
                self.reload(ctx);
                Exit::Stay
            }
        }
    }

    /// Reads the file the form names.
    fn load(&mut self, form: &Form) -> Result<(), String> {
        let path = form.value("file").trim().to_string();
        if path.is_empty() {
            return Err("Type the path of the file to import".into());
        }
        let expanded = match path.strip_prefix("~/") {
            Some(rest) => std::env::var_os("HOME")
                .map(|h| std::path::Path::new(&h).join(rest))
                .unwrap_or_else(|| path.clone().into()),
            None => path.clone().into(),
        };
        let bytes = transfer::source::read(&expanded)?;
        let name = expanded
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let format = Format::detect(&name, &bytes);
        let parsed =
            transfer::read(format, &bytes, &ReadOptions::default()).map_err(|e| e.to_string())?;
        self.file = Some(Loaded {
            path,
            name,
            bytes,
            format,
            map: Vec::new(),
            parsed,
            mode: mode_of(&form.value("mode")),
            tag: form.opt("tag"),
            report: None,
            upload: None,
            written: None,
        });
        Ok(())
    }

    /// The highlighted column maps to the next or the previous field, or to none; the file
    /// is read again with it.
    fn remap(&mut self, how: Remap, ctx: &mut Ctx) {
        let i = self.sel.index;
        let Some(f) = self.file.as_mut() else { return };
        let Some((column, field)) = f.columns().get(i).cloned() else {
            ctx.note = Some(Note::info(
                "vCard fields map by their names; there are no columns to change",
            ));
            return;
        };
        let n = Column::ALL.len();
        let at = field.and_then(|fld| Column::ALL.iter().position(|c| c.as_str() == fld));
        // From "not imported", forward starts at the first field and back at the last.
        let to = match (how, at) {
            (Remap::Ignore, _) => Column::Ignore,
            (Remap::Next, None) => Column::ALL[0],
            (Remap::Next, Some(p)) => Column::ALL[(p + 1) % n],
            (Remap::Prev, None) => Column::ALL[n - 1],
            (Remap::Prev, Some(p)) => Column::ALL[(p + n - 1) % n],
        };
        f.map
            .retain(|m| m.rsplit_once('=').is_none_or(|(c, _)| c != column));
        f.map.push(format!("{column}={}", to.as_str()));
        let opts = ReadOptions {
            preset: None,
            map: f.map.clone(),
        };
        match transfer::read(f.format, &f.bytes, &opts) {
            Ok(p) => {
                f.parsed = p;
                f.report = None;
                f.written = None;
                if let Some(mut u) = f.upload.take() {
                    u.discard(ctx.backend);
                }
            }
            Err(e) => ctx.note = Some(Note::error(e.to_string())),
        }
    }

    /// Asks where to write the refused rows of the last report, in the CLI's format.
    fn ask_rejects(&mut self, ctx: &mut Ctx) {
        let Some(f) = self.file.as_ref() else { return };
        let (Some(r), n) = (f.report.as_ref(), f.refused()) else {
            ctx.note = Some(Note::warn("Run the dry run first (it writes nothing)"));
            return;
        };
        if n == 0 {
            ctx.note = Some(Note::info("No row was refused: there is nothing to write"));
            return;
        }
        let lines: Vec<u64> = f.parsed.rows.iter().map(|row| row.line).collect();
        let csv = f.parsed.rejects_csv(&lines, &r.rejected);
        self.save = Some(rejects::RejectsForm::new(&f.name, csv, n));
    }

    /// A key while the refused rows' path is asked; true if it was used.
    fn saving(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let Some(save) = self.save.as_mut() else {
            return false;
        };
        match save.update(action, ctx) {
            rejects::Outcome::Stay => true,
            rejects::Outcome::Ignored => false,
            rejects::Outcome::Cancelled => {
                self.save = None;
                true
            }
            rejects::Outcome::Written(path, n) => {
                self.save = None;
                ctx.ok(format!(
                    "Wrote {n} refused row{} to {path}",
                    if n == 1 { "" } else { "s" }
                ));
                if let Some(f) = self.file.as_mut() {
                    f.written = Some((path, n));
                }
                true
            }
        }
    }

    /// Lets go of the file and whatever the service holds of it.
    fn forget(&mut self, ctx: &mut Ctx) {
        if let Some(mut f) = self.file.take() {
            if let Some(u) = f.upload.as_mut() {
                u.discard(ctx.backend);
            }
        }
    }

    fn batch(f: &Loaded) -> ImportBatch {
        ImportBatch {
            file_name: f.name.clone(),
            file_sha256: transfer::fingerprint(&f.bytes),
            source: f.parsed.source.clone(),
            mapping: f.parsed.mapping.clone(),
            rows: f.parsed.rows.clone(),
            mode: f.mode,
            match_on: vec![MatchOn::Email, MatchOn::Phone],
            owner: None,
            tag: f.tag.clone(),
            dry_run: true,
        }
    }

    /// Starts sending: the work runs a part per tick once the screen shows the bar.
    fn start(&mut self, dry_run: bool, _ctx: &mut Ctx) -> (bool, Stage, Exit) {
        let Some(f) = self.file.as_mut() else {
            return (true, Stage::Review, Exit::Stay);
        };
        if f.upload.is_none() || dry_run {
            f.upload = Some(Upload::new(Import::batch(f), transfer::parts::PART_BYTES));
        }
        (true, Stage::Sending { dry_run }, Exit::Stay)
    }

    /// One part, or the commit once every part is there.
    pub fn work(&mut self, ctx: &mut Ctx) -> Exit {
        let Stage::Sending { dry_run } = self.stage else {
            return Exit::Stay;
        };
        let Some(f) = self.file.as_mut() else {
            self.stage = Stage::List;
            return Exit::Stay;
        };
        let Some(up) = f.upload.as_mut() else {
            self.stage = Stage::Review;
            return Exit::Stay;
        };
        if !up.sent_all() {
            if let Err(e) = up.step(ctx.backend) {
                up.discard(ctx.backend);
                f.upload = None;
                failed(ctx, &e);
                self.stage = Stage::Review;
            }
            return Exit::Stay;
        }
        match up.commit(ctx.backend, dry_run) {
            Ok(r) => {
                let id = r.import_id;
                f.report = Some(r);
                f.written = None;
                if dry_run {
                    ctx.note = Some(Note::info("Dry run: nothing was written"));
                    self.stage = Stage::Review;
                    Exit::Stay
                } else {
                    f.upload = None;
                    ctx.ok(match id {
                        Some(id) => format!("Import {id} done"),
                        None => "Nothing to import: no row brought anything new".into(),
                    });
                    self.stage = Stage::Done;
                    Exit::Stay
                }
            }
            Err(e) => {
                // The service holds nothing after a failed commit (or had let it go).
                f.upload = None;
                failed(ctx, &e);
                self.stage = Stage::Review;
                Exit::Stay
            }
        }
    }

    /// Leaving the screen: whatever the service holds of an unfinished import goes.
    pub fn close(&mut self, ctx: &mut Ctx) {
        self.forget(ctx);
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        draw::draw(self, f, area, ui);
        if let Some(save) = &self.save {
            save.draw(f, area, ui);
        }
        if let Some(ask) = &self.ask {
            ask.draw(f, area, ui);
        }
    }
}
