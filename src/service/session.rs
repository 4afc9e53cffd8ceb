//! Sessions: who is signed in, since when, and whether they are idle-locked.

use serde::{Deserialize, Serialize};

use super::login::Peer;
use crate::domain::{Id, UnixTime};

/// A handle to a signed-in session. Holding one is not authority by itself: every request
/// is checked against the live session table and the user's current role and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: [u8; 16],
    pub user: Id,
    pub username: String,
}

#[derive(Debug, Clone)]
pub(crate) struct SessionState {
    pub user: Id,
    pub started: UnixTime,
    pub last_active: UnixTime,
    pub locked: bool,
    /// A one-time-password account: may only finish its setup.
    pub setup_only: bool,
    pub peer: Peer,
}
