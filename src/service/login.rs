//! Sign-in: password (which opens the key envelope), then a TOTP or recovery code.
//!
//! Every failure reads the same to the person (`AUTH_FAILED`) and costs the same argon2
//! work; the real reason goes to the audit log (or the pending journal while sealed).

use serde::{Deserialize, Serialize};

use super::session::{Session, SessionState};
use super::unsealed::Unsealed;
use super::{Error, Inner, Result, Service};
use crate::audit::pending::{self, PendingEvent};
use crate::auth::policy::normalize;
use crate::auth::records::{Counters, KeyringEntry, UserAuth, user_hash};
use crate::auth::security_policy::still_accepted;
use crate::auth::totp::TotpSecret;
use crate::crypto::{Password, SecretKey, kdf};
use crate::domain::{AuditEvent, Id, Outcome, UnixTime, UserState};
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

pub(crate) enum Failure {
    UnknownUser,
    WrongPassword,
    WrongCode,
    Locked,
    Disabled,
}

impl Failure {
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Failure::UnknownUser => "unknown user",
            Failure::WrongPassword => "wrong password",
            Failure::WrongCode => "wrong or reused code",
            Failure::Locked => "account temporarily locked",
            Failure::Disabled => "account disabled or locked by an admin",
        }
    }
}

/// A failed attempt to prove who someone is (sign-in, session unlock, break-glass recovery),
/// as it is recorded.
pub(crate) struct AuthFailure<'a> {
    pub hash: &'a [u8; 32],
    /// The account, when the username names one.
    pub user: Option<Id>,
    pub action: &'static str,
    pub detail: String,
    pub peer: &'a Peer,
    pub now: UnixTime,
}

