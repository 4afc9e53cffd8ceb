//! Password policy after NIST SP 800-63B-4: length over composition, a blocklist check
//! (zxcvbn) instead of complexity rules, Unicode and spaces welcome, nothing ever truncated.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::domain::text::fold;

/// Floor for a configured minimum; SP 800-63B-4 never allows fewer than 8.
pub const ABSOLUTE_MIN_CHARS: usize = 8;
pub const DEFAULT_MIN_CHARS: usize = 15;
/// Far above the 64 SP 800-63B-4 requires, so long passphrases always fit.
pub const MAX_CHARS: usize = 1024;
/// The product's own name is never acceptable inside a password.
pub const PRODUCT_NAME: &str = "kasefet";

/// zxcvbn's cost grows with length; past this prefix a password that already scores well is
/// strong enough, and one that does not will not be rescued by what follows.
const SCORED_PREFIX_CHARS: usize = 100;
/// Context words shorter than this match too many innocent passwords ("al", "li").
const MIN_CONTEXT_WORD_CHARS: usize = 3;
/// Bounds the NFKC work on hostile input before we can count normalised characters; NFKC can
/// merge a few code points into one, so allow generous slack over [`MAX_CHARS`].
const RAW_MAX_CHARS: usize = MAX_CHARS * 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharClass {
    Upper,
    Lower,
    Digit,
    Symbol,
}

impl fmt::Display for CharClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CharClass::Upper => "an uppercase letter",
            CharClass::Lower => "a lowercase letter",
            CharClass::Digit => "a digit",
            CharClass::Symbol => "a symbol",
        })
    }
}

fn join_classes(classes: &[CharClass]) -> String {
    let names: Vec<String> = classes.iter().map(ToString::to_string).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("The password is too short: use at least {min} characters.")]
    TooShort { min: usize, actual: usize },
    #[error("The password is too long: use at most {max} characters.")]
    TooLong { max: usize },
    #[error("The password must not contain your user name, your name or the product name.")]
    ContainsContextWord,
    #[error("The password is too easy to guess.{}", warning.as_ref().map(|w| format!(" {w}")).unwrap_or_default())]
    TooGuessable { warning: Option<String> },
    #[error("The password needs {}.", join_classes(missing))]
    MissingComposition { missing: Vec<CharClass> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Clamped to at least [`ABSOLUTE_MIN_CHARS`] when applied.
    pub min_chars: usize,
    /// Off by default: SP 800-63B-4 advises against it, some organisations still demand it.
    pub require_composition: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_chars: DEFAULT_MIN_CHARS,
            require_composition: false,
        }
    }
}

impl PasswordPolicy {
    /// The minimum actually enforced. Capped at [`MAX_CHARS`] too, so a misconfigured policy
    /// cannot make every password impossible.
    pub fn effective_min_chars(&self) -> usize {
        self.min_chars.clamp(ABSOLUTE_MIN_CHARS, MAX_CHARS)
    }

    /// Checks a new password and returns it NFKC-normalised, which is the form to hash so that
    /// the same password typed on another keyboard or OS still matches.
    pub fn check(&self, password: &str, context: &[&str]) -> Result<String, PolicyError> {
        if password.chars().count() > RAW_MAX_CHARS {
            return Err(PolicyError::TooLong { max: MAX_CHARS });
        }
        let normalized: String = password.nfkc().collect();
        let count = normalized.chars().count();
        if count > MAX_CHARS {
            return Err(PolicyError::TooLong { max: MAX_CHARS });
        }
        let min = self.effective_min_chars();
        if count < min {
            return Err(PolicyError::TooShort { min, actual: count });
        }
        let words = context_words(context);
        let folded = fold(&normalized);
        if words.iter().any(|w| folded.contains(w.as_str())) {
            return Err(PolicyError::ContainsContextWord);
        }
        if self.require_composition {
            let missing = missing_classes(&normalized);
            if !missing.is_empty() {
                return Err(PolicyError::MissingComposition { missing });
            }
        }
        let prefix: String = normalized.chars().take(SCORED_PREFIX_CHARS).collect();
        let inputs: Vec<&str> = words.iter().map(String::as_str).collect();
        let entropy = zxcvbn::zxcvbn(&prefix, &inputs);
        if entropy.score() < zxcvbn::Score::Three {
            let warning = entropy
                .feedback()
                .and_then(|f| f.warning())
                .map(|w| w.to_string());
            return Err(PolicyError::TooGuessable { warning });
        }
        Ok(normalized)
    }

    /// One short line for live feedback while the user types.
    pub fn strength_hint(&self, password: &str, context: &[&str]) -> String {
        match self.check(password, context) {
            Ok(_) => "strong enough".to_owned(),
            Err(PolicyError::TooShort { min, actual }) => format!("{actual}/{min} characters"),
            Err(PolicyError::TooLong { max }) => format!("too long (at most {max} characters)"),
            Err(PolicyError::ContainsContextWord) => {
                "contains your user name, your name or the product name".to_owned()
            }
            Err(PolicyError::TooGuessable { warning: Some(w) }) => {
                format!("too easy to guess: {w}")
            }
            Err(PolicyError::TooGuessable { warning: None }) => {
                "too easy to guess: add another word or two".to_owned()
            }
            Err(PolicyError::MissingComposition { missing }) => {
                format!("needs {}", join_classes(&missing))
            }
        }
    }
}

