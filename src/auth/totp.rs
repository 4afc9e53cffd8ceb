//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP).
//!
//! Parameters are the ones every authenticator app supports: HMAC-SHA-1, 6 digits, 30-second
//! steps. Replay protection is the caller's job only in that it must persist the step
//! [`TotpSecret::verify`] returns; the refusal itself happens here.

use std::fmt;

use data_encoding::BASE32_NOPAD;
use qrcode::types::Color;
use qrcode::{EcLevel, QrCode};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::constant_time_eq;

pub const ISSUER: &str = "Kasefet";
pub const DIGITS: u32 = 6;
pub const STEP_SECS: u64 = 30;
/// RFC 4226 recommends 160 bits, the HMAC-SHA-1 output size.
pub const SECRET_BYTES: usize = 20;
/// RFC 4226 §4 sets 128 bits as the floor for an imported secret.
pub const MIN_SECRET_BYTES: usize = 16;
/// No authenticator issues more; a bound keeps hostile input from allocating freely.
pub const MAX_SECRET_BYTES: usize = 64;
/// QR quiet zone in modules, as ISO/IEC 18004 requires; scanners miss codes without it.
const QUIET_ZONE: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("The secret is not valid base32.")]
    InvalidBase32,
    #[error("The secret is too short: it needs at least {MIN_SECRET_BYTES} bytes.")]
    SecretTooShort { bytes: usize },
    #[error("The secret is too long: it can have at most {MAX_SECRET_BYTES} bytes.")]
    SecretTooLong { bytes: usize },
    #[error("The system could not provide random numbers.")]
    Random,
    #[error("The text is too long to show as a QR code.")]
    QrTooLong,
}

/// A shared TOTP secret. Wiped from memory on drop; deliberately neither `Clone` nor
/// `Serialize`, so every copy and every stored form is an explicit decision.
pub struct TotpSecret {
    bytes: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(****)")
    }
}

