//! `kasefet.toml` and the paths Kasefet uses.
//!
//! Precedence: command-line flag > `KASEFET_*` variable > config file > built-in default.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::auth::policy::PasswordPolicy;
use crate::crypto::KdfParams;
use crate::service::Settings;

/// The shipped, fully commented example; every key it documents is one this file reads.
pub const EXAMPLE: &str = include_str!("../assets/kasefet.toml");

pub const SYSTEM_CONFIG: &str = "/etc/kasefet/kasefet.toml";
pub const SYSTEM_DATA_DIR: &str = "/var/lib/kasefet";
pub const SYSTEM_SOCKET: &str = "/run/kasefet/kasefet.sock";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("config {path}: {message}")]
    Value { path: String, message: String },
    #[error("cannot find a home directory for per-user data; pass --data-dir")]
    NoHome,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub organisation: Organisation,
    pub storage: Storage,
    pub security: Security,
    pub backup: Backup,
    pub server: Server,
    pub display: Display,
    pub retention: Retention,
    /// The text of `security.policy_file`, read by `load` so a missing file is reported at
    /// start rather than at someone's first sign-in.
    #[serde(skip)]
    pub policy_text: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Organisation {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Storage {
    pub data_dir: Option<PathBuf>,
    pub cache_mb: u64,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            data_dir: None,
            cache_mb: 64,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    pub min_password_chars: usize,
    pub require_composition: bool,
    pub lock_after_failures: u32,
    pub lock_minutes: i64,
    pub disable_after_failures: u32,
    pub idle_lock_minutes: i64,
    pub session_max_hours: i64,
    pub seal_when_idle: bool,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub policy_file: Option<PathBuf>,
    pub policy_renew_months: u32,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            min_password_chars: 15,
            require_composition: false,
            lock_after_failures: 10,
            lock_minutes: 15,
            disable_after_failures: 100,
            idle_lock_minutes: 15,
            session_max_hours: 12,
            seal_when_idle: true,
            argon2_memory_kib: KdfParams::PRODUCTION.memory_kib,
            argon2_iterations: KdfParams::PRODUCTION.iterations,
            argon2_parallelism: KdfParams::PRODUCTION.parallelism,
            policy_file: None,
            policy_renew_months: 12,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Backup {
    pub dir: Option<PathBuf>,
    pub time: String,
    pub keep_daily: u32,
    pub keep_monthly: u32,
}

impl Default for Backup {
    fn default() -> Self {
        Backup {
            dir: None,
            time: "02:00".into(),
            keep_daily: 14,
            keep_monthly: 12,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    pub socket: Option<PathBuf>,
    /// See `ServerLimits` at the end of this file; unset keys take its defaults.
    pub frame_timeout_secs: Option<u64>,
    pub signin_timeout_secs: Option<u64>,
    pub max_connections: Option<usize>,
    pub max_connections_per_uid: Option<usize>,
    pub argon2_concurrency: Option<usize>,
}

/// The smallest argon2 memory cost accepted from a config file (8 MiB); the default is 64 MiB.
pub const MIN_ARGON2_MEMORY_KIB: u32 = 8 * 1024;
/// The largest: 1 GiB. Each sign-in holds this much while it runs, and 16 GiB made one
/// take two minutes.
pub const MAX_ARGON2_MEMORY_KIB: u32 = 1024 * 1024;

type Range = (i128, i128);
const RANGE_CACHE_MB: Range = (8, 64 * 1024);
/// At least 8 (NIST); a minimum above the 128 characters every password may have is unusable.
const RANGE_MIN_PASSWORD: Range = (8, 128);
const RANGE_LOCK_AFTER: Range = (1, 1000);
/// One minute to a week: zero would switch the lockout off.
const RANGE_LOCK_MINUTES: Range = (1, 7 * 24 * 60);
const RANGE_DISABLE_AFTER: Range = (1, 100_000);
const RANGE_IDLE_MINUTES: Range = (1, 24 * 60);
const RANGE_SESSION_HOURS: Range = (1, 7 * 24);
const RANGE_ARGON2_MEMORY_KIB: Range =
    (MIN_ARGON2_MEMORY_KIB as i128, MAX_ARGON2_MEMORY_KIB as i128);
const RANGE_ARGON2_ITERATIONS: Range = (1, 64);
const RANGE_ARGON2_PARALLELISM: Range = (1, 64);
/// 0 means the policy never needs accepting again.
const RANGE_RENEW_MONTHS: Range = (0, 120);
/// At least one day, so retention always has today's backup to keep.
const RANGE_KEEP_DAILY: Range = (1, 3660);
const RANGE_KEEP_MONTHLY: Range = (0, 1200);

fn u64_of(v: u32) -> u64 {
    u64::from(v)
}

impl Config {
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let c: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_string(),
            message: e.message().to_string(),
        })?;
        c.check(path)?;
        c.server.limits().map_err(|message| ConfigError::Value {
            path: path.to_string(),
            message,
        })?;
        Ok(c)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut config = Config::parse(&text, &path.display().to_string())?;
        if let Some(file) = &config.security.policy_file {
            // A relative policy file sits next to the config that names it.
            let file = match path.parent() {
                Some(dir) if file.is_relative() => dir.join(file),
                _ => file.clone(),
            };
            let text = std::fs::read_to_string(&file).map_err(|source| ConfigError::Read {
                path: file.display().to_string(),
                source,
            })?;
            if text.trim().is_empty() {
                return Err(ConfigError::Value {
                    path: path.display().to_string(),
                    message: format!("security.policy_file {} is empty", file.display()),
                });
            }
            config.policy_text = Some(text);
        }
        Ok(config)
    }

    fn check(&self, path: &str) -> Result<(), ConfigError> {
        let bad = |message: String| {
            Err(ConfigError::Value {
                path: path.to_string(),
                message,
            })
        };
        for (key, value, (min, max)) in self.numeric_keys() {
            if value < min || value > max {
                return bad(format!(
                    "{key} = {value} is out of range: use a whole number from {min} to {max}"
                ));
            }
        }
        let s = &self.security;
        if s.disable_after_failures < s.lock_after_failures {
            return bad(
                "security.disable_after_failures cannot be below lock_after_failures".into(),
            );
        }
        if jiff::civil::Time::strptime("%H:%M", &self.backup.time).is_err() {
            return bad(format!("backup.time {:?} is not HH:MM", self.backup.time));
        }
        if !(1..=3650).contains(&self.retention.trash_days) {
            return bad(format!(
                "retention.trash_days {} is outside 1..=3650",
                self.retention.trash_days
            ));
        }
        for (i, r) in self.retention.rules.iter().enumerate() {
            if let Err(m) = r.check() {
                return bad(format!("retention.rule {}: {m}", i + 1));
            }
        }
        Ok(())
    }

    /// Every numeric key with its value and accepted range, so no value can switch a
    /// protection off (a zero lockout) or overflow when turned into seconds or bytes.
    fn numeric_keys(&self) -> [(&'static str, i128, (i128, i128)); 13] {
        let s = &self.security;
        let b = &self.backup;
        let n = |v: u64| i128::from(v);
        [
            ("storage.cache_mb", n(self.storage.cache_mb), RANGE_CACHE_MB),
            (
                "security.min_password_chars",
                n(s.min_password_chars as u64),
                RANGE_MIN_PASSWORD,
            ),
            (
                "security.lock_after_failures",
                n(u64_of(s.lock_after_failures)),
                RANGE_LOCK_AFTER,
            ),
            (
                "security.lock_minutes",
                i128::from(s.lock_minutes),
                RANGE_LOCK_MINUTES,
            ),
            (
                "security.disable_after_failures",
                n(u64_of(s.disable_after_failures)),
                RANGE_DISABLE_AFTER,
            ),
            (
                "security.idle_lock_minutes",
                i128::from(s.idle_lock_minutes),
                RANGE_IDLE_MINUTES,
            ),
            (
                "security.session_max_hours",
                i128::from(s.session_max_hours),
                RANGE_SESSION_HOURS,
            ),
            (
                "security.argon2_memory_kib",
                n(u64_of(s.argon2_memory_kib)),
                RANGE_ARGON2_MEMORY_KIB,
            ),
            (
                "security.argon2_iterations",
                n(u64_of(s.argon2_iterations)),
                RANGE_ARGON2_ITERATIONS,
            ),
            (
                "security.argon2_parallelism",
                n(u64_of(s.argon2_parallelism)),
                RANGE_ARGON2_PARALLELISM,
            ),
            (
                "security.policy_renew_months",
                n(u64_of(s.policy_renew_months)),
                RANGE_RENEW_MONTHS,
            ),
            (
                "backup.keep_daily",
                n(u64_of(b.keep_daily)),
                RANGE_KEEP_DAILY,
            ),
            (
                "backup.keep_monthly",
                n(u64_of(b.keep_monthly)),
                RANGE_KEEP_MONTHLY,
            ),
        ]
    }

    /// The backup section as the backup module wants it; `None` without a folder. The time
    /// was checked when the file was read.
    pub fn backup_config(&self) -> Option<crate::backup::BackupConfig> {
        let b = &self.backup;
        let dir = b.dir.clone()?;
        let mut cfg = crate::backup::BackupConfig::new(dir);
        if let Ok(t) = crate::backup::parse_time(&b.time) {
            cfg.time = t;
        }
        cfg.keep_daily = b.keep_daily;
        cfg.keep_monthly = b.keep_monthly;
        Some(cfg)
    }

    pub fn settings(&self) -> Settings {
        let s = &self.security;
        Settings {
            backup: self.backup_config(),
            kdf: KdfParams {
                memory_kib: s.argon2_memory_kib,
                iterations: s.argon2_iterations,
                parallelism: s.argon2_parallelism,
            },
            policy: PasswordPolicy {
                min_chars: s.min_password_chars,
                require_composition: s.require_composition,
            },
            lock_after_failures: s.lock_after_failures,
            lock_secs: s.lock_minutes * 60,
            disable_after_failures: s.disable_after_failures,
            idle_lock_secs: s.idle_lock_minutes * 60,
            session_max_secs: s.session_max_hours * 3600,
            seal_when_idle: s.seal_when_idle,
            cache_bytes: self.storage.cache_mb.max(8) * 1024 * 1024,
            policy_version: String::new(),
            policy_text: String::new(),
            policy_renew_months: s.policy_renew_months,
            kdf_concurrency: self.server.limits().map_or(1, |l| l.argon2_concurrency),
            kdf_wait_secs: self.server.limits().map_or(20, |l| l.signin_timeout_secs),
            trash_days: self.retention.trash_days,
            retention_rules: self.retention.rules.clone(),
        }
        .with_policy_text(
            self.policy_text
                .as_deref()
                .unwrap_or(crate::auth::security_policy::DEFAULT_TEXT),
        )
    }
}

/// Where things are, after flags, environment and config have had their say.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub socket: PathBuf,
}

fn user_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "kasefet")
}