/// The form a typed password is hashed in. [`PasswordPolicy::check`] stored the NFKC form when
/// the password was set, so sign-in must normalise the same way or a password typed on another
/// keyboard or OS would not match. Input past any acceptable length is returned as is, unread:
/// it cannot match, and normalising it would only cost time.
pub fn normalize(password: &str) -> Zeroizing<String> {
    if password.chars().count() > RAW_MAX_CHARS {
        return Zeroizing::new(password.to_owned());
    }
    Zeroizing::new(password.nfkc().collect())
}

/// The folded words a password must not contain: each context entry whole and split at
/// anything that is not a letter or digit (so both "noa.levi" and "levi" count), plus the
/// product name.
fn context_words(context: &[&str]) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut add = |w: &str| {
        let folded = fold(w.trim());
        if folded.chars().count() >= MIN_CONTEXT_WORD_CHARS && !words.contains(&folded) {
            words.push(folded);
        }
    };
    add(PRODUCT_NAME);
    for entry in context {
        add(entry);
        for part in entry.split(|c: char| !c.is_alphanumeric()) {
            add(part);
        }
    }
    words
}

fn missing_classes(password: &str) -> Vec<CharClass> {
    let has = |pred: fn(char) -> bool| password.chars().any(pred);
    let mut missing = Vec::new();
    if !has(char::is_uppercase) {
        missing.push(CharClass::Upper);
    }
    if !has(char::is_lowercase) {
        missing.push(CharClass::Lower);
    }
    if !has(char::is_numeric) {
        missing.push(CharClass::Digit);
    }
    if !has(|c| !c.is_alphanumeric() && !c.is_whitespace()) {
        missing.push(CharClass::Symbol);
    }
    missing
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const STRONG: &str = "correct horse battery staple";

    fn policy() -> PasswordPolicy {
        PasswordPolicy::default()
    }

    #[test]
    fn defaults_follow_sp_800_63b_4() {
        let p = PasswordPolicy::default();
        assert_eq!(p.min_chars, 15);
        assert!(!p.require_composition);
        assert_eq!(p.effective_min_chars(), 15);
    }

    #[test]
    fn minimum_is_never_below_eight() {
        for min in [0, 1, 7] {
            let p = PasswordPolicy {
                min_chars: min,
                require_composition: false,
            };
            assert_eq!(p.effective_min_chars(), 8);
            assert_eq!(
                p.check("Zq7#pW", &[]).unwrap_err(),
                PolicyError::TooShort { min: 8, actual: 6 }
            );
        }
        let p = PasswordPolicy {
            min_chars: 20,
            require_composition: false,
        };
        assert_eq!(p.effective_min_chars(), 20);
        let p = PasswordPolicy {
            min_chars: usize::MAX,
            require_composition: false,
        };
        assert_eq!(p.effective_min_chars(), MAX_CHARS);
    }

    #[test]
    fn strong_passphrase_is_accepted_and_returned_whole() {
        assert_eq!(policy().check(STRONG, &["dana"]).unwrap(), STRONG);
    }

    #[test]
    fn too_short_names_the_minimum() {
        let err = policy().check("Zq7#pWm2!x", &[]).unwrap_err();
        assert_eq!(
            err,
            PolicyError::TooShort {
                min: 15,
                actual: 10
            }
        );
        assert_eq!(
            err.to_string(),
            "The password is too short: use at least 15 characters."
        );
        assert!(matches!(
            policy().check("", &[]),
            Err(PolicyError::TooShort { actual: 0, .. })
        ));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // Nine Hebrew letters are eighteen bytes but still too short for fifteen.
        assert!(matches!(
            policy().check("שלוםעליכם", &[]),
            Err(PolicyError::TooShort { min: 15, actual: 9 })
        ));
    }

    #[test]
    fn long_passphrases_with_spaces_and_hebrew_are_accepted_untruncated() {
        let base = "גשם כבד ירד על תל אביב wistful magnets orbit quietly ";
        let mut pass = String::new();
        while pass.chars().count() < 128 {
            pass.push_str(base);
        }
        let pass: String = pass.chars().take(128).collect();
        assert_eq!(pass.chars().count(), 128);
        assert_eq!(policy().check(&pass, &[]).unwrap(), pass);
    }

    #[test]
    fn up_to_1024_characters_is_accepted_and_1025_is_not() {
        let unit = "ripe plum ladder 7 ";
        let long: String = unit.repeat(60).chars().take(1024).collect();
        assert_eq!(long.chars().count(), 1024);
        assert_eq!(policy().check(&long, &[]).unwrap(), long);

        let over: String = unit.repeat(60).chars().take(1025).collect();
        let err = policy().check(&over, &[]).unwrap_err();
        assert_eq!(err, PolicyError::TooLong { max: 1024 });
        assert_eq!(
            err.to_string(),
            "The password is too long: use at most 1024 characters."
        );
        let huge = "x".repeat(1_000_000);
        assert_eq!(
            policy().check(&huge, &[]).unwrap_err(),
            PolicyError::TooLong { max: 1024 }
        );
    }

    #[test]
    fn the_prefix_is_what_gets_scored() {
        // Guessable after the first hundred characters does not matter: the prefix is strong.
        let strong_prefix: String = "ripe plum ladder 7 ".repeat(6).chars().take(100).collect();
        let pass = format!("{strong_prefix}{}", "a".repeat(200));
        assert!(policy().check(&pass, &[]).is_ok());
    }

    #[test]
    fn result_is_nfkc_normalised() {
        // Decomposed "é" and a full-width "Ａ" must hash the same as their composed forms.
        let typed = "cafe\u{301} ＡＢ wistful magnets orbit";
        let expected = "café AB wistful magnets orbit";
        assert_eq!(policy().check(typed, &[]).unwrap(), expected);
        assert_eq!(policy().check(expected, &[]).unwrap(), expected);
    }

    #[test]
    fn common_passwords_are_refused_with_a_reason() {
        for weak in [
            "passwordpassword",
            "123456789012345",
            "qwertyuiopasdfgh",
            "aaaaaaaaaaaaaaaa",
            "iloveyouiloveyou",
            "Password12345678",
        ] {
            let err = policy().check(weak, &[]).unwrap_err();
            assert!(
                matches!(err, PolicyError::TooGuessable { .. }),
                "{weak:?} gave {err:?}"
            );
            assert!(
                err.to_string()
                    .starts_with("The password is too easy to guess.")
            );
        }
    }

    #[test]
    fn context_words_are_refused_case_and_accent_insensitively() {
        let ctx = ["dana.cohen", "Dana Cohen"];
        for bad in [
            "my Kasefet password 2024!",
            "KASEFET rules wistful orbit",
            "xx DANA.COHEN wistful orbit",
            "wistful cohen magnets orbit",
            "wistful DaNa magnets orbit",
        ] {
            assert_eq!(
                policy().check(bad, &ctx).unwrap_err(),
                PolicyError::ContainsContextWord,
                "{bad:?}"
            );
        }
        assert_eq!(
            policy()
                .check("wistful josé magnets orbit", &["Jose"])
                .unwrap_err(),
            PolicyError::ContainsContextWord
        );
        assert_eq!(
            policy()
                .check("wistful נועה magnets orbit", &["נועה לוי"])
                .unwrap_err(),
            PolicyError::ContainsContextWord
        );
    }

    #[test]
    fn short_context_words_are_ignored() {
        // "Al" and "Li" would match countless innocent passwords.
        assert!(policy().check(STRONG, &["al", "Li", "", "  "]).is_ok());
        assert!(
            policy()
                .check("wistful magnets orbit al", &["Al Li"])
                .is_ok()
        );
    }

    #[test]
    fn composition_is_off_by_default() {
        assert!(policy().check(STRONG, &[]).is_ok());
    }

    #[test]
    fn composition_when_required() {
        let p = PasswordPolicy {
            min_chars: 15,
            require_composition: true,
        };
        let err = p.check(STRONG, &[]).unwrap_err();
        assert_eq!(
            err,
            PolicyError::MissingComposition {
                missing: vec![CharClass::Upper, CharClass::Digit, CharClass::Symbol]
            }
        );
        assert_eq!(
            err.to_string(),
            "The password needs an uppercase letter, a digit and a symbol."
        );
        assert_eq!(
            p.check("Correct horse battery staple 9!", &[]).unwrap(),
            "Correct horse battery staple 9!"
        );
        // A space is not a symbol.
        assert!(matches!(
            p.check("Correct horse battery staple 9", &[]),
            Err(PolicyError::MissingComposition { .. })
        ));
    }

    #[test]
    fn class_lists_read_naturally() {
        assert_eq!(join_classes(&[CharClass::Digit]), "a digit");
        assert_eq!(
            join_classes(&[CharClass::Upper, CharClass::Symbol]),
            "an uppercase letter and a symbol"
        );
    }

    #[test]
    fn hints_for_live_feedback() {
        let p = policy();
        assert_eq!(p.strength_hint("", &[]), "0/15 characters");
        assert_eq!(p.strength_hint("abcdefghijkl", &[]), "12/15 characters");
        assert_eq!(p.strength_hint(STRONG, &[]), "strong enough");
        assert!(
            p.strength_hint("passwordpassword", &[])
                .starts_with("too easy to guess")
        );
        assert_eq!(
            p.strength_hint("kasefet wistful magnets", &[]),
            "contains your user name, your name or the product name"
        );
        assert_eq!(
            p.strength_hint(&"x".repeat(1025), &[]),
            "too long (at most 1024 characters)"
        );
        let strict = PasswordPolicy {
            min_chars: 15,
            require_composition: true,
        };
        assert_eq!(
            strict.strength_hint("correct horse battery Staple", &[]),
            "needs a digit and a symbol"
        );
    }
}
