//! The nightly backup while the full-screen interface owns the database (embedded, not
//! through a server, which runs its own): started at launch, before anyone signs in, since
//! taking a backup needs no key; stopped and waited for when the interface closes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crate::backup::spawn_nightly;
use crate::service::Service;

pub struct Nightly {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Nightly {
    /// Starts the schedule when the database has a backup folder; `Ok(None)` without one.
    pub fn start(service: &Arc<Service>) -> std::io::Result<Option<Nightly>> {
        let Some(cfg) = service.backup_config() else {
            return Ok(None);
        };
        let stop = Arc::new(AtomicBool::new(false));
        let handle = spawn_nightly(service.clone(), cfg, stop.clone())?;
        Ok(Some(Nightly {
            stop,
            handle: Some(handle),
        }))
    }

    /// True while the thread runs (tests).
    pub fn running(&self) -> bool {
        self.handle.as_ref().is_some_and(|h| !h.is_finished())
    }
}

impl Drop for Nightly {
    /// Asks the thread to stop and waits: it notices within a second, or after the backup
    /// it is writing, which is then complete rather than left as a temporary file.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
