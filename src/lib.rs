//! Kasefet: a terminal CRM whose every stored value is encrypted.
#![forbid(unsafe_code)]

pub mod auth;
pub mod domain;
