//! What can go wrong at the door, each with the exit code scripts rely on.

use serde::{Deserialize, Serialize};

use crate::domain::{Invalid, UnixTime};
use crate::store::StoreError;

/// Shown for every sign-in failure, whatever the real reason (which goes to the audit log).
pub const AUTH_FAILED: &str = "sign-in failed: the username, password or code is not right \
(repeated failures lock an account for a while; ask an admin if you are locked out)";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0}")]
    Invalid(#[from] Invalid),
    #[error("{AUTH_FAILED}")]
    AuthFailed,
    #[error("permission denied: {0}")]
    Denied(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error(
        "conflict: {what} was changed by {by} at {at} (version {version}); reload it and apply your change again"
    )]
    Conflict {
        what: String,
        by: String,
        at: String,
        version: u64,
    },
    #[error("the session is locked after inactivity; enter your password to unlock it")]
    SessionLocked,
    #[error("the session has ended; sign in again")]
    SessionEnded,
    #[error("finish setting up your account first (`kasefet account setup`)")]
    SetupRequired,
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The database cannot be reached (a server that went away, a missing directory).
    #[error("{0}")]
    Unavailable(String),
    /// A failure reported by the server that has no finer kind on this side.
    #[error("{0}")]
    Remote(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Process exit codes (documented in `kasefet --help` and `man/kasefet.1`).
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const INVALID: i32 = 2;
    pub const AUTH: i32 = 3;
    pub const DENIED: i32 = 4;
    pub const NOT_FOUND: i32 = 5;
    pub const CONFLICT: i32 = 6;
    pub const UNAVAILABLE: i32 = 7;
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) | Error::Refused(_) => exit::INVALID,
            Error::AuthFailed
            | Error::SessionLocked
            | Error::SessionEnded
            | Error::SetupRequired => exit::AUTH,
            Error::Denied(_) => exit::DENIED,
            Error::NotFound(_) => exit::NOT_FOUND,
            Error::Conflict { .. } => exit::CONFLICT,
            Error::Store(
                StoreError::Locked { .. }
                | StoreError::Missing(_)
                | StoreError::Permissions(_)
                | StoreError::Damaged(_),
            ) => exit::UNAVAILABLE,
            Error::Store(_) | Error::Remote(_) => exit::FAILURE,
            Error::Unavailable(_) => exit::UNAVAILABLE,
        }
    }

    pub fn conflict(what: String, by: String, at: UnixTime, version: u64) -> Error {
        Error::Conflict {
            what,
            by,
            at: crate::service::clock::format_local(at),
            version,
        }
    }
}

/// An error as it crosses the wire: enough to rebuild the same `Error` on the client (so
/// screens can offer "reload or overwrite" on a conflict), nothing internal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireError {
    Invalid(Vec<crate::domain::FieldError>),
    AuthFailed,
    Denied(String),
    NotFound(String),
    Conflict {
        what: String,
        by: String,
        at: String,
        version: u64,
    },
    SessionLocked,
    SessionEnded,
    SetupRequired,
    Refused(String),
    Unavailable(String),
    Failure(String),
}

impl From<&Error> for WireError {
    fn from(e: &Error) -> Self {
        match e {
            Error::Invalid(i) => WireError::Invalid(i.0.clone()),
            Error::AuthFailed => WireError::AuthFailed,
            Error::Denied(m) => WireError::Denied(m.clone()),
            Error::NotFound(m) => WireError::NotFound(m.clone()),
            Error::Conflict {
                what,
                by,
                at,
                version,
            } => WireError::Conflict {
                what: what.clone(),
                by: by.clone(),
                at: at.clone(),
                version: *version,
            },
            Error::SessionLocked => WireError::SessionLocked,
            Error::SessionEnded => WireError::SessionEnded,
            Error::SetupRequired => WireError::SetupRequired,
            Error::Refused(m) => WireError::Refused(m.clone()),
            other if other.exit_code() == exit::UNAVAILABLE => {
                WireError::Unavailable(other.to_string())
            }
            other => WireError::Failure(other.to_string()),
        }
    }
}

impl From<WireError> for Error {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Invalid(v) => Error::Invalid(Invalid(v)),
            WireError::AuthFailed => Error::AuthFailed,
            WireError::Denied(m) => Error::Denied(m),
            WireError::NotFound(m) => Error::NotFound(m),
            WireError::Conflict {
                what,
                by,
                at,
                version,
            } => Error::Conflict {
                what,
                by,
                at,
                version,
            },
            WireError::SessionLocked => Error::SessionLocked,
            WireError::SessionEnded => Error::SessionEnded,
            WireError::SetupRequired => Error::SetupRequired,
            WireError::Refused(m) => Error::Refused(m),
            WireError::Unavailable(m) => Error::Unavailable(m),
            WireError::Failure(m) => Error::Remote(m),
        }
    }
}
