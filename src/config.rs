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
}

/// The smallest argon2 memory cost accepted from a config file (8 MiB); the default is 64 MiB.
pub const MIN_ARGON2_MEMORY_KIB: u32 = 8 * 1024;

impl Config {
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let c: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_string(),
            message: e.message().to_string(),
        })?;
        c.check(path)?;
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
        let s = &self.security;
        if s.min_password_chars < 8 {
            return bad("security.min_password_chars cannot be below 8".into());
        }
        if s.argon2_memory_kib < MIN_ARGON2_MEMORY_KIB
            || s.argon2_iterations < 1
            || s.argon2_parallelism < 1
        {
            return bad(format!(
                "security.argon2_* too low (memory at least {MIN_ARGON2_MEMORY_KIB} KiB, iterations and parallelism at least 1)"
            ));
        }
        if s.lock_after_failures < 1 || s.disable_after_failures < s.lock_after_failures {
            return bad("security.lock_after_failures must be at least 1 and at most disable_after_failures".into());
        }
        if s.idle_lock_minutes < 1 || s.session_max_hours < 1 {
            return bad(
                "security.idle_lock_minutes and session_max_hours must be at least 1".into(),
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
        Ok(())
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
            trash_days: self.retention.trash_days,
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
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            trash_days: crate::privacy::trash::DEFAULT_DAYS,
        }
    }
}
