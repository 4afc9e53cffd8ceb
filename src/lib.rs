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

/// Per-thread heaps: glibc's allocator spent a third of a 100,000-row import in malloc, free
/// and the arena locks taken when one thread frees what another allocated (the parallel
/// phases hand their results across threads). Built without transparent huge pages
/// (Cargo.toml says why). Set here so the binary, the tests and the
/// benchmarks all measure the same allocator. `--features system-allocator` leaves glibc's,
/// for comparison and for tools that want it.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
