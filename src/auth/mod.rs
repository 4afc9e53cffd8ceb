//! Sign-in primitives.
