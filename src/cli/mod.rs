//! The scriptable command line. Every command becomes `Request`s sent to a `Backend`.

/// `eprintln!` that cannot panic: with `2>&1 | head` stderr is a closed pipe too, and a
/// message nobody can read is no reason to exit with a panic (code 101).
macro_rules! warnln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod account;
pub mod args;
mod audit;
mod backup;
mod batch;
mod consent;
mod customer;
mod doctor;
mod doctor_system;
mod duplicates;
mod employee;
mod erasures;
mod export;
mod gdpr;
mod history;
mod import;
mod init;
mod linked;
pub mod output;
mod progress;
pub mod prompt;
mod recover;
mod recovery_key;
mod repair;
mod retention;
mod shell_words;
mod task;
mod trash;
mod user;

use std::io::Write;
use std::sync::Arc;

pub use args::{Cli, Command};

use crate::client::{Backend, Local};
use crate::config::{self, Config, Paths};
use crate::service::{self, Clock, Request, Response, Service, exit};

/// A failure as the user sees it: one line on stderr and an exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    pub fn invalid(m: impl Into<String>) -> Self {
        CliError {
            code: exit::INVALID,
            message: m.into(),
        }
    }
    pub fn auth(m: impl Into<String>) -> Self {
        CliError {
            code: exit::AUTH,
            message: m.into(),
        }
    }
    pub fn failure(m: impl Into<String>) -> Self {
        CliError {
            code: exit::FAILURE,
            message: m.into(),
        }
    }
    /// Standard output was closed by its reader (`| head`): stop quietly. The code is that
    /// of the work done, success unless something failed before.
    pub fn output_closed(code: i32) -> Self {
        CliError {
            code,
            message: String::new(),
        }
    }
    pub fn is_output_closed(&self) -> bool {
        self.message.is_empty()
    }
}

impl From<service::Error> for CliError {
    fn from(e: service::Error) -> Self {
        CliError {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        service::Error::from(e).into()
    }
}

impl From<config::ConfigError> for CliError {
    fn from(e: config::ConfigError) -> Self {
        CliError::invalid(e.to_string())
    }
}

impl From<crate::domain::Invalid> for CliError {
    fn from(e: crate::domain::Invalid) -> Self {
        service::Error::from(e).into()
    }
}

/// What a command needs besides its arguments.
pub struct Ctx<'a> {
    pub backend: &'a mut dyn Backend,
    pub json: bool,
    /// A long list may be printed as it comes instead of returned whole: not in a batch,
    /// which gathers each command's output (one JSON line per command).
    pub stream: bool,
}

impl Ctx<'_> {
    pub fn call(&mut self, req: Request) -> Result<Response, CliError> {
        Ok(self.backend.call(req)?)
    }

    /// Resolves a username to an account id.
    pub fn user_id(&mut self, username: &str) -> Result<u64, CliError> {
        let name = crate::domain::user::normalize_username(username);
        match self.call(Request::People)? {
            Response::People(p) => p
                .into_iter()
                .find(|p| p.username == name)
                .map(|p| p.id)
                .ok_or_else(|| CliError::invalid(format!("no user named {name}"))),
            _ => Err(unexpected()),
        }
    }

    /// Account id → username, for showing owners and assignees.
    pub fn usernames(&mut self) -> Result<std::collections::HashMap<u64, String>, CliError> {
        match self.call(Request::People)? {
            Response::People(p) => Ok(p.into_iter().map(|p| (p.id, p.username)).collect()),
            _ => Err(unexpected()),
        }
    }
}

pub fn unexpected() -> CliError {
    CliError::failure("unexpected response from the service")
}

pub fn load(g: &args::Global) -> Result<(Config, Paths), CliError> {
    Ok(config::resolve(
        g.config.as_deref(),
        g.data_dir.as_deref(),
        g.socket.as_deref(),
    )?)
}

pub fn open_local(config: &Config, paths: &Paths) -> Result<Arc<Service>, CliError> {
    let service = Service::open(&paths.data_dir, config.settings(), Clock::System)?;
    if let Some(note) = tightened_note(service.store()) {
        warnln!("kasefet: warning: {note}");
    }
    Ok(Arc::new(service))
}

