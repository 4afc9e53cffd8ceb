//! One audit log entry, as written and as read back.

use serde::{Deserialize, Serialize};

use super::{Id, UnixTime};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub seq: u64,
    pub at: UnixTime,
    /// `None` for events with no known account (an unknown username at sign-in).
    pub user: Option<Id>,
    /// The username at the time, so the log reads without a lookup.
    pub username: Option<String>,
    pub peer_uid: Option<u32>,
    pub peer_pid: Option<u32>,
    pub action: String,
    /// `customer:42`, `user:3`, a file name: never record content.
    pub target: String,
    pub outcome: Outcome,
    /// A short reason ("wrong code", "conflict"); never a secret or a record's content.
    pub detail: String,
}
