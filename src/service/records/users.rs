//! Managing accounts (admin only): create, role, lock, unlock, disable, resets, employee link,
//! and the security summary. Every change lands with its audit entry in one commit.

use super::{Acted, Cx, Update};
use crate::auth::records::{Counters, KeyringEntry, UserAuth, user_hash};
use crate::auth::recovery_codes::one_time_password;
use crate::auth::security_policy;
use crate::auth::totp::TotpSecret;
use crate::crypto::{CryptoError, Password, SecretText};
use crate::domain::user::{normalize_username, validate_display_name, validate_username};
use crate::domain::{FieldError, Id, Invalid, Outcome, Role, User, UserState};
use crate::service::request::Response;
use crate::service::{Error, Result};
use crate::store::{self, Op, StoreError, Tree, codec};

/// Actions counted as failed sign-in attempts in the security summary.
const SIGN_IN_ACTIONS: [&str; 3] = ["login", "session.unlock", "recover"];
const DAY_SECS: i64 = 24 * 3600;

/// A random-number failure from the TOTP or code generators, as a storage-layer error (the
/// same failure the key generators report).
pub(super) fn no_randomness<E>(_: E) -> Error {
    Error::Store(StoreError::Crypto(CryptoError::Random))
}

/// The state an account settles in once nothing holds it: `Pending` while it still needs a
/// password of its own or TOTP, else `Active`.
pub(super) fn settled_state(auth: &UserAuth) -> UserState {
    if auth.setup_needed() {
        UserState::Pending
    } else {
        UserState::Active
    }
}

fn user_target(u: &User) -> String {
    format!("user:{}", u.id)
}

