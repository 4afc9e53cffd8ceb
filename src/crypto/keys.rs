//! Secret types: zeroized on drop, redacted in `Debug`, never `Clone` or `Serialize`.

use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{CryptoError, Result, random_bytes};

/// A 256-bit symmetric key (the DEK, a KEK, the recovery key, or an HKDF subkey).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    pub fn generate() -> Result<Self> {
        let mut k = [0u8; 32];
        random_bytes(&mut k)?;
        Ok(Self(k))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::Malformed)?;
        Ok(Self(arr))
    }

    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// A named subkey, HKDF-SHA256 over this key. Different `purpose`s give independent keys.
    pub fn derive(&self, purpose: &str) -> SecretKey {
        let salt = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"kasefet/v1");
        let prk = salt.extract(&self.0);
        let info = [purpose.as_bytes()];
        let mut out = [0u8; 32];
        // HKDF-SHA256 can always produce 32 bytes; both calls fail only for >255*32 bytes.
        if let Ok(okm) = prk.expand(&info, Len32) {
            let _ = okm.fill(&mut out);
        }
        SecretKey(out)
    }

    /// HMAC-SHA256 of `data` under this key.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.0);
        let mut ctx = ring::hmac::Context::with_key(&key);
        for p in parts {
            ctx.update(p);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.sign().as_ref());
        out
    }
}

impl SecretKey {
    /// HMAC state for many MACs under this key in a row (a bulk commit's digest terms):
    /// `mac` rebuilds it on every call. Held only for that run; ring does not zeroize it.
    pub fn mac_key(&self) -> MacKey {
        MacKey(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.0))
    }
}

/// `SecretKey::mac` with the key's HMAC state built once; same output.
pub struct MacKey(ring::hmac::Key);

impl MacKey {
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut ctx = ring::hmac::Context::with_key(&self.0);
        for p in parts {
            ctx.update(p);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.sign().as_ref());
        out
    }
}

impl fmt::Debug for MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MacKey(*******)")
    }
}

struct Len32;
impl ring::hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(*******)")
    }
}

/// A password or passphrase as typed, already NFKC-normalised by the policy where it applies.
pub struct Password(Zeroizing<String>);

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(*******)")
    }
}

/// A secret that has to travel in a `Request` or `Response` (one-time passwords, a TOTP
/// secret being enrolled, recovery codes): requests and responses cross the server socket, so
/// unlike the other secret types this one (de)serializes and clones. It still zeroizes on
/// drop and never shows itself in `Debug`; `expose` is the only way to read it.
pub struct SecretText(Zeroizing<String>);

impl SecretText {
    pub fn new(s: String) -> Self {
        Self(Zeroizing::new(s))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<Zeroizing<String>> for SecretText {
    fn from(z: Zeroizing<String>) -> Self {
        Self::new(z.as_str().to_owned())
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(****)")
    }
}

/// Explicit rather than derived, so every copy is a visible decision; `Request` and
/// `Response` are `Clone` and carry these.
impl Clone for SecretText {
    fn clone(&self) -> Self {
        Self::new(self.expose().to_owned())
    }
}

/// Constant-time on equal lengths, so comparing a typed secret leaks no prefix.
impl PartialEq for SecretText {
    fn eq(&self, other: &Self) -> bool {
        super::ct_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for SecretText {}

impl serde::Serialize for SecretText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> serde::Deserialize<'de> for SecretText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(SecretText::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let k = SecretKey::from_bytes([7; 32]);
        assert_eq!(format!("{k:?}"), "SecretKey(*******)");
        let p = Password::new("hunter2hunter2hunter2");
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn secret_text_round_trips_but_never_prints() {
        let t = SecretText::new("abcd-efgh-jkmn".into());
        assert_eq!(format!("{t:?}"), "SecretText(****)");
        assert_eq!(format!("{:?}", Some(t.clone())), "Some(SecretText(****))");
        let json = serde_json::to_string(&t).unwrap_or_default();
        assert_eq!(json, "\"abcd-efgh-jkmn\"");
        let back: SecretText =
            serde_json::from_str(&json).unwrap_or_else(|_| SecretText::new(String::new()));
        assert_eq!(back, t);
        assert_eq!(back.expose(), "abcd-efgh-jkmn");
        assert_ne!(back, SecretText::new("abcd-efgh-jkmm".into()));
    }

    #[test]
    fn mac_key_gives_what_mac_gives() {
        let k = SecretKey::from_bytes([9; 32]);
        let parts: [&[u8]; 3] = [b"customers", b"\0", b"value"];
        assert_eq!(k.mac_key().mac(&parts), k.mac(&parts));
        assert!(!format!("{:?}", k.mac_key()).contains('9'));
    }

    #[test]
    fn subkeys_differ_by_purpose() {
        let k = SecretKey::from_bytes([1; 32]);
        assert_ne!(k.derive("audit").expose(), k.derive("index").expose());
        assert_eq!(k.derive("audit").expose(), k.derive("audit").expose());
    }
}
