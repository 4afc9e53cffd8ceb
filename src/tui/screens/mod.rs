//! The screens, and what they share: who is signed in, the way to the backend, and the
//! small vocabulary (`Note`, `Nav`) screens use to talk back to the app.
//!
//! A screen is a small state machine: the app turns a key into an `Action` through the
//! keymap and the screen's context chain, `update` acts on it, `draw` shows the state.

pub mod audit;
pub mod backups;
pub mod codes;
pub mod customers;
pub mod employees;
pub mod enrol;
pub mod help;
pub mod history;
pub mod home;
pub mod import;
pub mod lock;
pub mod lookup;
pub mod paged;
pub mod setup;
pub mod signin;
pub mod subject;
pub mod tasks;
pub mod trash;
pub mod users;
pub mod versioned;
pub mod wizard;

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use super::action::Action;
use super::keymap::Context;
use super::ui::Ui;
use crate::backup::{BackupStatus, Listed};
use crate::client::Backend;
use crate::domain::role::{Scope, allows, scope};
use crate::domain::{Id, Permission, Role, User};
use crate::service::request::Person;
use crate::service::{Clock, Error, Request, Response};

/// The signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub id: Id,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl Me {
    pub fn from_user(u: &User) -> Me {
        Me {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
        }
    }

    pub fn can(&self, p: Permission) -> bool {
        allows(self.role, p)
    }

    pub fn scope(&self, p: Permission) -> Scope {
        scope(self.role, p)
    }

    /// For writes limited to one's own records: may I touch a record owned by `owner`?
    pub fn reaches(&self, p: Permission, owner: Option<Id>) -> bool {
        match self.scope(p) {
            Scope::All => true,
            Scope::Own => owner == Some(self.id),
            Scope::None => false,
        }
    }
}

/// Account names by id, for owners, assignees and pickers.
#[derive(Debug, Clone, Default)]
pub struct People(pub BTreeMap<Id, Person>);

impl People {
    pub fn name(&self, id: Option<Id>) -> String {
        match id {
            None => String::new(),
            Some(id) => self
                .0
                .get(&id)
                .map(|p| p.username.clone())
                .unwrap_or_else(|| format!("#{id}")),
        }
    }

    pub fn find(&self, username: &str) -> Option<Id> {
        let u = crate::domain::user::normalize_username(username);
        self.0.values().find(|p| p.username == u).map(|p| p.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    Info,
    Ok,
    Warn,
    Error,
}

/// A one-line message for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub kind: NoteKind,
    pub text: String,
}

impl Note {
    pub fn info(t: impl Into<String>) -> Note {
        Note {
            kind: NoteKind::Info,
            text: t.into(),
        }
    }
    pub fn ok(t: impl Into<String>) -> Note {
        Note {
            kind: NoteKind::Ok,
            text: t.into(),
        }
    }
    pub fn warn(t: impl Into<String>) -> Note {
        Note {
            kind: NoteKind::Warn,
            text: t.into(),
        }
    }
    pub fn error(t: impl Into<String>) -> Note {
        Note {
            kind: NoteKind::Error,
            text: t.into(),
        }
    }
}

/// What is known of the backups, for the status line and Home (admins only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BackupSeen {
    /// Not asked: not an admin, or not loaded yet.
    #[default]
    Unknown,
    /// The list could not be read (no folder configured, an unreadable folder): the reason.
    Unavailable(String),
    Known(BackupStatus),
}

impl BackupSeen {
    /// No backup folder is configured at all (rather than one that does not work).
    pub fn off(&self) -> bool {
        matches!(self, BackupSeen::Unavailable(why) if why.contains("no backup folder is configured"))
    }
}

/// A screen asking the app to show another record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nav {
    Customer(Id),
    Task(Id),
    Employee(Id),
    NewTaskFor { customer: Id, name: String },
}

/// The session stopped working: locked for inactivity, or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lost {
    Locked,
    Ended,
}

/// What a screen gets while handling a key: the backend and what to tell the app.
pub struct Ctx<'a> {
    pub backend: &'a mut dyn Backend,
    pub me: &'a Me,
    pub people: &'a mut People,
    /// Shared with the status line: refreshed wherever the backup list is read.
    pub backups: &'a mut BackupSeen,
    pub clock: &'a Clock,
    pub note: Option<Note>,
    pub nav: Option<Nav>,
    pub lost: Option<Lost>,
}

impl Ctx<'_> {
    /// Sends a request; a locked or ended session is noted for the app.
    pub fn call(&mut self, req: Request) -> Result<Response, Error> {
        let r = self.backend.call(req);
        match &r {
            Err(Error::SessionLocked) => self.lost = Some(Lost::Locked),
            Err(Error::SessionEnded) => self.lost = Some(Lost::Ended),
            _ => {}
        }
        r
    }

    /// Shows an error in the status line (session problems go to the app instead).
    pub fn fail(&mut self, e: &Error) {
        if !matches!(e, Error::SessionLocked | Error::SessionEnded) {
            self.note = Some(Note::error(e.to_string()));
        }
    }

    pub fn ok(&mut self, t: impl Into<String>) {
        self.note = Some(Note::ok(t));
    }

    pub fn refresh_people(&mut self) {
        if let Ok(Response::People(list)) = self.call(Request::People) {
            self.people.0 = list.into_iter().map(|p| (p.id, p)).collect();
        }
    }

    pub fn today(&self) -> jiff::civil::Date {
        self.clock.today()
    }

    /// The backups and their status (admins); what went wrong is kept for the screens to
    /// show, since a missing backup folder is something to fix, not a passing error.
    pub fn load_backups(&mut self) -> Option<Vec<Listed>> {
        if !self.me.can(Permission::Backup) {
            return None;
        }
        match self.call(Request::BackupList) {
            Ok(Response::Backups { items, status }) => {
                *self.backups = BackupSeen::Known(status);
                Some(items)
            }
            Ok(_) => {
                *self.backups = BackupSeen::Unavailable(unexpected().to_string());
                None
            }
            Err(Error::SessionLocked | Error::SessionEnded) => None,
            // The server is away, not the backups: the failed request says so already.
            Err(_) if !self.backend.connected() => None,
            Err(e) => {
                *self.backups = BackupSeen::Unavailable(e.to_string());
                None
            }
        }
    }
}

