//! The recovery key as a person handles it: 256 random bits in grouped base32.

use zeroize::Zeroizing;

use super::{CryptoError, Result, SecretKey};

/// `ABCD-EFGH-...` (52 base32 characters in groups of four).
pub fn format(key: &SecretKey) -> Zeroizing<String> {
    let b32 = Zeroizing::new(data_encoding::BASE32_NOPAD.encode(key.expose()));
    let mut out = String::with_capacity(b32.len() + b32.len() / 4);
    for (i, c) in b32.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    Zeroizing::new(out)
}

/// Accepts the formatted key with any case, dashes, spaces or line breaks.
pub fn parse(text: &str) -> Result<SecretKey> {
    let cleaned: Zeroizing<String> = Zeroizing::new(
        text.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    let bytes = Zeroizing::new(
        data_encoding::BASE32_NOPAD
            .decode(cleaned.as_bytes())
            .map_err(|_| CryptoError::Malformed)?,
    );
    SecretKey::from_slice(&bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_tolerates_formatting() {
        let k = SecretKey::generate().unwrap();
        let text = format(&k);
        assert_eq!(parse(&text).unwrap().expose(), k.expose());
        assert_eq!(
            parse(&text.to_lowercase().replace('-', " "))
                .unwrap()
                .expose(),
            k.expose()
        );
        assert!(parse("not a key").is_err());
    }
}
