//! What sign-in keeps per account, and where.

use serde::{Deserialize, Serialize};

use crate::auth::recovery_codes::RecoveryCodeSet;
use crate::crypto::{Envelope, sha256};
use crate::domain::{Id, UnixTime};

/// Keyring value (unencrypted tree; the envelope is its own encryption).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyringEntry {
    pub user: Id,
    pub envelope: Envelope,
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
}

impl std::fmt::Debug for UserAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserAuth")
            .field("totp_secret", &self.totp_secret.as_ref().map(|_| "****"))
            .field("last_totp_step", &self.last_totp_step)
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

/// The key for an account in trees that must work while sealed.
pub fn user_hash(salt: &[u8; 16], username: &str) -> [u8; 32] {
    sha256(&[
        b"kasefet/user/",
        salt,
        crate::domain::user::normalize_username(username).as_bytes(),
    ])
}
