//! What a signed-in person does about their own account: password, TOTP enrolment, recovery
//! codes and the security policy. Most of it is allowed in a setup-only session.

use super::users::{no_randomness, settled_state};
use super::{Acted, Cx, Update};
use crate::auth::policy::normalize;
use crate::auth::records::{UserAuth, user_hash};
use crate::auth::recovery_codes;
use crate::auth::totp::TotpSecret;
use crate::crypto::{Password, SecretText};
use crate::domain::{User, UserState};
use crate::service::lockout;
use crate::service::request::{AccountStatus, Response};
use crate::service::{Error, Result};
use crate::store::{Op, StoreError};

impl Cx<'_> {
    fn my_target(&self) -> String {
        format!("user:{}", self.me())
    }

    /// Stores `auth`, and makes a pending account active once its setup is complete.
    fn save_auth(
        &self,
        auth: &UserAuth,
        ops: &mut Vec<Op>,
        updates: &mut Vec<Update>,
    ) -> Result<bool> {
        ops.push(self.auth_op(self.me(), auth)?);
        if self.user.state == UserState::Pending && settled_state(auth) == UserState::Active {
            let (op, update) = self.user_change(User {
                state: UserState::Active,
                ..self.user.clone()
            })?;
            ops.push(op);
            updates.push(update);
            return Ok(true);
        }
        Ok(false)
    }

    fn stored(
        &self,
        response: Response,
        ops: Vec<Op>,
        mut detail: String,
        updates: Vec<Update>,
        activated: bool,
    ) -> Acted {
        if activated {
            detail.push_str("; account active");
        }
        Acted {
            response,
            target: self.my_target(),
            ops,
            detail,
            updates,
        }
    }

    /// Checks the account's current password for an operation that changes how it signs
    /// in. Each try is counted like a sign-in attempt, before argon2 runs: a stolen session
    /// must not become a way to guess the password without the lockout. `Ok(None)` only in
    /// a setup-only session, opened with the password moments ago. On success, also returns
    /// the op that takes this try's count back.
    fn confirm_password(
        &self,
        given: Option<SecretText>,
        what: &str,
    ) -> Result<Option<(Password, Op)>> {
        let Some(given) = given else {
            if self.setup_only {
                return Ok(None);
            }
            return Err(Error::Refused(format!(
                "give your current password to {what}"
            )));
        };
        let me = self.user;
        let entry = self.keyring_entry(me)?;
        let hash = user_hash(self.store.user_salt(), &me.username);
        let attempt = lockout::reserve(self.store, self.settings, &hash, true, self.now)?;
        let given = Password::new(normalize(given.expose()).as_str());
        // Run whatever the counters say, so a locked account answers no faster.
        let opened = entry.open(&hash, &given).is_ok();
        let refusal = if attempt.refused().is_some() {
            "too many wrong passwords: the account is locked for a while"
        } else if !opened {
            "the current password is not right"
        } else {
            let settled = lockout::settle(self.store, self.settings, &hash, &attempt, true)?;
            return Ok(Some((given, settled)));
        };
        Err(Error::Refused(attempt.detail(refusal)))
    }

    pub fn account_status(&mut self) -> Result<Acted> {
        let auth = self.load_auth(self.me())?;
        let status = AccountStatus {
            password_change_needed: auth.must_change_password,
            totp_enrolment_needed: auth.totp_secret.is_none(),
            policy_acceptance_needed: self.policy_due(&auth),
            recovery_codes_left: auth.recovery_codes.as_ref().map(|c| c.remaining()),
        };
        Ok(Acted::read(Response::AccountStatus(status), String::new()))
    }

    /// Sets a new password and re-wraps the key under it; the data is not re-encrypted.
    pub fn account_change_password(
        &mut self,
        current: Option<SecretText>,
        new: SecretText,
    ) -> Result<Acted> {
        let me = self.user.clone();
        let entry = self.keyring_entry(&me)?;
        let (current, settled) = match self.confirm_password(current, "change it")? {
            Some((c, op)) => (Some(c), Some(op)),
            None => (None, None),
        };
        let new = self.checked_password(&new, &me.username, &me.display_name)?;
        let same = match &current {
            Some(c) => c.expose() == new.expose(),
            // Costs one more argon2 run, but a one-time password an admin has seen must not
            // stay the password.
            None => {
                let hash = crate::auth::records::user_hash(self.store.user_salt(), &me.username);
                entry.open(&hash, &new).is_ok()
            }
        };
        if same {
            return Err(Error::Refused(
                "choose a password different from the current one".into(),
            ));
        }
        let mut auth = self.load_auth(me.id)?;
        auth.must_change_password = false;
        auth.password_changed_at = Some(self.now);
        let mut ops = vec![self.keyring_op(&me, &new)?];
        ops.extend(settled);
        let mut updates = Vec::new();
        let activated = self.save_auth(&auth, &mut ops, &mut updates)?;
        Ok(self.stored(
            Response::Done,
            ops,
            "password changed; key re-wrapped".into(),
            updates,
            activated,
        ))
    }

    /// A fresh secret, kept as pending until a correct code confirms it.
    pub fn account_begin_totp(&mut self, password: Option<SecretText>) -> Result<Acted> {
        let settled = self.confirm_password(password, "enrol a new TOTP secret")?;
        let secret = TotpSecret::generate().map_err(no_randomness)?;
        let mut auth = self.load_auth(self.me())?;
        auth.pending_totp = Some(secret.as_bytes().to_vec());
        let mut ops = vec![self.auth_op(self.me(), &auth)?];
        ops.extend(settled.map(|(_, op)| op));
        let response = Response::TotpEnrolment {
            secret_base32: SecretText::from(secret.to_base32()),
            otpauth_url: SecretText::from(secret.otpauth_url(&self.user.username)),
        };
        Ok(self.stored(
            response,
            ops,
            "TOTP enrolment started".into(),
            Vec::new(),
            false,
        ))
    }

    /// Activates the pending secret on a correct code and issues ten new recovery codes.
    pub fn account_confirm_totp(&mut self, code: &str) -> Result<Acted> {
        let mut auth = self.load_auth(self.me())?;
        let Some(pending) = auth.pending_totp.clone() else {
            return Err(Error::Refused("start TOTP enrolment first".into()));
        };
        let secret =
            TotpSecret::from_bytes(&pending).map_err(|e| StoreError::Decode(e.to_string()))?;
        // The new secret has no history, so any fresh step in the window will do; the stored
        // step then moves to it, so this code cannot also be used to sign in.
        let Some(step) = secret.verify(code, u64::try_from(self.now).unwrap_or(0), None) else {
            return Err(Error::Refused(
                "that code is not right; check that the phone's clock is correct and try the next code".into(),
            ));
        };
        let (codes, set) = recovery_codes::generate().map_err(no_randomness)?;
        auth.totp_secret = Some(pending);
        auth.pending_totp = None;
        auth.last_totp_step = Some(auth.last_totp_step.map_or(step, |last| last.max(step)));
        auth.recovery_codes = Some(set);
        let mut ops = Vec::new();
        let mut updates = Vec::new();
        let activated = self.save_auth(&auth, &mut ops, &mut updates)?;
        let codes = codes.into_iter().map(SecretText::from).collect();
        let detail = format!(
            "TOTP enrolled; {} new recovery codes",
            recovery_codes::CODE_COUNT
        );
        Ok(self.stored(
            Response::RecoveryCodes(codes),
            ops,
            detail,
            updates,
            activated,
        ))
    }

    pub fn account_regenerate_recovery_codes(
        &mut self,
        password: Option<SecretText>,
    ) -> Result<Acted> {
        let settled = self.confirm_password(password, "make new recovery codes")?;
        let mut auth = self.load_auth(self.me())?;
        if auth.totp_secret.is_none() {
            return Err(Error::Refused(
                "enrol TOTP first; recovery codes stand in for its codes".into(),
            ));
        }
        let (codes, set) = recovery_codes::generate().map_err(no_randomness)?;
        let revoked = auth
            .recovery_codes
            .replace(set)
            .map(|s| s.remaining())
            .unwrap_or(0);
        let mut ops = vec![self.auth_op(self.me(), &auth)?];
        ops.extend(settled.map(|(_, op)| op));
        let codes = codes.into_iter().map(SecretText::from).collect();
        let detail = format!(
            "{} new recovery codes; {revoked} unused old ones revoked",
            recovery_codes::CODE_COUNT
        );
        Ok(self.stored(
            Response::RecoveryCodes(codes),
            ops,
            detail,
            Vec::new(),
            false,
        ))
    }

    pub fn account_policy(&mut self) -> Result<Acted> {
        let auth = self.load_auth(self.me())?;
        let accepted_at = if self.policy_due(&auth) {
            None
        } else {
            auth.policy_accepted.as_ref().map(|(_, at)| *at)
        };
        let s = self.settings;
        let response = Response::Policy {
            version: s.policy_version.clone(),
            text: s.policy_text.clone(),
            accepted_at,
        };
        Ok(Acted::read(response, String::new()))
    }

    /// Records acceptance of the policy version the person read: if the text changed in the
    /// meantime, they must read it again.
    pub fn account_accept_policy(&mut self, version: &str) -> Result<Acted> {
        let current = &self.settings.policy_version;
        if current.is_empty() {
            return Err(Error::Refused("no security policy is configured".into()));
        }
        if version != current {
            return Err(Error::Refused(
                "the security policy has changed since it was shown; read it again".into(),
            ));
        }
        let mut auth = self.load_auth(self.me())?;
        auth.policy_accepted = Some((current.clone(), self.now));
        let ops = vec![self.auth_op(self.me(), &auth)?];
        Ok(self.stored(
            Response::Done,
            ops,
            format!("security policy {current} accepted"),
            Vec::new(),
            false,
        ))
    }
}
