//! Single-use recovery codes for when the authenticator is lost.
//!
//! Each code is 12 characters of Crockford base32 (60 bits), shown once as `xxxx-xxxx-xxxx`.
//! Only salted SHA-256 hashes are kept: with 60 random bits per code a slow hash adds nothing
//! an attacker holding the store could not brute-force around anyway, and a fast one keeps
//! sign-in cheap.

use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::constant_time_eq;

pub const CODE_COUNT: usize = 10;
/// 12 × 5 bits = 60 bits, above the 50 the security requirements ask for.
pub const CODE_CHARS: usize = 12;
const GROUP_CHARS: usize = 4;
const SALT_BYTES: usize = 16;
/// Crockford's base32: no i, l, o or u, so a code read aloud or copied by hand survives.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryCodeError {
    #[error("The system could not provide random numbers.")]
    Random,
}

/// The stored side of a set of recovery codes: a salt and one hash per unused code.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RecoveryCodeSet {
    salt: [u8; SALT_BYTES],
    hashes: Vec<[u8; 32]>,
}

/// Makes a fresh set. The codes are for showing to the user once; only the set is stored.
pub fn generate() -> Result<(Vec<Zeroizing<String>>, RecoveryCodeSet), RecoveryCodeError> {
    let rng = SystemRandom::new();
    let mut salt = [0u8; SALT_BYTES];
    rng.fill(&mut salt).map_err(|_| RecoveryCodeError::Random)?;
    let mut codes = Vec::with_capacity(CODE_COUNT);
    let mut hashes = Vec::with_capacity(CODE_COUNT);
    while codes.len() < CODE_COUNT {
        let plain = random_symbols(&rng, CODE_CHARS)?;
        let hash = hash_code(&salt, &plain);
        if hashes.contains(&hash) {
            continue;
        }
        hashes.push(hash);
        codes.push(display_form(&plain));
    }
    Ok((codes, RecoveryCodeSet { salt, hashes }))
}

/// 20 symbols = 100 bits: a generated password for a new or reset account. Random, so no
/// policy check applies; its owner replaces it at first sign-in.
pub const ONE_TIME_PASSWORD_CHARS: usize = 20;

/// A one-time password in the same alphabet and grouping as the codes
/// (`xxxx-xxxx-xxxx-xxxx-xxxx`); the grouped form, dashes included, is the password.
pub fn one_time_password() -> Result<Zeroizing<String>, RecoveryCodeError> {
    let plain = random_symbols(&SystemRandom::new(), ONE_TIME_PASSWORD_CHARS)?;
    Ok(display_form(&plain))
}

fn random_symbols(
    rng: &SystemRandom,
    count: usize,
) -> Result<Zeroizing<String>, RecoveryCodeError> {
    let mut raw = Zeroizing::new(vec![0u8; count]);
    rng.fill(raw.as_mut())
        .map_err(|_| RecoveryCodeError::Random)?;
    // 256 is a multiple of 32, so masking keeps every symbol equally likely.
    Ok(Zeroizing::new(
        raw.iter()
            .map(|b| char::from(ALPHABET[usize::from(b & 0x1f)]))
            .collect(),
    ))
}

fn display_form(plain: &str) -> Zeroizing<String> {
    let mut shown = Zeroizing::new(String::with_capacity(CODE_CHARS + CODE_CHARS / GROUP_CHARS));
    for (i, c) in plain.chars().enumerate() {
        if i > 0 && i % GROUP_CHARS == 0 {
            shown.push('-');
        }
        shown.push(c);
    }
    shown
}

/// Undoes what people do to a code when they copy it: case, grouping, and Crockford's
/// look-alikes (o for 0, i and l for 1).
fn normalize(input: &str) -> Zeroizing<String> {
    Zeroizing::new(
        input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_lowercase() {
                'o' => '0',
                'i' | 'l' => '1',
                other => other,
            })
            .collect(),
    )
}

