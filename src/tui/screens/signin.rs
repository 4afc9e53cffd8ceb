//! Sign-in: `Username`, `Password`, then `Code` (a recovery code works there too).

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Note, NoteKind};
use crate::client::Backend;
use crate::crypto::Password;
use crate::service::{Error, Login};
use crate::tui::action::Action;
use crate::tui::keymap::chain;
use crate::tui::text::clean;
use crate::tui::ui::Ui;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::{centered, popup};

pub struct SignIn {
    pub form: Form,
    pub note: Option<Note>,
    /// Submitted: the screen says so, and the app's next tick signs in (`finish`), since
    /// opening a large database takes a second or two and a silent screen invites a second
    /// Enter.
    waiting: bool,
}

pub enum Out {
    Stay,
    Quit,
    Success(Box<Login>),
}

impl SignIn {
    pub fn new(username: &str, note: Option<Note>) -> SignIn {
        let mut form = Form::new(vec![
            Field::text("username", "Username", username),
            Field::secret("password", "Password"),
            // Nothing is known of the account before the password: the hint covers both.
            Field::text("code", "Code", "").with_hint(
                "6 digits from your app, or a recovery code; with a one-time password leave it empty: you set up your authenticator next",
            ),
        ]);
        if !username.is_empty() {
            form.next();
        }
        SignIn {
            form,
            note,
            waiting: false,
        }
    }

    /// A sign-in is submitted and not yet done.
    pub fn waiting(&self) -> bool {
        self.waiting
    }

    pub fn username(&self) -> String {
        self.form.value("username")
    }

    fn submit(&mut self) -> Out {
        if self.form.value("username").trim().is_empty() {
            self.form.focus = 0;
            self.note = Some(Note::error("Enter your username"));
            return Out::Stay;
        }
        self.waiting = true;
        self.note = Some(Note::info("Signing in…"));
        Out::Stay
    }

    /// Signs in with what `submit` accepted.
    pub fn finish(&mut self, backend: &mut dyn Backend) -> Out {
        self.waiting = false;
        let user = self.form.value("username");
        let password = Password::new(self.form.value("password"));
        let code = self.form.value("code");
        let result = backend.login(&user, &password, &code);
        for k in ["password", "code"] {
            if let Some(f) = self.form.field_mut(k) {
                f.input.clear();
            }
        }
        match result {
            Ok(login) => Out::Success(Box::new(login)),
            Err(e) => {
                self.form.focus = 1;
                self.note = Some(Note::error(match e {
                    Error::AuthFailed => crate::service::AUTH_FAILED.to_string(),
                    other => other.to_string(),
                }));
                Out::Stay
            }
        }
    }

    pub fn update(&mut self, action: Action) -> Option<Out> {
        if self.waiting {
            return Some(Out::Stay);
        }
        Some(match action {
            Action::NextField if !self.form.on_last() => {
                self.form.next();
                Out::Stay
            }
            Action::NextField | Action::Save => self.submit(),
            Action::PrevField => {
                self.form.prev();
                Out::Stay
            }
            Action::Cancel | Action::Quit => Out::Quit,
            _ => return None,
        })
    }

    pub fn input(&mut self, key: &KeyEvent) {
        if !self.waiting {
            self.form.input(key);
        }
    }

    pub fn paste(&mut self, text: &str) {
        if !self.waiting {
            self.form.paste(text);
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui, org: &str, mode: &str) {
        let t = ui.theme;
        let title = if org.is_empty() {
            "Kasefet · sign in".to_string()
        } else {
            format!("Kasefet · {} · sign in", clean(org))
        };
        let inner = popup(f, centered(area, 72, 14), &title, t);
        let [form_area, _, msg, keys] = Layout::vertical([
            Constraint::Length(5),
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        self.form.draw(f, form_area, t, true);
        if let Some(n) = &self.note {
            let style = match n.kind {
                NoteKind::Error => t.error(),
                NoteKind::Warn => t.warn(),
                NoteKind::Ok => t.ok(),
                NoteKind::Info => t.text(),
            };
            f.render_widget(
                Paragraph::new(Span::styled(clean(&n.text), style)).wrap(Wrap { trim: true }),
                msg,
            );
        }
        let next = ui.key(chain::FORM, Action::NextField);
        let quit = ui.key(chain::FORM, Action::Cancel);
        let spans = vec![
            Span::styled(next, t.key()),
            Span::styled(" next field, then sign in  ", t.dim()),
            Span::styled(quit, t.key()),
            Span::styled(format!(" quit   ({mode})"), t.dim()),
        ];
        f.render_widget(Line::from(spans), keys);
    }
}
