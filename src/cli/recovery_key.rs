//! `kasefet recovery-key rotate`: a new recovery key, the old one revoked. The admin gives
//! the password and a fresh code once more (the sign-in alone is not enough for a key that
//! opens everything).

use zeroize::Zeroizing;

use super::args::RecoveryKeyCmd;
use super::prompt::{self, create_private, fill_private};
use super::{CliError, Ctx, unexpected};
use crate::crypto::{Password, SecretText};
use crate::service::{Request, Response};

pub fn run(
    ctx: &mut Ctx<'_>,
    cmd: RecoveryKeyCmd,
    signed_in_with: &Password,
) -> Result<String, CliError> {
    let RecoveryKeyCmd::Rotate {
        code,
        recovery_key_file,
    } = cmd;
    let tty = prompt::is_tty();
    let password = if tty {
        prompt::ask_secret("Password again")?
    } else {
        Zeroizing::new(signed_in_with.expose().to_string())
    };
    let code = match code {
        Some(c) => c,
        None if tty => prompt::ask("A new code from your app (not the one you signed in with)")?,
        None => {
            return Err(CliError::invalid(
                "no code: pass --code with a code newer than the one you signed in with",
            ));
        }
    };
    // Made before the key changes, so the new key always has somewhere to go.
    let file = recovery_key_file
        .as_deref()
        .map(|f| create_private(f).map(|file| (f, file)))
        .transpose()?;
    let reply = ctx.call(Request::RecoveryKeyRotate {
        password: SecretText::new(password.to_string()),
        code,
    });
    let key = match reply {
        Ok(Response::RecoveryKey(k)) => k,
        Ok(_) => return Err(unexpected()),
        Err(e) => {
            if let Some((f, _)) = &file {
                let _ = std::fs::remove_file(f);
            }
            return Err(e);
        }
    };
    let after = "The old recovery key no longer opens this database; backups taken before now \
                 still open with it, so keep it until they have aged out.";
    if ctx.json {
        let written = match file {
            Some((path, f)) => {
                fill_private(f, path, &format!("{}\n", key.expose()))?;
                serde_json::json!({ "result": "recovery_key_rotated", "file": path.display().to_string() })
            }
            None => {
                serde_json::json!({ "result": "recovery_key_rotated", "recovery_key": key.expose() })
            }
        };
        return super::output::json(&written);
    }
    match file {
        Some((path, f)) => {
            fill_private(f, path, &format!("{}\n", key.expose()))?;
            Ok(format!(
                "New recovery key written to {} (readable by you only). {after}\n",
                path.display()
            ))
        }
        None => Ok(format!(
            "New recovery key (shown once; store it offline now):\n\n  {}\n\n{after}\n",
            key.expose()
        )),
    }
}