impl Cx<'_> {
    pub(super) fn find_user(&self, username: &str) -> Result<User> {
        let name = normalize_username(username);
        self.open
            .users()
            .values()
            .find(|u| u.username == name)
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("user {name}")))
    }

    pub(super) fn load_auth(&self, id: Id) -> Result<UserAuth> {
        Ok(self
            .open
            .vault
            .get(self.store, Tree::UserAuth, &store::id_key(id))?
            .unwrap_or_default())
    }

    pub(super) fn auth_op(&self, id: Id, auth: &UserAuth) -> Result<Op> {
        Ok(self
            .open
            .vault
            .put(Tree::UserAuth, &store::id_key(id), auth)?)
    }

    /// The op storing `u` with a bumped stamp, and the cache update that follows the commit.
    pub(super) fn user_change(&self, mut u: User) -> Result<(Op, Update)> {
        u.stamp = self.bump(&u.stamp);
        let op = self.open.vault.put(Tree::Users, &store::id_key(u.id), &u)?;
        Ok((op, Update::User(Box::new(u))))
    }

    fn counters_of(&self, username: &str) -> Result<Counters> {
        let hash = user_hash(self.store.user_salt(), username);
        Ok(match self.store.get_raw(Tree::AuthState, &hash)? {
            Some(v) => codec::decode(&v)?,
            None => Counters::default(),
        })
    }

    /// The keyring entry for `u`, which opening *is* the password check.
    pub(super) fn keyring_entry(&self, u: &User) -> Result<KeyringEntry> {
        let hash = user_hash(self.store.user_salt(), &u.username);
        match self.store.get_raw(Tree::Keyring, &hash)? {
            Some(v) => Ok(codec::decode(&v)?),
            None => Err(StoreError::Decode(format!("no key envelope for user {}", u.id)).into()),
        }
    }

    /// The op that wraps the DEK under `password` for `u` with the configured argon2 cost.
    pub(super) fn keyring_op(&self, u: &User, password: &Password) -> Result<Op> {
        let hash = user_hash(self.store.user_salt(), &u.username);
        let entry = KeyringEntry::seal(
            self.open.vault.dek(),
            password,
            self.settings.kdf,
            &hash,
            u.id,
        )
        .map_err(StoreError::from)?;
        Ok(Op::put(
            Tree::Keyring,
            hash.to_vec(),
            codec::encode(&entry)?,
        ))
    }

    /// Checks a new password against the policy and returns it in the form that is hashed.
    pub(super) fn checked_password(
        &self,
        password: &SecretText,
        username: &str,
        display: &str,
    ) -> Result<Password> {
        let normalized = self
            .settings
            .policy
            .check(password.expose(), &[username, display])
            .map_err(|e| Error::Refused(format!("password refused: {e}")))?;
        Ok(Password::new(normalized))
    }

    /// An admin who can still act: `Active`, and not disabled by repeated sign-in failures.
    fn usable_admin(&self, u: &User) -> Result<bool> {
        Ok(u.role == Role::Admin
            && u.state == UserState::Active
            && !self.counters_of(&u.username)?.disabled)
    }

    /// Refuses to take away the last usable admin: with none left, only the recovery key
    /// could bring administration back.
    fn keep_an_admin(&self, target: &User, doing: &str) -> Result<()> {
        if !self.usable_admin(target)? {
            return Ok(());
        }
        for u in self.open.users().values().filter(|u| u.id != target.id) {
            if self.usable_admin(u)? {
                return Ok(());
            }
        }
        Err(Error::Refused(format!(
            "{} is the last active admin and cannot be {doing}; make another admin first",
            target.username
        )))
    }

    pub fn user_add(
        &mut self,
        username: &str,
        display_name: &str,
        role: Role,
        password: Option<SecretText>,
        totp_secret: Option<SecretText>,
    ) -> Result<Acted> {
        let username = validate_username(username)?;
        let display_name = validate_display_name(if display_name.trim().is_empty() {
            &username
        } else {
            display_name
        })?;
        let blind = self.open.vault.blind("username", &username);
        let hash = user_hash(self.store.user_salt(), &username);
        if self.open.users().values().any(|u| u.username == username)
            || self.store.get_raw(Tree::UserNames, &blind)?.is_some()
            || self.store.get_raw(Tree::Keyring, &hash)?.is_some()
        {
            return Err(Error::Refused(format!(
                "a user named {username} already exists"
            )));
        }
        let totp = totp_secret
            .map(|t| TotpSecret::from_base32(t.expose()))
            .transpose()
            .map_err(|e| Error::Invalid(Invalid(vec![FieldError::new("TOTP secret", e)])))?;
        let (password, one_time) = match password {
            Some(p) => (self.checked_password(&p, &username, &display_name)?, None),
            None => {
                let otp = one_time_password().map_err(no_randomness)?;
                (Password::new(otp.as_str()), Some(SecretText::from(otp)))
            }
        };
        let mut auth = UserAuth::default();
        auth.totp_secret = totp.as_ref().map(|t| t.as_bytes().to_vec());
        auth.must_change_password = one_time.is_some();
        auth.password_changed_at = Some(self.now);
        let (id, id_op) = self.store.next_id(Tree::Users)?;
        let user = User {
            id,
            stamp: self.new_stamp(),
            username,
            display_name,
            role,
            employee: None,
            state: settled_state(&auth),
            last_login_at: None,
            last_login_from: None,
        };
        let key = store::id_key(id);
        let ops = vec![
            id_op,
            self.open.vault.put(Tree::Users, &key, &user)?,
            self.auth_op(id, &auth)?,
            Op::put(Tree::UserNames, blind, key.to_vec()),
            self.keyring_op(&user, &password)?,
        ];
        let how = match (&one_time, &totp) {
            (Some(_), _) => "one-time password",
            (None, Some(_)) => "provisioned with password and TOTP",
            (None, None) => "password set; TOTP enrolment at first sign-in",
        };
        Ok(Acted {
            response: Response::UserAdded {
                id,
                one_time_password: one_time,
            },
            target: user_target(&user),
            ops,
            detail: format!("role {role}; {how}"),
            updates: vec![Update::User(Box::new(user))],
        })
    }

    pub fn user_set_role(&mut self, username: &str, role: Role) -> Result<Acted> {
        let u = self.find_user(username)?;
        let target = user_target(&u);
        if u.role == role {
            let mut acted = Acted::read(Response::Done, target);
            acted.detail = format!("already {role}");
            return Ok(acted);
        }
        if role != Role::Admin {
            self.keep_an_admin(&u, "demoted")?;
        }
        let detail = format!("{} → {role}", u.role);
        let (op, update) = self.user_change(User { role, ..u })?;
        Ok(Acted {
            response: Response::Done,
            target,
            ops: vec![op],
            detail,
            updates: vec![update],
        })
    }

    /// Locks or disables an account; its open sessions end at their next request.
    pub fn user_lock(&mut self, username: &str, to: UserState) -> Result<Acted> {
        let u = self.find_user(username)?;
        let target = user_target(&u);
        if u.state == to {
            let mut acted = Acted::read(Response::Done, target);
            acted.detail = format!("already {}", to.as_str());
            return Ok(acted);
        }
        self.keep_an_admin(
            &u,
            if to == UserState::Locked {
                "locked"
            } else {
                "disabled"
            },
        )?;
        let detail = format!("{} → {}", u.state.as_str(), to.as_str());
        let (op, update) = self.user_change(User { state: to, ..u })?;
        Ok(Acted {
            response: Response::Done,
            target,
            ops: vec![op],
            detail,
            updates: vec![update],
        })
    }

    /// Lifts an admin lock or disable and clears the failure counters (and a failure-disable).
    pub fn user_unlock(&mut self, username: &str) -> Result<Acted> {
        let u = self.find_user(username)?;
        let target = user_target(&u);
        let mut ops = Vec::new();
        let mut updates = Vec::new();
        let mut done = Vec::new();
        if matches!(u.state, UserState::Locked | UserState::Disabled) {
            let to = settled_state(&self.load_auth(u.id)?);
            done.push(format!("{} → {}", u.state.as_str(), to.as_str()));
            let (op, update) = self.user_change(User {
                state: to,
                ..u.clone()
            })?;
            ops.push(op);
            updates.push(update);
        }
        let mut counters = self.counters_of(&u.username)?;
        if counters.consecutive > 0 || counters.locked_until.is_some() || counters.disabled {
            done.push(format!(
                "cleared {} consecutive failures{}",
                counters.consecutive,
                if counters.disabled {
                    " and the failure-disable"
                } else {
                    ""
                }
            ));
            counters.clear_failures();
            let hash = user_hash(self.store.user_salt(), &u.username);
            ops.push(Op::put(
                Tree::AuthState,
                hash.to_vec(),
                codec::encode(&counters)?,
            ));
        }
        let detail = if done.is_empty() {
            "nothing to unlock".to_string()
        } else {
            done.join("; ")
        };
        Ok(Acted {
            response: Response::Done,
            target,
            ops,
            detail,
            updates,
        })
    }

    /// A new one-time password. The account is `Pending` (its sessions end) until its owner
    /// chooses a password; an enrolled TOTP stays, so sign-in still needs a code.
    pub fn user_reset_password(&mut self, username: &str) -> Result<Acted> {
        let u = self.find_user(username)?;
        let mut auth = self.load_auth(u.id)?;
        let otp = one_time_password().map_err(no_randomness)?;
        auth.must_change_password = true;
        let mut ops = vec![
            self.keyring_op(&u, &Password::new(otp.as_str()))?,
            self.auth_op(u.id, &auth)?,
        ];
        let (target, updates) = self.settle_after_reset(&u, &auth, &mut ops)?;
        Ok(Acted {
            response: Response::OneTimePassword(SecretText::from(otp)),
            target,
            ops,
            detail: "one-time password issued; key re-wrapped".into(),
            updates,
        })
    }

    /// Forgets the TOTP secret and recovery codes; the account is `Pending` until it enrols.
    pub fn user_reset_totp(&mut self, username: &str) -> Result<Acted> {
        let u = self.find_user(username)?;
        let mut auth = self.load_auth(u.id)?;
        auth.totp_secret = None;
        auth.pending_totp = None;
        auth.recovery_codes = None;
        let mut ops = vec![self.auth_op(u.id, &auth)?];
        let (target, updates) = self.settle_after_reset(&u, &auth, &mut ops)?;
        Ok(Acted {
            response: Response::Done,
            target,
            ops,
            detail: "TOTP secret and recovery codes removed".into(),
            updates,
        })
    }

    /// An active account goes back to `Pending`; a locked or disabled one stays so (unlocking
    /// it later settles it as `Pending`).
    fn settle_after_reset(
        &self,
        u: &User,
        auth: &UserAuth,
        ops: &mut Vec<Op>,
    ) -> Result<(String, Vec<Update>)> {
        let mut updates = Vec::new();
        if u.state == UserState::Active && auth.setup_needed() {
            let (op, update) = self.user_change(User {
                state: UserState::Pending,
                ..u.clone()
            })?;
            ops.push(op);
            updates.push(update);
        }
        Ok((user_target(u), updates))
    }

    pub fn user_revoke_recovery_codes(&mut self, username: &str) -> Result<Acted> {
        let u = self.find_user(username)?;
        let mut auth = self.load_auth(u.id)?;
        let left = auth
            .recovery_codes
            .take()
            .map(|s| s.remaining())
            .unwrap_or(0);
        Ok(Acted {
            response: Response::Done,
            target: user_target(&u),
            ops: vec![self.auth_op(u.id, &auth)?],
            detail: format!("{left} unused recovery codes revoked"),
            updates: Vec::new(),
        })
    }

    /// Links an account to an employee record (or unlinks it), keeping the employee's own
    /// `user` field and any other account's link consistent with it.
    pub fn user_link_employee(&mut self, username: &str, employee: Option<Id>) -> Result<Acted> {
        let u = self.find_user(username)?;
        if let Some(e) = employee.filter(|e| !self.open.employees.read().contains_key(e)) {
            return Err(Error::NotFound(format!("employee {e}")));
        }
        let mut ops = Vec::new();
        let mut updates = Vec::new();
        // Employees that point at this account but are not the new link lose the pointer.
        let stale: Vec<_> = self
            .open
            .employees
            .read()
            .values()
            .filter(|e| e.data.user == Some(u.id) && Some(e.id) != employee)
            .cloned()
            .collect();
        for mut e in stale {
            e.data.user = None;
            e.stamp = self.bump(&e.stamp);
            ops.push(
                self.open
                    .vault
                    .put(Tree::Employees, &store::id_key(e.id), &e)?,
            );
            updates.push(Update::Employee(Box::new(e)));
        }
        if let Some(mut e) = employee.and_then(|id| self.open.employees.read().get(&id).cloned()) {
            if e.data.user != Some(u.id) {
                e.data.user = Some(u.id);
                e.stamp = self.bump(&e.stamp);
                ops.push(
                    self.open
                        .vault
                        .put(Tree::Employees, &store::id_key(e.id), &e)?,
                );
                updates.push(Update::Employee(Box::new(e)));
            }
            // One employee, one account: another account linked to it is unlinked.
            let others: Vec<User> = self
                .open
                .users()
                .values()
                .filter(|o| o.id != u.id && o.employee == employee)
                .cloned()
                .collect();
            for o in others {
                let (op, update) = self.user_change(User {
                    employee: None,
                    ..o
                })?;
                ops.push(op);
                updates.push(update);
            }
        }
        let detail = match employee {
            Some(e) => format!("linked to employee:{e}"),
            None => "unlinked from any employee".into(),
        };
        let target = user_target(&u);
        if u.employee != employee {
            let (op, update) = self.user_change(User { employee, ..u })?;
            ops.push(op);
            updates.push(update);
        }
        Ok(Acted {
            response: Response::Done,
            target,
            ops,
            detail,
            updates,
        })
    }

    pub fn security_summary(&mut self) -> Result<Acted> {
        let mut locked = Vec::new();
        let mut disabled = Vec::new();
        let mut policy_not_accepted = Vec::new();
        for u in self.open.users().values() {
            let counters = self.counters_of(&u.username)?;
            if u.state == UserState::Locked || counters.locked_at(self.now) {
                locked.push(u.username.clone());
            }
            if u.state == UserState::Disabled || counters.disabled {
                disabled.push(u.username.clone());
            }
            if u.state != UserState::Disabled && self.policy_due(&self.load_auth(u.id)?) {
                policy_not_accepted.push(u.username.clone());
            }
        }
        let since = self.now - DAY_SECS;
        let mut failed_last_24h = 0u32;
        for event in crate::audit::chain::newest_first(self.store, &self.open.vault) {
            let event = event?;
            if event.at < since {
                break;
            }
            if event.outcome == Outcome::Failed && SIGN_IN_ACTIONS.contains(&event.action.as_str())
            {
                failed_last_24h = failed_last_24h.saturating_add(1);
            }
        }
        Ok(Acted::read(
            Response::Security {
                locked,
                disabled,
                failed_last_24h,
                policy_not_accepted,
            },
            String::new(),
        ))
    }

    /// True when the account must (again) read and accept the current security policy.
    pub(super) fn policy_due(&self, auth: &UserAuth) -> bool {
        let s = self.settings;
        !s.policy_version.is_empty()
            && !security_policy::still_accepted(
                auth.policy_accepted.as_ref(),
                &s.policy_version,
                s.policy_renew_months,
                self.now,
            )
    }
}
