//! Credentials for commands that need a sign-in: flags or environment first, then a prompt
//! on a terminal (with echo off for secrets).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use zeroize::Zeroizing;

use super::CliError;
use super::args::Global;
use crate::crypto::Password;

pub fn is_tty() -> bool {
    std::io::stdin().is_terminal()
}

/// The first line of a file, without its line ending, never otherwise trimmed: spaces are
/// part of a passphrase.
pub fn first_line(path: &Path) -> Result<Zeroizing<String>, CliError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| CliError::invalid(format!("cannot read {}: {e}", path.display())))?,
    );
    let line = text.split('\n').next().unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    Ok(Zeroizing::new(line.to_string()))
}

pub fn ask(label: &str) -> Result<String, CliError> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{label}: ");
    let _ = err.flush();
    let mut s = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut s)
        .map_err(|e| CliError::failure(e.to_string()))?;
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

/// Reads a line with terminal echo off.
pub fn ask_secret(label: &str) -> Result<Zeroizing<String>, CliError> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).ok();
    if let Some(t) = &saved {
        let mut quiet = t.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        let _ = tcsetattr(&stdin, OptionalActions::Now, &quiet);
    }
    let result = ask(label).map(Zeroizing::new);
    if let Some(t) = &saved {
        let _ = tcsetattr(&stdin, OptionalActions::Now, t);
    }
    eprintln!();
    result
}

pub struct Credentials {
    pub user: String,
    pub password: Password,
    pub code: String,
}

pub fn credentials(g: &Global) -> Result<Credentials, CliError> {
    let tty = is_tty();
    let missing = |what: &str, flag: &str, var: &str| {
        CliError::auth(format!(
            "no {what}: pass {flag} or set {var} (or run on a terminal to be asked)"
        ))
    };
    let user = match &g.user {
        Some(u) => u.clone(),
        None if tty => ask("Username")?,
        None => return Err(missing("username", "--user", "KASEFET_USER")),
    };
    let password = match &g.password_file {
        Some(p) => Password::new(first_line(p)?.as_str()),
        None if tty => Password::new(ask_secret("Password")?.as_str()),
        None => {
            return Err(missing(
                "password",
                "--password-file",
                "KASEFET_PASSWORD_FILE",
            ));
        }
    };
    let code = match &g.totp {
        Some(c) => c.clone(),
        None if tty => ask("Code")?,
        None => return Err(missing("code", "--totp", "KASEFET_TOTP")),
    };
    Ok(Credentials {
        user,
        password,
        code,
    })
}

/// Writes a new file readable only by its owner; refuses to overwrite one.
pub fn write_private(path: &Path, contents: &str) -> Result<(), CliError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => CliError::invalid(format!(
                "{} already exists; refusing to overwrite it",
                path.display()
            )),
            _ => CliError::failure(format!("cannot write {}: {e}", path.display())),
        })?;
    f.write_all(contents.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))
}
