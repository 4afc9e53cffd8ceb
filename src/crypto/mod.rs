//! Key types, AEAD seal/open, the argon2id KDF, key wrapping and the recovery key.
//!
//! Everything here is deterministic given its inputs except for randomness, which always
//! comes from ring's `SystemRandom`.

pub mod aead;
pub mod envelope;
pub mod kdf;
pub mod keys;
pub mod recovery;

pub use envelope::{Envelope, Opened};
pub use kdf::KdfParams;
pub use keys::{MacKey, Password, SecretKey, SecretText};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("decryption failed: the data was changed, moved, or the key is wrong")]
    Open,
    #[error("encryption failed")]
    Seal,
    #[error("the system random number generator failed")]
    Random,
    #[error("key derivation failed: {0}")]
    Kdf(String),
    #[error("malformed ciphertext")]
    Malformed,
}

pub type Result<T> = std::result::Result<T, CryptoError>;

/// Fills `buf` from the operating system's CSPRNG.
pub fn random_bytes(buf: &mut [u8]) -> Result<()> {
    use ring::rand::SecureRandom;
    ring::rand::SystemRandom::new()
        .fill(buf)
        .map_err(|_| CryptoError::Random)
}

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Constant-time equality for MACs and hashes.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
