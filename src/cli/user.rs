//! `kasefet user ...`: account administration (admin only; the service enforces it).

use std::path::Path;

use super::args::UserCmd;
use super::output::{clean, json, table};
use super::prompt::first_line;
use super::{CliError, Ctx, unexpected};
use crate::crypto::SecretText;
use crate::domain::Role;
use crate::service::clock::format_local;
use crate::service::{Request, Response};

fn role_arg(s: &str) -> Result<Role, CliError> {
    Role::parse(s).ok_or_else(|| {
        CliError::invalid("invalid input: role: use admin, manager, staff, hr or auditor")
    })
}

/// The first line of a file, as a secret for a request.
fn secret_file(path: &Path) -> Result<SecretText, CliError> {
    Ok(SecretText::new(first_line(path)?.as_str().to_owned()))
}

/// "Done" output: a line for people, `{"username": ..., "result": ...}` for scripts.
fn done(ctx: &Ctx<'_>, username: &str, result: &str, line: String) -> Result<String, CliError> {
    if ctx.json {
        json(&serde_json::json!({ "username": username, "result": result }))
    } else {
        Ok(format!("{}\n", clean(&line)))
    }
}

/// The one-time password on a line of its own, so a script can pick it out; the advice on
/// stderr, where it does not get in the way.
fn one_time(
    ctx: &Ctx<'_>,
    id: Option<u64>,
    username: &str,
    otp: Option<&SecretText>,
) -> Result<String, CliError> {
    if ctx.json {
        return json(&serde_json::json!({
            "id": id,
            "username": username,
            "one_time_password": otp.map(SecretText::expose),
        }));
    }
    let mut out = String::new();
    if let Some(id) = id {
        out.push_str(&format!("created user {} (id {id})\n", clean(username)));
    }
    if let Some(otp) = otp {
        out.push_str(&format!("one-time password: {}\n", otp.expose()));
        warnln!(
            "kasefet: give the one-time password to {} in person; it is shown only now. They sign in \
             with it once (in the TUI: leave the code empty; or `kasefet account setup`), then choose a \
             password and set up an authenticator",
            clean(username)
        );
    }
    Ok(out)
}

