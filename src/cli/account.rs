//! `kasefet account ...`: the signed-in person's own account. `account setup` is the first
//! sign-in on a plain terminal; the TUI does the same with the same requests.

use std::path::Path;

use super::args::AccountCmd;
use super::output::{clean, json};
use super::prompt::{self, ask, new_password};
use super::{CliError, Ctx, print, unexpected};
use crate::auth::policy::PasswordPolicy;
use crate::auth::totp::qr_text;
use crate::crypto::{Password, SecretText};
use crate::domain::User;
use crate::service::clock::format_local;
use crate::service::{AccountStatus, Error, Login, Request, Response};

/// Attempts at the enrolment code before `account setup` gives up (the enrolment can simply
/// be started again).
const CODE_TRIES: usize = 5;

/// What `setup` and `password` need from the sign-in that ran them.
pub struct SignedIn<'a> {
    /// The password given at sign-in: the current password for `account password`.
    pub password: &'a Password,
    pub login: &'a Login,
    /// The configured policy, for feedback while typing; the service checks again.
    pub policy: &'a PasswordPolicy,
}

pub fn run(
    ctx: &mut Ctx<'_>,
    cmd: AccountCmd,
    signed_in: Option<&SignedIn<'_>>,
) -> Result<String, CliError> {
    let needs = |what: &str| {
        CliError::invalid(format!(
            "run `kasefet account {what}` on its own, not in a batch"
        ))
    };
    match cmd {
        AccountCmd::Setup { new_password_file } => {
            let s = signed_in.ok_or_else(|| needs("setup"))?;
            setup(ctx, s, new_password_file.as_deref())
        }
        AccountCmd::Password { new_password_file } => {
            let s = signed_in.ok_or_else(|| needs("password"))?;
            let me = whoami(ctx)?;
            let new = new_password(
                new_password_file.as_deref(),
                s.policy,
                &[&me.username, &me.display_name],
            )?;
            ctx.call(Request::AccountChangePassword {
                current: Some(SecretText::new(s.password.expose().to_owned())),
                new: SecretText::new(new.expose().to_owned()),
            })?;
            Ok(if ctx.json {
                json(&serde_json::json!({ "result": "password_changed" }))?
            } else {
                "Password changed; your key envelope was re-wrapped under it.\n".to_string()
            })
        }
        AccountCmd::RecoveryCodes => {
            let s = signed_in.ok_or_else(|| needs("recovery-codes"))?;
            let req = Request::AccountRegenerateRecoveryCodes {
                password: Some(SecretText::new(s.password.expose().to_owned())),
            };
            match ctx.call(req)? {
                Response::RecoveryCodes(codes) => {
                    codes_output(ctx, &codes, "The old codes no longer work.")
                }
                _ => Err(unexpected()),
            }
        }
        AccountCmd::Policy { accept } => {
            let (version, text, accepted_at) = policy(ctx)?;
            let accepted_at = if accept && !version.is_empty() {
                ctx.call(Request::AccountAcceptPolicy {
                    version: version.clone(),
                })?;
                policy(ctx)?.2
            } else {
                accepted_at
            };
            if ctx.json {
                return json(
                    &serde_json::json!({ "version": version, "text": text, "accepted_at": accepted_at }),
                );
            }
            let state = match accepted_at {
                Some(at) => format!("accepted {}", format_local(at)),
                None => "not accepted yet: `kasefet account policy --accept`".to_string(),
            };
            Ok(format!(
                "{}\n\n(version {version}; {state})\n",
                policy_text(&text)
            ))
        }
        AccountCmd::Status => {
            let st = status(ctx)?;
            if ctx.json {
                return json(&st);
            }
            let yes_no = |b: bool| if b { "needed" } else { "done" }.to_string();
            Ok(super::output::fields(&[
                ("own password", yes_no(st.password_change_needed)),
                ("authenticator (TOTP)", yes_no(st.totp_enrolment_needed)),
                ("security policy", yes_no(st.policy_acceptance_needed)),
                (
                    "recovery codes left",
                    st.recovery_codes_left
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "none".into()),
                ),
            ]))
        }
    }
}

fn whoami(ctx: &mut Ctx<'_>) -> Result<User, CliError> {
    match ctx.call(Request::Whoami)? {
        Response::Me { user } => Ok(user),
        _ => Err(unexpected()),
    }
}

fn status(ctx: &mut Ctx<'_>) -> Result<AccountStatus, CliError> {
    match ctx.call(Request::AccountStatus)? {
        Response::AccountStatus(s) => Ok(s),
        _ => Err(unexpected()),
    }
}