/// What to say when files in the data directory were found open to others and fixed.
pub(crate) fn tightened_note(store: &crate::store::Store) -> Option<String> {
    let fixed = store.tightened();
    if fixed.is_empty() {
        return None;
    }
    let names: Vec<String> = fixed.iter().map(|p| p.display().to_string()).collect();
    Some(format!(
        "{} file(s) in the data directory were open to other users and are now private (0600/0700): {}",
        fixed.len(),
        names.join(", ")
    ))
}

/// Runs one parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match dispatch(cli) {
        Ok(()) => exit::OK,
        Err(e) if e.is_output_closed() => e.code,
        Err(e) => {
            warnln!("kasefet: {}", output::clean(&e.message));
            e.code
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), CliError> {
    if let Some(Command::Completions { shell }) = &cli.command {
        use clap::CommandFactory;
        // Into memory first: a closed pipe must be an error, not a panic in the generator.
        let mut out = Vec::new();
        clap_complete::generate(*shell, &mut Cli::command(), "kasefet", &mut out);
        return print(&String::from_utf8_lossy(&out));
    }
    let (config, paths) = load(&cli.global)?;
    let Some(command) = cli.command else {
        let connect = if wants_server(&cli.global) {
            crate::tui::Connect::Server {
                socket: &paths.socket,
                required: cli.global.socket.is_some(),
            }
        } else {
            crate::tui::Connect::Local
        };
        return Ok(crate::tui::launch(&config, &paths, connect)?);
    };
    if let Command::Init(a) = &command {
        return init::run(&config, &paths, a, cli.global.password_file.as_deref());
    }
    if let Command::Serve = &command {
        return serve(&config, &paths);
    }
    if let Command::Doctor(a) = &command {
        return doctor::dispatch(&config, &paths, &cli.global, a);
    }
    if let Command::Backup(b) = command {
        return backup::run(&config, &paths, &cli.global, b);
    }
    if let Command::Recover(a) = &command {
        return recover::run(&config, &paths, a, cli.global.password_file.as_deref());
    }
    if let Command::Repair(a) = &command {
        return repair::run(&config, &paths, &cli.global, a);
    }
    let setup = matches!(command, Command::Account(args::AccountCmd::Setup { .. }));
    let mut backend = connect(&cli.global, &config, &paths)?;
    let creds = if setup {
        prompt::setup_credentials(&cli.global)?
    } else {
        prompt::credentials(&cli.global)?
    };
    let login = backend.login(&creds.user, &creds.password, &creds.code)?;
    if prompt::is_tty() {
        warnln!("{}", output::clean(&login.notice));
    }
    if let Some(left) = login.recovery_codes_left {
        warnln!("kasefet: a recovery code was used; {left} left");
    }
    // `account setup` asks for the policy itself.
    if login.policy_pending && !setup {
        warnln!(
            "kasefet: reminder: read and accept the security policy at your next interactive sign-in"
        );
    }
    let mut ctx = Ctx {
        backend: backend.as_mut(),
        json: cli.global.json,
        stream: !matches!(command, Command::Batch),
    };
    let policy = config.settings().policy;
    let result = match command {
        Command::Batch => batch::run(&mut ctx),
        Command::Account(c) => {
            let signed_in = account::SignedIn {
                password: &creds.password,
                login: &login,
                policy: &policy,
            };
            account::run(&mut ctx, c, Some(&signed_in)).and_then(|out| print(&out))
        }
        Command::RecoveryKey(c) => {
            recovery_key::run(&mut ctx, c, &creds.password).and_then(|out| print(&out))
        }
        other => execute(&mut ctx, other).and_then(|out| print(&out)),
    };
    backend.logout();
    result
}

/// Whether to try the server's socket first: unless told to work locally, and an explicit
/// `--data-dir` without `--socket` means "this directory".
fn wants_server(g: &args::Global) -> bool {
    !g.local && (g.data_dir.is_none() || g.socket.is_some())
}

