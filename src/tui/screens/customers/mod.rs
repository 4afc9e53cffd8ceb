//! Customers: a searchable, filterable list; the record with its timeline; the editor.
//! State and updates live here, drawing in `draw.rs`, the forms in `edit.rs`.

mod draw;
mod duplicate;
mod edit;
mod lifecycle;
mod linked;
mod list;
mod refresh;
mod update;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use self::edit::{Editor, Note as NoteForm};
use super::{Ctx, Me, Nav, Screen, unexpected};
use crate::domain::customer::CustomerStatus;
use crate::domain::text::fold;
use crate::domain::{Customer, Id, Permission};
use crate::search::CustomerSummary;
use crate::search::Start;
use crate::service::{CustomerFilter, Request, Response};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::screens::paged::{Listing, Paged};
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
    Status,
}

impl Sort {
    fn next(self) -> Sort {
        match self {
            Sort::Name => Sort::Updated,
            Sort::Updated => Sort::Created,
            Sort::Created => Sort::Status,
            Sort::Status => Sort::Name,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Updated => "recently changed",
            Sort::Created => "newest",
            Sort::Status => "status",
        }
    }

    /// The order the service sorts the list in.
    fn service(self) -> crate::search::Sort {
        use crate::search::SortKey;
        let (key, desc) = match self {
            Sort::Name => (SortKey::Name, false),
            Sort::Updated => (SortKey::Updated, true),
            Sort::Created => (SortKey::Created, true),
            Sort::Status => (SortKey::Status, false),
        };
        crate::search::Sort { key, desc }
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
    Trash(Box<super::trash::TrashView>),
    History(Box<super::history::HistoryView>),
    Subject(Box<super::subject::ExportForm>),
    Erase(Box<super::subject::EraseForm>),
    /// The import screen, over the list (admins and managers).
    Import(Box<crate::tui::screens::import::Import>),
    Export(Box<crate::tui::screens::import::export::ExportForm>),
}

pub struct Customers {
    search: Input,
    status: Option<CustomerStatus>,
    tag: Option<String>,
    mine: bool,
    sort: Sort,
    /// The window of the customers passing the filters, sorted by the service, that is on
    /// screen (loaded on entering, when the selection leaves it, and after changes).
    list: Paged<CustomerSummary>,
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
    /// Tasks linked to the open record.
    linked: Vec<crate::domain::Task>,
    /// How the open record's consent was last recorded (phone, form...), when known.
    consent_how: Option<String>,
}

impl Default for Customers {
    fn default() -> Self {
        Customers {
            search: Input::default(),
            status: None,
            tag: None,
            mine: false,
            sort: Sort::default(),
            list: Paged::default(),
            found: None,
            sel: Selection::default(),
            open: None,
            revealed: false,
            focus: Focus::List,
            scroll: 0,
            mode: Mode::Browse,
            linked: Vec::new(),
            consent_how: None,
        }
    }
}

impl Customers {
    /// How many rows the list has: search results, or everyone passing the filters.
    pub fn row_count(&self) -> usize {
        self.found.as_ref().map_or(self.list.total(), Vec::len)
    }

    /// The row at place `i`, when loaded.
    pub fn row(&self, i: usize) -> Option<&CustomerSummary> {
        match &self.found {
            Some(f) => f.get(i),
            None => self.list.get(i),
        }
    }

    /// The held rows (the search results, or the window of the list).
    pub fn rows(&self) -> &[CustomerSummary] {
        self.found.as_deref().unwrap_or(self.list.rows())
    }

    fn position(&self, id: Id) -> Option<usize> {
        match &self.found {
            Some(f) => f.iter().position(|c| c.id == id),
            None => self.list.position(|c| c.id == id),
        }
    }

    fn filter(&self) -> CustomerFilter {
        CustomerFilter {
            status: self.status,
            tag: self.tag.clone(),
            mine: self.mine,
            query: None,
        }
    }

    fn keep(&self, c: &CustomerSummary, me: Id) -> bool {
        self.status.is_none_or(|s| c.status == s)
            && self
                .tag
                .as_ref()
                .is_none_or(|t| c.tags.iter().any(|x| x.eq_ignore_ascii_case(t)))
            && (!self.mine || c.owner == Some(me))
    }

    /// Loads the first window of the list (filters or order changed), then the search
    /// results if searching.
    pub fn reload_from_top(&mut self, ctx: &mut Ctx) {
        self.sel.index = 0;
        self.fetch(Start::Offset(0), ctx);
        self.run_search(ctx);
    }

    /// Loads the list for changed filters; a record the new list no longer has closes, so
    /// the pane never shows what the filters leave out.
    fn refilter(&mut self, ctx: &mut Ctx) {
        self.reload_from_top(ctx);
        if let Some(id) = self.open.as_ref().map(|c| c.id) {
            match self.rows().iter().position(|c| c.id == id) {
                Some(i) => self.sel.index = i,
                None => self.hide(),
            }
        }
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
        self.sel.clamp(self.row_count());
    }

    fn selected(&self) -> Option<&CustomerSummary> {
        self.row(self.sel.index)
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
        match self.position(id) {
            Some(i) => self.sel.index = i,
            // Opened from elsewhere (the quick lookup, a task): bring its window.
            None if self.found.is_none() => self.reload_around(Some(id), ctx),
            None => {}
        }
        if let Some(c) = self.get(id, false, ctx) {
            self.open = Some(c);
            self.focus = Focus::Record;
            self.scroll = 0;
            self.linked = linked::load(id, ctx);
            self.consent_how = linked::consent_how(id, ctx);
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

    /// The editor for the target. Whoever may see its sensitive fields gets them in the
    /// form: loading them is a reveal, audited as `r` is.
    fn start_edit(&mut self, ctx: &mut Ctx) {
        let Some(id) = self.target() else { return };
        let sensitive = ctx
            .me
            .reaches(Permission::CustomerSensitive, self.target_owner());
        let record = match &self.open {
            Some(c) if c.id == id && (self.revealed || !sensitive) => Some(c.clone()),
            _ => self.get(id, sensitive, ctx),
        };
        let Some(c) = record else { return };
        let people = ctx.people.clone();
        let can_owner = ctx.me.scope(Permission::CustomerWrite) == crate::domain::role::Scope::All;
        self.mode = Mode::Edit(Box::new(Editor::edit(&c, sensitive, can_owner, &people)));
        if self.open.as_ref().is_none_or(|o| o.id != id) {
            let mut shown = c;
            if !self.revealed {
                shown.data.sensitive = None;
            }
            self.open = Some(shown);
        }
    }

    fn after_save(&mut self, id: Id, ctx: &mut Ctx) {
        self.mode = Mode::Browse;
        self.reload_around(Some(id), ctx);
        self.run_search(ctx);
        let reveal = self.revealed;
        self.open_id(id, ctx);
        if reveal {
            self.reveal(ctx);
        }
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
        Sort::Status => rows.sort_by_cached_key(|c| {
            let rank = CustomerStatus::ALL.iter().position(|s| *s == c.status);
            (rank, fold(&c.name), c.id)
        }),
    }
    rows
}
