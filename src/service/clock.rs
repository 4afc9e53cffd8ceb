//! Time, injectable so tests can move it (idle lock, TOTP windows, retention).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::domain::UnixTime;

#[derive(Clone)]
pub enum Clock {
    System,
    /// A fixed instant that tests advance by hand.
    Manual(Arc<AtomicI64>),
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Clock::System => f.write_str("Clock::System"),
            Clock::Manual(t) => write!(f, "Clock::Manual({})", t.load(Ordering::SeqCst)),
        }
    }
}

impl Clock {
    pub fn manual(at: UnixTime) -> Clock {
        Clock::Manual(Arc::new(AtomicI64::new(at)))
    }

    pub fn now(&self) -> UnixTime {
        match self {
            Clock::System => jiff::Timestamp::now().as_second(),
            Clock::Manual(t) => t.load(Ordering::SeqCst),
        }
    }

    pub fn advance(&self, secs: i64) {
        if let Clock::Manual(t) = self {
            t.fetch_add(secs, Ordering::SeqCst);
        }
    }

    pub fn today(&self) -> jiff::civil::Date {
        local(self.now()).date()
    }
}

pub fn local(at: UnixTime) -> jiff::civil::DateTime {
    let ts = jiff::Timestamp::from_second(at).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.to_zoned_datetime(jiff::tz::TimeZone::system())
        .datetime()
}

/// `2026-11-29 14:05` in the machine's local time.
pub fn format_local(at: UnixTime) -> String {
    local(at).strftime("%Y-%m-%d %H:%M").to_string()
}
