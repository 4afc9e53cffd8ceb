//! What the customer and task forms share: they save with the version they were loaded
//! at, and when someone else saved first, the person chooses to reload theirs or overwrite.

use crate::service::Error;
use crate::tui::action::Action;
use crate::tui::screens::Ctx;
use crate::tui::widgets::conflict::Conflict;
use crate::tui::widgets::form::{Form, Outcome};

pub trait VersionedForm {
    fn form(&mut self) -> &mut Form;
    fn conflict(&mut self) -> &mut Option<Conflict>;
    /// The version the form was loaded at.
    fn loaded_version(&self) -> u64;
    /// Saves as an update of `version`.
    fn save_at(&mut self, version: u64, ctx: &mut Ctx) -> Outcome;
    /// Replaces the form with the record as it is now.
    fn reload_theirs(&mut self, ctx: &mut Ctx);

    /// A save the service refused: field errors go next to their fields, a conflict opens
    /// the reload-or-overwrite choice, anything else is said on the form and the status line.
    fn save_failed(&mut self, e: Error, ctx: &mut Ctx) -> Outcome {
        match e {
            Error::Invalid(inv) => self.form().set_invalid(&inv),
            e => match Conflict::from_error(&e) {
                Some(c) => *self.conflict() = Some(c),
                None => {
                    self.form().message = Some(e.to_string());
                    ctx.fail(&e);
                }
            },
        }
        Outcome::Stay
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx) -> Outcome {
        if let Some(c) = self.conflict().clone() {
            match action {
                Action::Reload => {
                    *self.conflict() = None;
                    self.reload_theirs(ctx);
                }
                Action::Overwrite => {
                    *self.conflict() = None;
                    return self.save_at(c.version, ctx);
                }
                Action::Cancel | Action::Back => *self.conflict() = None,
                _ => {}
            }
            return Outcome::Stay;
        }
        let version = self.loaded_version();
        match action {
            // Only an explicit save saves: Tab or Enter on the last field stays there.
            Action::NextField if self.form().on_last() => {}
            Action::NextField => self.form().next(),
            Action::PrevField => self.form().prev(),
            Action::Save => return self.save_at(version, ctx),
            Action::Cancel => return Outcome::Cancel,
            Action::Toggle if self.form().toggle() => {}
            _ => return Outcome::Ignored,
        }
        Outcome::Stay
    }
}
