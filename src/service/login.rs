//! Sign-in: password (which opens the key envelope), then a TOTP or recovery code.
//!
//! Every failure reads the same to the person (`AUTH_FAILED`) and costs the same argon2
//! work; the real reason goes to the audit log (or the pending journal while sealed).

use serde::{Deserialize, Serialize};

use super::session::{Session, SessionState};
use super::unsealed::Unsealed;
use super::{Error, Inner, Result, Service};
use crate::audit::pending::{self, PendingEvent};
use crate::auth::records::{Counters, KeyringEntry, UserAuth, user_hash};
use crate::auth::totp::TotpSecret;
use crate::crypto::{Envelope, Password, SecretKey, kdf};
use crate::domain::{AuditEvent, Id, Outcome, UserState};
use crate::store::{self, Op, Tree, Vault, codec};

/// Where a request comes from: the OS identity of the peer and a place for people to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Peer {
    pub uid: Option<u32>,
    pub pid: Option<u32>,
    /// The SSH client address, or the tty.
    pub from: String,
}

impl Peer {
    /// This process, described the way the sign-in notice shows it.
    pub fn this_process() -> Peer {
        let from = std::env::var("SSH_CONNECTION")
            .ok()
            .and_then(|s| s.split_whitespace().next().map(str::to_string))
            .or_else(|| {
                rustix::termios::ttyname(rustix::stdio::stdin(), Vec::new())
                    .ok()
                    .map(|c| c.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "a script (no terminal)".to_string());
        Peer {
            uid: Some(rustix::process::getuid().as_raw()),
            pid: Some(std::process::id()),
            from,
        }
    }
}

/// A successful sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    pub session: Session,
    /// "Last sign-in <time> from <where>; N failed attempts since."
    pub notice: String,
    /// A one-time-password account that must set a password and enrol TOTP first.
    pub needs_setup: bool,
    /// Set when a recovery code was used: how many are left.
    pub recovery_codes_left: Option<usize>,
    /// The account has not accepted the current security policy.
    pub policy_pending: bool,
}

enum Failure {
    UnknownUser,
    WrongPassword,
    WrongCode,
    Locked,
    Disabled,
}

impl Failure {
    fn reason(&self) -> &'static str {
        match self {
            Failure::UnknownUser => "unknown user",
            Failure::WrongPassword => "wrong password",
            Failure::WrongCode => "wrong or reused code",
            Failure::Locked => "account temporarily locked",
            Failure::Disabled => "account disabled or locked by an admin",
        }
    }
}

