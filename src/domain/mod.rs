//! Plain types and their validation.

pub mod text;
