//! argon2id password → key-encryption key.

use serde::{Deserialize, Serialize};

use super::{CryptoError, Password, Result, SecretKey};

/// argon2id cost parameters, stored with every envelope so they can be raised later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// RFC 9106 second recommended option (m = 64 MiB, t = 3, p = 4).
    pub const PRODUCTION: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 4,
    };

    /// True when `self` is weaker than `other` in any dimension.
    pub fn weaker_than(&self, other: &KdfParams) -> bool {
        self.memory_kib < other.memory_kib
            || self.iterations < other.iterations
            || self.parallelism < other.parallelism
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::PRODUCTION
    }
}

pub const SALT_LEN: usize = 16;

pub fn derive(password: &Password, salt: &[u8; SALT_LEN], params: &KdfParams) -> Result<SecretKey> {
    let p = argon2::Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p);
    let mut out = [0u8; 32];
    a.hash_password_into(password.expose().as_bytes(), salt, &mut out)
        .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    Ok(SecretKey::from_bytes(out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn production_default_is_rfc9106_second_choice() {
        let d = KdfParams::default();
        assert_eq!((d.memory_kib, d.iterations, d.parallelism), (65536, 3, 4));
    }

    #[test]
    fn no_truncation_of_long_passwords() {
        let cheap = KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        };
        let base = "x".repeat(300);
        let a = derive(&Password::new(format!("{base}a")), &[0; 16], &cheap).unwrap();
        let b = derive(&Password::new(format!("{base}b")), &[0; 16], &cheap).unwrap();
        assert_ne!(a.expose(), b.expose());
    }
}