impl TotpSecret {
    /// A fresh 20-byte secret from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, TotpError> {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_BYTES]);
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| TotpError::Random)?;
        Ok(Self { bytes })
    }

    /// Reads a secret as people copy it: any case, grouped with spaces, with or without `=`
    /// padding.
    pub fn from_base32(s: &str) -> Result<Self, TotpError> {
        let cleaned: Zeroizing<Vec<u8>> = Zeroizing::new(
            s.chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| c.to_ascii_uppercase())
                .collect::<String>()
                .into_bytes(),
        );
        let end = cleaned
            .iter()
            .rposition(|&b| b != b'=')
            .map_or(0, |i| i + 1);
        let body = &cleaned[..end];
        let len = BASE32_NOPAD
            .decode_len(body.len())
            .map_err(|_| TotpError::InvalidBase32)?;
        if len > MAX_SECRET_BYTES {
            return Err(TotpError::SecretTooLong { bytes: len });
        }
        let mut bytes = Zeroizing::new(vec![0u8; len]);
        let written = BASE32_NOPAD
            .decode_mut(body, &mut bytes)
            .map_err(|_| TotpError::InvalidBase32)?;
        bytes.truncate(written);
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(TotpError::SecretTooShort { bytes: bytes.len() });
        }
        Ok(Self { bytes })
    }

    /// Unpadded upper-case base32, the form authenticator apps expect for manual entry.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE32_NOPAD.encode(&self.bytes))
    }

    /// A stored secret; same length rules as `from_base32`.
    pub fn from_bytes(b: &[u8]) -> Result<Self, TotpError> {
        if b.len() < MIN_SECRET_BYTES {
            return Err(TotpError::SecretTooShort { bytes: b.len() });
        }
        if b.len() > MAX_SECRET_BYTES {
            return Err(TotpError::SecretTooLong { bytes: b.len() });
        }
        Ok(Self {
            bytes: Zeroizing::new(b.to_vec()),
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The `otpauth://` URL for enrolment (Key Uri Format). It carries the secret, hence
    /// `Zeroizing`.
    pub fn otpauth_url(&self, account: &str) -> Zeroizing<String> {
        let secret = self.to_base32();
        let account = percent_encode(account);
        Zeroizing::new(format!(
            "otpauth://totp/{ISSUER}:{account}?secret={}&issuer={ISSUER}\
             &algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            secret.as_str()
        ))
    }

    /// The 6-digit code for the step containing `unix_secs`.
    pub fn code_at(&self, unix_secs: u64) -> String {
        hotp(&self.bytes, unix_secs / STEP_SECS, DIGITS)
    }

    /// Checks a code typed at `unix_secs` against the previous, current and next step, and
    /// returns the matching step only if it is newer than `last_step`. Persisting that step
    /// and passing it back next time is what makes every code single-use (RFC 6238 §5.2).
    pub fn verify(&self, code: &str, unix_secs: u64, last_step: Option<u64>) -> Option<u64> {
        let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let step = unix_secs / STEP_SECS;
        let candidates = [step.checked_sub(1), Some(step), step.checked_add(1)];
        let mut accepted = None;
        // Every candidate is computed and compared, and the latest match wins: should two
        // steps share a code, accepting the earlier would let the same code in again later.
        for candidate in candidates.into_iter().flatten() {
            let expected = hotp(&self.bytes, candidate, DIGITS);
            let matches = constant_time_eq(expected.as_bytes(), typed.as_bytes());
            let fresh = last_step.is_none_or(|last| candidate > last);
            if matches && fresh {
                accepted = Some(candidate);
            }
        }
        accepted
    }
}

/// RFC 4226 HOTP with dynamic truncation; `digits` is a parameter only so the RFC 6238
/// 8-digit test vectors can be checked.
fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    let code = binary % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// RFC 3986 percent-encoding of everything but unreserved characters, so an account name with
/// `:`, `@`, `&` or spaces cannot break the label or the query.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Draws `data` as a QR code with Unicode half blocks, two module rows per line.
///
/// Light modules and the quiet zone are drawn as blocks in the terminal's foreground colour
/// and dark modules are left as background, so on the usual light-on-dark terminal the phone
/// sees dark modules on a light field, as the standard expects.
pub fn qr_text(data: &str) -> Result<String, TotpError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L)
        .map_err(|_| TotpError::QrTooLong)?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    let lit = |x: usize, y: usize| -> bool {
        if y >= size {
            // Below the quiet zone, past the last real row: leave background.
            return false;
        }
        let inside = (QUIET_ZONE..QUIET_ZONE + width).contains(&x)
            && (QUIET_ZONE..QUIET_ZONE + width).contains(&y);
        if !inside {
            return true;
        }
        let index = (y - QUIET_ZONE) * width + (x - QUIET_ZONE);
        colors.get(index).is_some_and(|c| *c == Color::Light)
    };
    let mut out = String::with_capacity((size + 1) * size.div_ceil(2) * 3);
    for y in (0..size).step_by(2) {
        for x in 0..size {
            out.push(match (lit(x, y), lit(x, y + 1)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const RFC_SEED: &[u8] = b"12345678901234567890";

    fn rfc_secret() -> TotpSecret {
        TotpSecret {
            bytes: Zeroizing::new(RFC_SEED.to_vec()),
        }
    }

    #[test]
    fn rfc_6238_appendix_b_sha1_vectors() {
        for (time, expected) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(hotp(RFC_SEED, time / STEP_SECS, 8), expected, "t = {time}");
        }
    }

    #[test]
    fn rfc_4226_appendix_d_hotp_vectors() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_SEED, counter as u64, 6), *code);
        }
    }

    #[test]
    fn six_digit_codes_are_the_last_six_of_the_eight() {
        let s = rfc_secret();
        assert_eq!(s.code_at(59), "287082");
        assert_eq!(s.code_at(1_111_111_109), "081804");
        assert_eq!(s.code_at(0).len(), 6);
    }

    #[test]
    fn generated_secrets_are_20_random_bytes() {
        let a = TotpSecret::generate().unwrap();
        let b = TotpSecret::generate().unwrap();
        assert_eq!(a.as_bytes().len(), SECRET_BYTES);
        assert_ne!(a.as_bytes(), b.as_bytes());
    }

    #[test]
    fn debug_is_redacted() {
        let s = rfc_secret();
        assert_eq!(format!("{s:?}"), "TotpSecret(****)");
        assert_eq!(format!("{:?}", Some(&s)), "Some(TotpSecret(****))");
    }

    #[test]
    fn base32_round_trip() {
        let s = TotpSecret::generate().unwrap();
        let text = s.to_base32();
        assert_eq!(text.len(), 32);
        assert!(!text.contains('='));
        let back = TotpSecret::from_base32(&text).unwrap();
        assert_eq!(back.as_bytes(), s.as_bytes());
    }

    #[test]
    fn base32_is_read_leniently() {
        let canonical = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(rfc_secret().to_base32().as_str(), canonical);
        for typed in [
            canonical,
            "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
            "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
            " GEZD GNBV\tGY3T QOJQ\nGEZD GNBV GY3T QOJQ ",
        ] {
            assert_eq!(
                TotpSecret::from_base32(typed).unwrap().as_bytes(),
                RFC_SEED,
                "{typed:?}"
            );
        }
        // 16 bytes encode to 26 characters; padded to 32 with '='.
        let sixteen = BASE32_NOPAD.encode(&[7u8; 16]);
        assert_eq!(sixteen.len(), 26);
        let padded = format!("{sixteen}======");
        assert_eq!(
            TotpSecret::from_base32(&padded).unwrap().as_bytes(),
            &[7u8; 16]
        );
        assert_eq!(
            TotpSecret::from_base32(&sixteen.to_lowercase())
                .unwrap()
                .as_bytes(),
            &[7u8; 16]
        );
    }

    #[test]
    fn bad_base32_is_refused() {
        for bad in [
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1",
            "GEZDGNBV-GY3TQOJQ-GEZDGNBV-GY3TQOJQ",
            "A",
        ] {
            assert_eq!(
                TotpSecret::from_base32(bad).unwrap_err(),
                TotpError::InvalidBase32,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn short_and_long_secrets_are_refused() {
        // Ten bytes: what some older services still hand out.
        let ten = BASE32_NOPAD.encode(&[1u8; 10]);
        assert_eq!(
            TotpSecret::from_base32(&ten).unwrap_err(),
            TotpError::SecretTooShort { bytes: 10 }
        );
        assert_eq!(
            TotpSecret::from_base32("").unwrap_err(),
            TotpError::SecretTooShort { bytes: 0 }
        );
        let fifteen = BASE32_NOPAD.encode(&[1u8; 15]);
        assert!(matches!(
            TotpSecret::from_base32(&fifteen),
            Err(TotpError::SecretTooShort { bytes: 15 })
        ));
        let huge = BASE32_NOPAD.encode(&[1u8; 65]);
        assert!(matches!(
            TotpSecret::from_base32(&huge),
            Err(TotpError::SecretTooLong { .. })
        ));
        let max = BASE32_NOPAD.encode(&[1u8; 64]);
        assert!(TotpSecret::from_base32(&max).is_ok());
    }

    #[test]
    fn otpauth_url_names_issuer_and_parameters() {
        let url = rfc_secret().otpauth_url("dana@office");
        assert_eq!(
            url.as_str(),
            "otpauth://totp/Kasefet:dana%40office?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Kasefet&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn otpauth_url_escapes_the_account() {
        let url = rfc_secret().otpauth_url("a:b&secret=X נ");
        let label = url
            .strip_prefix("otpauth://totp/Kasefet:")
            .unwrap()
            .split('?')
            .next()
            .unwrap();
        assert_eq!(label, "a%3Ab%26secret%3DX%20%D7%A0");
        assert_eq!(url.matches("secret=").count(), 1);
    }

    #[test]
    fn current_code_is_accepted_and_returns_its_step() {
        let s = rfc_secret();
        let now = 1_700_000_015;
        let step = now / STEP_SECS;
        assert_eq!(s.verify(&s.code_at(now), now, None), Some(step));
        assert_eq!(s.verify(&s.code_at(now), now, Some(step - 1)), Some(step));
    }

    #[test]
    fn typed_code_may_contain_spaces() {
        let s = rfc_secret();
        let now = 1_700_000_015;
        let code = s.code_at(now);
        let spaced = format!(" {} {} ", &code[..3], &code[3..]);
        assert_eq!(s.verify(&spaced, now, None), Some(now / STEP_SECS));
    }

    #[test]
    fn one_step_either_side_is_accepted() {
        let s = rfc_secret();
        let now = 1_700_000_015;
        let step = now / STEP_SECS;
        let previous = s.code_at(now - STEP_SECS);
        let next = s.code_at(now + STEP_SECS);
        assert_eq!(s.verify(&previous, now, None), Some(step - 1));
        assert_eq!(s.verify(&next, now, None), Some(step + 1));
    }

    #[test]
    fn two_steps_away_is_refused() {
        let s = rfc_secret();
        let now = 1_700_000_015;
        for other in [
            now - 2 * STEP_SECS,
            now + 2 * STEP_SECS,
            now - 10 * STEP_SECS,
        ] {
            let code = s.code_at(other);
            // Guard against the one-in-a-million collision with a code inside the window.
            let in_window = [now - STEP_SECS, now, now + STEP_SECS]
                .iter()
                .any(|t| s.code_at(*t) == code);
            if !in_window {
                assert_eq!(s.verify(&code, now, None), None);
            }
        }
    }

    #[test]
    fn a_code_is_accepted_only_once() {
        let s = rfc_secret();
        let now = 1_700_000_015;
        let code = s.code_at(now);
        let step = s.verify(&code, now, None).unwrap();
        assert_eq!(s.verify(&code, now, Some(step)), None);
        // Still refused later in the same step, and once the clock has moved on.
        assert_eq!(s.verify(&code, now + 10, Some(step)), None);
        assert_eq!(s.verify(&code, now + STEP_SECS, Some(step)), None);
    }

    #[test]
    fn steps_at_or_below_the_last_accepted_one_are_refused() {
        let s = rfc_secret();
        let now = 1_700_000_015;
        let step = now / STEP_SECS;
        // After accepting the next step's code, the current and previous are stale too.
        assert_eq!(s.verify(&s.code_at(now), now, Some(step + 1)), None);
        assert_eq!(s.verify(&s.code_at(now - STEP_SECS), now, Some(step)), None);
        assert_eq!(
            s.verify(&s.code_at(now + STEP_SECS), now, Some(step)),
            Some(step + 1)
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        let s = rfc_secret();
        let now = 1_700_000_015;
        let code = s.code_at(now);
        let eight = hotp(RFC_SEED, now / STEP_SECS, 8);
        for bad in [
            String::new(),
            code[..5].to_owned(),
            format!("{code}0"),
            eight,
            "abcdef".to_owned(),
            format!("+{}", &code[1..]),
            "٠١٢٣٤٥".to_owned(),
        ] {
            assert_eq!(s.verify(&bad, now, None), None, "{bad:?}");
        }
    }

    #[test]
    fn time_zero_does_not_underflow() {
        let s = rfc_secret();
        assert_eq!(s.verify(&s.code_at(0), 0, None), Some(0));
        assert_eq!(s.verify(&s.code_at(0), 5, Some(0)), None);
    }

    /// Reads the drawing back into a grid of "lit" cells.
    fn read_back(text: &str) -> Vec<Vec<bool>> {
        let mut grid = Vec::new();
        for line in text.lines() {
            let (top, bottom): (Vec<bool>, Vec<bool>) = line
                .chars()
                .map(|c| match c {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    other => panic!("unexpected {other:?}"),
                })
                .unzip();
            grid.push(top);
            grid.push(bottom);
        }
        grid
    }

    #[test]
    fn qr_drawing_matches_the_code_with_a_light_quiet_zone() {
        let data = rfc_secret().otpauth_url("dana@office");
        let text = qr_text(&data).unwrap();
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L).unwrap();
        assert_eq!(code.error_correction_level(), EcLevel::L);
        let width = code.width();
        let size = width + 2 * QUIET_ZONE;
        assert_eq!(text.lines().count(), size.div_ceil(2));
        assert!(text.lines().all(|l| l.chars().count() == size));
        assert!(text.ends_with('\n'));

        let grid = read_back(&text);
        let colors = code.to_colors();
        for y in 0..size {
            for x in 0..size {
                let inside = (QUIET_ZONE..QUIET_ZONE + width).contains(&x)
                    && (QUIET_ZONE..QUIET_ZONE + width).contains(&y);
                let expected = if inside {
                    colors[(y - QUIET_ZONE) * width + (x - QUIET_ZONE)] == Color::Light
                } else {
                    true
                };
                assert_eq!(grid[y][x], expected, "module ({x}, {y})");
            }
        }
        // The size is odd, so the last line's lower half lies outside the code.
        assert_eq!(size % 2, 1);
        assert!(grid[size].iter().all(|lit| !lit));
    }

    #[test]
    fn qr_finder_pattern_is_dark_in_the_corner() {
        let text = qr_text("hello").unwrap();
        let grid = read_back(&text);
        // The top-left finder's outer ring is dark, so it is drawn as background.
        for i in 0..7 {
            assert!(!grid[QUIET_ZONE][QUIET_ZONE + i]);
            assert!(!grid[QUIET_ZONE + i][QUIET_ZONE]);
        }
        assert!(grid[QUIET_ZONE + 1][QUIET_ZONE + 1]);
        assert!(grid[0].iter().all(|lit| *lit));
    }

    #[test]
    fn qr_refuses_oversized_data() {
        let too_much = "x".repeat(8000);
        assert_eq!(qr_text(&too_much).unwrap_err(), TotpError::QrTooLong);
    }
}
