//! Creating a database with its first admin and the recovery key.

use std::path::Path;

use super::{Clock, Error, Result, Service, Settings};
use crate::audit::{self, Head};
use crate::auth::records::{KeyringEntry, RECOVERY_KEY, UserAuth, user_hash};
use crate::auth::recovery_codes::RecoveryCodeSet;
use crate::auth::totp::TotpSecret;
use crate::crypto::{Envelope, Password, SecretKey};
use crate::domain::user::{validate_display_name, validate_username};
use crate::domain::{AuditEvent, Outcome, Role, Stamp, User, UserState};
use crate::store::{self, Op, Store, Tree, Vault, codec};

pub struct NewAdmin<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a Password,
    pub totp: &'a TotpSecret,
    /// The hashed set of the recovery codes shown to the admin, if any were made.
    pub recovery_codes: Option<RecoveryCodeSet>,
}

impl Service {
    /// Creates the database in `dir` and returns it (sealed) with the recovery key, which
    /// the caller shows once and never stores in the clear.
    pub fn init(
        dir: &Path,
        settings: Settings,
        clock: Clock,
        admin: NewAdmin<'_>,
    ) -> Result<(Service, SecretKey)> {
        let username = validate_username(admin.username)?;
        let display_name = validate_display_name(admin.display_name)?;
        let password = settings
            .policy
            .check(admin.password.expose(), &[&username, &display_name])
            .map_err(|e| Error::Refused(format!("password refused: {e}")))?;
        let password = Password::new(password);
        if store::open::exists(dir) {
            return Err(Error::Refused(format!(
                "a database already exists at {}",
                dir.display()
            )));
        }
        let store = Store::create(dir, settings.cache_bytes)?;
        let now = clock.now();
        let dek = SecretKey::generate().map_err(store::StoreError::from)?;
        let recovery = SecretKey::generate().map_err(store::StoreError::from)?;
        let vault = Vault::new(SecretKey::from_bytes(*dek.expose()));
        let (id, id_op) = store.next_id(Tree::Users)?;
        let user = User {
            id,
            stamp: Stamp {
                version: 1,
                created_at: now,
                created_by: id,
                updated_at: now,
                updated_by: id,
            },
            username: username.clone(),
            display_name,
            role: Role::Admin,
            employee: None,
            state: UserState::Active,
            last_login_at: None,
            last_login_from: None,
        };
        let mut auth = UserAuth::default();
        auth.totp_secret = Some(admin.totp.as_bytes().to_vec());
        auth.password_changed_at = Some(now);
        auth.recovery_codes = admin.recovery_codes;
        let hash = user_hash(store.user_salt(), &username);
        let entry = KeyringEntry::seal(&dek, &password, settings.kdf, &hash, id)
            .map_err(store::StoreError::from)?;
        let key = store::id_key(id);
        let mut ops = vec![
            id_op,
            vault.put(Tree::Users, &key, &user)?,
            vault.put(Tree::UserAuth, &key, &auth)?,
            Op::put(
                Tree::UserNames,
                vault.blind("username", &username),
                key.to_vec(),
            ),
            Op::put(Tree::Keyring, hash.to_vec(), codec::encode(&entry)?),
            Op::put(
                Tree::Keyring,
                RECOVERY_KEY.to_vec(),
                codec::encode(
                    &Envelope::seal_with_key(&dek, &recovery).map_err(store::StoreError::from)?,
                )?,
            ),
        ];
        let mut head = Head::default();
        for (action, target) in [
            ("database.init", "database".to_string()),
            ("user.create", format!("user:{id}")),
        ] {
            let event = AuditEvent {
                seq: 0,
                at: now,
                user: Some(id),
                username: Some(username.clone()),
                peer_uid: Some(rustix::process::getuid().as_raw()),
                peer_pid: Some(std::process::id()),
                action: action.into(),
                target,
                outcome: Outcome::Ok,
                detail: if action == "user.create" {
                    "first admin".into()
                } else {
                    String::new()
                },
            };
            ops.extend(audit::append(&vault, &mut head, event)?);
        }
        let armed = store.arm(vault.dek())?;
        store.commit(&ops)?;
        drop(armed);
        // The same handle: reopening would race sled's background thread for the lock.
        let service = Service::assemble(store, settings, clock);
        Ok((service, recovery))
    }
}
