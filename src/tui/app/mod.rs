//! The whole program as one state machine: wizard → sign-in → (account setup) → main view,
//! with the lock screen in between whenever the person is away.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

mod keys;

use crate::auth::policy::PasswordPolicy;
use crate::client::Backend;
use crate::domain::UnixTime;
use crate::service::{Clock, Login, Request, Response, Service};
use crate::tui::keymap::{Keymap, chain};
use crate::tui::screens::lock::{self, Lock};
use crate::tui::screens::setup::{self, Setup};
use crate::tui::screens::signin::{self, SignIn};
use crate::tui::screens::wizard::{self, Target, Wizard};
use crate::tui::screens::{BackupSeen, Lost, Me, Note, People, Tab, unexpected};
use crate::tui::shell::{self, Main};
use crate::tui::theme::Theme;
use crate::tui::ui::Ui;
use crate::tui::widgets::centered;

/// The smallest terminal the screens are laid out for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// Screens refresh themselves only this long after the last key (see `tick`).
pub const REFRESH_WHILE_ACTIVE_SECS: i64 = 120;

/// What the app is given at start.
#[derive(Clone)]
pub struct Options {
    pub org: String,
    /// Lock after this long without a key (settings; 15 minutes by default).
    pub idle_secs: i64,
    pub clock: Clock,
    pub keymap: Keymap,
    pub theme: Theme,
    /// For live feedback while choosing a password (the service enforces it).
    pub policy: PasswordPolicy,
    /// Shown on the first screen (a problem with the user's keymap file, say).
    pub notice: Option<String>,
    /// `[display] bidi`: how right-to-left text reaches the terminal.
    pub bidi: crate::tui::bidi::Bidi,
}

impl Options {
    pub fn new(clock: Clock) -> Options {
        Options {
            org: String::new(),
            idle_secs: 15 * 60,
            clock,
            keymap: Keymap::defaults(),
            theme: Theme::from_env(),
            policy: PasswordPolicy::default(),
            notice: None,
            bidi: crate::tui::bidi::Bidi::Terminal,
        }
    }
}

enum Phase {
    Wizard(Box<Wizard>),
    SignIn(SignIn),
    Setup(Box<Setup>),
    Main(Box<Main>),
    Locked(Box<Main>, Lock),
    /// Only while moving between phases.
    Gone,
}

pub struct App {
    opts: Options,
    backend: Option<Box<dyn Backend>>,
    /// The database the wizard just created, until the caller takes it (to run backups).
    created: Option<Arc<Service>>,
    phase: Phase,
    last_input: UnixTime,
    quit: bool,
}

impl App {
    /// Starts at sign-in.
    pub fn sign_in(backend: Box<dyn Backend>, opts: Options) -> App {
        let note = opts.notice.clone().map(Note::warn);
        let last_input = opts.clock.now();
        App {
            backend: Some(backend),
            created: None,
            phase: Phase::SignIn(SignIn::new("", note)),
            opts,
            last_input,
            quit: false,
        }
    }

    /// Starts with the setup wizard (no database yet).
    pub fn wizard(target: Target, opts: Options) -> Result<App, String> {
        let w = Wizard::new(target, opts.clock.clone(), &opts.org)?;
        Ok(App::with_wizard(w, opts))
    }

    /// The wizard with a given TOTP secret (tests, scripted installs).
    pub fn wizard_with_secret(
        target: Target,
        opts: Options,
        totp: crate::auth::totp::TotpSecret,
    ) -> App {
        let w = Wizard::with_secret(target, opts.clock.clone(), &opts.org, totp);
        App::with_wizard(w, opts)
    }

