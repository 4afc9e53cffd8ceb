//! The setup wizard, on a machine with no database yet: organisation, first admin, password
//! (with live policy feedback), TOTP enrolment, the recovery key (shown once), the ten
//! recovery codes, the backup folder. It ends signed in.
//!
//! This is the one screen that uses `Service` directly: there is no database to talk to yet.

mod draw;
mod files;

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use zeroize::Zeroizing;

use crate::auth::recovery_codes;
use crate::auth::totp::TotpSecret;
use crate::backup::BackupConfig;
use crate::client::{Backend, Local};
use crate::crypto::{Password, recovery};
use crate::domain::FieldError;
use crate::domain::user::{validate_display_name, validate_username};
use crate::service::{Clock, Login, NewAdmin, Service, Settings};
use crate::tui::action::Action;
use crate::tui::ui::Ui;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::form::{Field, Form};

/// Where the wizard creates things.
#[derive(Debug, Clone)]
pub struct Target {
    pub data_dir: PathBuf,
    pub settings: Settings,
    /// The config file to record the organisation and backup folder in.
    pub config_file: Option<PathBuf>,
    pub backup_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Organisation,
    Admin,
    Password,
    Totp,
    RecoveryKey,
    Codes,
    Backup,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Organisation,
        Step::Admin,
        Step::Password,
        Step::Totp,
        Step::RecoveryKey,
        Step::Codes,
        Step::Backup,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Step::Organisation => "Organisation",
            Step::Admin => "First admin",
            Step::Password => "Password",
            Step::Totp => "Authenticator",
            Step::RecoveryKey => "Recovery key",
            Step::Codes => "Recovery codes",
            Step::Backup => "Backups",
        }
    }
}

pub enum Out {
    Stay,
    Quit,
    /// Done and signed in: the backend, the sign-in, and the organisation name.
    Done {
        backend: Box<dyn Backend>,
        /// The database this process now owns (for the nightly backup).
        service: Arc<Service>,
        login: Box<Login>,
        org: String,
    },
}

pub struct Wizard {
    step: Step,
    target: Target,
    clock: Clock,
    org: Form,
    admin: Form,
    password: Form,
    totp: TotpSecret,
    code: Form,
    key_form: Form,
    recovery_key: Option<Zeroizing<String>>,
    codes: Vec<Zeroizing<String>>,
    backup: Form,
    backend: Option<(Local, Login)>,
    /// What recording the organisation at creation left to the person (a note).
    org_note: Option<String>,
    error: Option<String>,
    quit: Option<Confirm<()>>,
}

impl Wizard {
    pub fn new(target: Target, clock: Clock, org: &str) -> Result<Wizard, String> {
        let totp = TotpSecret::generate().map_err(|e| e.to_string())?;
        Ok(Wizard::with_secret(target, clock, org, totp))
    }

    /// With a given TOTP secret instead of a fresh one (tests, and scripted installs).
    pub fn with_secret(target: Target, clock: Clock, org: &str, totp: TotpSecret) -> Wizard {
        let backup = target.backup_dir.display().to_string();
        let mut w = Wizard {
            step: Step::Organisation,
            clock,
            org: Form::new(vec![Field::text("organisation", "Organisation", org)]),
            admin: Form::new(vec![
                Field::text("username", "Username", "")
                    .with_hint("letters, digits, '.', '_' or '-'"),
                Field::text("display name", "Display name", ""),
            ]),
            password: Form::new(vec![
                Field::secret("password", "Password"),
                Field::secret("password again", "Same again"),
            ]),
            totp,
            code: Form::new(vec![
                Field::text("code", "Code", "").with_hint("the 6 digits your app shows now"),
            ]),
            key_form: Form::new(vec![
                Field::check("recovery key", "I have stored it", false),
                Field::text("file", "Also save to", "")
                    .with_hint("optional: a file path, written readable by you only"),
            ]),
            recovery_key: None,
            codes: Vec::new(),
            // Empty with the default as a hint: typing a path replaces it rather than
            // appending to a prefilled one.
            backup: Form::new(vec![
                Field::text("backup dir", "Backup folder", "")
                    .with_hint(format!("Enter for {backup}")),
            ]),
            backend: None,
            org_note: None,
            error: None,
            quit: None,
            target,
        };
        w.password_hint();
        w
    }

    pub fn step(&self) -> Step {
        self.step
    }

    fn form_mut(&mut self) -> &mut Form {
        match self.step {
            Step::Organisation => &mut self.org,
            Step::Admin => &mut self.admin,
            Step::Password => &mut self.password,
            Step::Totp => &mut self.code,
            Step::RecoveryKey | Step::Codes => &mut self.key_form,
            Step::Backup => &mut self.backup,
        }
    }