impl Service {
    /// Signs in with all three factors at once (scripts, and the TUI after the Code field).
    ///
    /// An account that still has to finish its setup (`Pending`) gets a setup-only session;
    /// it needs a code only if it already has an enrolled TOTP secret (a password reset).
    pub fn login(
        &self,
        username: &str,
        password: &Password,
        code: &str,
        peer: &Peer,
    ) -> Result<Login> {
        let now = self.clock.now();
        // The stored envelope was made from the NFKC form (see `PasswordPolicy::check`).
        let password = Password::new(normalize(password.expose()).as_str());
        let hash = user_hash(self.store.user_salt(), username);
        let mut counters = self.counters(&hash)?;
        let raw = self.store.get_raw(Tree::Keyring, &hash)?;
        let entry: Option<KeyringEntry> = match &raw {
            Some(v) => Some(codec::decode(v)?),
            None => None,
        };
        let Some(entry) = entry else {
            self.burn_kdf();
            return self.fail(&hash, None, None, Failure::UnknownUser, peer, now);
        };
        // Opened before the lock checks, so a locked account costs what any other does.
        let raw = raw.unwrap_or_default();
        let opened = entry.open_checked(&self.store, &hash, &raw, &password);
        // A schema 1 envelope is sealed again, bound to its account, in this sign-in's commit.
        let legacy = opened.as_ref().is_ok_and(|o| o.legacy);
        let opened = opened.map(|o| o.dek);
        let known = Some(entry.user);
        if counters.disabled {
            return self.fail(
                &hash,
                Some(&mut counters),
                known,
                Failure::Disabled,
                peer,
                now,
            );
        }
        if counters.locked_at(now) {
            return self.fail(
                &hash,
                Some(&mut counters),
                known,
                Failure::Locked,
                peer,
                now,
            );
        }
        let Ok(dek) = opened else {
            return self.fail(
                &hash,
                Some(&mut counters),
                known,
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
            return self.fail(
                &hash,
                Some(&mut counters),
                None,
                Failure::UnknownUser,
                peer,
                now,
            );
        };
        if matches!(user.state, UserState::Locked | UserState::Disabled) {
            return self.fail_unsealed(
                &mut inner,
                &hash,
                &mut counters,
                user.id,
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
        if !needs_setup || auth.totp_secret.is_some() {
            let accepted = auth
                .totp_secret
                .as_ref()
                .and_then(|s| TotpSecret::from_bytes(s).ok())
                .and_then(|s| s.verify(code, u64::try_from(now).unwrap_or(0), auth.last_totp_step));
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
                        user.id,
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
                    user.id,
                    Failure::WrongCode,
                    peer,
                    now,
                );
            }
        }
        if needs_setup {
            detail.push_str(if detail.is_empty() {
                "setup-only session"
            } else {
                "; setup-only session"
            });
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
        // Raising the configured argon2 cost reaches each account at its next sign-in, the
        // only moment its password is known.
        if legacy
            || entry
                .envelope
                .kdf
                .is_some_and(|p| p.weaker_than(&self.settings.kdf))
        {
            let e = KeyringEntry::seal(
                open.vault.dek(),
                &password,
                self.settings.kdf,
                &hash,
                user.id,
            )
            .map_err(store::StoreError::from)?;
            ops.push(Op::put(Tree::Keyring, hash.to_vec(), codec::encode(&e)?));
            if legacy {
                ops.push(KeyringEntry::forget_legacy(&hash));
            }
            detail.push_str(if detail.is_empty() {
                "key envelope upgraded"
            } else {
                "; key envelope upgraded"
            });
        }
        let event = auth_event(
            "login",
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
            self.seal_if_idle(&mut inner);
            return Err(e.into());
        }
        open.users.insert(user.id, updated);
        let policy_pending = !self.settings.policy_version.is_empty()
            && !still_accepted(
                auth.policy_accepted.as_ref(),
                &self.settings.policy_version,
                self.settings.policy_renew_months,
                now,
            );
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

    /// The failure counters of the account whose username hashes to `hash`.
    pub(crate) fn counters(&self, hash: &[u8; 32]) -> Result<Counters> {
        Ok(match self.store.get_raw(Tree::AuthState, hash)? {
            Some(v) => codec::decode(&v)?,
            None => Counters::default(),
        })
    }

    /// The same argon2 work a real envelope costs, for usernames that do not exist.
    fn burn_kdf(&self) {
        let mut salt = [0u8; kdf::SALT_LEN];
        let _ = crate::crypto::random_bytes(&mut salt);
        let _ = kdf::derive(&Password::new("x"), &salt, &self.settings.kdf);
        let _ = crate::crypto::aead::open(&SecretKey::from_bytes([0; 32]), b"", &[1; 40]);
    }

    /// Counts a failure; returns what it set off, if anything, for the audit detail.
    pub(crate) fn bump(&self, counters: &mut Counters, now: i64) -> Option<&'static str> {
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

    /// A sign-in failure before the key of this attempt is known.
    fn fail<T>(
        &self,
        hash: &[u8; 32],
        counters: Option<&mut Counters>,
        user: Option<Id>,
        why: Failure,
        peer: &Peer,
        now: i64,
    ) -> Result<T> {
        let mut inner = self.lock();
        self.count_failure(
            &mut inner,
            counters,
            AuthFailure {
                hash,
                user,
                action: "login",
                detail: why.reason().into(),
                peer,
                now,
            },
        )?;
        Err(Error::AuthFailed)
    }

    /// A sign-in failure after the password opened the envelope (a wrong code, a locked account).
    #[allow(clippy::too_many_arguments)]
    fn fail_unsealed<T>(
        &self,
        inner: &mut Inner,
        hash: &[u8; 32],
        counters: &mut Counters,
        user: Id,
        why: Failure,
        peer: &Peer,
        now: i64,
    ) -> Result<T> {
        let failure = AuthFailure {
            hash,
            user: Some(user),
            action: "login",
            detail: why.reason().into(),
            peer,
            now,
        };
        let counted = self.count_failure(inner, Some(counters), failure);
        self.seal_if_idle(inner);
        counted?;
        Err(Error::AuthFailed)
    }

    /// Bumps the counters (when the username names an account) and records the failure, in
    /// one commit: an unknown username and a wrong password then cost the same disk work, as
    /// they cost the same argon2 work.
    pub(crate) fn count_failure(
        &self,
        inner: &mut Inner,
        counters: Option<&mut Counters>,
        mut failure: AuthFailure<'_>,
    ) -> Result<()> {
        let mut ops = Vec::new();
        if let Some(c) = counters {
            if let Some(extra) = self.bump(c, failure.now) {
                failure.detail = format!("{}; {extra}", failure.detail);
            }
            ops.push(Op::put(
                Tree::AuthState,
                failure.hash.to_vec(),
                codec::encode(&*c)?,
            ));
        } else {
            // No account, so nothing to count; removing the (absent) entry still makes this
            // commit touch the same trees as a known account's, and cost the same.
            ops.push(Op::remove(Tree::AuthState, failure.hash.to_vec()));
        }
        self.record_failure(inner, ops, failure)
    }

    /// Commits `ops` with the failure's audit entry, or while sealed (no key for the chain)
    /// with a pending journal entry that reaches the chain at the next unseal.
    pub(crate) fn record_failure(
        &self,
        inner: &mut Inner,
        mut ops: Vec<Op>,
        f: AuthFailure<'_>,
    ) -> Result<()> {
        if let Some(open) = inner.open.as_mut() {
            let username = f.user.map(|id| open.username(id));
            let event = auth_event(
                f.action,
                f.now,
                f.user,
                username,
                f.peer,
                Outcome::Failed,
                f.detail,
            );
            ops.extend(crate::audit::append(&open.vault, &mut open.head, event)?);
            if let Err(e) = self.store.commit(&ops) {
                open.head = crate::audit::Head::load(&self.store)?;
                return Err(e.into());
            }
            return Ok(());
        }
        // The journal is not encrypted: it holds the hashed username and the reason, never a
        // name or an address.
        ops.push(pending::op(&PendingEvent {
            at: f.now,
            user_hash: *f.hash,
            peer_uid: f.peer.uid,
            peer_pid: f.peer.pid,
            action: f.action.into(),
            detail: f.detail,
        })?);
        self.store.commit(&ops)?;
        Ok(())
    }
}

/// An audit entry about proving who someone is; `from` (the SSH address or tty) goes into the
/// detail so the log says where an attempt came from.
pub(crate) fn auth_event(
    action: &str,
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
        action: action.into(),
        target: user
            .map(|id| format!("user:{id}"))
            .unwrap_or_else(|| "unknown user".into()),
        outcome,
        detail: match (detail.is_empty(), peer.from.is_empty()) {
            (_, true) => detail,
            (true, false) => format!("from {}", peer.from),
            (false, false) => format!("{detail}; from {}", peer.from),
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
