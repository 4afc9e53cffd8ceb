//! Kasefet: a terminal CRM whose every stored value is encrypted.
//!
//! Layers, each using only those below it: cli/tui → client → service →
//! {auth, audit, search, backup} → store → crypto → domain.
#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod client;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod harden;
pub mod privacy;
pub mod search;
pub mod server;
pub mod service;
pub mod store;
pub mod transfer;
pub mod tui;