/// The per-user config directory (`~/.config/kasefet`), where `keymap.toml` lives too.
pub fn user_config_dir() -> Option<PathBuf> {
    user_dirs().map(|d| d.config_dir().to_path_buf())
}

/// The config file to read: the flag/env value, else the per-user file, else the system one.
pub fn config_path(flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = flag {
        return Some(p.to_path_buf());
    }
    let user = user_dirs().map(|d| d.config_dir().join("kasefet.toml"));
    user.filter(|p| p.exists())
        .or_else(|| Some(PathBuf::from(SYSTEM_CONFIG)).filter(|p| p.exists()))
}

pub fn resolve(
    config_flag: Option<&Path>,
    data_flag: Option<&Path>,
    socket_flag: Option<&Path>,
) -> Result<(Config, Paths), ConfigError> {
    let config_file = config_path(config_flag);
    let config = match &config_file {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let system = config_file.as_deref() == Some(Path::new(SYSTEM_CONFIG));
    let data_dir = match (data_flag, &config.storage.data_dir) {
        (Some(d), _) => d.to_path_buf(),
        (None, Some(d)) => d.clone(),
        (None, None) if system => PathBuf::from(SYSTEM_DATA_DIR),
        (None, None) => user_dirs()
            .ok_or(ConfigError::NoHome)?
            .data_dir()
            .to_path_buf(),
    };
    let socket = match (socket_flag, &config.server.socket) {
        (Some(s), _) => s.to_path_buf(),
        (None, Some(s)) => s.clone(),
        (None, None) => PathBuf::from(SYSTEM_SOCKET),
    };
    Ok((
        config,
        Paths {
            config: config_file,
            data_dir,
            socket,
        },
    ))
}

/// What `[server]` bounds, with each key's range: a stranger on the socket must not be able
/// to hold connections, threads or argon2 memory that others need.
impl Server {
    pub fn limits(&self) -> Result<crate::server::Limits, String> {
        let d = crate::server::Limits::default();
        let pick = |v: Option<u64>, def: u64, key: &str, lo: u64, hi: u64| match v {
            None => Ok(def),
            Some(v) if (lo..=hi).contains(&v) => Ok(v),
            Some(v) => Err(format!("server.{key} = {v} is out of range ({lo} to {hi})")),
        };
        let cap = |v: Option<usize>| v.map(|v| v as u64);
        let max_connections = pick(
            cap(self.max_connections),
            d.max_connections as u64,
            "max_connections",
            1,
            4096,
        )?;
        let per_uid = pick(
            cap(self.max_connections_per_uid),
            d.max_connections_per_uid.min(max_connections as usize) as u64,
            "max_connections_per_uid",
            1,
            max_connections,
        )?;
        Ok(crate::server::Limits {
            frame_timeout_secs: pick(
                self.frame_timeout_secs,
                d.frame_timeout_secs,
                "frame_timeout_secs",
                1,
                600,
            )?,
            signin_timeout_secs: pick(
                self.signin_timeout_secs,
                d.signin_timeout_secs,
                "signin_timeout_secs",
                5,
                3600,
            )?,
            max_connections: max_connections as usize,
            max_connections_per_uid: per_uid as usize,
            argon2_concurrency: pick(
                cap(self.argon2_concurrency),
                d.argon2_concurrency as u64,
                "argon2_concurrency",
                1,
                256,
            )? as usize,
        })
    }
}

/// `[display]`: how the screens draw text.
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Display {
    pub bidi: Bidi,
}

/// Right-to-left text (Hebrew, Arabic). Many terminals, and tmux over SSH, draw every
/// line in logical order, so "נועה לוי" reads backwards; `reorder` has Kasefet lay each
/// cell out in visual order (the Unicode Bidirectional Algorithm) itself. A terminal that
/// does its own bidi would then turn it round again, so nothing is detected: it is a choice.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Bidi {
    /// Send text in logical order and let the terminal lay it out.
    #[default]
    Terminal,
    /// Lay each cell out in visual order before drawing it.
    Reorder,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shipped_example_parses_to_the_defaults() {
        let c = Config::parse(EXAMPLE, "assets/kasefet.toml").unwrap();
        let d = Config::default();
        assert_eq!(c.security, d.security);
        assert_eq!(c.backup.keep_daily, d.backup.keep_daily);
    }

    #[test]
    fn unknown_keys_and_weak_values_are_refused() {
        assert!(Config::parse("[security]\nmin_pasword_chars = 20\n", "x").is_err());
        assert!(Config::parse("[security]\nmin_password_chars = 4\n", "x").is_err());
        assert!(Config::parse("[backup]\ntime = \"25:00\"\n", "x").is_err());
    }

    #[test]
    fn every_numeric_key_has_a_range() {
        for (text, key) in [
            ("[security]\nlock_minutes = 0\n", "security.lock_minutes"),
            ("[security]\nlock_minutes = -5\n", "security.lock_minutes"),
            (
                "[security]\nlock_minutes = 9223372036854775807\n",
                "security.lock_minutes",
            ),
            (
                "[security]\nidle_lock_minutes = 9223372036854775807\n",
                "security.idle_lock_minutes",
            ),
            (
                "[security]\nsession_max_hours = 0\n",
                "security.session_max_hours",
            ),
            (
                "[security]\nargon2_memory_kib = 16777216\n",
                "security.argon2_memory_kib",
            ),
            (
                "[security]\nargon2_memory_kib = 4096\n",
                "security.argon2_memory_kib",
            ),
            (
                "[security]\nargon2_iterations = 0\n",
                "security.argon2_iterations",
            ),
            (
                "[security]\nargon2_parallelism = 1000\n",
                "security.argon2_parallelism",
            ),
            (
                "[security]\nmin_password_chars = 100000\n",
                "security.min_password_chars",
            ),
            (
                "[security]\nlock_after_failures = 0\n",
                "security.lock_after_failures",
            ),
            (
                "[storage]\ncache_mb = 18446744073709551615\n",
                "storage.cache_mb",
            ),
            ("[backup]\nkeep_daily = 0\n", "backup.keep_daily"),
        ] {
            let e = Config::parse(text, "k.toml").unwrap_err().to_string();
            assert!(e.contains(key) && e.contains("out of range"), "{text}: {e}");
        }
        let ok = "[security]\nlock_minutes = 10080\nargon2_memory_kib = 1048576\n";
        let c = Config::parse(ok, "k.toml").unwrap();
        assert_eq!(c.settings().lock_secs, 10080 * 60);
    }

    #[test]
    fn the_security_policy_comes_from_the_named_file_or_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("kasefet.toml");
        std::fs::write(
            &cfg,
            "[security]\npolicy_file = \"policy.txt\"\npolicy_renew_months = 6\n",
        )
        .unwrap();
        assert!(
            Config::load(&cfg).is_err(),
            "a named but missing policy file is an error"
        );
        std::fs::write(dir.path().join("policy.txt"), "Be careful.\x1b[2J\n").unwrap();
        let s = Config::load(&cfg).unwrap().settings();
        assert_eq!(s.policy_text, "Be careful.[2J");
        assert_eq!(
            s.policy_version,
            crate::auth::security_policy::version("Be careful.[2J")
        );
        assert_eq!(s.policy_renew_months, 6);
        let d = Config::default().settings();
        assert_eq!(
            d.policy_version,
            crate::auth::security_policy::version(d.policy_text.as_str())
        );
        assert!(d.policy_text.contains("passphrase"));
    }
}

/// `[retention]`: how long deleted records wait in the trash.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Days a deleted customer, task or employee can be restored; then the nightly run
    /// purges it (1..=3650).
    pub trash_days: u32,
    /// `[[retention.rule]]`: what the nightly run erases or anonymises (none by default).
    #[serde(rename = "rule")]
    pub rules: Vec<crate::privacy::retention::Rule>,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            trash_days: crate::privacy::trash::DEFAULT_DAYS,
            rules: Vec::new(),
        }
    }
}
