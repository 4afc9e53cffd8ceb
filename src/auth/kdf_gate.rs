//! A bound on argon2 runs at once. Each run holds its memory cost (64 MiB by default) for its
//! whole length, so without a bound a crowd of sign-in attempts (real or not) takes as much
//! memory as it likes; with one, the rest wait in line for a while and are then refused.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct KdfGate {
    limit: usize,
    wait: Duration,
    running: Mutex<usize>,
    freed: Condvar,
}

/// A slot in the gate; dropping it lets the next one in.
#[derive(Debug)]
pub struct KdfSlot<'a>(&'a KdfGate);

/// Every slot stayed taken for the whole wait.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the server is busy with {0} other sign-ins; try again in a moment")]
pub struct Busy(pub usize);

impl KdfGate {
    /// `limit` runs at once (at least one); a caller waits at most `wait` for a slot.
    pub fn new(limit: usize, wait: Duration) -> KdfGate {
        KdfGate {
            limit: limit.max(1),
            wait,
            running: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Runs at most `limit` at once: the default bound is the number of cores, since more
    /// runs than cores only share them.
    pub fn default_limit() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    }

    pub fn enter(&self) -> Result<KdfSlot<'_>, Busy> {
        let deadline = Instant::now() + self.wait;
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        while *running >= self.limit {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Busy(*running));
            }
            running = self
                .freed
                .wait_timeout(running, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *running += 1;
        Ok(KdfSlot(self))
    }

    /// Runs taking place now.
    pub fn running(&self) -> usize {
        *self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for KdfSlot<'_> {
    fn drop(&mut self) {
        let mut running = self.0.running.lock().unwrap_or_else(|p| p.into_inner());
        *running = running.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn never_more_than_the_limit_and_refuses_after_the_wait() {
        let gate = Arc::new(KdfGate::new(2, Duration::from_secs(5)));
        let (now, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (gate, now, peak) = (gate.clone(), now.clone(), peak.clone());
                std::thread::spawn(move || {
                    let _slot = gate.enter().unwrap();
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    now.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(gate.running(), 0);

        let short = KdfGate::new(1, Duration::from_millis(30));
        let held = short.enter().unwrap();
        assert_eq!(short.enter().unwrap_err(), Busy(1));
        drop(held);
        assert!(short.enter().is_ok());
    }
}
