//! The knobs `Service` obeys, filled from `kasefet.toml` by `config`.

use crate::auth::policy::PasswordPolicy;
use crate::crypto::KdfParams;

#[derive(Debug, Clone)]
pub struct Settings {
    pub kdf: KdfParams,
    pub policy: PasswordPolicy,
    pub lock_after_failures: u32,
    pub lock_secs: i64,
    pub disable_after_failures: u32,
    pub idle_lock_secs: i64,
    pub session_max_secs: i64,
    pub seal_when_idle: bool,
    pub cache_bytes: u64,
    /// Sign-in notice shown to accounts that have not accepted the current security policy.
    pub policy_version: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            kdf: KdfParams::PRODUCTION,
            policy: PasswordPolicy::default(),
            lock_after_failures: 10,
            lock_secs: 15 * 60,
            disable_after_failures: 100,
            idle_lock_secs: 15 * 60,
            session_max_secs: 12 * 3600,
            seal_when_idle: true,
            cache_bytes: 64 * 1024 * 1024,
            policy_version: String::new(),
        }
    }
}
