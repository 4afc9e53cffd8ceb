//! Plain types and their validation.
