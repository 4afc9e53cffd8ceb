//! The knobs `Service` obeys, filled from `kasefet.toml` by `config`.

use crate::auth::policy::PasswordPolicy;
use crate::auth::security_policy;
use crate::crypto::KdfParams;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where and when backups go; `None` until `[backup] dir` is set.
    pub backup: Option<crate::backup::BackupConfig>,
    pub kdf: KdfParams,
    pub policy: PasswordPolicy,
    pub lock_after_failures: u32,
    pub lock_secs: i64,
    pub disable_after_failures: u32,
    pub idle_lock_secs: i64,
    pub session_max_secs: i64,
    pub seal_when_idle: bool,
    pub cache_bytes: u64,
    /// Version of the security policy everyone must accept (`auth::security_policy::version`
    /// of `policy_text`); empty means no policy is asked for.
    pub policy_version: String,
    /// The security policy as shown to people, already cleaned for a terminal.
    pub policy_text: String,
    /// Months after which an acceptance lapses and the policy is asked for again (0: never).
    pub policy_renew_months: u32,
    /// argon2 runs at once (sign-ins, unlocks, password checks); the rest wait in line.
    pub kdf_concurrency: usize,
    /// How long a sign-in waits in that line before it is refused as busy.
    pub kdf_wait_secs: u64,
    /// Days a deleted record stays in the trash before the nightly run purges it.
    pub trash_days: u32,
    /// `[[retention.rule]]`s, applied by the nightly run after its backup.
    pub retention_rules: Vec<crate::privacy::retention::Rule>,
}

impl Settings {
    /// Settings whose security policy is `text` (cleaned for a terminal), versioned by its hash.
    pub fn with_policy_text(mut self, text: &str) -> Settings {
        self.policy_text = crate::domain::text::sanitize_multiline(text);
        self.policy_version = security_policy::version(&self.policy_text);
        self
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            backup: None,
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
            policy_text: String::new(),
            policy_renew_months: 12,
            kdf_concurrency: crate::auth::kdf_gate::KdfGate::default_limit(),
            kdf_wait_secs: 20,
            trash_days: crate::privacy::trash::DEFAULT_DAYS,
            retention_rules: Vec::new(),
        }
        .with_policy_text(security_policy::DEFAULT_TEXT)
    }
}
