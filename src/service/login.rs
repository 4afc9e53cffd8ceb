//! Sign-in: password (which opens the key envelope), then a TOTP or recovery code.
//!
//! Every failure reads the same to the person (`AUTH_FAILED`) and costs the same argon2
//! work; the real reason goes to the audit log (or the pending journal while sealed).

use serde::{Deserialize, Serialize};

use super::lockout::Attempt;
use super::session::{Session, SessionState};
use super::unsealed::Unsealed;
use super::{Error, Inner, Result, Service};
use crate::audit::pending::{self, PendingEvent};
use crate::auth::policy::normalize;
use crate::auth::records::{KeyringEntry, UserAuth, user_hash};
use crate::auth::security_policy::still_accepted;
use crate::auth::totp::TotpSecret;
use crate::crypto::{Password, SecretKey, kdf};
use crate::domain::{AuditEvent, Id, Outcome, UnixTime, User, UserState};
use crate::store::{self, Op, Tree, Vault, codec};

/// Where a request comes from: the OS identity of the peer and a place for people to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Peer {
    pub uid: Option<u32>,
    pub pid: Option<u32>,
    /// The SSH client address, or the tty.
    pub from: String,
}

/// The longest `from` kept, in characters: it goes into the audit log and the next sign-in
/// notice, so a client must not be able to fill either with it.
pub const MAX_FROM_CHARS: usize = 200;

impl Peer {
    /// This peer with `from` made safe to store and show: one clean line of at most
    /// `MAX_FROM_CHARS` characters.
    pub fn clipped(&self) -> Peer {
        let line = crate::domain::text::sanitize_line(&self.from);
        let from = match line.char_indices().nth(MAX_FROM_CHARS) {
            Some((cut, _)) => line[..cut].to_string(),
            None => line,
        };
        Peer {
            from,
            ..self.clone()
        }
    }

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

/// What the second factor check found, for the sign-in that follows.
struct Factors {
    user: User,
    auth: UserAuth,
    recovery_left: Option<usize>,
    detail: String,
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
        let peer = &peer.clipped();
        // The stored envelope was made from the NFKC form (see `PasswordPolicy::check`).
        let password = Password::new(normalize(password.expose()).as_str());
        let hash = user_hash(self.store.user_salt(), username);
        let raw = self.store.get_raw(Tree::Keyring, &hash)?;
        let entry: Option<KeyringEntry> = match &raw {
            Some(v) => Some(codec::decode(v)?),
            None => None,
        };
        // A place in the argon2 line first: a sign-in refused as busy is not counted.
        let slot = self.kdf_slot()?;
        // Counted before the KDF runs, so attempts sent at once are each counted and the
        // lock holds whatever their timing.
        let attempt = self.begin_attempt(&hash, entry.is_some(), now)?;
        // Run before any check, so a locked account or an unknown name costs what any other
        // attempt does.
        let opened = {
            let _slot = slot;
            match &entry {
                // A schema 1 envelope opens once more (if unchanged since the migration) and
                // is sealed again, bound to its account, in this sign-in's commit.
                Some(e) => e
                    .open_checked(
                        &self.store,
                        &hash,
                        raw.as_deref().unwrap_or_default(),
                        &password,
                    )
                    .ok(),
                None => {
                    self.burn_kdf();
                    None
                }
            }
        };
        let legacy = opened.as_ref().is_some_and(|o| o.legacy);
        let opened = opened.map(|o| o.dek);
        let Some(entry) = entry else {
            return self.fail(&hash, None, &attempt, Failure::UnknownUser, peer, now);
        };
        let known = Some(entry.user);
        if let Some(why) = attempt.refused() {
            return self.fail(&hash, known, &attempt, why, peer, now);
        }
        let Some(dek) = opened else {
            return self.fail(&hash, known, &attempt, Failure::WrongPassword, peer, now);
        };

