//! Accounts as the rest of the system sees them. Secrets live in `store`'s auth records.

use serde::{Deserialize, Serialize};

use super::text;
use super::{Checker, Id, Invalid, NAME_MAX, Role, Stamp, UnixTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserState {
    /// Has a one-time password: must choose a password and enrol TOTP before anything else.
    Pending,
    Active,
    /// Locked by an admin until unlocked.
    Locked,
    /// Disabled by an admin or by too many failures.
    Disabled,
}

impl UserState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Locked => "locked",
            Self::Disabled => "disabled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Id,
    pub stamp: Stamp,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub employee: Option<Id>,
    pub state: UserState,
    pub last_login_at: Option<UnixTime>,
    pub last_login_from: Option<String>,
}

/// Usernames are compared case-insensitively and shown as typed.
pub fn normalize_username(s: &str) -> String {
    s.trim().to_lowercase()
}

pub fn validate_username(s: &str) -> Result<String, Invalid> {
    let mut c = Checker::default();
    let u = normalize_username(s);
    if u.len() < 2 || u.len() > 64 {
        c.push("username", "must be 2 to 64 characters");
    } else if !u
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-'))
        || !u.starts_with(|ch: char| ch.is_ascii_alphanumeric())
    {
        c.push(
            "username",
            "use letters, digits, '.', '_' or '-', starting with a letter or digit",
        );
    }
    c.finish(|| u)
}

pub fn validate_display_name(s: &str) -> Result<String, Invalid> {
    let mut c = Checker::default();
    let d = c.take(text::required_line("display name", s, NAME_MAX));
    c.finish(|| d.unwrap_or_default())
}
