//! AES-256-GCM with random 96-bit nonces. Layout: `version ‖ nonce ‖ ciphertext ‖ tag`.
//!
//! Nonces are random rather than counters because restoring a backup would roll a counter
//! back and reuse nonces under the same key.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use super::{CryptoError, Result, SecretKey, random_bytes};

pub const FORMAT_V1: u8 = 1;
const TAG_LEN: usize = 16;
/// Bytes added to every plaintext.
pub const OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

fn key(k: &SecretKey) -> Result<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, k.expose())
        .map(LessSafeKey::new)
        .map_err(|_| CryptoError::Seal)
}

pub fn seal(k: &SecretKey, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let key = key(k)?;
    let mut nonce = [0u8; NONCE_LEN];
    random_bytes(&mut nonce)?;
    let mut out = Vec::with_capacity(plaintext.len() + OVERHEAD);
    out.push(FORMAT_V1);
    out.extend_from_slice(&nonce);
    let mut body = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut body,
    )
    .map_err(|_| CryptoError::Seal)?;
    out.extend_from_slice(&body);
    Ok(out)
}

pub fn open(k: &SecretKey, aad: &[u8], sealed: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    if sealed.len() < OVERHEAD || sealed[0] != FORMAT_V1 {
        return Err(CryptoError::Malformed);
    }
    let key = key(k)?;
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&sealed[1..1 + NONCE_LEN]);
    let mut body = zeroize::Zeroizing::new(sealed[1 + NONCE_LEN..].to_vec());
    let len = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut body,
        )
        .map_err(|_| CryptoError::Open)?
        .len();
    body.truncate(len);
    Ok(body)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_aad_binding() {
        let k = SecretKey::from_bytes([3; 32]);
        let c = seal(&k, b"customers/1", b"hello").unwrap();
        assert_eq!(&open(&k, b"customers/1", &c).unwrap()[..], b"hello");
        assert_eq!(open(&k, b"customers/2", &c), Err(CryptoError::Open));
        let mut flipped = c.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(open(&k, b"customers/1", &flipped), Err(CryptoError::Open));
        assert_eq!(open(&k, b"x", &c[..5]), Err(CryptoError::Malformed));
    }

    #[test]
    fn nonces_are_random() {
        let k = SecretKey::from_bytes([3; 32]);
        assert_ne!(seal(&k, b"", b"x").unwrap(), seal(&k, b"", b"x").unwrap());
    }
}