fn hash_code(salt: &[u8], normalized: &str) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(salt);
    ctx.update(normalized.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

impl RecoveryCodeSet {
    /// Spends a code: true if it was one of the unused codes, which is then gone for good.
    pub fn consume(&mut self, input: &str) -> bool {
        let normalized = normalize(input);
        if normalized.chars().count() != CODE_CHARS {
            return false;
        }
        let hash = hash_code(&self.salt, &normalized);
        let mut found = None;
        // Compare against every stored hash, so timing does not reveal how far the scan got.
        for (i, stored) in self.hashes.iter().enumerate() {
            if constant_time_eq(stored, &hash) {
                found = Some(i);
            }
        }
        match found {
            Some(i) => {
                self.hashes.remove(i);
                true
            }
            None => false,
        }
    }

    pub fn remaining(&self) -> usize {
        self.hashes.len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ten_codes_in_display_form() {
        let (codes, set) = generate().unwrap();
        assert_eq!(codes.len(), CODE_COUNT);
        assert_eq!(set.remaining(), CODE_COUNT);
        for code in &codes {
            let parts: Vec<&str> = code.split('-').collect();
            assert_eq!(parts.len(), 3, "{}", code.as_str());
            for part in parts {
                assert_eq!(part.len(), GROUP_CHARS);
                assert!(part.bytes().all(|b| ALPHABET.contains(&b)));
            }
        }
        let mut unique: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), CODE_COUNT);
    }

    #[test]
    fn codes_carry_at_least_fifty_bits() {
        let bits = CODE_CHARS as f64 * (ALPHABET.len() as f64).log2();
        assert!(bits >= 50.0, "{bits}");
        let mut sorted = ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 32);
    }

    #[test]
    fn sets_use_fresh_salts_and_codes() {
        let (codes_a, set_a) = generate().unwrap();
        let (codes_b, set_b) = generate().unwrap();
        assert_ne!(set_a.salt, set_b.salt);
        assert_ne!(codes_a[0].as_str(), codes_b[0].as_str());
    }

    #[test]
    fn the_set_holds_no_code_in_the_clear() {
        let (codes, set) = generate().unwrap();
        let stored = serde_json::to_string(&set).unwrap();
        let debug = format!("{set:?}");
        for code in &codes {
            let plain = code.replace('-', "");
            assert!(!stored.contains(&plain) && !debug.contains(&plain));
            assert!(!stored.contains(code.as_str()));
        }
    }

    #[test]
    fn each_code_works_exactly_once() {
        let (codes, mut set) = generate().unwrap();
        for (used, code) in codes.iter().enumerate() {
            assert!(set.consume(code), "first use of {}", code.as_str());
            assert_eq!(set.remaining(), CODE_COUNT - used - 1);
            assert!(!set.consume(code), "second use of {}", code.as_str());
        }
        assert_eq!(set.remaining(), 0);
        for code in &codes {
            assert!(!set.consume(code));
        }
    }

    #[test]
    fn wrong_codes_fail_and_cost_nothing() {
        let (codes, mut set) = generate().unwrap();
        for wrong in ["", "0000-0000-0000", "zzzz-zzzz-zzzz", "not a code at all"] {
            if codes.iter().any(|c| c.as_str() == wrong) {
                continue;
            }
            assert!(!set.consume(wrong));
        }
        let mut almost = codes[0].to_string();
        almost.push('0');
        assert!(!set.consume(&almost));
        assert!(!set.consume(&codes[0][..13]));
        assert_eq!(set.remaining(), CODE_COUNT);
    }

    #[test]
    fn formatting_variants_are_accepted() {
        let (codes, set) = generate().unwrap();
        let code = codes[0].as_str();
        let bare = code.replace('-', "");
        let variants = [
            code.to_owned(),
            code.to_uppercase(),
            bare.clone(),
            bare.to_uppercase(),
            format!("  {}  ", code.replace('-', " ")),
            format!("{} {} {}", &bare[..4], &bare[4..8], &bare[8..]),
            format!("{}\t{}", &bare[..6], &bare[6..]),
        ];
        for variant in variants {
            let mut fresh = set.clone();
            assert!(fresh.consume(&variant), "{variant:?}");
            assert_eq!(fresh.remaining(), CODE_COUNT - 1);
        }
    }

    #[test]
    fn look_alike_letters_are_read_as_digits() {
        let (_, mut set) = {
            // Build a set around a known code containing 0 and 1.
            let salt = [9u8; SALT_BYTES];
            let hashes = vec![hash_code(&salt, "01ab01cd01ef")];
            ((), RecoveryCodeSet { salt, hashes })
        };
        let mut copy = set.clone();
        assert!(copy.consume("OIab-Olcd-0LEF"));
        assert!(set.consume("01ab-01cd-01ef"));
    }

    #[test]
    fn serde_round_trip_keeps_state() {
        let (codes, mut set) = generate().unwrap();
        assert!(set.consume(&codes[3]));
        let json = serde_json::to_vec(&set).unwrap();
        let mut back: RecoveryCodeSet = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, set);
        assert_eq!(back.remaining(), CODE_COUNT - 1);
        assert!(!back.consume(&codes[3]));
        assert!(back.consume(&codes[4]));
    }

    #[test]
    fn one_time_passwords_carry_a_hundred_bits() {
        let a = one_time_password().unwrap();
        let b = one_time_password().unwrap();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.len(), 24);
        assert_eq!(a.replace('-', "").len(), ONE_TIME_PASSWORD_CHARS);
        assert!(a.replace('-', "").bytes().all(|c| ALPHABET.contains(&c)));
    }

    #[test]
    fn display_form_groups_by_four() {
        assert_eq!(display_form("abcdefghjkmn").as_str(), "abcd-efgh-jkmn");
    }
}
