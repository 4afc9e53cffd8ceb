//! A DEK wrapped under a key-encryption key (from a password, or the recovery key).
//! Opening an envelope *is* the password check: a wrong password fails AEAD authentication.

use serde::{Deserialize, Serialize};

use super::kdf::{self, KdfParams, SALT_LEN};
use super::{Password, Result, SecretKey, aead, random_bytes};

/// Schema 1 envelopes and the recovery envelope: bound to nothing but their purpose.
const AAD: &[u8] = b"kasefet/envelope/v1";
/// Account envelopes since schema 2: `AAD_BOUND ‖ binding` (the account they open, see
/// `auth::records::KeyringEntry`), so one moved to another account fails to open.
const AAD_BOUND: &[u8] = b"kasefet/envelope/v2\0";

fn bound_aad(binding: &[u8]) -> Vec<u8> {
    [AAD_BOUND, binding].concat()
}

/// An envelope opened with a password: the DEK, and whether it was a schema 1 envelope
/// (not bound to its account) that the caller should seal again, bound, now that the
/// password is known.
#[derive(Debug)]
pub struct Opened {
    pub dek: SecretKey,
    pub legacy: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// `None` when the wrapping key is not password-derived (the recovery key).
    pub kdf: Option<KdfParams>,
    pub salt: [u8; SALT_LEN],
    pub wrapped: Vec<u8>,
}

impl Envelope {
    pub fn seal_with_password(
        dek: &SecretKey,
        password: &Password,
        params: KdfParams,
    ) -> Result<Self> {
        let mut salt = [0u8; SALT_LEN];
        random_bytes(&mut salt)?;
        let kek = kdf::derive(password, &salt, &params)?;
        Ok(Self {
            kdf: Some(params),
            salt,
            wrapped: aead::seal(&kek, AAD, dek.expose())?,
        })
    }

    /// Wraps `dek` under `password`, bound to `binding` (the account) by the AAD.
    pub fn seal_bound(
        dek: &SecretKey,
        password: &Password,
        params: KdfParams,
        binding: &[u8],
    ) -> Result<Self> {
        let mut salt = [0u8; SALT_LEN];
        random_bytes(&mut salt)?;
        let kek = kdf::derive(password, &salt, &params)?;
        Ok(Self {
            kdf: Some(params),
            salt,
            wrapped: aead::seal(&kek, &bound_aad(binding), dek.expose())?,
        })
    }

    /// Opens an account envelope bound to `binding`; a schema 1 envelope (unbound) still
    /// opens, once per account, and says so. One argon2 run either way.
    pub fn open_bound(&self, password: &Password, binding: &[u8]) -> Result<Opened> {
        let params = self.kdf.unwrap_or(KdfParams::PRODUCTION);
        let kek = kdf::derive(password, &self.salt, &params)?;
        if let Ok(plain) = aead::open(&kek, &bound_aad(binding), &self.wrapped) {
            return Ok(Opened {
                dek: SecretKey::from_slice(&plain)?,
                legacy: false,
            });
        }
        let dek = self.open_with_key(&kek)?;
        Ok(Opened { dek, legacy: true })
    }

    pub fn seal_with_key(dek: &SecretKey, kek: &SecretKey) -> Result<Self> {
        Ok(Self {
            kdf: None,
            salt: [0; SALT_LEN],
            wrapped: aead::seal(kek, AAD, dek.expose())?,
        })
    }

    pub fn open_with_password(&self, password: &Password) -> Result<SecretKey> {
        let params = self.kdf.unwrap_or(KdfParams::PRODUCTION);
        let kek = kdf::derive(password, &self.salt, &params)?;
        self.open_with_key(&kek)
    }

    pub fn open_with_key(&self, kek: &SecretKey) -> Result<SecretKey> {
        let plain = aead::open(kek, AAD, &self.wrapped)?;
        SecretKey::from_slice(&plain)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::crypto::CryptoError;

    #[test]
    fn a_bound_envelope_opens_only_for_its_binding() {
        let cheap = KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        };
        let dek = SecretKey::generate().unwrap();
        let pw = Password::new("correct horse battery");
        let env = Envelope::seal_bound(&dek, &pw, cheap, b"sam:2").unwrap();
        let o = env.open_bound(&pw, b"sam:2").unwrap();
        assert_eq!(o.dek.expose(), dek.expose());
        assert!(!o.legacy);
        assert_eq!(env.open_bound(&pw, b"sam:1").err(), Some(CryptoError::Open));
        let old = Envelope::seal_with_password(&dek, &pw, cheap).unwrap();
        assert!(old.open_bound(&pw, b"sam:2").unwrap().legacy);
    }

    #[test]
    fn wrong_password_fails() {
        let cheap = KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        };
        let dek = SecretKey::generate().unwrap();
        let env =
            Envelope::seal_with_password(&dek, &Password::new("correct horse battery"), cheap)
                .unwrap();
        let opened = env
            .open_with_password(&Password::new("correct horse battery"))
            .unwrap();
        assert_eq!(opened.expose(), dek.expose());
        assert_eq!(
            env.open_with_password(&Password::new("correct horse batterx"))
                .err(),
            Some(CryptoError::Open)
        );
    }
}
