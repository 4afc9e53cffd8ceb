//! Which backups to keep: the newest of each of the `keep_daily` most recent days that have
//! one, and the newest of each of the `keep_monthly` most recent months that have one.
//!
//! Counting days that *have* a backup (not calendar days back from now) means a server
//! that was off for three weeks still has its last fourteen dailies when it comes back.
//! The newest backup is never deleted, nor is any file whose name this program did not
//! write; a file dated in the future (a clock that was wrong) is kept and counts for nothing.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use jiff::tz::TimeZone;

use super::format::{parse_file_name, parse_temp_name};
use super::list::all_names;
use super::{BackupConfig, BackupError, Result};
use crate::domain::UnixTime;

/// Files dated this far past `now` are treated as future-dated.
pub const FUTURE_SLACK_SECS: i64 = 3600;
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
    let mut days = BTreeSet::new();
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
            if !days.contains(&d) && days.len() < keep_daily as usize {
                days.insert(d);
                keep = true;
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
