//! `recovery-key rotate`: a new recovery key for the database, the old one revoked. The
//! admin proves again who they are (password and a fresh code), since the key it returns
//! opens everything.

use super::{Acted, Cx};
use crate::auth::policy::normalize;
use crate::auth::records::RECOVERY_KEY;
use crate::auth::totp::TotpSecret;
use crate::crypto::{Envelope, Password, SecretKey, SecretText, recovery};
use crate::service::request::Response;
use crate::service::{Error, Result};
use crate::store::{Op, StoreError, Tree, codec};

impl Cx<'_> {
    pub fn recovery_key_rotate(&mut self, password: SecretText, code: &str) -> Result<Acted> {
        let me = self.user.clone();
        let password = Password::new(normalize(password.expose()).as_str());
        let entry = self.keyring_entry(&me)?;
        let mut auth = self.load_auth(me.id)?;
        // The step moves on, so the code cannot be used again, here or to sign in.
        let step = auth
            .totp_secret
            .as_ref()
            .and_then(|s| TotpSecret::from_bytes(s).ok())
            .and_then(|s| {
                s.verify(
                    code,
                    u64::try_from(self.now).unwrap_or(0),
                    auth.last_totp_step,
                )
            });
        let hash = crate::auth::records::user_hash(self.store.user_salt(), &me.username);
        let (true, Some(step)) = (entry.open(&hash, &password).is_ok(), step) else {
            return Err(Error::Refused(
                "the password or the code is not right; the recovery key is unchanged".into(),
            ));
        };
        auth.last_totp_step = Some(step);
        let key = SecretKey::generate().map_err(StoreError::from)?;
        let envelope =
            Envelope::seal_with_key(self.open.vault.dek(), &key).map_err(StoreError::from)?;
        let ops = vec![
            self.auth_op(me.id, &auth)?,
            Op::put(
                Tree::Keyring,
                RECOVERY_KEY.to_vec(),
                codec::encode(&envelope)?,
            ),
        ];
        Ok(Acted {
            response: Response::RecoveryKey(SecretText::new(
                recovery::format(&key).as_str().to_string(),
            )),
            target: "database".into(),
            ops,
            detail: "recovery key rotated: the old one no longer opens this database \
                     (backups taken before still open with it)"
                .into(),
            updates: Vec::new(),
        })
    }
}
