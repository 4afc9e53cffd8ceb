//! The organisation's security policy that every person reads and accepts (ISO/IEC 27001:2022
//! A.6.3, awareness and training): at first sign-in, whenever its text changes, and again
//! after a configurable number of months.

use crate::domain::UnixTime;

/// The text shipped with Kasefet, used when the config names no `security.policy_file`.
pub const DEFAULT_TEXT: &str = include_str!("../../assets/security-policy.txt");

/// Hex digits of the SHA-256 kept as the version: 64 bits tell texts apart, and a short
/// version reads well in the audit log.
const VERSION_HEX_CHARS: usize = 16;

/// The version of a policy text: a prefix of its SHA-256, so any edit to the text is a new
/// version that everyone must accept again, with no number for an admin to forget to bump.
pub fn version(text: &str) -> String {
    let digest = crate::crypto::sha256(&[text.as_bytes()]);
    let mut hex = data_encoding::HEXLOWER.encode(&digest);
    hex.truncate(VERSION_HEX_CHARS);
    hex
}

/// Whether an acceptance still stands: the same version, accepted less than `renew_months`
/// calendar months before `now`. `renew_months == 0` means it never needs renewing.
pub fn still_accepted(
    accepted: Option<&(String, UnixTime)>,
    current: &str,
    renew_months: u32,
    now: UnixTime,
) -> bool {
    let Some((v, at)) = accepted else {
        return false;
    };
    if v != current {
        return false;
    }
    if renew_months == 0 {
        return true;
    }
    renewal_due(*at, renew_months).is_some_and(|due| now < due)
}

/// When an acceptance at `at` runs out. Calendar months in UTC, so "12 months" is the same
/// date next year, not 360 days.
fn renewal_due(at: UnixTime, months: u32) -> Option<UnixTime> {
    let ts = jiff::Timestamp::from_second(at).ok()?;
    let zoned = ts.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let due = zoned
        .checked_add(jiff::Span::new().try_months(i64::from(months)).ok()?)
        .ok()?;
    Some(due.timestamp().as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_a_short_hash_of_the_text() {
        let v = version(DEFAULT_TEXT);
        assert_eq!(v.len(), 16);
        assert!(v.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(v, version(DEFAULT_TEXT));
        assert_ne!(v, version(&format!("{DEFAULT_TEXT} ")));
    }

    #[test]
    fn the_default_text_covers_what_the_issue_asks() {
        let t = DEFAULT_TEXT.to_lowercase();
        for topic in [
            "passphrase",
            "never tell",
            "codes",
            "lock your",
            "lose your phone",
        ] {
            assert!(t.contains(topic), "{topic}");
        }
    }

    #[test]
    fn acceptance_lapses_with_a_new_version_or_after_the_renewal_period() {
        let jan_31 = 1_706_659_200; // 2024-01-31T00:00:00Z
        let acc = ("v1".to_string(), jan_31);
        assert!(!still_accepted(None, "v1", 12, jan_31));
        assert!(still_accepted(Some(&acc), "v1", 12, jan_31 + 86_400));
        assert!(!still_accepted(Some(&acc), "v2", 12, jan_31 + 86_400));
        // 2025-01-30 is still inside the year; 2025-01-31 is not.
        assert!(still_accepted(Some(&acc), "v1", 12, 1_738_195_200));
        assert!(!still_accepted(Some(&acc), "v1", 12, 1_738_281_600));
        assert!(still_accepted(Some(&acc), "v1", 0, i64::from(i32::MAX)));
    }
}
