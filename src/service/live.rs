//! The session table, and the handles reads need, behind a lock of their own: a search or a
//! list read checks its session here and never waits for the service lock, which a writer
//! holds through its commit.
//!
//! Everything that changes a session still holds the service lock as well, so between
//! writers nothing changed; this lock is only ever held for one operation on the table,
//! and nothing is called while it is held.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use super::session::SessionState;
use super::shared::Shared;
use crate::domain::{Employee, Id, Task, UnixTime, User};
use crate::search::Index;

/// What an index or cache read needs of the unsealed database.
#[derive(Clone)]
pub(crate) struct Readers {
    pub index: Arc<RwLock<Index>>,
    pub tasks: Shared<BTreeMap<Id, Task>>,
    pub employees: Shared<BTreeMap<Id, Employee>>,
    /// The accounts as the last change left them (see `Unsealed::put_user`).
    pub users: Shared<Arc<BTreeMap<Id, User>>>,
}

#[derive(Default)]
struct Table {
    sessions: HashMap<[u8; 16], SessionState>,
    /// Present exactly while the database is unsealed.
    readers: Option<Readers>,
}

/// Limits a session is checked against.
pub(crate) struct Limits {
    pub now: UnixTime,
    pub max_secs: i64,
    pub idle_secs: i64,
}

#[derive(Clone, Default)]
pub(crate) struct Live(Arc<Mutex<Table>>);

impl Live {
    fn table(&self) -> MutexGuard<'_, Table> {
        // Each operation leaves the table whole, so a poisoned lock is used as is.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, id: &[u8; 16]) -> Option<SessionState> {
        self.table().sessions.get(id).cloned()
    }

    /// Runs `f` on the session, if there is one; `f` must not touch the table itself.
    pub fn with<R>(&self, id: &[u8; 16], f: impl FnOnce(&mut SessionState) -> R) -> Option<R> {
        self.table().sessions.get_mut(id).map(f)
    }

    pub fn insert(&self, id: [u8; 16], s: SessionState) {
        self.table().sessions.insert(id, s);
    }

    pub fn remove(&self, id: &[u8; 16]) -> Option<SessionState> {
        self.table().sessions.remove(id)
    }

    pub fn clear(&self) {
        self.table().sessions.clear();
    }

    pub fn retain(&self, f: impl FnMut(&[u8; 16], &mut SessionState) -> bool) {
        self.table().sessions.retain(f);
    }

    pub fn is_empty(&self) -> bool {
        self.table().sessions.is_empty()
    }

    pub fn contains_key(&self, id: &[u8; 16]) -> bool {
        self.table().sessions.contains_key(id)
    }

    pub fn all(&self) -> Vec<([u8; 16], SessionState)> {
        let t = self.table();
        t.sessions.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    /// Called with the service lock held, whenever the unsealed state is set or dropped.
    pub fn publish(&self, readers: Option<Readers>) {
        self.table().readers = readers;
    }

    /// Checks a session against its limits: an idle one is locked here, an active one
    /// has its activity noted. An expired one is left for the caller to end.
    pub fn check(&self, id: &[u8; 16], l: &Limits) -> Standing {
        let mut t = self.table();
        let Some(s) = t.sessions.get_mut(id) else {
            return Standing::Ended;
        };
        if l.now - s.started >= l.max_secs {
            return Standing::Expired;
        }
        if s.locked || l.now - s.last_active >= l.idle_secs {
            s.locked = true;
            return Standing::Locked;
        }
        s.last_active = l.now;
        Standing::Active(s.clone())
    }

    /// For a read that needs no write: the session and the read handles, when the session
    /// is active and full (not setup only) and the database unsealed. Otherwise `None`, and
    /// the request goes the locked way, which says why or acts on it.
    pub fn reader(&self, id: &[u8; 16], l: &Limits) -> Option<(SessionState, Readers)> {
        let readers = self.table().readers.clone()?;
        match self.check(id, l) {
            Standing::Active(s) if !s.setup_only => Some((s, readers)),
            _ => None,
        }
    }
}

pub(crate) enum Standing {
    Ended,
    Expired,
    Locked,
    Active(SessionState),
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::service::test_support::signed_in;
    use crate::service::{Error, Request, TaskFilter};

    fn search() -> Request {
        Request::CustomerSearch {
            query: "levi".into(),
            limit: 10,
        }
    }

    #[test]
    fn searches_and_task_lists_do_not_wait_for_a_writer() {
        let s = signed_in();
        let (svc, session) = (&s.service, &s.login.session);
        // As a writer holds it through its commit.
        let writer = svc.lock();
        std::thread::scope(|scope| {
            let reads = scope.spawn(|| {
                let found = svc.handle(session, search());
                let tasks = svc.handle(
                    session,
                    Request::TaskList {
                        filter: TaskFilter::default(),
                    },
                );
                (found, tasks)
            });
            let t = Instant::now();
            while !reads.is_finished() && t.elapsed() < Duration::from_secs(20) {
                std::thread::sleep(Duration::from_millis(5));
            }
            let done = reads.is_finished();
            drop(writer);
            let (found, tasks) = reads.join().unwrap();
            assert!(done, "a read waited for the service lock");
            assert!(found.is_ok() && tasks.is_ok());
        });
    }

    #[test]
    fn an_idle_or_ended_session_is_refused_reads_too() {
        let s = signed_in();
        let (svc, session) = (&s.service, &s.login.session);
        assert!(svc.handle(session, search()).is_ok());
        svc.clock().advance(svc.settings().idle_lock_secs);
        assert!(matches!(
            svc.handle(session, search()),
            Err(Error::SessionLocked)
        ));
        svc.logout(session);
        assert!(matches!(
            svc.handle(session, search()),
            Err(Error::SessionEnded)
        ));
    }
}
