//! Which backups to keep: every backup (up to [`MAX_PER_DAY`], newest first) of each of the
//! `keep_daily` most recent days that have one, and the newest of each of the `keep_monthly`
//! most recent months that have one.
//!
//! Keeping the whole day means a manual backup taken before a risky change survives the one
//! taken after it (and the nightly one): same-day snapshots go only when their day leaves
//! the daily window, when the newest of the day may stay on as that month's.
//!
//! Counting days that *have* a backup (not calendar days back from now) means a server
//! that was off for three weeks still has its last fourteen dailies when it comes back.
//! The newest backup is never deleted, nor is any file whose name this program did not
//! write; a file dated in the future (a clock that was wrong) is kept and counts for nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use jiff::tz::TimeZone;

use super::format::{parse_file_name, parse_temp_name};
use super::list::all_names;
use super::{BackupConfig, BackupError, Result};
use crate::domain::UnixTime;

/// Files dated this far past `now` are treated as future-dated.
pub const FUTURE_SLACK_SECS: i64 = 3600;
/// The most backups kept of one day (a script that backs up every few minutes must not fill
/// the disk): the newest this many.
pub const MAX_PER_DAY: usize = 24;
/// A temporary file this old is the leftover of a write that crashed.
pub const STALE_TEMP_SECS: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Backups kept, newest first.
    pub keep: Vec<String>,
    /// Backups to delete, newest first.
    pub delete: Vec<String>,
    /// Temporary files left by interrupted writes more than a day ago.
    pub stale_temp: Vec<String>,
    /// Names it does not recognise: never touched.
    pub ignored: Vec<String>,
}

/// Decides, from file names alone, what retention keeps. Days and months are those of `tz`.
pub fn plan(
    names: &[String],
    now: UnixTime,
    keep_daily: u32,
    keep_monthly: u32,
    tz: &TimeZone,
) -> Plan {
    let mut p = Plan::default();
    let mut dated: Vec<(UnixTime, &String)> = Vec::new();
    for n in names {
        if let Some(t) = parse_file_name(n) {
            dated.push((t, n));
        } else if parse_temp_name(n).is_some_and(|t| now - t > STALE_TEMP_SECS) {
            p.stale_temp.push(n.clone());
        } else {
            p.ignored.push(n.clone());
        }
    }
    dated.sort_by(|a, b| b.cmp(a));
    // Kept days, with how many of each day's backups are kept so far.
    let mut days: BTreeMap<jiff::civil::Date, usize> = BTreeMap::new();
    let mut months = BTreeSet::new();
    let mut newest_kept = false;
    for (t, name) in dated {
        if t > now + FUTURE_SLACK_SECS {
            p.keep.push(name.clone());
            continue;
        }
        let date = jiff::Timestamp::from_second(t)
            .map(|ts| ts.to_zoned_datetime(tz.clone()).date())
            .ok();
        let mut keep = !newest_kept;
        newest_kept = true;
        if let Some(d) = date {
            let kept_days = days.len();
            match days.get_mut(&d) {
                Some(n) if *n < MAX_PER_DAY => {
                    *n += 1;
                    keep = true;
                }
                Some(_) => {}
                None if kept_days < keep_daily as usize => {
                    days.insert(d, 1);
                    keep = true;
                }
                None => {}
            }
            let month = (d.year(), d.month());
            if !months.contains(&month) && months.len() < keep_monthly as usize {
                months.insert(month);
                keep = true;
            }
        } else {
            // Out of jiff's range cannot happen for a parsed name; keep rather than guess.
            keep = true;
        }
        if keep {
            p.keep.push(name.clone());
        } else {
            p.delete.push(name.clone());
        }
    }
    p
}

/// Plans for `cfg.dir` and deletes what the plan says. Every deletion is tried; the first
/// failure is returned after the rest were attempted.
pub fn prune(cfg: &BackupConfig, now: UnixTime) -> Result<Plan> {
    let names = all_names(&cfg.dir)?;
    let p = plan(&names, now, cfg.keep_daily, cfg.keep_monthly, &cfg.tz);
    let mut first_err = None;
    for name in p.delete.iter().chain(&p.stale_temp) {
        if let Err(source) = fs::remove_file(cfg.dir.join(name)) {
            first_err.get_or_insert(BackupError::Folder {
                path: cfg.dir.join(name),
                source,
            });
        }
    }
    if !p.delete.is_empty() || !p.stale_temp.is_empty() {
        let _ = super::write::sync_dir(Path::new(&cfg.dir));
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(p),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::backup::format::file_name;

    fn names(times: &[i64]) -> Vec<String> {
        times.iter().map(|t| file_name(*t).unwrap()).collect()
    }

    #[test]
    fn every_backup_of_a_kept_day_is_kept_up_to_a_cap() {
        let day = 1_796_000_000 - 1_796_000_000 % 86400;
        // A nightly one, then two manual ones the same day (before and after a change).
        let same_day = names(&[day + 7200, day + 36000, day + 39600]);
        let p = plan(&same_day, day + 40000, 14, 12, &TimeZone::UTC);
        assert!(p.delete.is_empty(), "{p:?}");
        assert_eq!(p.keep.len(), 3);

        let busy: Vec<i64> = (0..30).map(|i| day + 60 * i).collect();
        let p = plan(&names(&busy), day + 3600, 14, 12, &TimeZone::UTC);
        assert_eq!(p.keep.len(), MAX_PER_DAY);
        assert_eq!(p.delete.len(), 30 - MAX_PER_DAY);
        assert_eq!(p.keep[0], file_name(day + 60 * 29).unwrap(), "newest first");

        // Once the day leaves the daily window only its newest stays, as the month's.
        let mut old = names(&[day + 7200, day + 36000, day + 39600]);
        old.extend(names(&[day + 86400 + 7200, day + 2 * 86400 + 7200]));
        let p = plan(&old, day + 2 * 86400 + 8000, 2, 12, &TimeZone::UTC);
        assert_eq!(p.delete, names(&[day + 36000, day + 7200]));
    }
}
