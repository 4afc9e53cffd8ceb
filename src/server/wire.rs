//! What client and server say to each other. Requests are the same `Request` values the
//! in-process backend hands to `Service::handle`; the server authorizes them from the
//! connection's own session, whatever the client claims.

use serde::{Deserialize, Serialize};

use crate::crypto::SecretText;
use crate::service::{Login, Request, Response, WireError};

/// Bumped when messages change shape; a mismatch is refused with a clear message.
/// 3: staged imports, pages of lists, retention and the lifecycle requests.
pub const PROTOCOL: u32 = 3;

#[derive(Debug, Serialize, Deserialize)]
pub enum ClientMsg {
    Hello {
        protocol: u32,
    },
    /// `from` is what the client says about itself (its SSH client address or tty); the
    /// server records it next to the uid and pid it gets from the kernel.
    Login {
        username: String,
        password: SecretText,
        code: String,
        from: String,
    },
    Call(Box<Request>),
    Unlock {
        password: SecretText,
    },
    Logout,
    /// `kasefet backup run` from cron or a timer while the server owns the database. No
    /// sign-in: honoured only for root and the server's own user, who can read the data
    /// directory anyway.
    BackupNow,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum ServerMsg {
    Hello { protocol: u32, version: String },
    LoggedIn(Box<Login>),
    Reply(Box<Response>),
    Failed(WireError),
    Bye,
}