impl Service {
    /// Signs in with all three factors at once (scripts, and the TUI after the Code field).
    pub fn login(
        &self,
        username: &str,
        password: &Password,
        code: &str,
        peer: &Peer,
    ) -> Result<Login> {
        let now = self.clock.now();
        let hash = user_hash(self.store.user_salt(), username);
        let mut counters: Counters = match self.store.get_raw(Tree::AuthState, &hash)? {
            Some(v) => codec::decode(&v)?,
            None => Counters::default(),
        };
        let entry: Option<KeyringEntry> = match self.store.get_raw(Tree::Keyring, &hash)? {
            Some(v) => Some(codec::decode(&v)?),
            None => None,
        };
        let Some(entry) = entry else {
            self.burn_kdf();
            return self.fail(&hash, None, Failure::UnknownUser, peer, now);
        };
        let opened = entry.envelope.open_with_password(password);
        if counters.disabled {
            return self.fail(&hash, Some(&mut counters), Failure::Disabled, peer, now);
        }
        if counters.locked_until.is_some_and(|t| t > now) {
            return self.fail(&hash, Some(&mut counters), Failure::Locked, peer, now);
        }
        let Ok(dek) = opened else {
            return self.fail(
                &hash,
                Some(&mut counters),
                Failure::WrongPassword,
                peer,
                now,
            );
        };

        let mut inner = self.lock();
        self.unseal(&mut inner, dek)?;
        let open = inner
            .open
            .as_mut()
            .ok_or_else(|| Error::Refused("database is sealed".into()))?;
        let Some(user) = open.users.get(&entry.user).cloned() else {
            drop(inner);
            return self.fail(&hash, Some(&mut counters), Failure::UnknownUser, peer, now);
        };
        if matches!(user.state, UserState::Locked | UserState::Disabled) {
            return self.fail_unsealed(
                &mut inner,
                &hash,
                &mut counters,
                Some(user.id),
                Failure::Disabled,
                peer,
                now,
            );
        }
        let key = store::id_key(user.id);
        let mut auth: UserAuth = open
            .vault
            .get(&self.store, Tree::UserAuth, &key)?
            .unwrap_or_default();
        let mut recovery_left = None;
        let needs_setup = user.state == UserState::Pending;
        let mut detail = String::new();
        if !needs_setup {
            let accepted = auth
                .totp_secret
                .as_ref()
                .and_then(|s| TotpSecret::from_bytes(s).ok())
                .and_then(|s| s.verify(code, now.max(0) as u64, auth.last_totp_step));
            if let Some(step) = accepted {
                auth.last_totp_step = Some(step);
            } else if let Some(set) = auth
                .recovery_codes
                .as_mut()
                .filter(|_| !code.trim().is_empty())
            {
                if set.consume(code) {
                    recovery_left = Some(set.remaining());
                    detail = format!("recovery code used; {} left", set.remaining());
                } else {
                    return self.fail_unsealed(
                        &mut inner,
                        &hash,
                        &mut counters,
                        Some(user.id),
                        Failure::WrongCode,
                        peer,
                        now,
                    );
                }
            } else {
                return self.fail_unsealed(
                    &mut inner,
                    &hash,
                    &mut counters,
                    Some(user.id),
                    Failure::WrongCode,
                    peer,
                    now,
                );
            }
        }

        let notice = match (&user.last_login_at, &user.last_login_from) {
            (Some(at), Some(from)) => format!(
                "Last sign-in {} from {}; {} failed attempts since.",
                super::clock::format_local(*at),
                from,
                counters.since_login
            ),
            _ => format!(
                "First sign-in; {} failed attempts since the account was made.",
                counters.since_login
            ),
        };
        let mut updated = user.clone();
        updated.last_login_at = Some(now);
        updated.last_login_from = Some(peer.from.clone());
        let mut ops = vec![
            open.vault.put(Tree::Users, &key, &updated)?,
            open.vault.put(Tree::UserAuth, &key, &auth)?,
            Op::remove(Tree::AuthState, hash.to_vec()),
        ];
        if let Some(params) = entry
            .envelope
            .kdf
            .filter(|p| p.weaker_than(&self.settings.kdf))
        {
            let _ = params;
            let rewrapped =
                Envelope::seal_with_password(open.vault.dek(), password, self.settings.kdf)
                    .map_err(store::StoreError::from)?;
            let e = KeyringEntry {
                user: user.id,
                envelope: rewrapped,
            };
            ops.push(Op::put(Tree::Keyring, hash.to_vec(), codec::encode(&e)?));
            detail.push_str(if detail.is_empty() {
                "key envelope upgraded"
            } else {
                "; key envelope upgraded"
            });
        }
        let event = login_event(
            now,
            Some(user.id),
            Some(user.username.clone()),
            peer,
            Outcome::Ok,
            detail,
        );
        ops.extend(crate::audit::append(&open.vault, &mut open.head, event)?);
        if let Err(e) = self.store.commit(&ops) {
            open.head = crate::audit::Head::load(&self.store)?;
            return Err(e.into());
        }
        open.users.insert(user.id, updated);
        let policy_pending = !self.settings.policy_version.is_empty()
            && auth
                .policy_accepted
                .as_ref()
                .is_none_or(|(v, _)| v != &self.settings.policy_version);
        let session = new_session(&mut inner, user.id, &user.username, now, needs_setup, peer)?;
        Ok(Login {
            session,
            notice,
            needs_setup,
            recovery_codes_left: recovery_left,
            policy_pending,
        })
    }

    /// Ends a session; the last one out seals the database when `seal_when_idle` is set.
    pub fn logout(&self, session: &Session) {
        let mut inner = self.lock();
        inner.sessions.remove(&session.id);
        self.seal_if_idle(&mut inner);
    }

    pub(crate) fn seal_if_idle(&self, inner: &mut Inner) {
        if self.settings.seal_when_idle && inner.sessions.is_empty() {
            // Dropping the vault zeroizes the DEK and its subkeys.
            inner.open = None;
        }
    }

    pub(crate) fn unseal(&self, inner: &mut Inner, dek: SecretKey) -> Result<()> {
        if inner.open.is_none() {
            inner.open = Some(Unsealed::load(&self.store, Vault::new(dek))?);
        }
        Ok(())
    }