        let mut inner = self.lock();
        // The second factor is checked before the database is unsealed, with only the keys
        // it needs: unsealing decrypts every record, and a wrong code must cost no more than
        // a wrong password does.
        let staged = inner.open.is_none().then(|| Vault::new(dek));
        let checked = {
            let vault = match (&staged, inner.open.as_ref()) {
                (Some(v), _) => v,
                (None, Some(open)) => &open.vault,
                (None, None) => return Err(Error::Refused("database is sealed".into())),
            };
            self.second_factor(vault, entry.user, code, now)?
        };
        let Factors {
            user,
            auth,
            recovery_left,
            mut detail,
        } = match checked {
            Ok(f) => f,
            Err(why) => {
                drop(staged);
                return self.fail_locked(&mut inner, &hash, known, &attempt, why, peer, now);
            }
        };
        if let Some(vault) = staged {
            self.unseal_with(&mut inner, vault)?;
        }
        let open = inner
            .open
            .as_mut()
            .ok_or_else(|| Error::Refused("database is sealed".into()))?;
        let key = store::id_key(user.id);
        let needs_setup = user.state == UserState::Pending;
        if needs_setup {
            detail.push_str(if detail.is_empty() {
                "setup-only session"
            } else {
                "; setup-only session"
            });
        }
        let since = attempt.before.since_login;
        let notice = match (&user.last_login_at, &user.last_login_from) {
            (Some(at), Some(from)) => format!(
                "Last sign-in {} from {}; {since} failed attempts since.",
                super::clock::format_local(*at),
                from,
            ),
            _ => format!("First sign-in; {since} failed attempts since the account was made."),
        };
        let mut updated = user.clone();
        updated.last_login_at = Some(now);
        updated.last_login_from = Some(peer.from.clone());
        let mut ops = vec![
            open.vault.put(Tree::Users, &key, &updated)?,
            open.vault.put(Tree::UserAuth, &key, &auth)?,
            self.settle_success(&hash, &attempt)?,
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
        open.put_user(updated);
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

    /// The account's state and its TOTP or recovery code, read with `vault` alone (no
    /// caches). The inner `Err` is the failure to record; the outer one a store error.
    fn second_factor(
        &self,
        vault: &Vault,
        id: Id,
        code: &str,
        now: UnixTime,
    ) -> Result<std::result::Result<Factors, Failure>> {
        let key = store::id_key(id);
        let Some(user) = vault.get::<User>(&self.store, Tree::Users, &key)? else {
            return Ok(Err(Failure::UnknownUser));
        };
        let mut auth: UserAuth = vault
            .get(&self.store, Tree::UserAuth, &key)?
            .unwrap_or_default();
        // Checked like the code, so an admin-locked account costs what a wrong code does.
        let barred = matches!(user.state, UserState::Locked | UserState::Disabled);
        let mut recovery_left = None;
        let mut detail = String::new();
        if user.state != UserState::Pending || auth.totp_secret.is_some() {
            let accepted = auth
                .totp_secret
                .as_ref()
                .and_then(|s| TotpSecret::from_bytes(s).ok())
                .and_then(|s| s.verify(code, u64::try_from(now).unwrap_or(0), auth.last_totp_step));
            if let Some(step) = accepted {
                auth.last_totp_step = Some(step);
            } else {
                let used = auth
                    .recovery_codes
                    .as_mut()
                    .filter(|_| !code.trim().is_empty())
                    .and_then(|set| set.consume(code).then(|| set.remaining()));
                let Some(left) = used else {
                    return Ok(Err(if barred {
                        Failure::Disabled
                    } else {
                        Failure::WrongCode
                    }));
                };
                recovery_left = Some(left);
                detail = format!("recovery code used; {left} left");
            }
        }
        if barred {
            return Ok(Err(Failure::Disabled));
        }
        Ok(Ok(Factors {
            user,
            auth,
            recovery_left,
            detail,
        }))
    }

    /// Ends a session; the last one out seals the database when `seal_when_idle` is set.
    pub fn logout(&self, session: &Session) {
        let mut inner = self.lock();
        inner.sessions.remove(&session.id);
        self.seal_if_idle(&mut inner);
    }

    pub(crate) fn seal_if_idle(&self, inner: &mut Inner) {
        // Called wherever a session ends: an import it was sending goes with it.
        if let Some(open) = inner.open.as_mut() {
            open.staged.retain(|id, _| inner.sessions.contains_key(id));
        }
        if self.settings.seal_when_idle && inner.sessions.is_empty() {
            // Dropping the vault zeroizes the DEK and its subkeys.
            self.set_open(inner, None);
        }
    }

    pub(crate) fn unseal(&self, inner: &mut Inner, dek: SecretKey) -> Result<()> {
        self.unseal_with(inner, Vault::new(dek))
    }

    pub(crate) fn unseal_with(&self, inner: &mut Inner, vault: Vault) -> Result<()> {
        if inner.open.is_none() {
            let mut open = Unsealed::load(&self.store, vault)?;
            self.purge_at_unseal(&mut open);
            self.set_open(inner, Some(open));
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

    /// A sign-in failure whose attempt `begin_attempt` already counted.
    fn fail<T>(
        &self,
        hash: &[u8; 32],
        user: Option<Id>,
        attempt: &Attempt,
        why: Failure,
        peer: &Peer,
        now: i64,
    ) -> Result<T> {
        let mut inner = self.lock();
        self.fail_locked(&mut inner, hash, user, attempt, why, peer, now)
    }

    #[allow(clippy::too_many_arguments)]
    fn fail_locked<T>(
        &self,
        inner: &mut Inner,
        hash: &[u8; 32],
        user: Option<Id>,
        attempt: &Attempt,
        why: Failure,
        peer: &Peer,
        now: i64,
    ) -> Result<T> {
        let failure = AuthFailure {
            hash,
            user,
            action: "login",
            detail: attempt.detail(why.reason()),
            peer,
            now,
        };
        self.record_failure(inner, Vec::new(), failure)?;
        Err(Error::AuthFailed)
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
