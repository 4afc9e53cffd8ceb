//! The append-only, HMAC-chained audit log.
//!
//! Entry n is stored sealed under key n with `mac_n = HMAC(audit_key, mac_{n-1} ‖ n ‖ event)`.
//! The head (n, mac_n) lives in the meta tree and moves in the same commit as the entry, so
//! an operation and its audit entry land together or not at all.

pub mod chain;
pub mod pending;
pub mod verify;

pub use chain::{Head, append};
pub use verify::{Report, Walker, verify};
