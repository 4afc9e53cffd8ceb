//! The signed-in view: tabs across the top, the current screen, popups (help, quick
//! lookup, quit?), and the status line with who, role, local/server and key hints.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use super::action::Action;
use super::keymap::{Context, Keymap, chain};
use super::screens::audit::Audit;
use super::screens::customers::Customers;
use super::screens::employees::Employees;
use super::screens::home::Home;
use super::screens::lookup::{Done, Lookup};
use super::screens::tasks::Tasks;
use super::screens::users::Users;
use super::screens::{Ctx, Lost, Me, Nav, Note, NoteKind, People, Screen, Tab, help};
use super::text::{clean, fit, width};
use super::ui::Ui;
use super::widgets::confirm::{Answer, Confirm};
use crate::client::Backend;
use crate::service::Clock;

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

pub struct Main {
    pub me: Me,
    pub people: People,
    current: Tab,
    home: Home,
    customers: Customers,
    tasks: Tasks,
    employees: Employees,
    users: Users,
    audit: Audit,
    popup: Option<Popup>,
    pub note: Option<Note>,
    pub org: String,
    mode: &'static str,
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
            current: Tab::Home,
            home: Home::default(),
            customers: Customers::default(),
            tasks: Tasks::default(),
            employees: Employees::default(),
            users: Users::default(),
            audit: Audit::default(),
            popup: None,
            note: None,
            org,
            mode,
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
            home,
            customers,
            tasks,
            employees,
            users,
            audit,
            ..
        } = self;
        let screen: &mut dyn Screen = match tab {
            Tab::Home => home,
            Tab::Customers => customers,
            Tab::Tasks => tasks,
            Tab::Employees => employees,
            Tab::Users => users,
            Tab::Audit => audit,
        };
        let mut ctx = Ctx {
            backend,
            me,
            people,
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
        let r = self.with(tab, backend, clock, |s, ctx| s.enter(ctx));
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

    fn popup_key(
        &mut self,
        action: Option<Action>,
        key: &KeyEvent,
        backend: &mut dyn Backend,
        clock: &Clock,
    ) -> Out {
        let Some(popup) = self.popup.take() else {
            return Out::Stay;
        };
        match popup {
            Popup::Help { scroll } => match action {
                Some(Action::Close | Action::Help) => {}
                Some(Action::Down) => self.popup = Some(Popup::Help { scroll: scroll + 1 }),
                Some(Action::Up) => {
                    self.popup = Some(Popup::Help {
                        scroll: scroll.saturating_sub(1),
                    })
                }
                _ => self.popup = Some(Popup::Help { scroll }),
            },
            Popup::Quit(c) => match action.map(|a| c.answer(a)) {
                Some(Answer::Yes(())) => return Out::Quit,
                Some(Answer::No) => {}
                _ => self.popup = Some(Popup::Quit(c)),
            },
            Popup::Lookup(mut l) => {
                let mut ctx = self.ctx(backend, clock);
                let done = match action {
                    Some(a) => l.update(a, &mut ctx),
                    None => None,
                };
                if done.is_none() {
                    l.input(key, &mut ctx);
                }
                let (note, lost) = (ctx.note, ctx.lost);
                if note.is_some() {
                    self.note = note;
                }
                if let Some(lost) = lost {
                    return Out::Lost(lost);
                }
                match done {
                    Some(Done::Close) => {}
                    Some(Done::Open(nav)) => {
                        if let Some(lost) = self.navigate(nav, backend, clock) {
                            return Out::Lost(lost);
                        }
                    }
                    Some(Done::Stay) | None => self.popup = Some(Popup::Lookup(l)),
                }
            }
        }
        Out::Stay
    }

    /// Tab switching, help, lookup, refresh and quit: what no screen claimed.
    fn main_action(
        &mut self,
        action: Action,
        backend: &mut dyn Backend,
        clock: &Clock,
    ) -> Option<Out> {
        let tabs = self.tabs();
        let at = tabs.iter().position(|t| *t == self.current).unwrap_or(0);
        let lost = match action {
            Action::NextTab => self.switch(tabs[(at + 1) % tabs.len()], backend, clock),
            Action::PrevTab => {
                self.switch(tabs[(at + tabs.len() - 1) % tabs.len()], backend, clock)
            }
            Action::Help => {
                self.popup = Some(Popup::Help { scroll: 0 });
                None
            }
            Action::Lookup => {
                self.popup = Some(Popup::Lookup(Lookup::default()));
                None
            }
            Action::Refresh => {
                let r = self.with(self.current, backend, clock, |s, ctx| s.enter(ctx));
                self.apply(r, backend, clock)
            }
            Action::Quit => return Some(self.ask_quit()),
            other => match Tab::from_action(other) {
                Some(tab) => self.switch(tab, backend, clock),
                None => return None,
            },
        };
        Some(lost.map_or(Out::Stay, Out::Lost))
    }

    pub fn key(
        &mut self,
        key: &KeyEvent,
        keymap: &Keymap,
        backend: &mut dyn Backend,
        clock: &Clock,
    ) -> Out {
        let action = keymap.action(self.chain(), key);
        if action == Some(Action::Lock) {
            return Out::Lock;
        }
        if self.popup.is_some() {
            return self.popup_key(action, key, backend, clock);
        }
        let tab = self.current;
        if let Some(a) = action {
            let r = self.with(tab, backend, clock, |s, ctx| s.update(a, ctx));
            let used = r.0;
            if let Some(lost) = self.apply(r, backend, clock) {
                return Out::Lost(lost);
            }
            if used {
                return Out::Stay;
            }
            if let Some(out) = self.main_action(a, backend, clock) {
                return out;
            }
        }
        if self.screen(tab).typing() {
            let r = self.with(tab, backend, clock, |s, ctx| s.input(key, ctx));
            if let Some(lost) = self.apply(r, backend, clock) {
                return Out::Lost(lost);
            }
        }
        Out::Stay
    }

    pub fn paste(&mut self, text: &str, backend: &mut dyn Backend, clock: &Clock) -> Option<Lost> {
        if let Some(Popup::Lookup(l)) = self.popup.as_mut() {
            let mut ctx = Ctx {
                backend,
                me: &self.me,
                people: &mut self.people,
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

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        // A note too long for one line gets a second, rather than being cut.
        let who = width(&self.who()) + 1;
        let tall = self
            .note
            .as_ref()
            .is_some_and(|n| who + width(&n.text) > usize::from(area.width));
        let [tabs, body, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1 + u16::from(tall)),
        ])
        .areas(area);
        self.draw_tabs(f, tabs, ui);
        let screen = self.screen(self.current);
        screen.draw(f, body, ui);
        self.draw_status(f, status, ui);
        match &self.popup {
            Some(Popup::Help { scroll }) => {
                let chain = screen.chain();
                let me = &self.me;
                let offered = |a: Action| match Tab::from_action(a) {
                    Some(t) => t.allowed(me.role),
                    None => screen.offers(me, a),
                };
                help::draw(
                    f,
                    body,
                    ui,
                    self.current.title(),
                    help::lines(ui, chain, &offered),
                    *scroll,
                );
            }
            Some(Popup::Lookup(l)) => l.draw(f, body, ui),
            Some(Popup::Quit(c)) => c.draw(f, body, ui),
            None => {}
        }
    }

    fn draw_tabs(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let mut tabs = vec![Span::styled(" │", t.border())];
        for tab in self.tabs() {
            let style = if tab == self.current {
                t.tab_active()
            } else {
                t.tab()
            };
            tabs.push(Span::raw("  "));
            tabs.push(Span::styled(
                format!("{} {}", tab.number(), tab.title()),
                style,
            ));
        }
        let mut spans = vec![Span::styled(" Kasefet", t.title())];
        let used: usize = 8 + tabs.iter().map(Span::width).sum::<usize>();
        // The organisation's name only where it fits beside every tab.
        let room = usize::from(area.width).saturating_sub(used + 3);
        let org = clean(&self.org);
        if !org.is_empty() && room >= width(&org).min(12) {
            spans.push(Span::styled(
                format!(" · {}", fit(&org, room.min(24))),
                t.dim(),
            ));
        }
        spans.extend(tabs);
        f.render_widget(Line::from(spans), area);
    }

    fn who(&self) -> String {
        format!(
            " {} · {} · {} ",
            clean(&self.me.username),
            self.me.role,
            self.mode
        )
    }

    fn draw_status(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let who = self.who();
        let screen = self.screen(self.current);
        let actions: Vec<Action> = match &self.popup {
            Some(Popup::Help { .. }) => vec![Action::Down, Action::Up, Action::Close],
            Some(Popup::Lookup(_)) => vec![Action::Open, Action::Down, Action::Up, Action::Back],
            Some(Popup::Quit(_)) => vec![Action::Yes, Action::No],
            None => screen
                .hints()
                .iter()
                .copied()
                .filter(|a| screen.offers(&self.me, *a))
                .collect(),
        };
        let hints = ui.hints(self.chain(), &actions);
        let hints_w = hints.width();
        let who_w = width(&who);
        let mut spans = vec![Span::styled(who, t.selected()), Span::raw(" ")];
        let room = usize::from(area.width).saturating_sub(who_w + 1);
        match &self.note {
            Some(n) => {
                let style = match n.kind {
                    NoteKind::Error => t.error(),
                    NoteKind::Warn => t.warn(),
                    NoteKind::Ok => t.ok(),
                    NoteKind::Info => t.text(),
                };
                let mut lines = crate::tui::text::wrap(&clean(&n.text), room.max(10)).into_iter();
                spans.push(Span::styled(lines.next().unwrap_or_default(), style));
                let rest: String = lines.collect::<Vec<_>>().join(" ");
                if area.height > 1 && !rest.is_empty() {
                    let second = Rect {
                        y: area.y + 1,
                        height: 1,
                        ..area
                    };
                    let pad = " ".repeat(who_w + 1);
                    f.render_widget(
                        Line::from(Span::styled(
                            fit(&format!("{pad}{rest}"), usize::from(area.width)),
                            style,
                        )),
                        second,
                    );
                }
            }
            None if hints_w <= room => spans.extend(hints.spans),
            None => {
                // Drop hints before the last (help) until they fit.
                let mut keep = actions.clone();
                while keep.len() > 1 && ui.hints(self.chain(), &keep).width() > room {
                    keep.remove(keep.len() - 2);
                }
                spans.extend(ui.hints(self.chain(), &keep).spans);
            }
        }
        f.render_widget(Line::from(spans), area);
    }
}
