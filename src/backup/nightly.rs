//! The nightly runner for whoever owns the database (the server, or the embedded TUI while
//! it is open, even at the sign-in screen). One thread; it sleeps in short steps so a stop
//! request or a clock that jumped (suspend, NTP, a test) is noticed promptly.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::BackupConfig;
use super::list::newest;
use super::operations::{Db, Trigger, run};
use super::retention::FUTURE_SLACK_SECS;
use super::schedule::Schedule;
use crate::service::Service;

/// After a failed run, try again this much later (unless the next scheduled time is sooner).
pub const RETRY_SECS: i64 = 3600;
const DEFAULT_POLL: Duration = Duration::from_secs(1);

/// Starts the schedule on its own thread: a catch-up backup at once when the newest is
/// missing or more than a day old, then one at `cfg.time` local every night. Set `stop`
/// and join the handle to end it. Outcomes go to the audit log and the status record.
pub fn spawn_nightly(
    service: Arc<Service>,
    cfg: BackupConfig,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    spawn_nightly_polling(service, cfg, stop, DEFAULT_POLL)
}

/// `spawn_nightly` checking the clock every `poll` (tests use milliseconds with a manual clock).
pub fn spawn_nightly_polling(
    service: Arc<Service>,
    cfg: BackupConfig,
    stop: Arc<AtomicBool>,
    poll: Duration,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("kasefet-backup".into())
        .spawn(move || nightly_loop(&service, &cfg, &stop, poll))
}

fn nightly_loop(service: &Service, cfg: &BackupConfig, stop: &AtomicBool, poll: Duration) {
    let schedule = Schedule::new(cfg.time, cfg.tz.clone());
    let clock = service.clock();
    let start = clock.now();
    // An unreadable folder counts as "no backup": the attempt then reports the real error.
    let last = newest(&cfg.dir, start, FUTURE_SLACK_SECS).ok().flatten();
    let mut due = schedule.next_due(last, start);
    let mut trigger = if due <= start {
        Trigger::CatchUp
    } else {
        Trigger::Scheduled
    };
    // Retention rules skipped while sealed run as soon as someone signs in.
    let mut retention_waiting = false;
    while !stop.load(Ordering::SeqCst) {
        if retention_waiting && service.is_unsealed() {
            retention_waiting = matches!(
                crate::privacy::nightly::apply_retention(service),
                Ok(crate::privacy::nightly::RetentionOutcome::Waiting)
            );
        }
        let now = clock.now();
        if now >= due {
            let db = Db::Service { service, by: None };
            let next = schedule.next_after(now);
            // Failures are recorded by `run` itself (audit log and status); retry sooner.
            due = match run(&db, cfg, trigger) {
                Ok(_) => next,
                Err(_) => next.min(now + RETRY_SECS),
            };
            // After the backup, so what the trash held is in at least one backup. A failure
            // is recorded by the purge itself; the next night tries again.
            let _ = crate::privacy::nightly::purge_trash(&db);
            let _ = crate::privacy::nightly::retry_rewrites(&db, cfg);
            retention_waiting = matches!(
                crate::privacy::nightly::apply_retention(service),
                Ok(crate::privacy::nightly::RetentionOutcome::Waiting)
            );
            trigger = Trigger::Scheduled;
            continue;
        }
        let wait = Duration::from_secs(u64::try_from(due - now).unwrap_or(0));
        std::thread::sleep(wait.min(poll));
    }
}
