//! Audit entries for work done outside `handle` (backups, verifies, restores), and the
//! session check that work needs when a person asks for it.
//!
//! With a key in memory the entry goes straight into the chain; while sealed it goes to the
//! pending journal and is folded into the chain at the next unseal, so a nightly backup
//! taken with nobody signed in is still on the record.

use super::session::Session;
use super::{Error, Inner, Result, Service};
use crate::audit::pending::{self, SystemEvent};
use crate::crypto::SecretKey;
use crate::domain::role::{Permission, allows};
use crate::domain::{AuditEvent, Outcome, UserState};
use crate::store::{StoreError, Vault};

/// Where an entry went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Appended to the audit chain as entry `seq`.
    Chain { seq: u64 },
    /// Kept in the pending journal until the next sign-in unseals the database.
    Pending,
}

impl Service {
    /// Appends `action` on `target` to the audit log, by `by` when a person asked for it.
    /// `detail` must not carry record content: file names, counts and error messages only.
    pub fn record_system_event(
        &self,
        by: Option<&Session>,
        action: &str,
        target: &str,
        outcome: Outcome,
        detail: &str,
    ) -> Result<Recorded> {
        let now = self.clock.now();
        let mut inner = self.lock();
        let actor = by
            .and_then(|s| inner.sessions.get(&s.id))
            .map(|st| (st.user, st.peer.clone()));
        let uid = Some(rustix::process::getuid().as_raw());
        let pid = Some(std::process::id());
        let Some(open) = inner.open.as_mut() else {
            pending::record_system(
                &self.store,
                &SystemEvent {
                    at: now,
                    peer_uid: uid,
                    peer_pid: pid,
                    action: action.to_string(),
                    target: target.to_string(),
                    outcome,
                    detail: detail.to_string(),
                },
            )?;
            return Ok(Recorded::Pending);
        };
        let (user, username, peer_uid, peer_pid) = match actor {
            Some((id, peer)) => (Some(id), Some(open.username(id)), peer.uid, peer.pid),
            None => (None, None, uid, pid),
        };
        let event = AuditEvent {
            seq: 0,
            at: now,
            user,
            username,
            peer_uid,
            peer_pid,
            action: action.to_string(),
            target: target.to_string(),
            outcome,
            detail: detail.to_string(),
        };
        let ops = crate::audit::append(&open.vault, &mut open.head, event)?;
        if let Err(e) = self.store.commit(&ops) {
            open.head = crate::audit::Head::load(&self.store)
                .map_err(|_| StoreError::Decode("audit head".into()))?;
            return Err(e.into());
        }
        Ok(Recorded::Chain { seq: open.head.seq })
    }

    /// Checks that `session` is live and its role may do `perm`, the way `handle` does for a
    /// request (an expired, idle-locked or refused session is an error; a refusal is audited).
    /// `action` names the attempt in the audit entry (`backup.run`).
    pub fn authorize(&self, session: &Session, perm: Permission, action: &str) -> Result<()> {
        self.authorized(session, perm, action, |_| ())
    }

    /// A copy of the vault for a session allowed `perm`, for work that runs without holding
    /// the service lock (a full backup verify can take seconds; writers must not wait on it).
    pub(crate) fn vault_for(
        &self,
        session: &Session,
        perm: Permission,
        action: &str,
    ) -> Result<Vault> {
        self.authorized(session, perm, action, |vault| {
            Vault::new(SecretKey::from_bytes(*vault.dek().expose()))
        })
    }

    fn authorized<T>(
        &self,
        session: &Session,
        perm: Permission,
        action: &str,
        f: impl FnOnce(&Vault) -> T,
    ) -> Result<T> {
        let now = self.clock.now();
        let mut inner = self.lock();
        let inner: &mut Inner = &mut inner;
        let state = self.active_session(inner, session, now)?;
        let (user_id, peer, setup_only) = (state.user, state.peer.clone(), state.setup_only);
        let Some(open) = inner.open.as_mut() else {
            return Err(Error::SessionEnded);
        };
        let user = match open.users().get(&user_id) {
            Some(u) if matches!(u.state, UserState::Active | UserState::Pending) => u.clone(),
            _ => return Err(Error::SessionEnded),
        };
        if setup_only {
            return Err(Error::SetupRequired);
        }
        if !allows(user.role, perm) {
            let event = AuditEvent {
                seq: 0,
                at: now,
                user: Some(user.id),
                username: Some(user.username.clone()),
                peer_uid: peer.uid,
                peer_pid: peer.pid,
                action: action.to_string(),
                target: String::new(),
                outcome: Outcome::Denied,
                detail: String::new(),
            };
            let ops = crate::audit::append(&open.vault, &mut open.head, event)?;
            if let Err(e) = self.store.commit(&ops) {
                open.head = crate::audit::Head::load(&self.store)?;
                return Err(e.into());
            }
            return Err(Error::Denied(format!(
                "the {} role cannot do {action}",
                user.role
            )));
        }
        Ok(f(&open.vault))
    }
}
