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

/// One key's AES-GCM state, for sealing or opening many values: the key schedule is built
/// once, and `seal_many` draws every nonce from one call to the system CSPRNG. Each nonce is still
/// random (never a counter), so the layout and its guarantees are those of `seal`. Held only
/// for the length of a bulk write or read: ring's key state is not zeroized on drop.
pub struct Sealer(LessSafeKey);

impl Sealer {
    pub fn new(k: &SecretKey) -> Result<Self> {
        key(k).map(Sealer)
    }

    /// `open` with the key schedule already built: a bulk read's values (an unseal opens
    /// every customer).
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        open_with(&self.0, aad, sealed)
    }

    /// `seal` for each `(aad, plaintext)` in order.
    pub fn seal_many<'a>(
        &self,
        items: impl ExactSizeIterator<Item = (&'a [u8], &'a [u8])>,
    ) -> Result<Vec<Vec<u8>>> {
        let mut nonces = vec![0u8; items.len() * NONCE_LEN];
        random_bytes(&mut nonces)?;
        items
            .zip(nonces.chunks_exact(NONCE_LEN))
            .map(|((aad, plain), n)| {
                let mut nonce = [0u8; NONCE_LEN];
                nonce.copy_from_slice(n);
                self.seal_with(nonce, aad, plain)
            })
            .collect()
    }

    fn seal_with(&self, nonce: [u8; NONCE_LEN], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(plain.len() + OVERHEAD);
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let tag = self
            .0
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut out[1 + NONCE_LEN..],
            )
            .map_err(|_| CryptoError::Seal)?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }
}

pub fn open(k: &SecretKey, aad: &[u8], sealed: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    open_with(&key(k)?, aad, sealed)
}

fn open_with(key: &LessSafeKey, aad: &[u8], sealed: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    if sealed.len() < OVERHEAD || sealed[0] != FORMAT_V1 {
        return Err(CryptoError::Malformed);
    }
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
    fn seal_many_opens_like_seal_and_draws_distinct_nonces() {
        let k = SecretKey::from_bytes([3; 32]);
        let s = Sealer::new(&k).unwrap();
        let items: Vec<(&[u8], &[u8])> = vec![(b"a/1", b"one"), (b"a/2", b""), (b"a/1", b"one")];
        let out = s.seal_many(items.iter().copied()).unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(&open(&k, b"a/1", &out[0]).unwrap()[..], b"one");
        assert_eq!(&open(&k, b"a/2", &out[1]).unwrap()[..], b"");
        assert_eq!(open(&k, b"a/2", &out[0]), Err(CryptoError::Open));
        assert_ne!(out[0], out[2], "same input, different nonces");
        assert_eq!(out[0].len(), 3 + OVERHEAD);
    }

    #[test]
    fn nonces_are_random() {
        let k = SecretKey::from_bytes([3; 32]);
        assert_ne!(seal(&k, b"", b"x").unwrap(), seal(&k, b"", b"x").unwrap());
    }
}
