//! `kasefet init`: the database, its first admin and the recovery key.

use super::args::InitArgs;
use super::prompt::{self, ask, ask_secret, first_line, write_private};
use super::{CliError, output};
use crate::auth::totp::{TotpSecret, qr_text};
use crate::config::{Config, Paths};
use crate::crypto::{Password, recovery};
use crate::service::{Clock, NewAdmin, Service};

/// The admin's password comes from the global `--password-file` (its first line) or a prompt.
pub fn run(
    config: &Config,
    paths: &Paths,
    a: &InitArgs,
    password_file: Option<&std::path::Path>,
) -> Result<(), CliError> {
    let totp_out = renamed(
        &a.totp_secret_out,
        &a.totp_secret_file,
        ("--totp-secret-file", "--totp-secret-out"),
    );
    if crate::store::open::exists(&paths.data_dir) {
        return Err(CliError::invalid(format!(
            "a database already exists at {}",
            paths.data_dir.display()
        )));
    }
    let settings = config.settings();
    let display = a.display_name.clone().unwrap_or_else(|| a.admin.clone());
    let tty = prompt::is_tty();
    let password = match password_file {
        Some(p) => Password::new(first_line(p)?.as_str()),
        None if tty => loop {
            let p1 = ask_secret(&format!(
                "Password for {} (at least {} characters)",
                a.admin, settings.policy.min_chars
            ))?;
            if let Err(e) = settings.policy.check(&p1, &[&a.admin, &display]) {
                warnln!("{e}");
                continue;
            }
            let p2 = ask_secret("Same password again")?;
            if *p1 != *p2 {
                warnln!("The two passwords differ; try again.");
                continue;
            }
            break Password::new(p1.as_str());
        },
        None => {
            return Err(CliError::invalid(
                "no password: pass --password-file (or run on a terminal)",
            ));
        }
    };
    // Check before creating anything, so a refused password leaves no half-made database.
    settings
        .policy
        .check(password.expose(), &[&a.admin, &display])
        .map_err(|e| CliError::invalid(format!("password refused: {e}")))?;
    let totp = TotpSecret::generate().map_err(|e| CliError::failure(e.to_string()))?;
    // Refuse existing output files before the database exists, for the same reason.
    for f in [&totp_out, &a.recovery_key_file].into_iter().flatten() {
        if f.exists() {
            return Err(CliError::invalid(format!(
                "{} already exists; refusing to overwrite it",
                f.display()
            )));
        }
    }
    let (_service, recovery_key) = Service::init(
        &paths.data_dir,
        settings,
        Clock::System,
        NewAdmin {
            username: &a.admin,
            display_name: &display,
            password: &password,
            totp: &totp,
            recovery_codes: None,
        },
    )?;
    let secret = totp.to_base32();
    match &totp_out {
        Some(f) => write_private(f, &format!("{}\n", secret.as_str()))?,
        None => {
            let url = totp.otpauth_url(&a.admin);
            let qr = qr_text(&url).unwrap_or_default();
            warnln!(
                "Scan this with an authenticator app, or type the secret:\n\n{qr}\n  secret: {}\n  {}\n",
                secret.as_str(),
                url.as_str()
            );
        }
    }
    let rk = recovery::format(&recovery_key);
    match &a.recovery_key_file {
        Some(f) => write_private(f, &format!("{}\n", rk.as_str()))?,
        None => {
            warnln!(
                "Recovery key (shown once; store it offline — it restores admin access and backups):\n\n  {}\n",
                rk.as_str()
            );
            if tty {
                let _ = ask("Press Enter once you have stored it");
            }
        }
    }
    super::print(&format!(
        "Created the database at {} with admin {}.\n",
        output::clean(&paths.data_dir.display().to_string()),
        output::clean(&a.admin)
    ))
}

/// The value of a renamed option: the new spelling, else the old one with a note on stderr.
pub(super) fn renamed<T: Clone>(
    new: &Option<T>,
    old: &Option<T>,
    names: (&str, &str),
) -> Option<T> {
    if old.is_some() {
        warnln!(
            "kasefet: note: {} is now {} (the name says which way the secret goes); the old spelling still works",
            names.0,
            names.1
        );
    }
    new.clone().or_else(|| old.clone())
}
