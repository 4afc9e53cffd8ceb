//! The trash and the history views, opened from Customers (`T`, `H`); the views themselves
//! live in `screens/trash.rs` and `screens/history.rs`.

use super::*;
use crate::privacy::RecordKind;
use crate::tui::screens::history::{self, HistoryView};
use crate::tui::screens::subject::{EraseForm, ExportForm};
use crate::tui::screens::trash::{self, TrashView};

impl Customers {
    pub(super) fn open_lifecycle(&mut self, action: Action, ctx: &mut Ctx) {
        let me = ctx.me.clone();
        match action {
            Action::Trash if me.can(Permission::CustomerAdmin) => {
                self.hide();
                self.mode = Mode::Trash(Box::new(TrashView::open(RecordKind::Customer, ctx)));
            }
            Action::Trash => {
                ctx.note = Some(crate::tui::screens::Note::warn(format!(
                    "The {} role cannot open the customer trash.",
                    me.role
                )));
            }
            Action::SubjectExport | Action::Erase if !self.offers(&me, action) => {
                let what = if action == Action::Erase {
                    "erase customers"
                } else {
                    "export a customer's data"
                };
                ctx.note = Some(crate::tui::screens::Note::warn(format!(
                    "The {} role cannot {what}.",
                    me.role
                )));
            }
            Action::SubjectExport => {
                if let Some(id) = self.target() {
                    self.mode = Mode::Subject(Box::new(ExportForm::new(id)));
                }
            }
            Action::Erase => {
                let name = self
                    .open
                    .as_ref()
                    .map(|c| c.data.name.clone())
                    .or_else(|| self.selected().map(|c| c.name.clone()));
                if let (Some(id), Some(name)) = (self.target(), name) {
                    self.mode = Mode::Erase(Box::new(EraseForm::new(id, &name)));
                }
            }
            Action::History => {
                let Some(id) = self.target() else { return };
                let name = self
                    .open
                    .as_ref()
                    .map(|c| c.data.name.clone())
                    .or_else(|| self.selected().map(|c| c.name.clone()))
                    .unwrap_or_default();
                let may = me.reaches(Permission::CustomerWrite, self.target_owner());
                self.mode = Mode::History(Box::new(HistoryView::open(id, &name, may, ctx)));
            }
            _ => {}
        }
    }

    pub(super) fn update_lifecycle(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match &mut self.mode {
            Mode::Trash(v) => match v.update(action, ctx) {
                trash::Step::Stay => true,
                trash::Step::Ignored => false,
                trash::Step::Close => {
                    self.mode = Mode::Browse;
                    true
                }
                trash::Step::Restored(_) => {
                    self.reload_from_top(ctx);
                    true
                }
            },
            Mode::History(v) => match v.update(action, ctx) {
                history::Step::Stay => true,
                history::Step::Ignored => false,
                history::Step::Close => {
                    self.mode = Mode::Browse;
                    true
                }
                history::Step::Reverted(id) => {
                    // The record behind the view shows the reverted fields when it closes.
                    let view = std::mem::replace(&mut self.mode, Mode::Browse);
                    self.reload_from_top(ctx);
                    self.open_id(id, ctx);
                    self.mode = view;
                    true
                }
            },
            Mode::Subject(x) => {
                match x.update(action, ctx) {
                    Outcome::Ignored => return false,
                    Outcome::Stay => {}
                    Outcome::Cancel | Outcome::Saved(_) => self.mode = Mode::Browse,
                }
                true
            }
            Mode::Erase(x) => {
                match x.update(action, ctx) {
                    Outcome::Ignored => return false,
                    Outcome::Stay => {}
                    Outcome::Cancel => self.mode = Mode::Browse,
                    Outcome::Saved(_) => {
                        self.mode = Mode::Browse;
                        self.hide();
                        self.reload_from_top(ctx);
                    }
                }
                true
            }
            _ => false,
        }
    }
}
