//! Tasks: mine or everyone's, filtered; mark done, edit, assign, jump to the customer.

mod draw;
mod edit;
mod list;

use crate::tui::screens::versioned::VersionedForm;
use std::collections::HashMap;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use self::edit::Editor;
use super::{Ctx, Me, Nav, Screen, unexpected};
use crate::domain::role::Scope;
use crate::domain::{Id, Permission, Task, TaskStatus};
use crate::service::{Request, Response, TaskScope};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::screens::paged::{Listing, Paged};
use crate::tui::ui::Ui;
use crate::tui::widgets::form::Outcome;
use crate::tui::widgets::table::Selection;

/// Which tasks the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Open,
    Overdue,
    Week,
    All,
}

impl View {
    fn next(self) -> View {
        match self {
            View::Open => View::Overdue,
            View::Overdue => View::Week,
            View::Week => View::All,
            View::All => View::Open,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            View::Open => "open",
            View::Overdue => "overdue",
            View::Week => "due this week",
            View::All => "all",
        }
    }
}

#[derive(Debug, Clone)]
enum Mode {
    Browse,
    Edit(Box<Editor>),
}

#[derive(Default)]
pub struct Tasks {
    scope: TaskScope,
    view: View,
    /// The window of the tasks passing the view and scope, in the service's order, that
    /// is on screen (loaded on entering, when the selection leaves it, and after changes).
    list: Paged<Task>,
    sel: Selection,
    /// The task opened with Enter (a view, audited).
    open: Option<Task>,
    /// Names of the customers tasks link to.
    customers: HashMap<Id, String>,
    mode: Option<Mode>,
    /// Today at the last load, for marking overdue tasks.
    today: jiff::civil::Date,
    /// The task trash, when open over the list (`T`).
    trash: Option<crate::tui::screens::trash::TrashView>,
}

impl Tasks {
    fn mode(&self) -> &Mode {
        self.mode.as_ref().unwrap_or(&Mode::Browse)
    }

    /// Loads the list for a changed view or scope; an open task the new list no longer has
    /// closes, so the pane never shows what the filter leaves out. The new list starts at
    /// the top, as on Customers, unless the open task is in it.
    fn refilter(&mut self, ctx: &mut Ctx) {
        let open = self.open.as_ref().map(|t| t.id);
        self.sel.index = 0;
        self.reload_around(open, ctx);
        if open.is_some_and(|id| self.list.position(|t| t.id == id).is_none()) {
            self.open = None;
        }
    }

    fn selected(&self) -> Option<&Task> {
        self.open.as_ref().or_else(|| self.highlighted())
    }

    fn customer_name(&self, id: Option<Id>) -> String {
        id.map(|c| {
            self.customers
                .get(&c)
                .cloned()
                .unwrap_or_else(|| format!("#{c}"))
        })
        .unwrap_or_default()
    }

    fn may_edit(me: &Me, t: &Task) -> bool {
        match me.scope(Permission::TaskWrite) {
            Scope::All => true,
            Scope::Own => t.data.assignee == Some(me.id) || t.stamp.created_by == me.id,
            Scope::None => false,
        }
    }

    /// Opens a task by id (from the quick lookup).
    pub fn open_id(&mut self, id: Id, ctx: &mut Ctx) {
        self.mode = None;
        match self.list.position(|t| t.id == id) {
            Some(i) => self.sel.index = i,
            // Opened from elsewhere (the quick lookup): bring its window.
            None => self.reload_around(Some(id), ctx),
        }
        match ctx.call(Request::TaskGet { id }) {
            Ok(Response::Task(t)) => self.open = Some(*t),
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
    }

    /// A new task, linked to a customer when one is given.
    pub fn new_task(&mut self, customer: Option<(Id, String)>, ctx: &mut Ctx) {
        if let Some((id, name)) = &customer {
            self.customers.insert(*id, name.clone());
        }
        self.mode = Some(Mode::Edit(Box::new(Editor::create(
            customer,
            &ctx.me.username,
        ))));
    }

    fn done(&mut self, ctx: &mut Ctx) {
        let Some(t) = self.selected() else { return };
        let id = t.id;
        match ctx.call(Request::TaskSetStatus {
            id,
            status: TaskStatus::Done,
        }) {
            Ok(_) => {
                ctx.ok("Marked done");
                self.open = None;
                // Gone from the open view: the next task takes its place.
                self.reload_around(Some(id), ctx);
            }
            Err(e) => ctx.fail(&e),
        }
    }

    fn update_browse(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let me = ctx.me.clone();
        match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::First
            | Action::Last => {
                self.open = None;
                self.sel.apply(action, self.list.total());
                self.fill(ctx);
            }
            Action::Open => {
                if let Some(id) = self.highlighted().map(|t| t.id) {
                    self.open_id(id, ctx);
                }
            }
            Action::Back if self.open.is_some() => self.open = None,
            Action::New if me.can(Permission::TaskWrite) => self.new_task(None, ctx),
            Action::Edit | Action::Assign if self.offers(&me, action) => {
                if let Some(t) = self.selected().cloned() {
                    let name = self.customer_name(t.data.customer);
                    let ed = if action == Action::Edit {
                        Editor::edit(&t, ctx.people, &name)
                    } else {
                        Editor::assign(&t, ctx.people)
                    };
                    self.mode = Some(Mode::Edit(Box::new(ed)));
                }
            }
            Action::Done if self.offers(&me, action) => self.done(ctx),
            Action::Scope if me.scope(Permission::TaskRead) == Scope::All => {
                self.scope = if self.scope == TaskScope::Mine {
                    TaskScope::All
                } else {
                    TaskScope::Mine
                };
                self.refilter(ctx);
            }
            Action::Filter => {
                self.view = self.view.next();
                self.refilter(ctx);
            }
            Action::OpenCustomer if self.offers(&me, action) => {
                match self.selected().map(|t| t.data.customer) {
                    Some(Some(c)) => ctx.nav = Some(Nav::Customer(c)),
                    Some(None) => {
                        ctx.note = Some(super::Note::info("This task is not for a customer."));
                    }
                    None => {}
                }
            }
            _ => return false,
        }
        true
    }
}

