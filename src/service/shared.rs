//! A cache that reads answered after the service lock is let go still reach (see `handle`
//! and `records::cached`): an `Arc` of a read-write lock, written only under the service
//! lock, so at most one writer waits for the readers of the moment and no reader waits for
//! the service lock.

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub(crate) struct Shared<T>(Arc<RwLock<T>>);

impl<T> Shared<T> {
    pub fn new(t: T) -> Shared<T> {
        Shared(Arc::new(RwLock::new(t)))
    }

    /// A panic while it was held leaves at worst one entry behind its commit, which the
    /// reload after a panic replaces, so a poisoned lock is used as is (as the index is).
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.0.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Only with the service lock held, and no read guard of this cache alive on the same
    /// thread (that would wait for itself).
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(|p| p.into_inner())
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Shared<T> {
        Shared(Arc::clone(&self.0))
    }
}
