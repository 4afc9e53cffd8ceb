//! `Service::handle`: check the session, authorize, act, audit — in that order, always.

use super::live::Standing;
use super::records::{Acted, Cx};
use super::request::{Request, Response};
use super::session::Session;
use super::session::SessionState;
use super::{Error, Inner, Result, Service};
use crate::domain::role::{Scope, scope};
use crate::domain::{AuditEvent, Outcome, User, UserState};
use crate::store::StoreError;

impl Service {
    pub fn handle(&self, session: &Session, req: Request) -> Result<Response> {
        super::bounds::check(&req)?;
        if let Some(answer) = self.read_unlocked(session, &req) {
            return answer;
        }
        if req.is_backup() {
            return self.handle_backup(session, req);
        }
        if matches!(req, Request::CustomerErase { .. }) {
            return self.handle_erase(session, req);
        }
        if matches!(req, Request::RetentionRun) {
            return self.handle_retention(session, req);
        }
        self.handle_now(session, req)
    }

    /// Lists and searches of a session in plain good standing, answered without the
    /// service lock: a writer holds it through its commit, and readers would queue behind
    /// it. They change nothing and are not audited (as on the locked way); anything out of
    /// the ordinary (`None`) goes the locked way, which refuses, audits or ends as it must.
    fn read_unlocked(&self, session: &Session, req: &Request) -> Option<Result<Response>> {
        if !super::records::reads::index_only(req) && !super::records::cached::cache_only(req) {
            return None;
        }
        let now = self.clock.now();
        let (state, readers) = self.live.reader(&session.id, &self.limits(now))?;
        let user = readers
            .users
            .read()
            .get(&state.user)
            .filter(|u| u.state == UserState::Active)
            .cloned()?;
        let reach = req.reach(|p| scope(user.role, p));
        if reach == Scope::None {
            return None;
        }
        Some(self.answer_read(req, &user, reach, &readers))
    }

    /// A list or search from the index or the task and employee caches; `req` is one
    /// `reads::index_only` or `cached::cache_only` accepts.
    fn answer_read(
        &self,
        req: &Request,
        user: &User,
        reach: Scope,
        readers: &super::live::Readers,
    ) -> Result<Response> {
        if super::records::reads::index_only(req) {
            let index = readers.index.read().unwrap_or_else(|p| p.into_inner());
            return super::records::reads::answer(req, &index, user)
                .ok_or_else(|| Error::Refused("not an index read".into()));
        }
        let who = super::records::Asker {
            me: user.id,
            reach,
            today: self.clock.today(),
        };
        super::records::cached::answer(req, &readers.tasks, &readers.employees, &who)
            .ok_or_else(|| Error::Refused("not a cache read".into()))
    }

    /// The session's state when it may act now. An idle one is locked, and an expired one
    /// ends (sealing the database if it was the last).
    pub(crate) fn active_session(
        &self,
        inner: &mut Inner,
        session: &Session,
        now: crate::domain::UnixTime,
    ) -> Result<SessionState> {
        match inner.sessions.check(&session.id, &self.limits(now)) {
            Standing::Active(s) => Ok(s),
            Standing::Ended => Err(Error::SessionEnded),
            Standing::Locked => Err(Error::SessionLocked),
            Standing::Expired => {
                inner.sessions.remove(&session.id);
                self.seal_if_idle(inner);
                Err(Error::SessionEnded)
            }
        }
    }