    fn with_wizard(w: Wizard, opts: Options) -> App {
        let last_input = opts.clock.now();
        App {
            backend: None,
            created: None,
            phase: Phase::Wizard(Box::new(w)),
            opts,
            last_input,
            quit: false,
        }
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Slow work is waiting for the next tick, once the screen shows it has started.
    pub fn busy(&self) -> bool {
        match &self.phase {
            Phase::Main(m) => m.busy(),
            Phase::SignIn(s) => s.waiting(),
            _ => false,
        }
    }

    /// The database the setup wizard created in this process, once (whoever runs the app
    /// owns it now, and with it the nightly backup).
    pub fn take_created(&mut self) -> Option<Arc<Service>> {
        self.created.take()
    }

    /// Where the app is, for tests and logs: "wizard", "sign-in", "setup", "locked", or
    /// the tab ("customers").
    pub fn screen(&self) -> String {
        match &self.phase {
            Phase::Wizard(_) => "wizard".into(),
            Phase::SignIn(_) => "sign-in".into(),
            Phase::Setup(_) => "setup".into(),
            Phase::Main(m) => m.current().title().to_lowercase(),
            Phase::Locked(..) => "locked".into(),
            Phase::Gone => "gone".into(),
        }
    }

    /// The wizard's current step, while it runs.
    pub fn wizard_step(&self) -> Option<wizard::Step> {
        match &self.phase {
            Phase::Wizard(w) => Some(w.step()),
            _ => None,
        }
    }

    /// The signed-in person, when there is one.
    pub fn me(&self) -> Option<&Me> {
        match &self.phase {
            Phase::Main(m) | Phase::Locked(m, _) => Some(&m.me),
            _ => None,
        }
    }

    pub fn tabs(&self) -> Vec<Tab> {
        match &self.phase {
            Phase::Main(m) => m.tabs(),
            _ => Vec::new(),
        }
    }

    fn back_to_sign_in(&mut self, username: &str, note: Option<Note>) {
        if let Some(b) = self.backend.as_mut() {
            b.logout();
        }
        self.phase = Phase::SignIn(SignIn::new(username, note));
    }

    fn lost(&mut self, lost: Lost) {
        match lost {
            Lost::Locked => self.lock(),
            // The screens stay behind a sign-in that asks for the password and code.
            Lost::Ended if self.backend.as_mut().is_some_and(|b| b.take_restarted()) => {
                self.phase = match std::mem::replace(&mut self.phase, Phase::Gone) {
                    Phase::Main(m) | Phase::Locked(m, _) => {
                        let mut l = Lock::rejoin(&m.me.username);
                        l.note(lock::RESTARTED);
                        Phase::Locked(m, l)
                    }
                    other => other,
                };
            }
            Lost::Ended => {
                let user = self.me().map(|m| m.username.clone()).unwrap_or_default();
                self.back_to_sign_in(
                    &user,
                    Some(Note::warn("Your session has ended; sign in again.")),
                );
            }
        }
    }

    /// Hides everything behind the lock screen.
    pub fn lock(&mut self) {
        match std::mem::replace(&mut self.phase, Phase::Gone) {
            Phase::Main(mut m) => {
                m.hide();
                let user = m.me.username.clone();
                self.phase = Phase::Locked(m, Lock::new(&user));
            }
            other => self.phase = other,
        }
    }

    /// Locks when the idle time has passed, and otherwise loads the shown screen again now
    /// and then so other people's changes appear; true when something may have changed.
    pub fn tick(&mut self) -> bool {
        if self.idle_lock() {
            return true;
        }
        if let (Phase::SignIn(s), Some(backend)) = (&mut self.phase, self.backend.as_mut()) {
            if s.waiting() {
                if let signin::Out::Success(login) = s.finish(backend.as_mut()) {
                    self.signed_in(*login);
                }
                return true;
            }
        }
        if let (Phase::Main(m), Some(backend)) = (&mut self.phase, self.backend.as_mut()) {
            if m.busy() {
                let (_, lost) = m.tick(backend.as_mut(), &self.opts.clock);
                if let Some(l) = lost {
                    self.lost(l);
                }
                return true;
            }
        }
        // Every request counts as activity on the server, so refreshing an unattended
        // screen would keep the server's own idle lock from ever firing.
        let idle = self.opts.clock.now() - self.last_input;
        if idle >= REFRESH_WHILE_ACTIVE_SECS {
            return false;
        }
        let (Phase::Main(m), Some(backend)) = (&mut self.phase, self.backend.as_mut()) else {
            return false;
        };
        let (refreshed, lost) = m.tick(backend.as_mut(), &self.opts.clock);
        if let Some(l) = lost {
            self.lost(l);
            return true;
        }
        refreshed
    }

    /// Locks the main view when the idle time has passed; true when it did.
    fn idle_lock(&mut self) -> bool {
        let idle = self.opts.clock.now() - self.last_input;
        if matches!(self.phase, Phase::Main(_))
            && self.opts.idle_secs > 0
            && idle >= self.opts.idle_secs
        {
            self.lock();
            return true;
        }
        false
    }

    fn signed_in(&mut self, login: Login) {
        let Some(backend) = self.backend.as_mut() else {
            return;
        };
        let me = match backend.call(Request::Whoami) {
            Ok(Response::Me { user }) => Me::from_user(&user),
            Ok(_) => return self.back_to_sign_in("", Some(Note::error(unexpected().to_string()))),
            Err(e) => return self.back_to_sign_in("", Some(Note::error(e.to_string()))),
        };
        let mut note = login.notice.clone();
        if let Some(left) = login.recovery_codes_left {
            note = format!(
                "A recovery code was used; {left} left. Ask an admin to reset your authenticator if your phone is lost. {note}"
            );
        }
        let note = Some(if login.recovery_codes_left.is_some() {
            Note::warn(note)
        } else {
            Note::info(note)
        });
        if login.needs_setup {
            self.phase = Phase::Setup(Box::new(Setup::account(
                me,
                self.opts.policy.clone(),
                login.policy_pending,
            )));
            return;
        }
        if login.policy_pending {
            if let Some(s) = Setup::policy(me.clone(), backend.as_mut()) {
                self.phase = Phase::Setup(Box::new(s));
                return;
            }
        }
        self.enter_main(me, note);
    }

    fn enter_main(&mut self, me: Me, note: Option<Note>) {
        let Some(backend) = self.backend.as_mut() else {
            return;
        };
        let main = Main::new(
            me,
            self.opts.org.clone(),
            note,
            backend.as_mut(),
            &self.opts.clock,
        );
        self.last_input = self.opts.clock.now();
        self.phase = Phase::Main(Box::new(main));
    }

    pub fn draw(&self, f: &mut Frame) {
        crate::tui::bidi::set(self.opts.bidi);
        let area = f.area();
        let t = &self.opts.theme;
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let text = format!(
                "Please enlarge the window: Kasefet needs {MIN_WIDTH}×{MIN_HEIGHT}, this one is {}×{}.",
                area.width, area.height
            );
            let box_area = centered(area, area.width, 3.min(area.height));
            f.render_widget(
                Paragraph::new(Line::from(Span::styled(text, t.warn()))).wrap(Wrap { trim: true }),
                box_area,
            );
            return;
        }
        let (empty, unknown) = (People::default(), BackupSeen::Unknown);
        let (me, people, backups) = match &self.phase {
            Phase::Main(m) => (Some(&m.me), &m.people, &m.backups),
            _ => (None, &empty, &unknown),
        };
        let ui = Ui {
            theme: t,
            keymap: &self.opts.keymap,
            me,
            people,
            backups,
            now: self.opts.clock.now(),
        };
        match &self.phase {
            Phase::Wizard(w) => w.draw(f, area, &ui),
            Phase::SignIn(s) => {
                let mode = self.backend.as_ref().map_or("local", |b| b.mode().as_str());
                s.draw(f, area, &ui, &self.opts.org, mode);
            }
            Phase::Setup(s) => s.draw(f, area, &ui),
            Phase::Main(m) => m.draw(f, area, &ui),
            Phase::Locked(_, l) => l.draw(f, area, &ui),
            Phase::Gone => {}
        }
    }
}