/// The server when its socket answers (unless told to work locally), else the data
/// directory itself. An explicit `--data-dir` without `--socket` means "this directory".
pub fn connect(
    g: &args::Global,
    config: &Config,
    paths: &Paths,
) -> Result<Box<dyn Backend>, CliError> {
    if wants_server(g) {
        match crate::client::remote::Remote::connect(&paths.socket) {
            Ok(r) => return Ok(Box::new(r)),
            Err(e) if g.socket.is_some() => return Err(e.into()),
            Err(_) => {}
        }
    }
    match open_local(config, paths) {
        Ok(s) => Ok(Box::new(Local::new(s))),
        Err(mut e) if e.code == exit::UNAVAILABLE && e.message.contains("in use") => {
            e.message =
                crate::client::remote::locked_message(&e.message, &paths.data_dir, &paths.socket);
            Err(e)
        }
        Err(e) => Err(e),
    }
}

fn serve(config: &Config, paths: &Paths) -> Result<(), CliError> {
    let service = open_local(config, paths)?;
    let limits = config.server.limits().map_err(CliError::invalid)?;
    let server = crate::server::Server::bind(&paths.socket)
        .map_err(|e| CliError {
            code: exit::UNAVAILABLE,
            message: e.to_string(),
        })?
        .with_limits(limits);
    server
        .handle_signals()
        .map_err(|e| CliError::failure(e.to_string()))?;
    warnln!(
        "kasefet serve: {} on {} (stop with SIGTERM or Ctrl-C)",
        paths.data_dir.display(),
        paths.socket.display()
    );
    // The server owns the database, so it takes the nightly backup, sealed or not.
    let nightly = match service.backup_config() {
        Some(cfg) => Some(
            crate::backup::spawn_nightly(service.clone(), cfg, server.stop_flag())
                .map_err(|e| CliError::failure(e.to_string()))?,
        ),
        None => {
            warnln!("kasefet serve: no [backup] dir is configured, so no nightly backups");
            None
        }
    };
    server
        .run(service)
        .map_err(|e| CliError::failure(e.to_string()))?;
    if let Some(n) = nightly {
        let _ = n.join();
    }
    warnln!("kasefet serve: stopped cleanly");
    Ok(())
}

pub fn print(s: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => CliError::output_closed(exit::OK),
            _ => CliError::failure(e.to_string()),
        })
}

/// Runs a command under an existing sign-in and returns what it prints.
pub fn execute(ctx: &mut Ctx<'_>, command: Command) -> Result<String, CliError> {
    match command {
        Command::Customer(c) => customer::run(ctx, c),
        Command::Task(c) => task::run(ctx, c),
        Command::Employee(c) => employee::run(ctx, c),
        Command::Audit(c) => audit::run(ctx, c),
        Command::User(c) => user::run(ctx, c),
        Command::Account(c) => account::run(ctx, c, None),
        Command::Import(c) => import::run(ctx, c),
        Command::Export(a) => export::run(ctx, a),
        Command::Gdpr(c) => gdpr::run(ctx, c),
        Command::Retention(c) => retention::run(ctx, c),
        Command::Init(_) => Err(CliError::invalid(
            "init cannot run inside a signed-in command",
        )),
        Command::Recover(_) => Err(CliError::invalid(
            "recover cannot run inside a signed-in command",
        )),
        Command::Batch => Err(CliError::invalid("batch cannot be nested")),
        Command::RecoveryKey(_) => Err(CliError::invalid(
            "run `kasefet recovery-key rotate` on its own, not in a batch",
        )),
        Command::Serve => Err(CliError::invalid(
            "serve cannot run inside a signed-in command",
        )),
        Command::Repair(_) => Err(CliError::invalid(
            "repair cannot run inside a signed-in command",
        )),
        Command::Backup(_) | Command::Doctor(_) | Command::Completions { .. } => Err(
            CliError::invalid("backup and doctor run on their own, not in batch"),
        ),
    }
}

/// Parses an optional date/time argument, naming the field in errors.
pub fn date_arg(field: &str, v: &Option<String>) -> Result<Option<jiff::civil::Date>, CliError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => crate::domain::text::date(field, s)
            .map(Some)
            .map_err(|e| CliError::invalid(format!("invalid input: {e}"))),
    }
}
