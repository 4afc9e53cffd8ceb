//! The lock screen: after the idle time or Ctrl-L. It shows no data at all, only who is
//! signed in and a password field. After the server restarted it asks for the whole
//! sign-in again (password and code), and the screens behind it stay as they were.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::client::Backend;
use crate::crypto::Password;
use crate::service::Error;
use crate::tui::action::Action;
use crate::tui::keymap::chain;
use crate::tui::text::clean;
use crate::tui::ui::Ui;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::{centered, popup};

pub struct Lock {
    pub username: String,
    form: Form,
    error: Option<String>,
    /// The session is gone with the server's restart: sign in again, not just unlock.
    rejoin: bool,
}

/// Said when the server restarted under a session.
pub const RESTARTED: &str = "Nothing on screen is lost: sign in to go on.";

pub enum Out {
    Stay,
    Unlocked,
    /// Sign out (Esc), or the session could not be resumed: sign in again.
    SignIn(Option<String>),
}

impl Lock {
    pub fn new(username: &str) -> Lock {
        Lock {
            username: username.to_string(),
            form: Form::new(vec![Field::secret("password", "Password")]),
            error: None,
            rejoin: false,
        }
    }

    /// The server restarted under this session: password and code again.
    pub fn rejoin(username: &str) -> Lock {
        Lock {
            username: username.to_string(),
            form: Form::new(vec![
                Field::secret("password", "Password"),
                Field::text("code", "Code", "").with_hint("6 digits from your app"),
            ]),
            error: None,
            rejoin: true,
        }
    }

    /// A line under the fields until the next attempt.
    pub fn note(&mut self, text: &str) {
        self.error = Some(text.to_string());
    }

    fn sign_in_again(&mut self, backend: &mut dyn Backend) -> Out {
        let password = Password::new(self.form.value("password"));
        let code = self.form.value("code");
        for name in ["password", "code"] {
            if let Some(f) = self.form.field_mut(name) {
                f.input.clear();
            }
        }
        self.form.focus = 0;
        match backend.login(&self.username, &password, &code) {
            Ok(_) => Out::Unlocked,
            Err(Error::AuthFailed) => {
                self.error = Some("That is not right; try again with the next code.".into());
                Out::Stay
            }
            Err(e) => {
                self.error = Some(e.to_string());
                Out::Stay
            }
        }
    }

    pub fn update(&mut self, action: Action, backend: &mut dyn Backend) -> Option<Out> {
        Some(match action {
            Action::NextField if self.rejoin && !self.form.on_last() => {
                self.form.next();
                Out::Stay
            }
            Action::PrevField if self.rejoin => {
                self.form.prev();
                Out::Stay
            }
            Action::NextField | Action::Save if self.rejoin => self.sign_in_again(backend),
            Action::NextField | Action::Save => {
                let password = Password::new(self.form.value("password"));
                if let Some(f) = self.form.field_mut("password") {
                    f.input.clear();
                }
                match backend.unlock(&password) {
                    Ok(()) => Out::Unlocked,
                    Err(Error::AuthFailed) => {
                        self.error = Some("That is not the password; try again.".into());
                        Out::Stay
                    }
                    Err(Error::SessionEnded) if backend.take_restarted() => {
                        *self = Lock::rejoin(&self.username);
                        self.note(RESTARTED);
                        Out::Stay
                    }
                    Err(Error::SessionEnded | Error::SessionLocked) => {
                        Out::SignIn(Some("The locked session has ended; sign in again.".into()))
                    }
                    Err(e) => Out::SignIn(Some(e.to_string())),
                }
            }
            Action::Cancel => Out::SignIn(Some("Signed out.".into())),
            _ => return None,
        })
    }

    pub fn input(&mut self, key: &KeyEvent) {
        self.form.input(key);
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let (title, height, fields) = if self.rejoin {
            ("Sign in again", 12, 3)
        } else {
            ("Locked", 10, 2)
        };
        let inner = popup(f, centered(area, 60, height), title, t);
        let [who, field, msg, keys] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(fields),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        f.render_widget(
            Line::from(vec![
                Span::raw(if self.rejoin {
                    "The server restarted. Sign in again as "
                } else {
                    "Kasefet is locked for "
                }),
                Span::styled(clean(&self.username), t.header()),
            ]),
            who,
        );
        self.form.draw(f, field, t, true);
        if let Some(e) = &self.error {
            f.render_widget(
                Paragraph::new(Span::styled(e.clone(), t.error())).wrap(Wrap { trim: true }),
                msg,
            );
        }
        let sign_out = ui.key(chain::FORM, Action::Cancel);
        let unlock = ui.key(chain::FORM, Action::NextField);
        f.render_widget(
            Line::from(vec![
                Span::styled(unlock, t.key()),
                Span::styled(
                    if self.rejoin {
                        " next / sign in  "
                    } else {
                        " unlock  "
                    },
                    t.dim(),
                ),
                Span::styled(sign_out, t.key()),
                Span::styled(" sign out", t.dim()),
            ]),
            keys,
        );
    }
}