/// A response of the wrong kind: a bug between screen and service, said plainly.
pub fn unexpected() -> Error {
    Error::Refused("unexpected response from the service".into())
}

/// One tab of the main view.
pub trait Screen {
    /// Keymap contexts for the current mode, innermost first (`Global` is implied).
    fn chain(&self) -> &'static [Context];
    /// True while a text field has the keys: unbound keys are typed into it.
    fn typing(&self) -> bool {
        false
    }
    /// Acts on an action; false when this screen has no use for it.
    fn update(&mut self, action: Action, ctx: &mut Ctx) -> bool;
    /// A key no binding claimed, while typing.
    fn input(&mut self, _key: &KeyEvent, _ctx: &mut Ctx) {}
    fn paste(&mut self, _text: &str, _ctx: &mut Ctx) {}
    /// Becoming visible (or refresh): load what it shows.
    fn enter(&mut self, ctx: &mut Ctx);
    /// Every few seconds while shown: load the list again so other people's changes show.
    /// Sends only requests the audit log does not record (lists), keeps the selection on
    /// the same record, and leaves anything being edited alone.
    fn refresh(&mut self, _ctx: &mut Ctx) {}
    /// Slow work the last key asked for (a backup, a full verify) waits until the screen
    /// has been drawn saying so: true while some is waiting.
    fn busy(&self) -> bool {
        false
    }
    /// Does the waiting work.
    fn work(&mut self, _ctx: &mut Ctx) {}
    /// Leaving: forget anything revealed.
    fn leave(&mut self) {}
    /// Edits that would be lost on quitting.
    fn unsaved(&self) -> bool {
        false
    }
    /// Actions worth a hint in the status line, for the current mode.
    fn hints(&self) -> &'static [Action];
    /// False for actions this person may not take here (left out of hints and help).
    fn offers(&self, _me: &Me, _action: Action) -> bool {
        true
    }
    fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui);
}

/// The tabs, in their fixed order; the number key of each is its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Home,
    Customers,
    Tasks,
    Employees,
    Users,
    Audit,
    Backups,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Home,
        Tab::Customers,
        Tab::Tasks,
        Tab::Employees,
        Tab::Users,
        Tab::Audit,
        Tab::Backups,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Home => "Home",
            Tab::Customers => "Customers",
            Tab::Tasks => "Tasks",
            Tab::Employees => "Employees",
            Tab::Users => "Users",
            Tab::Audit => "Audit",
            Tab::Backups => "Backups",
        }
    }

    pub fn number(self) -> usize {
        Tab::ALL
            .iter()
            .position(|t| *t == self)
            .map_or(0, |i| i + 1)
    }

    pub fn from_action(a: Action) -> Option<Tab> {
        Some(match a {
            Action::TabHome => Tab::Home,
            Action::TabCustomers => Tab::Customers,
            Action::TabTasks => Tab::Tasks,
            Action::TabEmployees => Tab::Employees,
            Action::TabUsers => Tab::Users,
            Action::TabAudit => Tab::Audit,
            Action::TabBackups => Tab::Backups,
            _ => return None,
        })
    }

    /// The permission table decides which tabs a role sees (hiding is not the protection:
    /// the service refuses the requests anyway).
    pub fn allowed(self, role: Role) -> bool {
        match self {
            Tab::Home => true,
            Tab::Customers => allows(role, Permission::CustomerRead),
            Tab::Tasks => allows(role, Permission::TaskRead),
            Tab::Employees => allows(role, Permission::EmployeeDirectory),
            Tab::Users => allows(role, Permission::UserAdmin),
            Tab::Audit => allows(role, Permission::AuditRead),
            Tab::Backups => allows(role, Permission::Backup),
        }
    }
}

/// Local date and time of a stored instant, as the screens show it.
pub fn when(at: crate::domain::UnixTime) -> String {
    crate::service::clock::format_local(at)
}

pub fn date_of(at: crate::domain::UnixTime) -> String {
    crate::service::clock::local(at).date().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_follow_the_role_table() {
        let visible = |r: Role| {
            Tab::ALL
                .into_iter()
                .filter(|t| t.allowed(r))
                .map(Tab::title)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            visible(Role::Admin),
            [
                "Home",
                "Customers",
                "Tasks",
                "Employees",
                "Users",
                "Audit",
                "Backups"
            ]
        );
        assert_eq!(
            visible(Role::Manager),
            ["Home", "Customers", "Tasks", "Employees"]
        );
        assert_eq!(
            visible(Role::Staff),
            ["Home", "Customers", "Tasks", "Employees"]
        );
        assert_eq!(visible(Role::Hr), ["Home", "Tasks", "Employees"]);
        assert_eq!(
            visible(Role::Auditor),
            ["Home", "Customers", "Tasks", "Employees", "Audit"]
        );
    }
}