impl Screen for Tasks {
    fn chain(&self) -> &'static [Context] {
        if self.trash.is_some() {
            return chain::TRASH;
        }
        match self.mode() {
            Mode::Browse => chain::TASKS,
            Mode::Edit(e) if e.conflict.is_some() => chain::CONFLICT,
            Mode::Edit(_) => chain::FORM,
        }
    }

    fn typing(&self) -> bool {
        matches!(self.mode(), Mode::Edit(e) if e.conflict.is_none())
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        use crate::tui::screens::trash::{Routed, route};
        if !matches!(self.mode(), Mode::Edit(_)) {
            let kind = crate::privacy::RecordKind::Task;
            match route(&mut self.trash, kind, Permission::TaskWrite, action, ctx) {
                Routed::NotOpen => {}
                Routed::Handled(b) => return b,
                Routed::Restored => {
                    self.reload(ctx);
                    return true;
                }
            }
        }
        let Some(Mode::Edit(ed)) = self.mode.as_mut() else {
            return self.update_browse(action, ctx);
        };
        match ed.update(action, ctx) {
            Outcome::Stay => {}
            Outcome::Ignored => return false,
            Outcome::Cancel => self.mode = None,
            Outcome::Saved(id) => {
                self.mode = None;
                self.reload_around(Some(id), ctx);
                self.open = None;
            }
        }
        true
    }

    fn input(&mut self, key: &KeyEvent, _ctx: &mut Ctx) {
        if let Some(Mode::Edit(ed)) = self.mode.as_mut() {
            ed.form.input(key);
        }
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) {
        if let Some(Mode::Edit(ed)) = self.mode.as_mut() {
            ed.form.paste(text);
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        // Names may have changed since: ask again on entering the tab.
        self.customers.clear();
        self.reload(ctx);
    }

    /// The list carries whole tasks, so an open task is brought up to date from it without
    /// an (audited) fetch; one that left the list (done elsewhere, say) stays as it was.
    fn refresh(&mut self, ctx: &mut Ctx) {
        if !matches!(self.mode(), Mode::Browse) {
            return;
        }
        // Only the window travels again, held around the open task or the selection.
        let keep = self
            .open
            .as_ref()
            .map(|t| t.id)
            .or_else(|| self.highlighted().map(|t| t.id));
        self.reload_around(keep, ctx);
        if let Some(open) = self.open.as_mut() {
            if let Some(t) = self.list.rows().iter().find(|t| t.id == open.id) {
                if t.stamp.version != open.stamp.version {
                    *open = t.clone();
                }
            }
        }
    }

    fn leave(&mut self) {
        self.open = None;
        self.trash = None;
    }

    fn unsaved(&self) -> bool {
        matches!(self.mode(), Mode::Edit(e) if e.form.changed())
    }

    fn hints(&self) -> &'static [Action] {
        use Action::*;
        if self.trash.is_some() {
            return crate::tui::screens::trash::TrashView::HINTS;
        }
        match self.mode() {
            Mode::Browse if self.open.is_some() => &[Back, Done, Edit, Assign, OpenCustomer, Help],
            Mode::Browse => &[Open, New, Done, Scope, Filter, Lookup, Help],
            Mode::Edit(e) if e.conflict.is_some() => &[Reload, Overwrite, Cancel],
            Mode::Edit(_) => &[Save, NextField, Toggle, Cancel],
        }
    }

    fn offers(&self, me: &Me, action: Action) -> bool {
        let t = self.selected();
        match action {
            Action::New => me.can(Permission::TaskWrite),
            Action::Edit | Action::Assign | Action::Done => {
                t.is_some_and(|t| Tasks::may_edit(me, t))
            }
            Action::Scope => me.scope(Permission::TaskRead) == Scope::All,
            // Offered (and in `?` help) wherever customers can be read; a task without one
            // says so when `c` is pressed.
            Action::OpenCustomer => me.can(Permission::CustomerRead),
            Action::Trash | Action::Restore => me.can(Permission::TaskWrite),
            _ => true,
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        if let Some(v) = &self.trash {
            return v.draw(f, area, ui);
        }
        draw::draw(self, f, area, ui);
    }
}
