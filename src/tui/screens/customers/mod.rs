//! Customers: a searchable, filterable list; the record with its timeline; the editor.
//! State and updates live here, drawing in `draw.rs`, the forms in `edit.rs`.

mod draw;
mod edit;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use self::edit::{Editor, Note as NoteForm};
use super::{Ctx, Me, Nav, Screen, unexpected};
use crate::domain::customer::CustomerStatus;
use crate::domain::text::fold;
use crate::domain::{Customer, Id, Permission};
use crate::search::CustomerSummary;
use crate::service::{CustomerFilter, Request, Response};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::ui::Ui;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::form::{Field, Form, Outcome};
use crate::tui::widgets::input::Input;
use crate::tui::widgets::table::Selection;

/// How many search results to ask for.
pub const SEARCH_LIMIT: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// By name; while searching, names starting with the first word come first.
    #[default]
    Name,
    Updated,
    Created,
}

impl Sort {
    fn next(self) -> Sort {
        match self {
            Sort::Name => Sort::Updated,
            Sort::Updated => Sort::Created,
            Sort::Created => Sort::Name,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Updated => "recently changed",
            Sort::Created => "newest",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    List,
    Record,
}

#[derive(Debug, Clone)]
enum Mode {
    Browse,
    Search,
    Edit(Box<Editor>),
    Log(Box<NoteForm>),
    Tag(Form),
    Delete(Confirm<Id>),
}

pub struct Customers {
    search: Input,
    status: Option<CustomerStatus>,
    tag: Option<String>,
    mine: bool,
    sort: Sort,
    /// Every customer passing the filters, sorted (loaded on entering and after changes).
    all: Vec<CustomerSummary>,
    /// Search results while there is a query.
    found: Option<Vec<CustomerSummary>>,
    sel: Selection,
    /// The record opened with Enter (a view, audited); sensitive part only after reveal.
    open: Option<Customer>,
    revealed: bool,
    focus: Focus,
    /// First timeline entry shown.
    scroll: usize,
    mode: Mode,
}

impl Default for Customers {
    fn default() -> Self {
        Customers {
            search: Input::default(),
            status: None,
            tag: None,
            mine: false,
            sort: Sort::default(),
            all: Vec::new(),
            found: None,
            sel: Selection::default(),
            open: None,
            revealed: false,
            focus: Focus::List,
            scroll: 0,
            mode: Mode::Browse,
        }
    }
}

impl Customers {
    /// The rows shown: the search results, or everyone.
    pub fn rows(&self) -> &[CustomerSummary] {
        self.found.as_deref().unwrap_or(&self.all)
    }

    fn keep(&self, c: &CustomerSummary, me: Id) -> bool {
        self.status.is_none_or(|s| c.status == s)
            && self
                .tag
                .as_ref()
                .is_none_or(|t| c.tags.iter().any(|x| x.eq_ignore_ascii_case(t)))
            && (!self.mine || c.owner == Some(me))
    }

    /// Loads every customer passing the filters, then the search results if searching.
    pub fn reload(&mut self, ctx: &mut Ctx) {
        let filter = CustomerFilter {
            status: self.status,
            tag: self.tag.clone(),
            mine: self.mine,
        };
        match ctx.call(Request::CustomerList { filter }) {
            Ok(Response::Customers(list)) => {
                self.all = list;
                self.all = sorted(std::mem::take(&mut self.all), self.sort, "");
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
        self.run_search(ctx);
    }

    /// Runs the search for the current query (a keystroke): only the matches travel.
    fn run_search(&mut self, ctx: &mut Ctx) {
        let query = self.search.value();
        if query.trim().is_empty() {
            self.found = None;
        } else {
            match ctx.call(Request::CustomerSearch {
                query: query.clone(),
                limit: SEARCH_LIMIT,
            }) {
                Ok(Response::Customers(list)) => {
                    let me = ctx.me.id;
                    let list = list.into_iter().filter(|c| self.keep(c, me)).collect();
                    self.found = Some(sorted(list, self.sort, &query));
                }
                Ok(_) => ctx.fail(&unexpected()),
                Err(e) => ctx.fail(&e),
            }
        }
        self.sel.clamp(self.rows().len());
    }

    fn selected(&self) -> Option<&CustomerSummary> {
        self.rows().get(self.sel.index)
    }

    /// The id the record actions apply to: the open record, else the highlighted row.
    fn target(&self) -> Option<Id> {
        self.open
            .as_ref()
            .map(|c| c.id)
            .or_else(|| self.selected().map(|c| c.id))
    }

    fn target_owner(&self) -> Option<Id> {
        match &self.open {
            Some(c) => c.data.owner,
            None => self.selected().and_then(|c| c.owner),
        }
    }

    fn get(&mut self, id: Id, reveal: bool, ctx: &mut Ctx) -> Option<Customer> {
        match ctx.call(Request::CustomerGet { id, reveal }) {
            Ok(Response::Customer(c)) => Some(*c),
            Ok(_) => {
                ctx.fail(&unexpected());
                None
            }
            Err(e) => {
                ctx.fail(&e);
                None
            }
        }
    }

    /// Opens a record by id (from the list, the quick lookup or a task).
    pub fn open_id(&mut self, id: Id, ctx: &mut Ctx) {
        self.hide();
        self.mode = Mode::Browse;
        if let Some(i) = self.rows().iter().position(|c| c.id == id) {
            self.sel.index = i;
        }
        if let Some(c) = self.get(id, false, ctx) {
            self.open = Some(c);
            self.focus = Focus::Record;
            self.scroll = 0;
        }
    }

    /// Forgets the sensitive fields and closes the record.
    fn hide(&mut self) {
        self.revealed = false;
        if let Some(c) = self.open.as_mut() {
            c.data.sensitive = None;
        }
        self.open = None;
        self.focus = Focus::List;
    }

    fn reveal(&mut self, ctx: &mut Ctx) {
        let Some(id) = self.target() else { return };
        if let Some(c) = self.get(id, true, ctx) {
            self.open = Some(c);
            self.revealed = true;
            self.focus = Focus::Record;
            ctx.note = Some(super::Note::warn(
                "Sensitive fields shown (the view is audited); they hide when you leave",
            ));
        }
    }

    fn start_edit(&mut self, ctx: &mut Ctx) {
        let Some(id) = self.target() else { return };
        let record = match self.open.take() {
            Some(c) if c.id == id => Some(c),
            _ => self.get(id, false, ctx),
        };
        if let Some(c) = record {
            let people = ctx.people.clone();
            let can_owner =
                ctx.me.scope(Permission::CustomerWrite) == crate::domain::role::Scope::All;
            self.mode = Mode::Edit(Box::new(Editor::edit(
                &c,
                self.revealed,
                can_owner,
                &people,
            )));
            self.open = Some(c);
        }
    }

    fn after_save(&mut self, id: Id, ctx: &mut Ctx) {
        self.mode = Mode::Browse;
        self.reload(ctx);
        let reveal = self.revealed;
        self.open_id(id, ctx);
        if reveal {
            self.reveal(ctx);
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
                if self.focus == Focus::Record {
                    self.scroll = match action {
                        Action::Up | Action::PageUp => self
                            .scroll
                            .saturating_sub(if action == Action::Up { 1 } else { 10 }),
                        Action::First => 0,
                        _ => self.scroll + if action == Action::Down { 1 } else { 10 },
                    };
                } else {
                    self.sel.apply(action, self.rows().len());
                }
            }
            Action::Open => {
                if let Some(id) = self.selected().map(|c| c.id) {
                    self.open_id(id, ctx);
                }
            }
            Action::Back if self.focus == Focus::Record => self.hide(),
            Action::Back if !self.search.is_empty() => {
                self.search.clear();
                self.run_search(ctx);
            }
            Action::Search => {
                self.hide();
                self.mode = Mode::Search;
            }
            Action::New if me.can(Permission::CustomerWrite) => {
                let people = ctx.people.clone();
                let can_owner =
                    me.scope(Permission::CustomerWrite) == crate::domain::role::Scope::All;
                self.mode = Mode::Edit(Box::new(Editor::create(&me, can_owner, &people)));
            }
            Action::Edit if self.offers(&me, action) => self.start_edit(ctx),
            Action::Reveal if self.offers(&me, action) => self.reveal(ctx),
            Action::Interaction if self.offers(&me, action) => {
                if let Some(id) = self.target() {
                    self.mode = Mode::Log(Box::new(NoteForm::new(id)));
                }
            }
            Action::Delete if self.offers(&me, action) => {
                let name = self
                    .open
                    .as_ref()
                    .map(|c| c.data.name.clone())
                    .or_else(|| self.selected().map(|c| c.name.clone()));
                if let (Some(id), Some(name)) = (self.target(), name) {
                    let q = format!(
                        "Delete the customer {}? Their tasks stay, unlinked. This cannot be undone.",
                        crate::tui::text::clean(&name)
                    );
                    self.mode = Mode::Delete(Confirm::new("Delete customer", q, "delete", id));
                }
            }
            Action::NewTask if me.can(Permission::TaskWrite) => {
                let name = self
                    .open
                    .as_ref()
                    .map(|c| c.data.name.clone())
                    .or_else(|| self.selected().map(|c| c.name.clone()));
                if let (Some(customer), Some(name)) = (self.target(), name) {
                    ctx.nav = Some(Nav::NewTaskFor { customer, name });
                }
            }
            Action::FilterStatus => {
                self.status = match self.status {
                    None => Some(CustomerStatus::Lead),
                    Some(s) => CustomerStatus::ALL
                        .iter()
                        .position(|x| *x == s)
                        .and_then(|i| CustomerStatus::ALL.get(i + 1).copied()),
                };
                self.reload(ctx);
            }
            Action::FilterTag => {
                let current = self.tag.clone().unwrap_or_default();
                self.mode = Mode::Tag(Form::new(vec![
                    Field::text("tag", "Tag", &current).with_hint("empty shows every tag"),
                ]));
            }
            Action::FilterMine => {
                self.mine = !self.mine;
                self.reload(ctx);
            }
            Action::Sort => {
                self.sort = self.sort.next();
                let q = self.search.value();
                self.all = sorted(std::mem::take(&mut self.all), self.sort, "");
                self.found = self.found.take().map(|f| sorted(f, self.sort, &q));
            }
            _ => return false,
        }
        if matches!(
            action,
            Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::First
                | Action::Last
        ) && self.focus == Focus::List
            && self
                .open
                .as_ref()
                .is_some_and(|c| Some(c.id) != self.selected().map(|s| s.id))
        {
            self.hide();
        }
        true
    }

    fn update_search(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match action {
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                self.sel.apply(action, self.rows().len());
            }
            Action::Open => {
                self.mode = Mode::Browse;
                if let Some(id) = self.selected().map(|c| c.id) {
                    self.open_id(id, ctx);
                }
            }
            Action::Back => self.mode = Mode::Browse,
            _ => return false,
        }
        true
    }
}

/// Sorted for `sort`; by name, names starting with the first word of `query` come first.
fn sorted(mut rows: Vec<CustomerSummary>, sort: Sort, query: &str) -> Vec<CustomerSummary> {
    match sort {
        Sort::Name => {
            let first = fold(query.split_whitespace().next().unwrap_or(""));
            rows.sort_by_cached_key(|c| {
                let name = if first.is_empty() {
                    c.name.to_lowercase()
                } else {
                    fold(&c.name)
                };
                (!first.is_empty() && !name.starts_with(&first), name, c.id)
            });
        }
        Sort::Updated => rows.sort_by_key(|c| (std::cmp::Reverse(c.updated_at), c.id)),
        Sort::Created => rows.sort_by_key(|c| (std::cmp::Reverse(c.created_at), c.id)),
    }
    rows
}

impl Screen for Customers {
    fn chain(&self) -> &'static [Context] {
        match &self.mode {
            Mode::Browse => chain::CUSTOMERS,
            Mode::Search => chain::SEARCH,
            Mode::Edit(e) if e.conflict.is_some() => chain::CONFLICT,
            Mode::Edit(_) | Mode::Log(_) | Mode::Tag(_) => chain::FORM,
            Mode::Delete(_) => chain::CONFIRM,
        }
    }

    fn typing(&self) -> bool {
        match &self.mode {
            Mode::Search | Mode::Log(_) | Mode::Tag(_) => true,
            Mode::Edit(e) => e.conflict.is_none(),
            _ => false,
        }
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match &mut self.mode {
            Mode::Browse => self.update_browse(action, ctx),
            Mode::Search => self.update_search(action, ctx),
            Mode::Edit(ed) => match ed.update(action, ctx) {
                Outcome::Stay => true,
                Outcome::Ignored => false,
                Outcome::Cancel => {
                    self.mode = Mode::Browse;
                    true
                }
                Outcome::Saved(id) => {
                    self.after_save(id, ctx);
                    true
                }
            },
            Mode::Log(n) => match n.update(action, ctx) {
                Outcome::Stay => true,
                Outcome::Ignored => false,
                Outcome::Cancel => {
                    self.mode = Mode::Browse;
                    true
                }
                Outcome::Saved(id) => {
                    self.after_save(id, ctx);
                    true
                }
            },
            Mode::Tag(form) => {
                match action {
                    Action::NextField | Action::Save => {
                        self.tag = form.opt("tag").map(|t| t.to_lowercase());
                        self.mode = Mode::Browse;
                        self.reload(ctx);
                    }
                    Action::Cancel => self.mode = Mode::Browse,
                    _ => return false,
                }
                true
            }
            Mode::Delete(c) => {
                match c.answer(action) {
                    Answer::Yes(id) => {
                        self.mode = Mode::Browse;
                        match ctx.call(Request::CustomerDelete { id }) {
                            Ok(_) => {
                                self.hide();
                                ctx.ok("Customer deleted");
                                self.reload(ctx);
                            }
                            Err(e) => ctx.fail(&e),
                        }
                    }
                    Answer::No => self.mode = Mode::Browse,
                    Answer::Pending => {}
                }
                true
            }
        }
    }

    fn input(&mut self, key: &KeyEvent, ctx: &mut Ctx) {
        match &mut self.mode {
            Mode::Search => {
                let before = self.search.value();
                self.search.handle(key);
                if self.search.value() != before {
                    self.sel.index = 0;
                    self.run_search(ctx);
                }
            }
            Mode::Edit(ed) => {
                ed.form.input(key);
            }
            Mode::Log(n) => {
                n.form.input(key);
            }
            Mode::Tag(form) => {
                form.input(key);
            }
            _ => {}
        }
    }

    fn paste(&mut self, text: &str, ctx: &mut Ctx) {
        match &mut self.mode {
            Mode::Search => {
                self.search.insert_str(text);
                self.run_search(ctx);
            }
            Mode::Edit(ed) => ed.form.paste(text),
            Mode::Log(n) => n.form.paste(text),
            Mode::Tag(form) => form.paste(text),
            _ => {}
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        self.reload(ctx);
    }

    fn leave(&mut self) {
        self.hide();
        if matches!(self.mode, Mode::Search | Mode::Delete(_) | Mode::Tag(_)) {
            self.mode = Mode::Browse;
        }
    }

    fn unsaved(&self) -> bool {
        match &self.mode {
            Mode::Edit(e) => e.form.changed(),
            Mode::Log(n) => n.form.changed(),
            _ => false,
        }
    }

    fn hints(&self) -> &'static [Action] {
        use Action::*;
        match (&self.mode, self.focus) {
            (Mode::Browse, Focus::List) => &[
                Open,
                Search,
                New,
                FilterStatus,
                FilterMine,
                Sort,
                Lookup,
                Help,
            ],
            (Mode::Browse, Focus::Record) => {
                &[Back, Edit, Interaction, NewTask, Reveal, Delete, Help]
            }
            (Mode::Search, _) => &[Open, Back],
            (Mode::Edit(e), _) if e.conflict.is_some() => &[Reload, Overwrite, Cancel],
            (Mode::Edit(_) | Mode::Log(_) | Mode::Tag(_), _) => &[Save, NextField, Toggle, Cancel],
            (Mode::Delete(_), _) => &[Yes, No],
        }
    }

    fn offers(&self, me: &Me, action: Action) -> bool {
        let owner = self.target_owner();
        match action {
            Action::New => me.can(Permission::CustomerWrite),
            Action::Edit | Action::Interaction => {
                self.target().is_some() && me.reaches(Permission::CustomerWrite, owner)
            }
            Action::Reveal => {
                self.target().is_some() && me.reaches(Permission::CustomerSensitive, owner)
            }
            Action::Delete => self.target().is_some() && me.can(Permission::CustomerAdmin),
            Action::NewTask => self.target().is_some() && me.can(Permission::TaskWrite),
            _ => true,
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        draw::draw(self, f, area, ui);
    }
}
