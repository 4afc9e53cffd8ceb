//! Employees: the directory everyone sees; the HR part (and editing) for hr and admin.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

mod draw;
mod edit;
mod list;

use self::edit::Editor;
use crate::domain::customer::Address;
use crate::domain::text::date;
use crate::domain::{Employee, EmployeeHr, EmployeeInput, FieldError, Id, Permission};
use crate::service::{Error, Request, Response};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::screens::paged::{Listing, Paged};
use crate::tui::screens::{Ctx, Me, Note, Screen, unexpected};
use crate::tui::text::clean;
use crate::tui::ui::Ui;
use crate::tui::widgets::conflict::Conflict;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::pane;
use crate::tui::widgets::table::{self, Row, Selection, Width, col};

#[derive(Default)]
pub struct Employees {
    /// The window of the directory, by name, that is on screen (loaded on entering, when
    /// the selection leaves it, and after changes).
    list: Paged<Employee>,
    sel: Selection,
    /// Opened with Enter; with the HR part after a reveal.
    open: Option<Employee>,
    revealed: bool,
    edit: Option<Editor>,
    /// The employee trash, when open over the list (`T`, HR and admin).
    trash: Option<crate::tui::screens::trash::TrashView>,
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

impl Employees {
    pub fn open_id(&mut self, id: Id, reveal: bool, ctx: &mut Ctx) {
        self.edit = None;
        match self.list.position(|e| e.id == id) {
            Some(i) => self.sel.index = i,
            // Opened from elsewhere (the quick lookup): bring its window.
            None => self.reload_around(Some(id), ctx),
        }
        match ctx.call(Request::EmployeeGet { id, reveal }) {
            Ok(Response::Employee(e)) => {
                self.open = Some(*e);
                self.revealed = reveal;
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
    }

    fn selected_id(&self) -> Option<Id> {
        self.open
            .as_ref()
            .map(|e| e.id)
            .or_else(|| self.highlighted().map(|e| e.id))
    }

    fn update_edit(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let Some(ed) = self.edit.as_mut() else {
            return false;
        };
        if let Some(c) = ed.conflict.clone() {
            match action {
                Action::Overwrite => {
                    ed.conflict = None;
                    if let Some(id) = ed.save(c.version, ctx) {
                        self.saved(id, ctx);
                    }
                }
                Action::Reload => {
                    let id = ed.id;
                    self.edit = None;
                    if let Some(id) = id {
                        let hr = self.revealed;
                        self.open_id(id, hr, ctx);
                        self.edit = Some(Editor::new(self.open.as_ref(), hr));
                    }
                }
                Action::Cancel => ed.conflict = None,
                _ => {}
            }
            return true;
        }
        match action {
            Action::NextField => ed.form.next(),
            Action::PrevField => ed.form.prev(),
            Action::Save => {
                let version = ed.version;
                if let Some(id) = ed.save(version, ctx) {
                    self.saved(id, ctx);
                }
            }
            Action::Cancel => self.edit = None,
            Action::Toggle if ed.form.toggle() => {}
            _ => return false,
        }
        true
    }

    fn saved(&mut self, id: Id, ctx: &mut Ctx) {
        let hr = self.edit.as_ref().is_some_and(|e| e.hr);
        self.edit = None;
        ctx.ok("Saved");
        self.reload_around(Some(id), ctx);
        self.open_id(id, hr, ctx);
    }
}

impl Screen for Employees {
    fn chain(&self) -> &'static [Context] {
        if self.trash.is_some() {
            return chain::TRASH;
        }
        match &self.edit {
            Some(e) if e.conflict.is_some() => chain::CONFLICT,
            Some(_) => chain::FORM,
            None => chain::EMPLOYEES,
        }
    }

    fn typing(&self) -> bool {
        self.edit.as_ref().is_some_and(|e| e.conflict.is_none())
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        if self.edit.is_some() {
            return self.update_edit(action, ctx);
        }
        {
            use crate::tui::screens::trash::{Routed, route};
            let kind = crate::privacy::RecordKind::Employee;
            match route(&mut self.trash, kind, Permission::EmployeeHr, action, ctx) {
                Routed::NotOpen => {}
                Routed::Handled(b) => return b,
                Routed::Restored => {
                    self.reload(ctx);
                    return true;
                }
            }
        }
        let hr = ctx.me.can(Permission::EmployeeHr);
        match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::First
            | Action::Last => {
                self.open = None;
                self.revealed = false;
                self.sel.apply(action, self.list.total());
                self.fill(ctx);
            }
            Action::Open => {
                if let Some(id) = self.highlighted().map(|e| e.id) {
                    self.open_id(id, false, ctx);
                }
            }
            Action::Back if self.open.is_some() => self.leave(),
            Action::Reveal if hr => {
                if let Some(id) = self.selected_id() {
                    self.open_id(id, true, ctx);
                }
            }
            Action::New if hr => self.edit = Some(Editor::new(None, true)),
            Action::Edit if hr => {
                if let Some(id) = self.selected_id() {
                    self.open_id(id, true, ctx);
                    self.edit = self.open.as_ref().map(|e| Editor::new(Some(e), true));
                }
            }
            _ => return false,
        }
        true
    }

    fn input(&mut self, key: &KeyEvent, _ctx: &mut Ctx) {
        if let Some(e) = self.edit.as_mut() {
            e.form.input(key);
        }
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) {
        if let Some(e) = self.edit.as_mut() {
            e.form.paste(text);
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        self.reload(ctx);
    }

    /// The directory carries everything but the HR part, so an open record is brought up to
    /// date from it without an (audited) fetch; a revealed one is hidden again instead of
    /// being revealed anew without a key from the person.
    fn refresh(&mut self, ctx: &mut Ctx) {
        if self.edit.is_some() {
            return;
        }
        // Only the window travels again, held around the open record or the selection.
        let keep = self.selected_id();
        self.reload_around(keep, ctx);
        let Some(open) = &self.open else { return };
        let name = clean(&open.data.name);
        match self.list.rows().iter().find(|e| e.id == open.id) {
            Some(e) if e.stamp.version == open.stamp.version => {}
            Some(e) => {
                if self.revealed {
                    ctx.note = Some(Note::warn(format!(
                        "{name} was changed by someone else; the HR fields are hidden again"
                    )));
                }
                self.open = Some(e.clone());
                self.revealed = false;
            }
            None => {
                self.leave();
                ctx.note = Some(Note::warn(format!("{name} was removed by someone else")));
            }
        }
    }

    fn leave(&mut self) {
        self.open = None;
        self.revealed = false;
        self.trash = None;
    }

    fn unsaved(&self) -> bool {
        self.edit.as_ref().is_some_and(|e| e.form.changed())
    }

    fn hints(&self) -> &'static [Action] {
        use Action::*;
        if self.trash.is_some() {
            return crate::tui::screens::trash::TrashView::HINTS;
        }
        match &self.edit {
            Some(e) if e.conflict.is_some() => &[Reload, Overwrite, Cancel],
            Some(_) => &[Save, NextField, Cancel],
            None if self.open.is_some() => &[Back, Reveal, Edit, Help],
            None => &[Open, New, Lookup, Help],
        }
    }

    fn offers(&self, me: &Me, action: Action) -> bool {
        match action {
            Action::New | Action::Edit | Action::Reveal | Action::Trash | Action::Restore => {
                me.can(Permission::EmployeeHr)
            }
            _ => true,
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        if let Some(v) = &self.trash {
            return v.draw(f, area, ui);
        }
        self.draw_screen(f, area, ui);
    }
}
