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
    use std::os::unix::fs::PermissionsExt;
    // A secret file others can read is worth a word, but not a refusal: the secret has
    // already leaked by then, and refusing would only break the script.
    if let Ok(m) = std::fs::metadata(path) {
        let mode = m.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            warnln!(
                "kasefet: warning: {} is readable by others (mode {mode:o}); run `chmod 600 {}`",
                path.display(),
                path.display()
            );
        }
    }
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
    let read = std::io::stdin()
        .lock()
        .read_line(&mut s)
        .map_err(|e| CliError::failure(e.to_string()))?;
    if read == 0 {
        // End of input: an error, so prompts that repeat until they get an answer stop.
        return Err(CliError::invalid(format!(
            "no answer to \"{label}\" (end of input)"
        )));
    }
    // Trimmed in place rather than copied, so a secret read here leaves no stray copy.
    let len = s.trim_end_matches(['\n', '\r']).len();
    s.truncate(len);
    Ok(s)
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
    warnln!();
    result
}

pub struct Credentials {
    pub user: String,
    pub password: Password,
    pub code: String,
}

pub fn credentials(g: &Global) -> Result<Credentials, CliError> {
    gather(g, false)
}

/// Credentials for `account setup`: an account that has not enrolled TOTP yet has no code,
/// so the code may be left empty (the service still asks for one when a TOTP is enrolled).
pub fn setup_credentials(g: &Global) -> Result<Credentials, CliError> {
    gather(g, true)
}

fn gather(g: &Global, code_optional: bool) -> Result<Credentials, CliError> {
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
        None if tty && code_optional => ask("Code (press Enter if you have no authenticator yet)")?,
        None if tty => ask("Code")?,
        None if code_optional => String::new(),
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
    let f = create_private(path)?;
    fill_private(f, path, contents)
}

/// Creates a new, empty file readable only by its owner; refuses to overwrite one. Made
/// before an operation whose result must land in it, so that result cannot be lost to a
/// file that turns out not to be writable.
pub fn create_private(path: &Path) -> Result<std::fs::File, CliError> {
    crate::transfer::target::create_new(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => CliError::invalid(format!(
            "{} already exists; refusing to overwrite it",
            path.display()
        )),
        _ => CliError::failure(format!("cannot write {}: {e}", path.display())),
    })
}

/// Writes and syncs what a file from [`create_private`] is for.
pub fn fill_private(f: std::fs::File, path: &Path, contents: &str) -> Result<(), CliError> {
    crate::transfer::target::fill(f, contents.as_bytes())
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))
}

/// A new password: the first line of `file`, or typed twice on a terminal with the policy's
/// reason shown after each refusal. Checked here only for quick feedback; the service checks
/// again, with the account's names.
pub fn new_password(
    file: Option<&Path>,
    policy: &crate::auth::policy::PasswordPolicy,
    context: &[&str],
) -> Result<Password, CliError> {
    if let Some(f) = file {
        return Ok(Password::new(first_line(f)?.as_str()));
    }
    if !is_tty() {
        return Err(CliError::invalid(
            "no new password: pass --new-password-file (or run on a terminal to be asked)",
        ));
    }
    let min = policy.effective_min_chars();
    loop {
        let p1 = ask_secret(&format!(
            "New password (at least {min} characters; spaces welcome)"
        ))?;
        if let Err(e) = policy.check(&p1, context) {
            warnln!("{e}");
            continue;
        }
        let p2 = ask_secret("Same password again")?;
        if *p1 != *p2 {
            warnln!("The two passwords differ; try again.");
            continue;
        }
        return Ok(Password::new(p1.as_str()));
    }
}