pub fn run(ctx: &mut Ctx<'_>, cmd: UserCmd) -> Result<String, CliError> {
    match cmd {
        UserCmd::Add {
            username,
            role,
            display_name,
            initial_password_file,
            totp_secret_from,
            totp_secret_file,
        } => {
            let totp_secret_file = super::init::renamed(
                &totp_secret_from,
                &totp_secret_file,
                ("--totp-secret-file", "--totp-secret-from"),
            );
            let req = Request::UserAdd {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                role: role_arg(&role)?,
                password: initial_password_file
                    .as_deref()
                    .map(secret_file)
                    .transpose()?,
                totp_secret: totp_secret_file.as_deref().map(secret_file).transpose()?,
                username: username.clone(),
            };
            match ctx.call(req)? {
                Response::UserAdded {
                    id,
                    one_time_password,
                } => {
                    let name = crate::domain::user::normalize_username(&username);
                    one_time(ctx, Some(id), &name, one_time_password.as_ref())
                }
                _ => Err(unexpected()),
            }
        }
        UserCmd::List => match ctx.call(Request::UserList)? {
            Response::Users(list) if ctx.json => json(&list),
            Response::Users(list) => {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|u| {
                        vec![
                            u.id.to_string(),
                            u.username.clone(),
                            u.display_name.clone(),
                            u.role.to_string(),
                            u.state.as_str().to_string(),
                            u.employee.map(|e| e.to_string()).unwrap_or_default(),
                            u.last_login_at.map(format_local).unwrap_or_default(),
                        ]
                    })
                    .collect();
                Ok(table(
                    &[
                        "id",
                        "username",
                        "name",
                        "role",
                        "state",
                        "employee",
                        "last sign-in",
                    ],
                    &rows,
                ))
            }
            _ => Err(unexpected()),
        },
        UserCmd::SetRole { username, role } => {
            let role = role_arg(&role)?;
            ctx.call(Request::UserSetRole {
                username: username.clone(),
                role,
            })?;
            done(ctx, &username, "role", format!("{username} is now {role}"))
        }
        UserCmd::Lock { username } => {
            ctx.call(Request::UserLock {
                username: username.clone(),
            })?;
            done(
                ctx,
                &username,
                "locked",
                format!("locked {username}; their open sessions end at their next request"),
            )
        }
        UserCmd::Unlock { username } => {
            ctx.call(Request::UserUnlock {
                username: username.clone(),
            })?;
            done(
                ctx,
                &username,
                "unlocked",
                format!("unlocked {username} and cleared their failed sign-ins"),
            )
        }
        UserCmd::Disable { username } => {
            ctx.call(Request::UserDisable {
                username: username.clone(),
            })?;
            done(
                ctx,
                &username,
                "disabled",
                format!("disabled {username}; their open sessions end at their next request"),
            )
        }
        UserCmd::ResetPassword { username } => match ctx.call(Request::UserResetPassword {
            username: username.clone(),
        })? {
            Response::OneTimePassword(otp) => one_time(ctx, None, &username, Some(&otp)),
            _ => Err(unexpected()),
        },
        UserCmd::ResetTotp { username } => {
            ctx.call(Request::UserResetTotp {
                username: username.clone(),
            })?;
            done(
                ctx,
                &username,
                "totp_reset",
                format!(
                    "{username} enrols an authenticator again at next sign-in (`kasefet account setup`)"
                ),
            )
        }
        UserCmd::RevokeRecoveryCodes { username } => {
            ctx.call(Request::UserRevokeRecoveryCodes {
                username: username.clone(),
            })?;
            done(
                ctx,
                &username,
                "recovery_codes_revoked",
                format!("revoked the recovery codes of {username}"),
            )
        }
        UserCmd::Link {
            username,
            employee,
            none: _,
        } => {
            ctx.call(Request::UserLinkEmployee {
                username: username.clone(),
                employee,
            })?;
            let line = match employee {
                Some(e) => format!("linked {username} to employee {e}"),
                None => format!("unlinked {username} from any employee"),
            };
            done(ctx, &username, "linked", line)
        }
        UserCmd::PolicyPending => match ctx.call(Request::SecuritySummary)? {
            Response::Security {
                policy_not_accepted,
                ..
            } if ctx.json => json(&policy_not_accepted),
            Response::Security {
                policy_not_accepted,
                ..
            } => Ok(policy_not_accepted
                .iter()
                .map(|u| format!("{}\n", clean(u)))
                .collect()),
            _ => Err(unexpected()),
        },
        UserCmd::Sessions => match ctx.call(Request::Sessions)? {
            Response::Sessions(list) if ctx.json => json(&list),
            Response::Sessions(list) => {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|s| {
                        vec![
                            format!("{}{}", s.id, if s.current { " (you)" } else { "" }),
                            s.username.clone(),
                            format_local(s.since),
                            format_local(s.last_active),
                            s.from.clone(),
                            s.uid.map(|u| u.to_string()).unwrap_or_default(),
                            s.pid.map(|u| u.to_string()).unwrap_or_default(),
                            if s.locked {
                                "locked".into()
                            } else {
                                "active".into()
                            },
                        ]
                    })
                    .collect();
                Ok(table(
                    &[
                        "session",
                        "user",
                        "since",
                        "last active",
                        "from",
                        "uid",
                        "pid",
                        "state",
                    ],
                    &rows,
                ))
            }
            _ => Err(unexpected()),
        },
        UserCmd::EndSession { id } => {
            ctx.call(Request::EndSession { id: id.clone() })?;
            Ok(format!("ended session {}\n", clean(&id)))
        }
        UserCmd::Security => match ctx.call(Request::SecuritySummary)? {
            Response::Security {
                locked,
                disabled,
                failed_last_24h,
                policy_not_accepted,
            } => {
                if ctx.json {
                    return json(&serde_json::json!({
                        "locked": locked,
                        "disabled": disabled,
                        "failed_last_24h": failed_last_24h,
                        "policy_not_accepted": policy_not_accepted,
                    }));
                }
                let list = |v: &[String]| {
                    if v.is_empty() {
                        "-".to_string()
                    } else {
                        v.join(", ")
                    }
                };
                Ok(super::output::fields(&[
                    ("locked", list(&locked)),
                    ("disabled", list(&disabled)),
                    ("failed sign-ins, last 24 h", failed_last_24h.to_string()),
                    ("policy not accepted", list(&policy_not_accepted)),
                ]))
            }
            _ => Err(unexpected()),
        },
    }
}
