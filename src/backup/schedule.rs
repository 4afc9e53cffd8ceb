//! When the nightly backup is due: pure functions of the clock, so tests move time by hand.
//!
//! Times are computed on the local calendar with jiff, not by adding 24 hours, so the run
//! stays at the configured wall-clock time across DST changes. A time that does not exist
//! on a spring-forward night runs at the first moment after the gap; a time that happens
//! twice on a fall-back night runs once, at the first.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use super::{BackupError, Result};
use crate::domain::UnixTime;

/// The newest backup older than this is caught up at once when the owner starts.
pub const CATCH_UP_AFTER_SECS: i64 = 24 * 3600;

/// Parses `HH:MM` (24-hour) as in `[backup] time = "02:00"`.
pub fn parse_time(s: &str) -> Result<Time> {
    let bad = || BackupError::Time(s.to_string());
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    if h.is_empty()
        || h.len() > 2
        || m.len() != 2
        || !h.chars().chain(m.chars()).all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let h: i8 = h.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub at: Time,
    pub tz: TimeZone,
}

impl Schedule {
    pub fn new(at: Time, tz: TimeZone) -> Self {
        Schedule { at, tz }
    }

    /// The configured time on `date`, as an instant.
    fn on(&self, date: Date) -> Option<UnixTime> {
        self.tz
            .to_zoned_datetime(date.to_datetime(self.at))
            .ok()
            .map(|z| z.timestamp().as_second())
    }

    /// The first scheduled instant strictly after `t`.
    pub fn next_after(&self, t: UnixTime) -> UnixTime {
        let Ok(ts) = jiff::Timestamp::from_second(t) else {
            return t.saturating_add(CATCH_UP_AFTER_SECS);
        };
        let mut date = ts.to_zoned_datetime(self.tz.clone()).date();
        // Two days suffice even where a zone skipped a whole calendar day.
        for _ in 0..3 {
            if let Some(at) = self.on(date).filter(|at| *at > t) {
                return at;
            }
            match date.tomorrow() {
                Ok(d) => date = d,
                Err(_) => break,
            }
        }
        t.saturating_add(CATCH_UP_AFTER_SECS)
    }

    /// When the next backup is due, given the newest one (`None`: there is none) and `now`.
    /// Due at once when there is none, when it is more than a day old, or when a scheduled
    /// time passed since it was taken (the owner was not running then).
    pub fn next_due(&self, newest: Option<UnixTime>, now: UnixTime) -> UnixTime {
        match newest {
            None => now,
            Some(last) if catch_up_needed(Some(last), now) => now,
            Some(last) => {
                let slot = self.next_after(last.min(now));
                if slot <= now { now } else { slot }
            }
        }
    }
}

/// True when an owner starting at `now` should take a backup at once.
pub fn catch_up_needed(newest: Option<UnixTime>, now: UnixTime) -> bool {
    newest.is_none_or(|t| now - t > CATCH_UP_AFTER_SECS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_hh_mm_only() {
        assert_eq!(parse_time("02:00").unwrap(), jiff::civil::time(2, 0, 0, 0));
        assert_eq!(parse_time(" 7:05 ").unwrap(), jiff::civil::time(7, 5, 0, 0));
        for bad in [
            "24:00", "2", "02:60", "02:0", "-1:00", "aa:bb", "02:00:00", "",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }
}
