//! Finishing an account after its first sign-in with a one-time password: a new password
//! (with live policy feedback), TOTP enrolment, the recovery codes; and accepting the
//! security policy when it is pending.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Me, Note, codes, enrol};
use crate::auth::policy::PasswordPolicy;
use crate::client::Backend;
use crate::crypto::SecretText;
use crate::service::{Error, Request, Response};
use crate::tui::action::Action;
use crate::tui::keymap::chain;
use crate::tui::text::{clean, clean_lines};
use crate::tui::ui::Ui;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::pane;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Password,
    Enrol,
    Codes,
    Policy,
}

pub struct Setup {
    step: Step,
    me: Me,
    policy: PasswordPolicy,
    form: Form,
    enrolment: Option<(SecretText, SecretText)>,
    codes: Vec<SecretText>,
    /// The policy to accept: version and text.
    doc: Option<(String, String)>,
    /// Accepting the policy comes after the rest.
    policy_pending: bool,
    error: Option<String>,
}

pub enum Out {
    Stay,
    /// All done: on to the main screen, with a note for the status line.
    Done(Option<Note>),
    /// The session is gone (or never allowed this): back to sign-in.
    SignIn(String),
    Quit,
}

fn password_form() -> Form {
    Form::new(vec![
        Field::secret("password", "New password"),
        Field::secret("password again", "Same again"),
    ])
}

impl Setup {
    /// For an account signing in with a one-time password.
    pub fn account(me: Me, policy: PasswordPolicy, policy_pending: bool) -> Setup {
        let mut s = Setup {
            step: Step::Password,
            me,
            policy,
            form: password_form(),
            enrolment: None,
            codes: Vec::new(),
            doc: None,
            policy_pending,
            error: None,
        };
        s.hint();
        s
    }

    /// Only the policy to accept; `None` when there is nothing to show.
    pub fn policy(me: Me, backend: &mut dyn Backend) -> Option<Setup> {
        let mut s = Setup::account(me, PasswordPolicy::default(), true);
        s.start_policy(backend).then_some(s)
    }

    pub fn me(&self) -> &Me {
        &self.me
    }

    fn start_policy(&mut self, backend: &mut dyn Backend) -> bool {
        match backend.call(Request::AccountPolicy) {
            Ok(Response::Policy { version, text, .. }) => {
                self.doc = Some((version, text));
                self.step = Step::Policy;
                self.form = Form::new(vec![Field::check("accept", "I accept it", false)]);
                true
            }
            _ => false,
        }
    }

    fn hint(&mut self) {
        let context = [self.me.username.as_str(), self.me.display_name.as_str()];
        let hint = self
            .policy
            .strength_hint(&self.form.value("password"), &context);
        if let Some(f) = self.form.field_mut("password") {
            f.hint = hint;
        }
    }

    fn fail(&mut self, e: Error) -> Out {
        match e {
            Error::SessionEnded | Error::SessionLocked => Out::SignIn(e.to_string()),
            other => {
                self.error = Some(other.to_string());
                Out::Stay
            }
        }
    }

    fn next_step(&mut self, backend: &mut dyn Backend) -> Out {
        self.error = None;
        match self.step {
            Step::Password => {
                let pw = self.form.value("password");
                let context = [self.me.username.as_str(), self.me.display_name.as_str()];
                if let Err(e) = self.policy.check(&pw, &context) {
                    self.form
                        .set_errors(&[crate::domain::FieldError::new("password", e)]);
                    return Out::Stay;
                }
                if pw != self.form.value("password again") {
                    self.form.set_errors(&[crate::domain::FieldError::new(
                        "password again",
                        "differs from the first",
                    )]);
                    return Out::Stay;
                }
                let req = Request::AccountChangePassword {
                    current: None,
                    new: SecretText::new(pw),
                };
                if let Err(e) = backend.call(req) {
                    return self.fail(e);
                }
                // A setup-only session: it was opened with the password moments ago.
                match backend.call(Request::AccountBeginTotp { password: None }) {
                    Ok(Response::TotpEnrolment {
                        secret_base32,
                        otpauth_url,
                    }) => {
                        self.enrolment = Some((secret_base32, otpauth_url));
                        self.step = Step::Enrol;
                        self.form = Form::new(vec![
                            Field::text("code", "Code", "")
                                .with_hint("the 6 digits your app shows now"),
                        ]);
                        Out::Stay
                    }
                    Ok(_) => self.fail(super::unexpected()),
                    Err(e) => self.fail(e),
                }
            }
            Step::Enrol => match backend.call(Request::AccountConfirmTotp {
                code: self.form.value("code"),
            }) {
                Ok(Response::RecoveryCodes(codes)) => {
                    self.enrolment = None;
                    self.codes = codes;
                    self.step = Step::Codes;
                    Out::Stay
                }
                Ok(_) => self.fail(super::unexpected()),
                Err(Error::AuthFailed | Error::Invalid(_)) => {
                    self.form.set_errors(&[crate::domain::FieldError::new(
                        "code",
                        "not right; try the next one",
                    )]);
                    Out::Stay
                }
                Err(e) => self.fail(e),
            },
            Step::Codes => {
                self.codes.clear();
                if self.policy_pending && self.start_policy(backend) {
                    return Out::Stay;
                }
                Out::Done(Some(Note::ok("Your account is ready")))
            }
            Step::Policy => {
                if !self.form.checked("accept") {
                    self.error = Some("Tick the box to accept the policy (Space).".into());
                    return Out::Stay;
                }
                let version = self.doc.as_ref().map(|d| d.0.clone()).unwrap_or_default();
                match backend.call(Request::AccountAcceptPolicy { version }) {
                    Ok(_) => Out::Done(Some(Note::ok("Policy accepted"))),
                    Err(e) => self.fail(e),
                }
            }
        }
    }

