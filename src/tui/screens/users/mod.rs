//! Users (admin): accounts with their state, role and last sign-in; add, change role, lock,
//! unlock, disable, reset a password (the one-time password is shown once), reset TOTP.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

mod draw;
mod sessions;

use crate::crypto::SecretText;
use crate::domain::{Permission, Role, User};
use crate::service::{Error, Request, Response};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::screens::{Ctx, Me, Screen, unexpected, when};
use crate::tui::text::clean;
use crate::tui::ui::Ui;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{self, Row, Selection, Width, col};
use crate::tui::widgets::{centered, pane, popup};
use sessions::Sessions;

/// By privilege, least first, so stepping through them never lands on admin by surprise
/// (and making one asks first).
const ROLES: [&str; 5] = ["auditor", "staff", "hr", "manager", "admin"];

/// An account change that needs a yes first.
#[derive(Debug, Clone)]
enum Change {
    Lock(String),
    Disable(String),
    ResetPassword(String),
    ResetTotp(String),
    /// The add form, kept for a "no" to go back to.
    AddAdmin(Form),
    MakeAdmin(String),
}

enum Mode {
    Browse,
    Add(Form),
    Role(Form, String),
    Ask(Confirm<Change>),
    /// A one-time password, shown once; wiped when the popup closes.
    Secret {
        title: String,
        secret: SecretText,
    },
}

pub struct Users {
    rows: Vec<User>,
    sel: Selection,
    mode: Mode,
    /// The live sessions, while that view is shown instead of the accounts.
    sessions: Option<Sessions>,
}

impl Default for Users {
    fn default() -> Self {
        Users {
            rows: Vec::new(),
            sel: Selection::default(),
            mode: Mode::Browse,
            sessions: None,
        }
    }
}

