//! A DEK wrapped under a key-encryption key (from a password, or the recovery key).
//! Opening an envelope *is* the password check: a wrong password fails AEAD authentication.

use serde::{Deserialize, Serialize};

use super::kdf::{self, KdfParams, SALT_LEN};
use super::{Password, Result, SecretKey, aead, random_bytes};

const AAD: &[u8] = b"kasefet/envelope/v1";

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
