//! Unlocking an idle-locked session with the password alone (the person is already signed in;
//! the lock guards an unattended terminal, so a code is not asked again).

use super::login::{AuthFailure, Failure, auth_event};
use super::session::Session;
use super::{Error, Result, Service, lockout};
use crate::auth::policy::normalize;
use crate::auth::records::{KeyringEntry, user_hash};
use crate::crypto::Password;
use crate::domain::{Outcome, UserState};
use crate::store::{Tree, codec};

impl Service {
    /// Unlocks `session` when `password` is the account's password. A wrong password counts
    /// towards the account's lockout like a failed sign-in, and is audited.
    pub fn unlock(&self, session: &Session, password: &Password) -> Result<()> {
        let now = self.clock.now();
        let (user_id, username, peer) = {
            let mut inner = self.lock();
            let Some(state) = inner.sessions.get(&session.id) else {
                return Err(Error::SessionEnded);
            };
            if now - state.started >= self.settings.session_max_secs {
                inner.sessions.remove(&session.id);
                self.seal_if_idle(&mut inner);
                return Err(Error::SessionEnded);
            }
            let (user, peer) = (state.user, state.peer.clone());
            let name = inner
                .open
                .as_ref()
                .and_then(|o| o.users().get(&user))
                .map(|u| u.username.clone());
            (user, name.ok_or(Error::SessionEnded)?, peer)
        };
        let hash = user_hash(self.store.user_salt(), &username);
        let raw = match self.store.get_raw(Tree::Keyring, &hash)? {
            Some(v) => v,
            None => return Err(Error::SessionEnded),
        };
        let entry: KeyringEntry = codec::decode(&raw)?;
        let slot = self.kdf_slot()?;
        let attempt = self.begin_attempt(&hash, true, now)?;
        // argon2 runs outside the service lock, so other sessions are not held up by it.
        let opened = {
            let _slot = slot;
            entry
                .open_checked(
                    &self.store,
                    &hash,
                    &raw,
                    &Password::new(normalize(password.expose()).as_str()),
                )
                .is_ok()
        };

        let mut inner = self.lock();
        let state_ok = inner.sessions.get(&session.id).is_some_and(|s| {
            let user = inner.open.as_ref().and_then(|o| o.users().get(&s.user));
            user.is_some_and(|u| {
                u.state == UserState::Active || (u.state == UserState::Pending && s.setup_only)
            })
        });
        if !state_ok {
            // Ended meanwhile, or the account was locked, disabled or reset since sign-in.
            inner.sessions.remove(&session.id);
            self.seal_if_idle(&mut inner);
            return Err(Error::SessionEnded);
        }
        let why = match attempt.refused() {
            Some(why) => Some(why),
            None if !opened => Some(Failure::WrongPassword),
            None => None,
        };
        if let Some(why) = why {
            let failure = AuthFailure {
                hash: &hash,
                user: Some(user_id),
                action: "session.unlock",
                detail: attempt.detail(why.reason()),
                peer: &peer,
                now,
            };
            self.record_failure(&mut inner, Vec::new(), failure)?;
            return Err(Error::AuthFailed);
        }
        // A correct password ends the run of failures; `since_login` stays for the notice.
        let settled = lockout::settle(&self.store, &self.settings, &hash, &attempt, true)?;
        let open = inner.open.as_mut().ok_or(Error::SessionEnded)?;
        let mut ops = vec![settled];
        let event = auth_event(
            "session.unlock",
            now,
            Some(user_id),
            Some(username),
            &peer,
            Outcome::Ok,
            String::new(),
        );
        ops.extend(crate::audit::append(&open.vault, &mut open.head, event)?);
        if let Err(e) = self.store.commit(&ops) {
            open.head = crate::audit::Head::load(&self.store)?;
            return Err(e.into());
        }
        inner.sessions.with(&session.id, |state| {
            state.locked = false;
            state.last_active = now;
        });
        Ok(())
    }
}
