//! `Service::handle`: check the session, authorize, act, audit — in that order, always.

use super::live::Standing;
use super::records::{Acted, Cx};
use super::request::{Request, Response};
use super::session::Session;
use super::{Error, Result, Service};
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
        let index_read = super::records::reads::index_only(req);
        if !index_read && !super::records::cached::cache_only(req) {
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
        if index_read {
            let index = readers.index.read().unwrap_or_else(|p| p.into_inner());
            return Some(
                super::records::reads::answer(req, &index, &user)
                    .ok_or_else(|| Error::Refused("not an index read".into())),
            );
        }
        let who = super::records::Asker {
            me: user.id,
            reach,
            today: self.clock.today(),
        };
        Some(
            super::records::cached::answer(req, &readers.tasks, &readers.employees, &who)
                .ok_or_else(|| Error::Refused("not a cache read".into())),
        )
    }

    /// Authorize, act, audit, under the request lock.
    pub(crate) fn handle_now(&self, session: &Session, req: Request) -> Result<Response> {
        let now = self.clock.now();
        let mut inner = self.lock();
        let state = match inner.sessions.check(&session.id, &self.limits(now)) {
            Standing::Active(s) => s,
            Standing::Ended => return Err(Error::SessionEnded),
            Standing::Locked => return Err(Error::SessionLocked),
            Standing::Expired => {
                inner.sessions.remove(&session.id);
                self.seal_if_idle(&mut inner);
                return Err(Error::SessionEnded);
            }
        };
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

        // Lists and searches need only the index: answer them without the service lock,
        // so people searching at once are not queued behind each other.
        if super::records::reads::index_only(&req) {
            let index = open.index.clone();
            drop(inner);
            let guard = index.read().unwrap_or_else(|p| p.into_inner());
            return super::records::reads::answer(&req, &guard, &user)
                .ok_or_else(|| Error::Refused("not an index read".into()));
        }

        // Task and employee lists need only their cache: the same, under its read lock.
        if super::records::cached::cache_only(&req) {
            let (tasks, employees) = (open.tasks.clone(), open.employees.clone());
            drop(inner);
            let who = super::records::Asker {
                me: user.id,
                reach,
                today: self.clock.today(),
            };
            return super::records::cached::answer(&req, &tasks, &employees, &who)
                .ok_or_else(|| Error::Refused("not a cache read".into()));
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
