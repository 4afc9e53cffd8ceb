//! `kasefet recover`: break-glass admin recovery with the recovery key. There is no sign-in,
//! so the global `--password-file` here holds the admin's new password (as it does for `init`).

use zeroize::Zeroizing;

use super::args::RecoverArgs;
use super::prompt::{self, create_private, fill_private, new_password};
use super::{CliError, output};
use crate::auth::totp::{TotpSecret, qr_text};
use crate::config::{Config, Paths};
use crate::crypto::recovery;
use crate::service::Peer;

pub fn run(
    config: &Config,
    paths: &Paths,
    a: &RecoverArgs,
    password_file: Option<&std::path::Path>,
) -> Result<(), CliError> {
    let text = Zeroizing::new(std::fs::read_to_string(&a.recovery_key_file).map_err(|e| {
        CliError::invalid(format!(
            "cannot read {}: {e}",
            a.recovery_key_file.display()
        ))
    })?);
    let key = recovery::parse(&text).map_err(|_| {
        CliError::invalid(format!(
            "{} does not hold a recovery key",
            a.recovery_key_file.display()
        ))
    })?;
    if password_file.is_none() && !prompt::is_tty() {
        return Err(CliError::invalid(
            "no new password: pass --password-file FILE (its first line becomes the admin's password)",
        ));
    }
    let settings = config.settings();
    let password = new_password(password_file, &settings.policy, &[&a.admin])?;
    // Made (empty, 0600) before anything changes, so the new secret always has a home and
    // an existing file is refused before the admin's old secret is gone.
    let secret_file = a
        .totp_secret_file
        .as_deref()
        .map(|f| create_private(f).map(|file| (f, file)))
        .transpose()?;
    let service = super::open_local(config, paths)?;
    let totp = TotpSecret::generate().map_err(|e| CliError::failure(e.to_string()))?;
    if let Err(e) = service.recover(&key, &a.admin, &password, &totp, &Peer::this_process()) {
        if let Some((f, _)) = &secret_file {
            let _ = std::fs::remove_file(f);
        }
        return Err(e.into());
    }
    let secret = totp.to_base32();
    match secret_file {
        Some((f, file)) => fill_private(file, f, &format!("{}\n", secret.as_str()))?,
        None => {
            let url = totp.otpauth_url(&a.admin);
            let qr = qr_text(&url).unwrap_or_default();
            warnln!(
                "Scan this with an authenticator app, or type the secret:\n\n{qr}\n  secret: {}\n  {}\n",
                secret.as_str(),
                url.as_str()
            );
            if prompt::is_tty() {
                let _ = prompt::ask("Press Enter once the app shows codes");
            }
        }
    }
    super::print(&format!(
        "Admin access for {} restored with the recovery key (this is in the audit log). Sign in with the new \
         password and a code, then make new recovery codes: `kasefet account recovery-codes`.\n",
        output::clean(&a.admin)
    ))
}
