//! The full-screen interface: the setup wizard on first run, then sign-in and the screens
//! of the CRM. Screens speak only `Request`s to a `Backend` (the wizard alone uses
//! `Service::init`, since no database exists before it).
//!
//! The loop redraws only when something changed, and polls with a timeout so the idle
//! lock fires while nobody types. The terminal is restored on exit and on panic.

pub mod action;
pub mod app;
pub mod bidi;
pub mod keymap;
pub mod nightly;
pub mod screens;
pub mod shell;
pub mod text;
pub mod theme;
pub mod ui;
pub mod widgets;

use std::io::{self, IsTerminal, Stdout};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};

pub use app::{App, Options};

use crate::client::Local;
use crate::client::remote::Remote;
use crate::config::{Config, Paths};
use crate::service::{Clock, Error, Service};
use crate::store::StoreError;
use keymap::Keymap;
use nightly::Nightly;
use screens::wizard::Target;
use theme::Theme;

/// How long the loop waits for a key before checking the idle lock.
const POLL: Duration = Duration::from_millis(500);

/// Puts the terminal back as it was: cooked mode, main screen, cursor shown.
pub fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

fn setup_terminal() -> io::Result<Terminal<CrosstermBackend<Stdout>>> {
    install_panic_hook();
    terminal::enable_raw_mode()?;
    let mut out = io::stdout();
    if let Err(e) = execute!(out, EnterAlternateScreen, EnableBracketedPaste) {
        restore_terminal();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(out))
}

/// Runs `app` in the real terminal until it quits. `nightly` is the backup schedule of a
/// database this process owns; one the setup wizard creates starts its own here.
pub fn run(mut app: App, mut nightly: Option<Nightly>) -> io::Result<()> {
    let mut terminal = setup_terminal()?;
    let result = event_loop(&mut terminal, &mut app, &mut nightly);
    let _ = terminal.show_cursor();
    restore_terminal();
    // Waits for a backup being written, so the process never leaves one half done.
    drop(nightly);
    result
}

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    nightly: &mut Option<Nightly>,
) -> io::Result<()> {
    let mut dirty = true;
    loop {
        if let Some(service) = app.take_created() {
            // A thread that cannot start costs tonight's backup, not the session: the status
            // line and Home show the backup growing old.
            *nightly = Nightly::start(&service).ok().flatten();
        }
        if dirty {
            terminal.draw(|f| app.draw(f))?;
            dirty = false;
        }
        if app.should_quit() {
            return Ok(());
        }
        // Waiting work (a backup asked for) starts as soon as the screen says so.
        let wait = if app.busy() { Duration::ZERO } else { POLL };
        let mut typed = false;
        if event::poll(wait)? {
            match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => {
                    app.key(k);
                    typed = true;
                }
                Event::Paste(text) => {
                    app.paste(&text);
                    typed = true;
                }
                Event::Resize(..) => dirty = true,
                _ => {}
            }
        }
        dirty |= typed;
        // Work a key has just started waits one turn, for the frame that says it started.
        if !(typed && app.busy()) {
            dirty |= app.tick();
        }
    }
}

/// Options from the config: organisation, idle time, the user's keymap, colours.
pub fn options(config: &Config, clock: Clock) -> Options {
    let settings = config.settings();
    let mut opts = Options::new(clock);
    opts.org = config.organisation.name.clone();
    opts.idle_secs = if settings.idle_lock_secs > 0 {
        settings.idle_lock_secs
    } else {
        15 * 60
    };
    opts.policy = settings.policy.clone();
    opts.theme = Theme::from_env();
    opts.bidi = config.display.bidi;
    let user_keymap = crate::config::user_config_dir().map(|d| d.join("keymap.toml"));
    match Keymap::load(user_keymap.as_deref()) {
        Ok(k) => opts.keymap = k,
        Err(e) => opts.notice = Some(format!("{e}; using the default keys")),
    }
    opts
}

/// Where the interface finds the database.
#[derive(Debug, Clone, Copy)]
pub enum Connect<'a> {
    /// The data directory itself (`--local`, or `--data-dir` without `--socket`).
    Local,
    /// `kasefet serve` on this socket when it answers; `required` (an explicit `--socket`)
    /// makes a silent socket an error rather than a reason to open the directory.
    Server { socket: &'a Path, required: bool },
}

/// `kasefet` with no command: the server's sign-in when its socket answers, else the data
/// directory's (the wizard when there is no database yet).
pub fn launch(config: &Config, paths: &Paths, connect: Connect<'_>) -> Result<(), Error> {
    if !io::stdin().is_terminal() || !io::stdout().is_terminal() {
        return Err(Error::Refused(
            "the full-screen interface needs a terminal; for scripts use a command (see `kasefet --help`)".into(),
        ));
    }
    let mut opts = options(config, Clock::System);
    let mut tried = None;
    if let Connect::Server { socket, required } = connect {
        tried = Some(socket);
        match Remote::connect(socket) {
            // The server owns the database and runs its nightly backup itself.
            Ok(remote) => {
                let app = App::sign_in(Box::new(remote), opts);
                return run(app, None).map_err(|e| Error::Refused(format!("terminal error: {e}")));
            }
            Err(e) if required => return Err(e),
            Err(_) => {}
        }
    }
    let mut nightly = None;
    let app = if crate::store::open::exists(&paths.data_dir) {
        let service = match Service::open(&paths.data_dir, config.settings(), Clock::System) {
            Ok(s) => Arc::new(s),
            // Held by a process that is not answering as a server: say where we looked.
            Err(e @ Error::Store(StoreError::Locked { .. })) => {
                let socket = tried.unwrap_or(&paths.socket);
                return Err(Error::Unavailable(crate::client::remote::locked_message(
                    &e.to_string(),
                    &paths.data_dir,
                    socket,
                )));
            }
            Err(e) => return Err(e),
        };
        // This process owns the database (a server would have answered first), so it runs
        // the nightly backup, from the sign-in screen on.
        match Nightly::start(&service) {
            Ok(n) => nightly = n,
            Err(e) => {
                opts.notice = Some(format!("the nightly backup could not start: {e}"));
            }
        }
        App::sign_in(Box::new(Local::new(service)), opts)
    } else {
        let config_file = paths
            .config
            .clone()
            .or_else(|| crate::config::user_config_dir().map(|d| d.join("kasefet.toml")));
        let backup_dir = config
            .backup
            .dir
            .clone()
            .unwrap_or_else(|| paths.data_dir.with_file_name("kasefet-backups"));
        let target = Target {
            data_dir: paths.data_dir.clone(),
            settings: config.settings(),
            config_file,
            backup_dir,
        };
        App::wizard(target, opts).map_err(Error::Refused)?
    };
    run(app, nightly).map_err(|e| Error::Refused(format!("terminal error: {e}")))
}