fn policy(ctx: &mut Ctx<'_>) -> Result<(String, String, Option<i64>), CliError> {
    match ctx.call(Request::AccountPolicy)? {
        Response::Policy {
            version,
            text,
            accepted_at,
        } => Ok((version, text, accepted_at)),
        _ => Err(unexpected()),
    }
}

/// The policy cleaned line by line: it comes from a file an admin wrote.
fn policy_text(text: &str) -> String {
    text.lines().map(clean).collect::<Vec<_>>().join("\n")
}

fn codes_output(ctx: &Ctx<'_>, codes: &[SecretText], note: &str) -> Result<String, CliError> {
    if ctx.json {
        let list: Vec<&str> = codes.iter().map(SecretText::expose).collect();
        return json(&serde_json::json!({ "recovery_codes": list }));
    }
    let mut out = String::from(
        "Recovery codes (each works once in place of a code; they are shown only now, so store them \
         offline, away from your phone):\n",
    );
    for c in codes {
        out.push_str(&format!("  {}\n", c.expose()));
    }
    out.push_str(note);
    out.push('\n');
    Ok(out)
}

/// First sign-in: password, TOTP enrolment, recovery codes, policy. Each step is skipped when
/// the service says it is done, so running it again picks up where it stopped.
fn setup(
    ctx: &mut Ctx<'_>,
    s: &SignedIn<'_>,
    new_password_file: Option<&Path>,
) -> Result<String, CliError> {
    let me = whoami(ctx)?;
    let st = status(ctx)?;
    if !s.login.needs_setup && !st.policy_acceptance_needed {
        return Ok("Your account is already set up.\n".into());
    }
    let tty = prompt::is_tty();
    let mut codes = None;
    if st.password_change_needed {
        warnln!("Choose your own password. A few unrelated words make a strong one.");
        loop {
            let new = new_password(
                new_password_file,
                s.policy,
                &[&me.username, &me.display_name],
            )?;
            let req = Request::AccountChangePassword {
                current: None,
                new: SecretText::new(new.expose().to_owned()),
            };
            match ctx.call(req) {
                Ok(_) => break,
                // On a terminal a refused password (the one-time one again, say) is asked anew.
                Err(CliError { message, .. }) if tty && new_password_file.is_none() => {
                    warnln!("{message}")
                }
                Err(e) => return Err(e),
            }
        }
        warnln!("Password set.\n");
    }
    if st.totp_enrolment_needed {
        // A setup-only session needs no password (and the one given at sign-in may just
        // have been replaced); a full one does.
        let begin = Request::AccountBeginTotp {
            password: (!s.login.needs_setup)
                .then(|| SecretText::new(s.password.expose().to_owned())),
        };
        let (secret, url) = match ctx.call(begin)? {
            Response::TotpEnrolment {
                secret_base32,
                otpauth_url,
            } => (secret_base32, otpauth_url),
            _ => return Err(unexpected()),
        };
        let qr = qr_text(url.expose()).unwrap_or_default();
        warnln!(
            "Scan this with an authenticator app, or type the secret into it:\n\n{qr}\n  secret: {}\n  {}\n",
            secret.expose(),
            url.expose()
        );
        let mut tries = 0;
        codes = Some(loop {
            tries += 1;
            let code = ask("Code from the app, to confirm")?;
            match ctx.backend.call(Request::AccountConfirmTotp { code }) {
                Ok(Response::RecoveryCodes(c)) => break c,
                Ok(_) => return Err(unexpected()),
                Err(Error::Refused(m)) if tries < CODE_TRIES => warnln!("{m}"),
                Err(e) => return Err(e.into()),
            }
        });
        warnln!("Authenticator enrolled.\n");
        if let Some(c) = codes.as_ref().filter(|_| !ctx.json) {
            print(&codes_output(ctx, c, "")?)?;
            if tty {
                let _ = ask("Press Enter once you have stored them");
            }
        }
    }
    let mut accepted = false;
    if st.policy_acceptance_needed {
        let (version, text, _) = policy(ctx)?;
        warnln!("\n{}\n", policy_text(&text));
        let answer = ask("Type \"yes\" to accept this security policy")?;
        if answer.trim().eq_ignore_ascii_case("yes") {
            ctx.call(Request::AccountAcceptPolicy { version })?;
            accepted = true;
        } else {
            warnln!("Not accepted; you will be asked again at your next sign-in.");
        }
    }
    if ctx.json {
        let list: Option<Vec<&str>> = codes
            .as_ref()
            .map(|c| c.iter().map(SecretText::expose).collect());
        return json(&serde_json::json!({ "recovery_codes": list, "policy_accepted": accepted }));
    }
    Ok(if s.login.needs_setup {
        "Setup complete. Sign in again with your new password and a code from your authenticator app.\n".into()
    } else {
        "Done.\n".into()
    })
}