    /// Authorize, act, audit, under the request lock.
    pub(crate) fn handle_now(&self, session: &Session, req: Request) -> Result<Response> {
        let now = self.clock.now();
        let mut inner = self.lock();
        let state = self.active_session(&mut inner, session, now)?;
        let setup_only = state.setup_only;
        let peer = state.peer.clone();
        let user_id = state.user;
        let sessions = if matches!(req, Request::Sessions | Request::EndSession { .. }) {
            inner.sessions.all()
        } else {
            Vec::new()
        };
        let Some(open) = inner.open.as_mut() else {
            return Err(Error::SessionEnded);
        };
        let user: User = match open.users().get(&user_id) {
            Some(u) if u.state == UserState::Active => u.clone(),
            // A setup-only session exists to finish a pending account's setup.
            Some(u) if u.state == UserState::Pending && setup_only => u.clone(),
            _ => {
                // Locked, disabled or removed since sign-in, or sent back to `Pending` by a
                // password or TOTP reset: the session ends now.
                inner.sessions.remove(&session.id);
                self.seal_if_idle(&mut inner);
                return Err(Error::SessionEnded);
            }
        };
        if setup_only && !req.allowed_in_setup() {
            return Err(Error::SetupRequired);
        }

        let action = req.action();
        let audited = req.audited();
        let reach = req.reach(|p| scope(user.role, p));
        let event = |target: String, outcome: Outcome, detail: String| AuditEvent {
            seq: 0,
            at: now,
            user: Some(user.id),
            username: Some(user.username.clone()),
            peer_uid: peer.uid,
            peer_pid: peer.pid,
            action: action.to_string(),
            target,
            outcome,
            detail,
        };
        if reach == Scope::None {
            let ops = crate::audit::append(
                &open.vault,
                &mut open.head,
                event(String::new(), Outcome::Denied, String::new()),
            )?;
            self.commit_or_reload(open, &ops)?;
            return Err(Error::Denied(format!(
                "the {} role cannot do {action}",
                user.role
            )));
        }

        // Reads the lock-free way declined (a race with a change to the session or account)
        // still need no more than the index or a cache: the service lock goes first.
        if super::records::reads::index_only(&req) || super::records::cached::cache_only(&req) {
            let readers = open.readers();
            drop(inner);
            return self.answer_read(&req, &user, reach, &readers);
        }

        let mut cx = Cx {
            store: &self.store,
            open,
            user: &user,
            reach,
            setup_only,
            settings: &self.settings,
            now,
            today: self.clock.today(),
            sessions,
            session_id: Some(session.id),
            peer: peer.clone(),
        };
        let acted: Result<Acted> = cx.act(req);
        match acted {
            Ok(Acted {
                response,
                target,
                mut ops,
                detail,
                updates,
            }) => {
                if audited || !ops.is_empty() {
                    ops.extend(crate::audit::append(
                        &open.vault,
                        &mut open.head,
                        event(target, Outcome::Ok, detail),
                    )?);
                }
                let changed = !updates.is_empty();
                let ended = if super::bulk_commit::applies(&updates) {
                    match self.commit_beside_index(open, ops, updates) {
                        Ok(()) => Vec::new(),
                        Err(super::bulk_commit::Failed::Rebuilt(e)) => return Err(e),
                        Err(super::bulk_commit::Failed::Seal(e)) => {
                            eprintln!("kasefet: sealing after a failed commit: {e}");
                            self.set_open(&mut inner, None);
                            inner.sessions.clear();
                            return Err(e);
                        }
                    }
                } else {
                    self.commit_or_reload(open, &ops)?;
                    super::records::Update::apply_all(updates, open)
                };
                if changed {
                    open.revision = open.revision.wrapping_add(1);
                }
                // Finishing its setup makes the account active; the session that did it
                // becomes a full one, so the new user's first screen shows the CRM.
                let activated = setup_only
                    && open
                        .users()
                        .get(&user_id)
                        .is_some_and(|u| u.state == UserState::Active);
                for id in ended {
                    inner.sessions.remove(&id);
                }
                if activated {
                    inner.sessions.with(&session.id, |s| s.setup_only = false);
                }
                Ok(response)
            }
            // Refusals are audited too: a wrong current password, a protected last admin or a
            // wrong enrolment code is exactly what a reviewer of the log wants to see.
            Err(e @ (Error::Denied(_) | Error::Conflict { .. } | Error::Refused(_))) => {
                let outcome = if matches!(e, Error::Denied(_)) {
                    Outcome::Denied
                } else {
                    Outcome::Failed
                };
                let ops = crate::audit::append(
                    &open.vault,
                    &mut open.head,
                    event(String::new(), outcome, short(&e)),
                )?;
                self.commit_or_reload(open, &ops)?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// After a request panicked: the caches and the in-memory audit head may have moved
    /// without the commit that should have gone with them (or the other way round), so they
    /// are read again from the store. If that fails, the database seals and its sessions end.
    pub fn after_panic(&self) {
        let mut inner = self.lock();
        if let Some(old) = inner.open.take() {
            // Until the reload is in, reads go the locked way (and wait for it).
            inner.sessions.publish(None);
            match super::unsealed::Unsealed::load(&self.store, old.vault) {
                Ok(fresh) => self.set_open(&mut inner, Some(fresh)),
                Err(e) => {
                    eprintln!("kasefet: sealing after a failed request: {e}");
                    inner.sessions.clear();
                }
            }
        }
    }

    /// Commits, or restores the in-memory audit head if the commit did not happen, so the
    /// chain in memory never runs ahead of the one on disk.
    fn commit_or_reload(
        &self,
        open: &mut super::unsealed::Unsealed,
        ops: &[crate::store::Op],
    ) -> Result<()> {
        if let Err(e) = self.store.commit(ops) {
            open.head = crate::audit::Head::load(&self.store)
                .map_err(|_| StoreError::Decode("audit head".into()))?;
            return Err(e.into());
        }
        Ok(())
    }
}

fn short(e: &Error) -> String {
    match e {
        Error::Conflict { version, .. } => format!("conflict at version {version}"),
        Error::Denied(m) | Error::Refused(m) => m.clone(),
        _ => String::new(),
    }
}
