//! Break-glass: the recovery key restores an admin's access when no admin can sign in
//! (HIPAA 164.312(a)(2)(ii), emergency access). It needs no session, so it is audited loudly.

use super::login::{AuthFailure, Peer, auth_event};
use super::{Error, Inner, Result, Service};
use crate::auth::records::{KeyringEntry, RECOVERY_KEY, UserAuth, user_hash};
use crate::auth::totp::TotpSecret;
use crate::crypto::{Envelope, Password, SecretKey};
use crate::domain::user::normalize_username;
use crate::domain::{Outcome, Role, UnixTime, UserState};
use crate::store::{self, Op, StoreError, Tree, codec};

/// Every break-glass audit entry starts with this, so it stands out in a listing.
const LOUD: &str = "BREAK-GLASS";

impl Service {
    /// Sets `admin`'s password and TOTP secret, lifts any lock or disable, clears the failure
    /// counters and revokes the admin's recovery codes, when `recovery_key` opens the
    /// database. Works with no session and whether or not the database is sealed.
    pub fn recover(
        &self,
        recovery_key: &SecretKey,
        admin: &str,
        new_password: &Password,
        new_totp: &TotpSecret,
        peer: &Peer,
    ) -> Result<()> {
        let now = self.clock.now();
        let name = normalize_username(admin);
        let hash = user_hash(self.store.user_salt(), &name);
        let envelope: Envelope = match self.store.get_raw(Tree::Keyring, RECOVERY_KEY)? {
            Some(v) => codec::decode(&v)?,
            None => {
                return Err(
                    StoreError::Decode("the database has no recovery envelope".into()).into(),
                );
            }
        };
        let mut inner = self.lock();
        let Ok(dek) = envelope.open_with_key(recovery_key) else {
            let failure = AuthFailure {
                hash: &hash,
                user: None,
                action: "recover",
                // No name: while sealed this goes to the unencrypted pending journal, with
                // the hashed name that identifies the account once it is folded in.
                detail: format!("{LOUD}: refused, the recovery key does not open this database"),
                peer,
                now,
            };
            self.record_failure(&mut inner, Vec::new(), failure)?;
            return Err(Error::Refused(
                "recovery failed: that recovery key does not open this database".into(),
            ));
        };
        self.unseal(&mut inner, dek)?;
        let result =
            self.restore_admin(&mut inner, &hash, &name, new_password, new_totp, peer, now);
        self.seal_if_idle(&mut inner);
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn restore_admin(
        &self,
        inner: &mut Inner,
        hash: &[u8; 32],
        name: &str,
        new_password: &Password,
        new_totp: &TotpSecret,
        peer: &Peer,
        now: UnixTime,
    ) -> Result<()> {
        let open = inner
            .open
            .as_ref()
            .ok_or_else(|| Error::Refused("database is sealed".into()))?;
        let Some(user) = open
            .users()
            .values()
            .find(|u| u.username == name && u.role == Role::Admin)
            .cloned()
        else {
            let failure = AuthFailure {
                hash,
                user: None,
                action: "recover",
                detail: format!("{LOUD}: refused, no admin named {name}"),
                peer,
                now,
            };
            self.record_failure(inner, Vec::new(), failure)?;
            return Err(Error::Refused(format!(
                "no admin named {name}; recovery restores an admin account"
            )));
        };
        let password = self
            .settings
            .policy
            .check(new_password.expose(), &[&user.username, &user.display_name])
            .map_err(|e| Error::Refused(format!("password refused: {e}")))?;
        let key = store::id_key(user.id);
        let mut auth: UserAuth = open
            .vault
            .get(&self.store, Tree::UserAuth, &key)?
            .unwrap_or_default();
        auth.totp_secret = Some(new_totp.as_bytes().to_vec());
        auth.pending_totp = None;
        // Whoever lost access may have lost the codes too.
        auth.recovery_codes = None;
        auth.must_change_password = false;
        auth.password_changed_at = Some(now);
        let mut counters = self.counters(hash)?;
        counters.clear_failures();
        let mut restored = user.clone();
        restored.state = UserState::Active;
        restored.stamp.version += 1;
        restored.stamp.updated_at = now;
        let entry = KeyringEntry::seal(
            open.vault.dek(),
            &Password::new(password),
            self.settings.kdf,
            hash,
            user.id,
        )
        .map_err(StoreError::from)?;
        let mut ops = vec![
            open.vault.put(Tree::Users, &key, &restored)?,
            open.vault.put(Tree::UserAuth, &key, &auth)?,
            Op::put(Tree::AuthState, hash.to_vec(), codec::encode(&counters)?),
            Op::put(Tree::Keyring, hash.to_vec(), codec::encode(&entry)?),
        ];
        let detail = format!(
            "{LOUD}: admin access restored with the recovery key (was {}): new password and TOTP secret, \
             account unlocked, failure counters cleared, recovery codes revoked",
            user.state.as_str()
        );
        let event = auth_event("recover", now, None, None, peer, Outcome::Ok, detail);
        let event = crate::domain::AuditEvent {
            target: format!("user:{}", user.id),
            ..event
        };
        let open = inner
            .open
            .as_mut()
            .ok_or_else(|| Error::Refused("database is sealed".into()))?;
        ops.extend(crate::audit::append(&open.vault, &mut open.head, event)?);
        if let Err(e) = self.store.commit(&ops) {
            open.head = crate::audit::Head::load(&self.store)?;
            return Err(e.into());
        }
        open.put_user(restored);
        // Sessions opened under the old credentials end: they may be whoever caused this.
        inner.sessions.retain(|_, s| s.user != user.id);
        Ok(())
    }
}