    fn form(&self) -> &Form {
        match self.step {
            Step::Organisation => &self.org,
            Step::Admin => &self.admin,
            Step::Password => &self.password,
            Step::Totp => &self.code,
            Step::RecoveryKey | Step::Codes => &self.key_form,
            Step::Backup => &self.backup,
        }
    }

    fn context(&self) -> [String; 2] {
        [
            self.admin.value("username"),
            self.admin.value("display name"),
        ]
    }

    fn password_hint(&mut self) {
        let [u, d] = self.context();
        let hint = self
            .target
            .settings
            .policy
            .strength_hint(&self.password.value("password"), &[&u, &d]);
        if let Some(f) = self.password.field_mut("password") {
            f.hint = hint;
        }
    }

    /// Something typed that quitting now would lose, or a key not yet confirmed as stored.
    fn worth_asking(&self) -> bool {
        match self.step {
            Step::Organisation | Step::Admin | Step::Password | Step::Totp => {
                [&self.admin, &self.password, &self.code]
                    .iter()
                    .any(|f| f.changed())
            }
            Step::RecoveryKey => true,
            Step::Codes | Step::Backup => false,
        }
    }

    fn next(&mut self) -> Result<Option<Out>, Vec<FieldError>> {
        self.error = None;
        match self.step {
            Step::Organisation => {
                if self.org.opt("organisation").is_none() {
                    return Err(vec![FieldError::new("organisation", "is required")]);
                }
                self.step = Step::Admin;
            }
            Step::Admin => {
                let mut errors = Vec::new();
                if let Err(e) = validate_username(&self.admin.value("username")) {
                    errors.extend(e.0);
                }
                if let Err(e) = validate_display_name(&self.admin.value("display name")) {
                    errors.extend(e.0);
                }
                if !errors.is_empty() {
                    return Err(errors);
                }
                self.password_hint();
                self.step = Step::Password;
            }
            Step::Password => {
                let [u, d] = self.context();
                let pw = self.password.value("password");
                if let Err(e) = self.target.settings.policy.check(&pw, &[&u, &d]) {
                    return Err(vec![FieldError::new("password", e)]);
                }
                if pw != self.password.value("password again") {
                    return Err(vec![FieldError::new(
                        "password again",
                        "differs from the first",
                    )]);
                }
                self.step = Step::Totp;
            }
            Step::Totp => {
                let code = self.code.value("code");
                if self
                    .totp
                    .verify(&code, self.clock.now().max(0) as u64, None)
                    .is_none()
                {
                    return Err(vec![FieldError::new(
                        "code",
                        "not right; check the clock of your phone and try the next one",
                    )]);
                }
                self.create(&code)
                    .map_err(|e| vec![FieldError::new("code", e)])?;
                self.step = Step::RecoveryKey;
            }
            Step::RecoveryKey => {
                if !self.key_form.checked("recovery key") {
                    return Err(vec![FieldError::new(
                        "recovery key",
                        "store it first, then tick this box (Space)",
                    )]);
                }
                if let (Some(path), Some(key)) = (self.key_form.opt("file"), &self.recovery_key) {
                    files::write_private(&PathBuf::from(path), &format!("{}\n", key.as_str()))
                        .map_err(|e| vec![FieldError::new("file", e)])?;
                }
                self.recovery_key = None;
                self.step = Step::Codes;
            }
            Step::Codes => {
                self.codes.clear();
                self.step = Step::Backup;
            }
            Step::Backup => {
                let dir = Some(
                    self.backup
                        .opt("backup dir")
                        .map(PathBuf::from)
                        .unwrap_or_else(|| self.target.backup_dir.clone()),
                );
                let org = self.org.value("organisation");
                let mut note = files::record_settings(
                    self.target.config_file.as_deref(),
                    None,
                    dir.as_deref(),
                )
                .map_err(|e| vec![FieldError::new("backup dir", e)])?;
                if let Some(n) = self.org_note.take().filter(|n| !n.is_empty()) {
                    note = format!("{n} {note}").trim().to_string();
                }
                let Some((backend, mut login)) = self.backend.take() else {
                    return Err(vec![FieldError::new(
                        "backup dir",
                        "the database was not created",
                    )]);
                };
                if !note.is_empty() {
                    login.notice = format!("{} {note}", login.notice);
                }
                let service = backend.service().clone();
                // The database was created before this step; its backups follow the choice
                // at once (the nightly schedule starts after the wizard).
                if let Some(d) = dir {
                    service.use_backup_dir(d);
                }
                return Ok(Some(Out::Done {
                    backend: Box::new(backend),
                    service,
                    login: Box::new(login),
                    org,
                }));
            }
        }
        Ok(None)
    }