    /// The same argon2 work a real envelope costs, for usernames that do not exist.
    fn burn_kdf(&self) {
        let mut salt = [0u8; kdf::SALT_LEN];
        let _ = crate::crypto::random_bytes(&mut salt);
        let _ = kdf::derive(&Password::new("x"), &salt, &self.settings.kdf);
        let _ = crate::crypto::aead::open(&SecretKey::from_bytes([0; 32]), b"", &[1; 40]);
    }

    fn bump(&self, counters: &mut Counters, now: i64) -> Option<&'static str> {
        counters.consecutive += 1;
        counters.since_login += 1;
        counters.last_failure_at = Some(now);
        if counters.consecutive >= self.settings.disable_after_failures {
            counters.disabled = true;
            return Some("account disabled after repeated failures");
        }
        if counters.consecutive % self.settings.lock_after_failures.max(1) == 0 {
            counters.locked_until = Some(now + self.settings.lock_secs);
            return Some("account locked for a while after repeated failures");
        }
        None
    }

    /// A failure seen before the key is known: counters and the pending journal.
    fn fail<T>(
        &self,
        hash: &[u8; 32],
        counters: Option<&mut Counters>,
        why: Failure,
        peer: &Peer,
        now: i64,
    ) -> Result<T> {
        let mut detail = why.reason().to_string();
        if let Some(c) = counters {
            if let Some(extra) = self.bump(c, now) {
                detail = format!("{detail}; {extra}");
            }
            self.store
                .commit(&[Op::put(Tree::AuthState, hash.to_vec(), codec::encode(&*c)?)])?;
        }
        let mut inner = self.lock();
        if let Some(open) = inner.open.as_mut() {
            let event = login_event(now, None, None, peer, Outcome::Failed, detail);
            let ops = crate::audit::append(&open.vault, &mut open.head, event)?;
            if let Err(e) = self.store.commit(&ops) {
                open.head = crate::audit::Head::load(&self.store)?;
                return Err(e.into());
            }
        } else {
            pending::record(
                &self.store,
                &PendingEvent {
                    at: now,
                    user_hash: *hash,
                    peer_uid: peer.uid,
                    peer_pid: peer.pid,
                    action: "login".into(),
                    detail,
                },
            )?;
        }
        Err(Error::AuthFailed)
    }

    /// A failure after the password opened the envelope: audited directly.
    #[allow(clippy::too_many_arguments)]
    fn fail_unsealed<T>(
        &self,
        inner: &mut Inner,
        hash: &[u8; 32],
        counters: &mut Counters,
        user: Option<Id>,
        why: Failure,
        peer: &Peer,
        now: i64,
    ) -> Result<T> {
        let mut detail = why.reason().to_string();
        if let Some(extra) = self.bump(counters, now) {
            detail = format!("{detail}; {extra}");
        }
        let mut ops = vec![Op::put(
            Tree::AuthState,
            hash.to_vec(),
            codec::encode(&*counters)?,
        )];
        if let Some(open) = inner.open.as_mut() {
            let username = user.map(|id| open.username(id));
            let event = login_event(now, user, username, peer, Outcome::Failed, detail);
            ops.extend(crate::audit::append(&open.vault, &mut open.head, event)?);
            if let Err(e) = self.store.commit(&ops) {
                open.head = crate::audit::Head::load(&self.store)?;
                return Err(e.into());
            }
        }
        self.seal_if_idle(inner);
        Err(Error::AuthFailed)
    }
}

fn login_event(
    at: i64,
    user: Option<Id>,
    username: Option<String>,
    peer: &Peer,
    outcome: Outcome,
    detail: String,
) -> AuditEvent {
    AuditEvent {
        seq: 0,
        at,
        user,
        username,
        peer_uid: peer.uid,
        peer_pid: peer.pid,
        action: "login".into(),
        target: user
            .map(|id| format!("user:{id}"))
            .unwrap_or_else(|| "unknown user".into()),
        outcome,
        detail: if peer.from.is_empty() {
            detail
        } else {
            format!("{detail}; from {}", peer.from)
        },
    }
}

fn new_session(
    inner: &mut Inner,
    user: Id,
    username: &str,
    now: i64,
    setup_only: bool,
    peer: &Peer,
) -> Result<Session> {
    let mut id = [0u8; 16];
    crate::crypto::random_bytes(&mut id).map_err(store::StoreError::from)?;
    inner.sessions.insert(
        id,
        SessionState {
            user,
            started: now,
            last_active: now,
            locked: false,
            setup_only,
            peer: peer.clone(),
        },
    );
    Ok(Session {
        id,
        user,
        username: username.to_string(),
    })
}
