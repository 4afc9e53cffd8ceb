//! What sign-in keeps per account, and where.

use serde::{Deserialize, Serialize};

use crate::auth::recovery_codes::RecoveryCodeSet;
use crate::crypto::{Envelope, KdfParams, Opened, Password, SecretKey, sha256};
use crate::domain::{Id, UnixTime};

/// Keyring value (unencrypted tree; the envelope is its own encryption).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyringEntry {
    pub user: Id,
    pub envelope: Envelope,
}

impl KeyringEntry {
    /// What an account envelope is bound to: the keyring key (salted username hash) and
    /// the user id the entry names. Changing either makes the envelope fail to open.
    pub fn binding(hash: &[u8; 32], user: Id) -> Vec<u8> {
        [hash.as_slice(), &user.to_be_bytes()].concat()
    }

    /// The DEK wrapped under `password` for account `user`, stored under `hash`.
    pub fn seal(
        dek: &SecretKey,
        password: &Password,
        params: KdfParams,
        hash: &[u8; 32],
        user: Id,
    ) -> crate::crypto::Result<KeyringEntry> {
        Ok(KeyringEntry {
            user,
            envelope: Envelope::seal_bound(dek, password, params, &Self::binding(hash, user))?,
        })
    }

    /// Opens this entry, found under `hash`, with `password`. `legacy` is set for a schema 1
    /// envelope, which the sign-in then seals again bound to its account (only the password
    /// opens it, so the migration happens at each account's next sign-in).
    pub fn open(&self, hash: &[u8; 32], password: &Password) -> crate::crypto::Result<Opened> {
        self.envelope
            .open_bound(password, &Self::binding(hash, self.user))
    }

    /// `open`, refusing a schema 1 envelope unless it is exactly the one the migration
    /// found under `hash` (see `store::migrate`). `raw` is the stored value of this entry.
    pub fn open_checked(
        &self,
        store: &crate::store::Store,
        hash: &[u8; 32],
        raw: &[u8],
        password: &Password,
    ) -> crate::store::Result<Opened> {
        let opened = self.open(hash, password)?;
        if opened.legacy {
            let recorded = store.get_raw(
                crate::store::Tree::Meta,
                &crate::store::migrate::legacy_key(hash),
            )?;
            let same = recorded.is_some_and(|r| crate::crypto::ct_eq(&r, &sha256(&[raw])));
            if !same {
                return Err(crate::crypto::CryptoError::Open.into());
            }
        }
        Ok(opened)
    }

    /// The op that forgets the schema 1 fingerprint once the entry was sealed again.
    pub fn forget_legacy(hash: &[u8; 32]) -> crate::store::Op {
        crate::store::Op::remove(
            crate::store::Tree::Meta,
            crate::store::migrate::legacy_key(hash),
        )
    }
}

/// The keyring key of the recovery envelope; user keys are 32-byte hashes, so no clash.
pub const RECOVERY_KEY: &[u8] = b"recovery";

/// Per-account secrets, sealed with the DEK in `user_auth`.
#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct UserAuth {
    pub totp_secret: Option<Vec<u8>>,
    /// Set during enrolment; becomes `totp_secret` only after a correct code.
    pub pending_totp: Option<Vec<u8>>,
    /// Highest TOTP step accepted: any step at or below it is refused (RFC 6238 §5.2).
    pub last_totp_step: Option<u64>,
    pub recovery_codes: Option<RecoveryCodeSet>,
    pub password_changed_at: Option<UnixTime>,
    pub policy_accepted: Option<(String, UnixTime)>,
    /// The password is a one-time password (new account or admin reset): its owner must
    /// choose their own before anything else.
    pub must_change_password: bool,
}

impl UserAuth {
    /// True while the account still needs a password of its own or an enrolled TOTP secret;
    /// such an account is `Pending` and its sessions are setup-only.
    pub fn setup_needed(&self) -> bool {
        self.must_change_password || self.totp_secret.is_none()
    }
}

impl std::fmt::Debug for UserAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserAuth")
            .field("totp_secret", &self.totp_secret.as_ref().map(|_| "****"))
            .field("last_totp_step", &self.last_totp_step)
            .field(
                "recovery_codes_left",
                &self.recovery_codes.as_ref().map(|c| c.remaining()),
            )
            .field("must_change_password", &self.must_change_password)
            .finish()
    }
}

impl Drop for UserAuth {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        if let Some(s) = self.totp_secret.as_mut() {
            s.zeroize();
        }
        if let Some(s) = self.pending_totp.as_mut() {
            s.zeroize();
        }
    }
}

/// Failure counters, kept unencrypted so they can be updated while sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Counters {
    /// Failures since the last success.
    pub consecutive: u32,
    /// Failures since the last success, shown at the next sign-in.
    pub since_login: u32,
    pub locked_until: Option<UnixTime>,
    /// Set at the disable threshold; only an admin clears it.
    pub disabled: bool,
    pub last_failure_at: Option<UnixTime>,
}

impl Counters {
    /// Locked for a while after repeated failures (not by an admin: that is `UserState`).
    pub fn locked_at(&self, now: UnixTime) -> bool {
        self.locked_until.is_some_and(|t| t > now)
    }

    /// What an admin's unlock (or break-glass recovery) clears: the run of failures, the
    /// temporary lock and a failure-disable. `since_login` stays, so the owner still hears
    /// about the failed attempts at their next sign-in.
    pub fn clear_failures(&mut self) {
        self.consecutive = 0;
        self.locked_until = None;
        self.disabled = false;
    }
}

/// The key for an account in trees that must work while sealed.
pub fn user_hash(salt: &[u8; 16], username: &str) -> [u8; 32] {
    sha256(&[
        b"kasefet/user/",
        salt,
        crate::domain::user::normalize_username(username).as_bytes(),
    ])
}
