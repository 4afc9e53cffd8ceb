//! The signed-in view: tabs across the top, the current screen, popups (help, quick
//! lookup, quit?), and the status line with who, role, local/server and key hints.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

mod draw;
mod keys;

use crate::client::Backend;
use crate::domain::UnixTime;
use crate::service::Clock;
use crate::tui::action::Action;
use crate::tui::keymap::{Context, Keymap, chain};
use crate::tui::screens::audit::Audit;
use crate::tui::screens::backups::Backups;
use crate::tui::screens::customers::Customers;
use crate::tui::screens::employees::Employees;
use crate::tui::screens::home::Home;
use crate::tui::screens::lookup::{Done, Lookup};
use crate::tui::screens::tasks::Tasks;
use crate::tui::screens::users::Users;
use crate::tui::screens::{
    BackupSeen, Ctx, Lost, Me, Nav, Note, NoteKind, People, Screen, Tab, help,
};
use crate::tui::text::{clean, fit, width};
use crate::tui::ui::Ui;
use crate::tui::widgets::confirm::{Answer, Confirm};

enum Popup {
    Help { scroll: usize },
    Lookup(Lookup),
    Quit(Confirm<()>),
}

pub enum Out {
    Stay,
    Quit,
    Lock,
    Lost(Lost),
}

/// What a screen asked for while handling a key.
struct Effects {
    note: Option<Note>,
    nav: Option<Nav>,
    lost: Option<Lost>,
}

/// How often the shown screen is loaded again, so other people's changes appear.
pub const REFRESH_SECS: i64 = 10;
/// A full reload this often even when nothing changed: backup ages and "overdue" move with
/// the clock alone.
pub const FULL_REFRESH_SECS: i64 = 300;

pub struct Main {
    pub me: Me,
    pub people: People,
    pub backups: BackupSeen,
    current: Tab,
    home: Home,
    customers: Customers,
    tasks: Tasks,
    employees: Employees,
    users: Users,
    audit: Audit,
    backups_tab: Backups,
    popup: Option<Popup>,
    pub note: Option<Note>,
    pub org: String,
    mode: &'static str,
    /// When the current screen was last loaded.
    loaded_at: UnixTime,
    /// When the service was last asked whether anything changed.
    checked_at: UnixTime,
    /// The service's revision when the screen was last loaded; `None` before the first ask.
    seen_revision: Option<u64>,
}

impl Main {
    pub fn new(
        me: Me,
        org: String,
        note: Option<Note>,
        backend: &mut dyn Backend,
        clock: &Clock,
    ) -> Main {
        let mode = backend.mode().as_str();
        let mut m = Main {
            me,
            people: People::default(),
            backups: BackupSeen::default(),
            current: Tab::Home,
            home: Home::default(),
            customers: Customers::default(),
            tasks: Tasks::default(),
            employees: Employees::default(),
            users: Users::default(),
            audit: Audit::default(),
            backups_tab: Backups::default(),
            popup: None,
            note: None,
            org,
            mode,
            loaded_at: clock.now(),
            checked_at: clock.now(),
            seen_revision: None,
        };
        let fx = m.with(Tab::Home, backend, clock, |s, ctx| {
            ctx.refresh_people();
            s.enter(ctx);
        });
        m.apply(fx, backend, clock);
        if note.is_some() {
            m.note = note;
        }
        m
    }

    pub fn current(&self) -> Tab {
        self.current
    }

    pub fn tabs(&self) -> Vec<Tab> {
        Tab::ALL
            .into_iter()
            .filter(|t| t.allowed(self.me.role))
            .collect()
    }

    fn screen(&self, tab: Tab) -> &dyn Screen {
        match tab {
            Tab::Home => &self.home,
            Tab::Customers => &self.customers,
            Tab::Tasks => &self.tasks,
            Tab::Employees => &self.employees,
            Tab::Users => &self.users,
            Tab::Audit => &self.audit,
            Tab::Backups => &self.backups_tab,
        }
    }

    /// Runs `f` on a tab's screen with a context, and collects what it asked for.
    fn with<R>(
        &mut self,
        tab: Tab,
        backend: &mut dyn Backend,
        clock: &Clock,
        f: impl FnOnce(&mut dyn Screen, &mut Ctx) -> R,
    ) -> (R, Effects) {
        let Main {
            me,
            people,
            backups,
            home,
            customers,
            tasks,
            employees,
            users,
            audit,
            backups_tab,
            ..
        } = self;
        let screen: &mut dyn Screen = match tab {
            Tab::Home => home,
            Tab::Customers => customers,
            Tab::Tasks => tasks,
            Tab::Employees => employees,
            Tab::Users => users,
            Tab::Audit => audit,
            Tab::Backups => backups_tab,
        };
        let mut ctx = Ctx {
            backend,
            me,
            people,
            backups,
            clock,
            note: None,
            nav: None,
            lost: None,
        };
        let r = f(screen, &mut ctx);
        (
            r,
            Effects {
                note: ctx.note,
                nav: ctx.nav,
                lost: ctx.lost,
            },
        )
    }

