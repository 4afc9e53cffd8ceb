//! Counting attempts at a password or code, so ten failures lock an account whatever their
//! timing.
//!
//! An attempt is counted as a failure *before* the KDF runs, under the service lock, and
//! written at once; a success then takes its own count back. Reading the counter before
//! argon2 and writing it after (as sign-in once did) let twenty attempts sent at once count
//! as one.

use super::login::Failure;
use super::{Result, Service, Settings};
use crate::auth::records::Counters;
use crate::domain::UnixTime;
use crate::store::{Op, Store, Tree, codec};

/// One attempt, already counted.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    /// The counters as this attempt found them.
    pub before: Counters,
    /// After counting this attempt; `None` when the name is no account's (nothing counted).
    pub after: Option<Counters>,
    /// What counting it set off (a lock, a disable), for the audit detail.
    pub note: Option<&'static str>,
    now: UnixTime,
}

impl Attempt {
    /// Refused whatever was typed: the account was already locked or disabled by failures.
    pub fn refused(&self) -> Option<Failure> {
        if self.before.disabled {
            Some(Failure::Disabled)
        } else if self.before.locked_at(self.now) {
            Some(Failure::Locked)
        } else {
            None
        }
    }

    /// The audit detail of this attempt failing for `reason`.
    pub fn detail(&self, reason: &str) -> String {
        match self.note {
            Some(note) => format!("{reason}; {note}"),
            None => reason.to_string(),
        }
    }
}

/// The failure counters of the account whose username hashes to `hash`.
pub(crate) fn counters(store: &Store, hash: &[u8; 32]) -> Result<Counters> {
    Ok(match store.get_raw(Tree::AuthState, hash)? {
        Some(v) => codec::decode(&v)?,
        None => Counters::default(),
    })
}

/// Counts a failure; returns what it set off, if anything.
fn bump(settings: &Settings, c: &mut Counters, now: UnixTime) -> Option<&'static str> {
    c.consecutive = c.consecutive.saturating_add(1);
    c.since_login = c.since_login.saturating_add(1);
    c.last_failure_at = Some(now);
    if c.consecutive >= settings.disable_after_failures {
        c.disabled = true;
        return Some("account disabled after repeated failures");
    }
    if c.consecutive % settings.lock_after_failures.max(1) == 0 {
        c.locked_until = Some(now.saturating_add(settings.lock_secs));
        return Some("account locked for a while after repeated failures");
    }
    None
}

/// Counts an attempt on the account at `hash` as a failure and commits it. The caller holds
/// the service lock, which every writer of the counters takes, so the count cannot be lost.
/// An unknown name commits the removal of its (absent) entry instead: the same disk work.
pub(crate) fn reserve(
    store: &Store,
    settings: &Settings,
    hash: &[u8; 32],
    known: bool,
    now: UnixTime,
) -> Result<Attempt> {
    let before = counters(store, hash)?;
    if !known {
        store.commit(&[Op::remove(Tree::AuthState, hash.to_vec())])?;
        return Ok(Attempt {
            before,
            after: None,
            note: None,
            now,
        });
    }
    let mut after = before.clone();
    let note = bump(settings, &mut after, now);
    store.commit(&[Op::put(
        Tree::AuthState,
        hash.to_vec(),
        codec::encode(&after)?,
    )])?;
    Ok(Attempt {
        before,
        after: Some(after),
        note,
        now,
    })
}

/// The op that takes back a successful attempt's count. Failures counted after this
/// attempt began (still running, or failed since) stay counted, with the lock or disable
/// they reach on their own; the run before it ends. `keep_since` keeps the earlier failures
/// for the next sign-in notice (an unlock is not a sign-in).
pub(crate) fn settle(
    store: &Store,
    settings: &Settings,
    hash: &[u8; 32],
    attempt: &Attempt,
    keep_since: bool,
) -> Result<Op> {
    let now = counters(store, hash)?;
    let mine = attempt.after.as_ref().map_or(0, |a| a.consecutive);
    let later = now.consecutive.saturating_sub(mine);
    let since = if keep_since {
        now.since_login.saturating_sub(1)
    } else {
        later
    };
    if later == 0 && since == 0 {
        return Ok(Op::remove(Tree::AuthState, hash.to_vec()));
    }
    let c = Counters {
        consecutive: later,
        since_login: since,
        locked_until: now
            .locked_until
            .filter(|_| later >= settings.lock_after_failures.max(1)),
        disabled: now.disabled && later >= settings.disable_after_failures,
        last_failure_at: now.last_failure_at,
    };
    Ok(Op::put(Tree::AuthState, hash.to_vec(), codec::encode(&c)?))
}

impl Service {
    pub(crate) fn counters(&self, hash: &[u8; 32]) -> Result<Counters> {
        counters(&self.store, hash)
    }

    /// `reserve` under the service lock.
    pub(crate) fn begin_attempt(
        &self,
        hash: &[u8; 32],
        known: bool,
        now: UnixTime,
    ) -> Result<Attempt> {
        let _inner = self.lock();
        reserve(&self.store, &self.settings, hash, known, now)
    }

    pub(crate) fn settle_success(&self, hash: &[u8; 32], attempt: &Attempt) -> Result<Op> {
        settle(&self.store, &self.settings, hash, attempt, false)
    }

    /// A place in the line for argon2, or a refusal once the line has not moved for a while.
    pub(crate) fn kdf_slot(&self) -> Result<crate::auth::kdf_gate::KdfSlot<'_>> {
        self.kdf_gate
            .enter()
            .map_err(|busy| super::Error::Unavailable(busy.to_string()))
    }
}