impl Users {
    fn reload(&mut self, ctx: &mut Ctx) {
        let keep = self.selected();
        match ctx.call(Request::UserList) {
            Ok(Response::Users(mut list)) => {
                list.sort_by(|a, b| a.username.cmp(&b.username));
                self.rows = list;
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
        // The same account stays highlighted when one is added above it.
        if let Some(i) = keep.and_then(|u| self.rows.iter().position(|x| x.username == u)) {
            self.sel.index = i;
        }
        self.sel.clamp(self.rows.len());
        ctx.refresh_people();
    }

    fn selected(&self) -> Option<String> {
        self.rows.get(self.sel.index).map(|u| u.username.clone())
    }

    /// Sends an account request and shows what came back.
    fn send(&mut self, req: Request, done: &str, ctx: &mut Ctx) {
        let who = match &req {
            Request::UserAdd { username, .. } | Request::UserResetPassword { username } => {
                username.clone()
            }
            _ => String::new(),
        };
        self.mode = Mode::Browse;
        match ctx.call(req) {
            Ok(Response::UserAdded {
                one_time_password: Some(secret),
                ..
            })
            | Ok(Response::OneTimePassword(secret)) => {
                self.mode = Mode::Secret {
                    title: format!("One-time password for {who}"),
                    secret,
                };
            }
            Ok(_) => ctx.ok(done),
            Err(e) => ctx.fail(&e),
        }
        self.reload(ctx);
    }

    fn add(&mut self, form: &mut Form, ctx: &mut Ctx) -> bool {
        let role = Role::parse(&form.value("role")).unwrap_or(Role::Staff);
        let req = Request::UserAdd {
            username: form.value("username"),
            display_name: form.value("display name"),
            role,
            password: None,
            totp_secret: None,
        };
        match ctx.call(req.clone()) {
            Ok(Response::UserAdded {
                one_time_password: Some(secret),
                ..
            }) => {
                let who = form.value("username");
                self.mode = Mode::Secret {
                    title: format!("One-time password for {who}"),
                    secret,
                };
                self.reload(ctx);
                true
            }
            Ok(Response::UserAdded { .. }) => {
                ctx.ok("User added");
                self.reload(ctx);
                true
            }
            Ok(_) => {
                ctx.fail(&unexpected());
                false
            }
            Err(Error::Invalid(inv)) => {
                form.set_invalid(&inv);
                false
            }
            Err(e) => {
                form.message = Some(e.to_string());
                ctx.fail(&e);
                false
            }
        }
    }

    fn ask(&mut self, change: Change) {
        let (title, q, yes) = match &change {
            Change::Lock(u) => (
                "Lock account",
                format!("Lock {u}? They are signed out and cannot sign in until unlocked."),
                "lock",
            ),
            Change::Disable(u) => (
                "Disable account",
                format!("Disable {u}? Only an admin can enable it again."),
                "disable",
            ),
            Change::ResetPassword(u) => (
                "Reset password",
                format!(
                    "Reset the password of {u}? They get a one-time password to choose a new one."
                ),
                "reset",
            ),
            Change::ResetTotp(u) => (
                "Reset authenticator",
                format!(
                    "Reset the authenticator of {u} (lost phone)? They enrol a new one at their next sign-in."
                ),
                "reset",
            ),
            Change::AddAdmin(form) => (
                "Add an admin",
                format!(
                    "Add {} as an admin? Admins can do everything: accounts, backups, the audit log.",
                    form.value("username")
                ),
                "add admin",
            ),
            Change::MakeAdmin(u) => (
                "Make an admin",
                format!(
                    "Make {u} an admin? Admins can do everything: accounts, backups, the audit log."
                ),
                "make admin",
            ),
        };
        self.mode = Mode::Ask(Confirm::new(title, q, yes, change));
    }

    fn browse(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let user = self.selected();
        match (action, user) {
            (
                Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::First
                | Action::Last,
                _,
            ) => {
                self.sel.apply(action, self.rows.len());
            }
            (Action::New, _) => {
                self.mode = Mode::Add(Form::new(vec![
                    Field::text("username", "Username", "")
                        .with_hint("letters, digits, '.', '_' or '-'"),
                    Field::text("display name", "Display name", ""),
                    Field::choice("role", "Role", ROLES.to_vec(), "staff"),
                ]))
            }
            (Action::ChangeRole, Some(u)) => {
                let role = self
                    .rows
                    .get(self.sel.index)
                    .map_or("staff", |x| x.role.as_str());
                self.mode = Mode::Role(
                    Form::new(vec![Field::choice("role", "Role", ROLES.to_vec(), role)]),
                    u,
                );
            }
            (Action::LockUser, Some(u)) => self.ask(Change::Lock(u)),
            (Action::UnlockUser, Some(u)) => {
                self.send(Request::UserUnlock { username: u }, "Unlocked", ctx)
            }
            (Action::DisableUser, Some(u)) => self.ask(Change::Disable(u)),
            (Action::ResetPassword, Some(u)) => self.ask(Change::ResetPassword(u)),
            (Action::ResetTotp, Some(u)) => self.ask(Change::ResetTotp(u)),
            (Action::Sessions, _) => {
                let mut s = Sessions::default();
                s.reload(ctx);
                self.sessions = Some(s);
            }
            _ => return false,
        }
        true
    }
}

impl Screen for Users {
    fn chain(&self) -> &'static [Context] {
        if let Some(s) = &self.sessions {
            return s.chain();
        }
        match self.mode {
            Mode::Browse => chain::USERS,
            Mode::Add(_) | Mode::Role(..) => chain::FORM,
            Mode::Ask(_) => chain::CONFIRM,
            Mode::Secret { .. } => chain::POPUP,
        }
    }

    fn typing(&self) -> bool {
        matches!(self.mode, Mode::Add(_) | Mode::Role(..))
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        if let Some(s) = self.sessions.as_mut() {
            return match s.update(action, ctx) {
                sessions::Out::Used => true,
                sessions::Out::Ignored => false,
                sessions::Out::Close => {
                    self.sessions = None;
                    true
                }
            };
        }
        let mode = std::mem::replace(&mut self.mode, Mode::Browse);
        match mode {
            Mode::Browse => return self.browse(action, ctx),
            Mode::Add(mut form) => match action {
                // Only Ctrl-S adds the account: Tab or Enter on the last field stays.
                Action::NextField => {
                    form.next();
                    self.mode = Mode::Add(form);
                }
                Action::Save if Role::parse(&form.value("role")) == Some(Role::Admin) => {
                    self.ask(Change::AddAdmin(form));
                }
                Action::Save => {
                    if !self.add(&mut form, ctx) {
                        self.mode = Mode::Add(form);
                    }
                }
                Action::PrevField => {
                    form.prev();
                    self.mode = Mode::Add(form);
                }
                Action::Toggle => {
                    let used = form.toggle();
                    self.mode = Mode::Add(form);
                    return used;
                }
                Action::Cancel => {}
                _ => {
                    self.mode = Mode::Add(form);
                    return false;
                }
            },
            Mode::Role(form, user) => match action {
                Action::NextField | Action::Save
                    if Role::parse(&form.value("role")) == Some(Role::Admin) =>
                {
                    self.ask(Change::MakeAdmin(user));
                }
                Action::NextField | Action::Save => {
                    let role = Role::parse(&form.value("role")).unwrap_or(Role::Staff);
                    self.send(
                        Request::UserSetRole {
                            username: user,
                            role,
                        },
                        "Role changed",
                        ctx,
                    );
                }
                Action::Cancel => {}
                Action::Toggle => {
                    let mut form = form;
                    form.toggle();
                    self.mode = Mode::Role(form, user);
                }
                _ => {
                    self.mode = Mode::Role(form, user);
                    return false;
                }
            },
            Mode::Ask(c) => match c.answer(action) {
                Answer::Yes(change) => {
                    let (req, done) = match change {
                        Change::Lock(username) => (Request::UserLock { username }, "Locked"),
                        Change::Disable(username) => {
                            (Request::UserDisable { username }, "Disabled")
                        }
                        Change::ResetPassword(username) => {
                            (Request::UserResetPassword { username }, "Password reset")
                        }
                        Change::ResetTotp(username) => {
                            (Request::UserResetTotp { username }, "Authenticator reset")
                        }
                        Change::AddAdmin(mut form) => {
                            if !self.add(&mut form, ctx) {
                                self.mode = Mode::Add(form);
                            }
                            return true;
                        }
                        Change::MakeAdmin(username) => (
                            Request::UserSetRole {
                                username,
                                role: Role::Admin,
                            },
                            "Role changed",
                        ),
                    };
                    self.send(req, done, ctx);
                }
                Answer::No => {
                    if let Change::AddAdmin(form) = c.on_yes {
                        self.mode = Mode::Add(form);
                    }
                }
                Answer::Pending => self.mode = Mode::Ask(c),
            },
            Mode::Secret { title, secret } => {
                if action != Action::Close {
                    self.mode = Mode::Secret { title, secret };
                }
            }
        }
        true
    }

    fn input(&mut self, key: &KeyEvent, _ctx: &mut Ctx) {
        match &mut self.mode {
            Mode::Add(form) | Mode::Role(form, _) => {
                form.input(key);
            }
            _ => {}
        }
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) {
        if let Mode::Add(form) = &mut self.mode {
            form.paste(text);
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        self.reload(ctx);
        if let Some(s) = self.sessions.as_mut() {
            s.reload(ctx);
        }
    }

    /// The accounts only, and only while no form or question is open: listing accounts
    /// is not audited, listing sessions is (that view waits for Refresh).
    fn refresh(&mut self, ctx: &mut Ctx) {
        if matches!(self.mode, Mode::Browse) {
            self.reload(ctx);
        }
    }

    fn leave(&mut self) {
        if matches!(self.mode, Mode::Secret { .. } | Mode::Ask(_)) {
            self.mode = Mode::Browse;
        }
        if let Some(s) = self.sessions.as_mut() {
            s.leave();
        }
    }

    fn unsaved(&self) -> bool {
        matches!(&self.mode, Mode::Add(f) if f.changed())
    }

    fn hints(&self) -> &'static [Action] {
        use Action::*;
        if let Some(s) = &self.sessions {
            return s.hints();
        }
        match self.mode {
            Mode::Browse => &[
                New,
                ChangeRole,
                LockUser,
                UnlockUser,
                DisableUser,
                ResetPassword,
                ResetTotp,
                Sessions,
                Help,
            ],
            Mode::Add(_) | Mode::Role(..) => &[Save, NextField, Toggle, Cancel],
            Mode::Ask(_) => &[Yes, No],
            Mode::Secret { .. } => &[Close],
        }
    }

    fn offers(&self, me: &Me, _action: Action) -> bool {
        me.can(Permission::UserAdmin)
    }

    fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        self.draw_screen(f, area, ui);
    }
}