    fn ctx<'a>(&'a mut self, backend: &'a mut dyn Backend, clock: &'a Clock) -> Ctx<'a> {
        Ctx {
            backend,
            me: &self.me,
            people: &mut self.people,
            backups: &mut self.backups,
            clock,
            note: None,
            nav: None,
            lost: None,
        }
    }

    fn apply<R>(
        &mut self,
        (_, fx): (R, Effects),
        backend: &mut dyn Backend,
        clock: &Clock,
    ) -> Option<Lost> {
        if fx.note.is_some() {
            self.note = fx.note;
        }
        if fx.lost.is_some() {
            return fx.lost;
        }
        match fx.nav {
            Some(nav) => self.navigate(nav, backend, clock),
            None => None,
        }
    }

    /// Switches tabs; a tab the role may not use is refused here too (the key does nothing).
    pub fn switch(&mut self, tab: Tab, backend: &mut dyn Backend, clock: &Clock) -> Option<Lost> {
        if !tab.allowed(self.me.role) {
            return None;
        }
        let old = self.current;
        let _ = self.with(old, backend, clock, |s, _| s.leave());
        self.current = tab;
        self.note = None;
        self.loaded_at = clock.now();
        let r = self.with(tab, backend, clock, |s, ctx| s.enter(ctx));
        self.apply(r, backend, clock)
    }

    /// Loads the shown screen again every `REFRESH_SECS`, unless a popup is open or a
    /// field has the keys (a form, a search box): true when it did.
    pub fn tick(&mut self, backend: &mut dyn Backend, clock: &Clock) -> (bool, Option<Lost>) {
        if self.busy() {
            let r = self.with(self.current, backend, clock, |s, ctx| s.work(ctx));
            return (true, self.apply(r, backend, clock));
        }
        let now = clock.now();
        if now - self.loaded_at.max(self.checked_at) < REFRESH_SECS {
            return (false, None);
        }
        self.checked_at = now;
        let stale = now - self.loaded_at >= FULL_REFRESH_SECS;
        if self.popup.is_some() || self.screen(self.current).typing() {
            return (false, None);
        }
        // Ask the cheap question first: a screen of 100,000 customers is reloaded only
        // when something changed, or now and then for what changes with time alone.
        let revision = match backend.call(crate::service::Request::Revision) {
            Ok(crate::service::Response::Revision(r)) => Some(r),
            _ => None,
        };
        if !stale && revision.is_some() && revision == self.seen_revision {
            return (false, None);
        }
        self.seen_revision = revision;
        (true, self.refresh(backend, clock))
    }

    /// Work is waiting for the screen to say it has started (see `Screen::busy`).
    pub fn busy(&self) -> bool {
        self.popup.is_none() && self.screen(self.current).busy()
    }

    /// Loads the shown screen again now, keeping the note (after unlocking, say).
    pub fn refresh(&mut self, backend: &mut dyn Backend, clock: &Clock) -> Option<Lost> {
        self.loaded_at = clock.now();
        // Home and Backups read the backup list themselves; elsewhere the status line's
        // backup age is read here (admins only: `load_backups` asks nothing otherwise).
        let elsewhere = !matches!(self.current, Tab::Home | Tab::Backups);
        let r = self.with(self.current, backend, clock, |s, ctx| {
            s.refresh(ctx);
            if elsewhere {
                let _ = ctx.load_backups();
            }
        });
        self.apply(r, backend, clock)
    }

    fn navigate(&mut self, nav: Nav, backend: &mut dyn Backend, clock: &Clock) -> Option<Lost> {
        let tab = match nav {
            Nav::Customer(_) => Tab::Customers,
            Nav::Task(_) | Nav::NewTaskFor { .. } => Tab::Tasks,
            Nav::Employee(_) => Tab::Employees,
        };
        if !tab.allowed(self.me.role) {
            return None;
        }
        if self.current != tab {
            if let Some(l) = self.switch(tab, backend, clock) {
                return Some(l);
            }
        }
        let mut ctx = Ctx {
            backend,
            me: &self.me,
            people: &mut self.people,
            backups: &mut self.backups,
            clock,
            note: None,
            nav: None,
            lost: None,
        };
        match nav {
            Nav::Customer(id) => self.customers.open_id(id, &mut ctx),
            Nav::Task(id) => self.tasks.open_id(id, &mut ctx),
            Nav::Employee(id) => self.employees.open_id(id, false, &mut ctx),
            Nav::NewTaskFor { customer, name } => {
                self.tasks.new_task(Some((customer, name)), &mut ctx)
            }
        }
        if ctx.note.is_some() {
            self.note = ctx.note;
        }
        ctx.lost
    }

    fn unsaved(&self) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| self.screen(*t).unsaved())
    }

    /// The keymap chain in force: the popup's, else the screen's.
    pub fn chain(&self) -> &'static [Context] {
        match &self.popup {
            Some(Popup::Help { .. }) => chain::POPUP,
            Some(Popup::Lookup(_)) => chain::SEARCH,
            Some(Popup::Quit(_)) => chain::CONFIRM,
            None => self.screen(self.current).chain(),
        }
    }

    pub fn ask_quit(&mut self) -> Out {
        match self.unsaved() {
            None => Out::Quit,
            Some(tab) => {
                let q = format!(
                    "You have unsaved changes in {}. Quit and lose them?",
                    tab.title()
                );
                self.popup = Some(Popup::Quit(Confirm::new("Unsaved changes", q, "quit", ())));
                Out::Stay
            }
        }
    }

    pub fn paste(&mut self, text: &str, backend: &mut dyn Backend, clock: &Clock) -> Option<Lost> {
        if let Some(Popup::Lookup(l)) = self.popup.as_mut() {
            let mut ctx = Ctx {
                backend,
                me: &self.me,
                people: &mut self.people,
                backups: &mut self.backups,
                clock,
                note: None,
                nav: None,
                lost: None,
            };
            l.paste(text, &mut ctx);
            return ctx.lost;
        }
        let r = self.with(self.current, backend, clock, |s, ctx| s.paste(text, ctx));
        self.apply(r, backend, clock)
    }

    /// Before locking: anything revealed is hidden again.
    pub fn hide(&mut self) {
        for t in Tab::ALL {
            match t {
                Tab::Customers => self.customers.leave(),
                Tab::Employees => self.employees.leave(),
                _ => {}
            }
        }
        self.popup = None;
    }
}