    pub fn update(&mut self, action: Action, backend: &mut dyn Backend) -> Option<Out> {
        Some(match action {
            Action::NextField if self.step != Step::Codes && !self.form.on_last() => {
                self.form.next();
                Out::Stay
            }
            Action::NextField | Action::Save => self.next_step(backend),
            Action::PrevField => {
                self.form.prev();
                Out::Stay
            }
            Action::Toggle if self.form.toggle() => Out::Stay,
            Action::Cancel | Action::Quit => Out::Quit,
            _ => return None,
        })
    }

    pub fn input(&mut self, key: &KeyEvent) {
        self.form.input(key);
        if self.step == Step::Password {
            self.hint();
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let title = match self.step {
            Step::Password => "Choose your password",
            Step::Enrol => "Authenticator",
            Step::Codes => "Recovery codes",
            Step::Policy => "Security policy",
        };
        if let (Step::Enrol, Some((secret, url))) = (self.step, &self.enrolment) {
            // The QR code needs every row: no frame around it.
            let [body, keys] =
                Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
            let intro = "Scan the code with your authenticator app, then type the code it shows.";
            let title = format!(
                "Welcome, {} · set up your authenticator",
                clean(&self.me.display_name)
            );
            let e = enrol::Enrolment {
                title: &title,
                intro,
                secret: secret.expose(),
                url: url.expose(),
            };
            enrol::draw(f, body, ui, &e, &self.form);
            let line = match &self.error {
                Some(e) => Line::from(Span::styled(clean(e), t.error())),
                None => ui.hints(chain::FORM, &[Action::NextField, Action::Cancel]),
            };
            f.render_widget(line, keys);
            return;
        }
        let inner = pane(
            f,
            area,
            &format!("Welcome, {} · {title}", clean(&self.me.display_name)),
            t,
            true,
        );
        let [body, msg, keys] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        match self.step {
            Step::Password => {
                let [intro, form] =
                    Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(body);
                let text = format!(
                    "Choose a password only you know: at least {} characters; a few unrelated words work well.",
                    self.policy.effective_min_chars()
                );
                f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), intro);
                self.form.draw(f, form, t, true);
            }
            Step::Enrol => {}
            Step::Codes => {
                let list: Vec<&str> = self.codes.iter().map(SecretText::expose).collect();
                let next = ui.key(chain::FORM, Action::NextField);
                codes::draw(
                    f,
                    body,
                    ui,
                    &list,
                    Line::from(Span::styled(
                        format!("{next} when you have stored them"),
                        t.dim(),
                    )),
                );
            }
            Step::Policy => {
                let [text, form] =
                    Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(body);
                let lines: Vec<Line> = self
                    .doc
                    .as_ref()
                    .map(|d| clean_lines(&d.1))
                    .unwrap_or_default()
                    .into_iter()
                    .map(Line::from)
                    .collect();
                f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
                self.form.draw(f, form, t, true);
            }
        }
        if let Some(e) = &self.error {
            f.render_widget(Span::styled(clean(e), t.error()), msg);
        }
        f.render_widget(
            ui.hints(
                chain::FORM,
                &[Action::NextField, Action::Toggle, Action::Cancel],
            ),
            keys,
        );
    }
}