    /// Creates the database and signs in with the code just checked.
    fn create(&mut self, code: &str) -> Result<(), String> {
        let username = self.admin.value("username");
        let display = self.admin.value("display name");
        let password = Password::new(self.password.value("password"));
        let (codes, set) = recovery_codes::generate().map_err(|e| e.to_string())?;
        let admin = NewAdmin {
            username: &username,
            display_name: &display,
            password: &password,
            totp: &self.totp,
            recovery_codes: Some(set),
        };
        // This process owns the new database, so it takes the backups: to the folder the
        // last step offers, unless the config already names one.
        let mut settings = self.target.settings.clone();
        if settings.backup.is_none() {
            settings.backup = Some(BackupConfig::new(self.target.backup_dir.clone()));
        }
        let (service, key) =
            Service::init(&self.target.data_dir, settings, self.clock.clone(), admin)
                .map_err(|e| e.to_string())?;
        let mut local = Local::new(Arc::new(service));
        let login = local
            .login(&username, &password, code)
            .map_err(|e| format!("created, but signing in failed: {e}"))?;
        self.recovery_key = Some(recovery::format(&key));
        self.codes = codes;
        // Recorded now, not at the last step: setup stopped after this point leaves a
        // database that knows its organisation (see `quit_after_creation`).
        let org = self.org.value("organisation");
        self.org_note = Some(
            files::record_settings(self.target.config_file.as_deref(), Some(&org), None)
                .unwrap_or_else(|e| e),
        );
        self.backend = Some((local, login));
        // The password is not needed any more.
        self.password = Form::default();
        Ok(())
    }

    /// Quitting once the database exists: the backup folder it already uses is recorded
    /// too, so the next start backs up where this one would have (the organisation was
    /// recorded at creation).
    fn quit_after_creation(&mut self) {
        let Some((local, _)) = &self.backend else {
            return;
        };
        let dir = local
            .service()
            .settings()
            .backup
            .as_ref()
            .map(|b| b.dir.clone());
        let _ = files::record_settings(self.target.config_file.as_deref(), None, dir.as_deref());
    }

    pub fn update(&mut self, action: Action) -> Option<Out> {
        if let Some(q) = &self.quit {
            match q.answer(action) {
                Answer::Yes(()) => {
                    self.quit_after_creation();
                    return Some(Out::Quit);
                }
                Answer::No => self.quit = None,
                Answer::Pending => {}
            }
            return Some(Out::Stay);
        }
        match action {
            Action::NextField if !self.form().on_last() && !matches!(self.step, Step::Codes) => {
                self.form_mut().next()
            }
            Action::NextField | Action::Save => match self.next() {
                Ok(Some(out)) => return Some(out),
                Ok(None) => {}
                Err(errors) => self.form_mut().set_errors(&errors),
            },
            Action::PrevField => self.form_mut().prev(),
            Action::Toggle => {
                let form = self.form_mut();
                if !form.toggle() {
                    return None;
                }
                // Ticking the box answers the error that asked for it.
                if form.focused().is_some_and(|f| f.input.value() == "yes") {
                    form.clear_errors();
                }
            }
            Action::Back | Action::Cancel
                if self.step > Step::Organisation && self.step <= Step::Totp =>
            {
                let i = Step::ALL.iter().position(|s| *s == self.step).unwrap_or(1);
                self.step = Step::ALL[i.saturating_sub(1)];
            }
            Action::Cancel | Action::Quit => {
                if !self.worth_asking() {
                    self.quit_after_creation();
                    return Some(Out::Quit);
                }
                let q = if self.step == Step::RecoveryKey {
                    "The database exists and its recovery key is shown only now. Quit anyway? \
                     (`kasefet recovery-key rotate` makes a new one later.)"
                } else {
                    "Quit the setup? What you typed is lost and nothing is created."
                };
                self.quit = Some(Confirm::new("Quit setup", q, "quit", ()));
            }
            _ => return None,
        }
        Some(Out::Stay)
    }

    pub fn chain(&self) -> &'static [crate::tui::keymap::Context] {
        if self.quit.is_some() {
            crate::tui::keymap::chain::CONFIRM
        } else {
            crate::tui::keymap::chain::FORM
        }
    }

    pub fn input(&mut self, key: &KeyEvent) {
        if self.quit.is_some() {
            return;
        }
        self.form_mut().input(key);
        if self.step == Step::Password {
            self.password_hint();
        }
    }

    pub fn paste(&mut self, text: &str) {
        self.form_mut().paste(text);
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        draw::draw(self, f, area, ui);
    }
}
