//! On a customer record: the subject access export (`X`, admin and manager) asks for a file
//! and writes the JSON there and the plain text next to it (`FILE.txt`), both new and 0600;
//! erasure (`E`, admin) asks for the customer's name to be typed, and a reason.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::Ctx;
use crate::domain::Id;
use crate::service::{Error, Request, Response};
use crate::tui::action::Action;
use crate::tui::widgets::form::{Field, Form, Outcome};

/// `FILE.txt` next to `FILE`, as `gdpr export --to` writes it.
fn text_path(p: &Path) -> PathBuf {
    let mut name = p.as_os_str().to_owned();
    name.push(".txt");
    PathBuf::from(name)
}

/// A new file, 0600, never over an existing one.
fn create(path: &Path) -> Result<std::fs::File, String> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => format!("{} exists already", path.display()),
            _ => format!("cannot write {}: {e}", path.display()),
        })
}

fn fill(mut f: std::fs::File, path: &Path, text: &str) -> Result<(), String> {
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Shared by both forms: Tab/Enter move on, the last field's Enter submits.
fn step(form: &mut Form, action: Action) -> Option<Outcome> {
    match action {
        Action::NextField if !form.on_last() => form.next(),
        Action::NextField | Action::Save => return None,
        Action::PrevField => form.prev(),
        Action::Cancel => return Some(Outcome::Cancel),
        _ => return Some(Outcome::Ignored),
    }
    Some(Outcome::Stay)
}

#[derive(Debug, Clone)]
pub struct ExportForm {
    pub form: Form,
    id: Id,
}

impl ExportForm {
    pub fn new(id: Id) -> ExportForm {
        ExportForm {
            form: Form::new(vec![
                Field::text("path", "File", &format!("subject-{id}.json"))
                    .with_hint("JSON here, plain text in FILE.txt; both new, mode 0600"),
            ]),
            id,
        }
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Outcome {
        if let Some(o) = step(&mut self.form, action) {
            return o;
        }
        match self.export(ctx) {
            Ok(note) => {
                ctx.ok(note);
                Outcome::Saved(self.id)
            }
            Err(m) => {
                self.form.message = Some(m);
                Outcome::Stay
            }
        }
    }

    fn export(&self, ctx: &mut Ctx) -> Result<String, String> {
        let path = PathBuf::from(self.form.value("path").trim());
        if path.as_os_str().is_empty() {
            return Err("a file name is required".into());
        }
        let txt = text_path(&path);
        // Both files exist before the export is taken (and audited), so it cannot be lost
        // to a path that turns out unwritable.
        let a = create(&path)?;
        let b = match create(&txt) {
            Ok(b) => b,
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                return Err(e);
            }
        };
        let gone = |e: String| {
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_file(&txt);
            e
        };
        let x = match ctx.call(Request::SubjectExport { id: self.id }) {
            Ok(Response::SubjectExport(x)) => x,
            Ok(_) => return Err(gone(super::unexpected().to_string())),
            Err(e) => return Err(gone(e.to_string())),
        };
        let json = serde_json::to_string_pretty(&*x).map_err(|e| gone(e.to_string()))?;
        fill(a, &path, &json)?;
        fill(b, &txt, &crate::privacy::subject::render_text(&x))?;
        Ok(format!(
            "Subject export written: {} and {} (0600)",
            path.display(),
            txt.display()
        ))
    }
}

#[derive(Debug, Clone)]
pub struct EraseForm {
    pub form: Form,
    id: Id,
    name: String,
}

impl EraseForm {
    pub fn new(id: Id, name: &str) -> EraseForm {
        EraseForm {
            form: Form::new(vec![
                Field::text("name", "Type the name", "").with_hint(format!(
                    "exactly as shown: {}",
                    crate::tui::text::clean(name)
                )),
                Field::text("reason", "Reason", "")
                    .with_hint("kept sealed in the erasure journal; no personal data"),
            ]),
            id,
            name: name.to_string(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Outcome {
        if let Some(o) = step(&mut self.form, action) {
            return o;
        }
        if self.form.value("name").trim() != self.name.trim() {
            self.form.message =
                Some("The name does not match: nothing was erased. Type it exactly.".into());
            return Outcome::Stay;
        }
        let req = Request::CustomerErase {
            id: self.id,
            reason: self.form.value("reason"),
        };
        match ctx.call(req) {
            Ok(Response::Erased {
                unlinked_tasks,
                backups,
            }) => {
                let backups = match backups {
                    Some(r) => r.summary(),
                    None => "no backup folder is configured".into(),
                };
                ctx.ok(format!(
                    "Erased; {unlinked_tasks} linked tasks lost the link; backups: {backups}"
                ));
                Outcome::Saved(self.id)
            }
            Ok(_) => {
                ctx.fail(&super::unexpected());
                Outcome::Stay
            }
            Err(Error::Invalid(inv)) => {
                self.form.set_invalid(&inv);
                Outcome::Stay
            }
            Err(e) => {
                self.form.message = Some(e.to_string());
                ctx.fail(&e);
                Outcome::Stay
            }
        }
    }
}
