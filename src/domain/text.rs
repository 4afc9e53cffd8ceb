//! Input hygiene and field validation.
//!
//! Everything a user types, pastes or imports passes through here before it is stored, so that
//! no stored value can drive the terminal (escape sequences, bidi overrides) and no full card
//! number lands in a free-text field (PCI DSS).

use std::fmt;

use finl_unicode::categories::CharacterCategories;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Largest notes field, in bytes.
pub const NOTES_MAX_BYTES: usize = 64 * 1024;

/// RFC 5321 caps a forward path at 256 octets including the angle brackets.
const EMAIL_MAX_CHARS: usize = 254;
const EMAIL_LOCAL_MAX_CHARS: usize = 64;

/// E.164 allows at most 15 digits; fewer than 7 is not a reachable number anywhere.
const PHONE_MIN_DIGITS: usize = 7;
const PHONE_MAX_DIGITS: usize = 15;

const CARD_MIN_DIGITS: usize = 13;
const CARD_MAX_DIGITS: usize = 19;

const CARD_MESSAGE: &str = "looks like a full card number; store only the last four digits";

/// True for characters that can move the cursor, start an escape sequence or reorder text on
/// screen.
fn is_dangerous(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'
        | '\u{80}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// True for characters that draw nothing yet change what text means or how it compares:
/// Unicode format characters (Cf: zero-width space, LRM/RLM, BOM, Arabic letter mark, soft
/// hyphen, …) and the line and paragraph separators. A name padded with them looks like
/// another person's name and slips past duplicate checks.
fn is_invisible(c: char) -> bool {
    c.is_format() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// ZWNJ and ZWJ, which Persian, Indic scripts and emoji sequences need inside a word.
fn is_word_joiner(c: char) -> bool {
    matches!(c, '\u{200c}' | '\u{200d}')
}

/// Characters a ZWJ or ZWNJ may stand between: letters, marks (a virama) and symbols (emoji).
fn joins_word(c: char) -> bool {
    c.is_letter() || c.is_mark() || c.is_symbol_other()
}

/// Every character of `s` that may be stored: no controls, bidi overrides or invisible
/// characters, except a word joiner between two characters of a word. `keep` decides about
/// line breaks and tabs first.
fn clean_chars(s: &str, keep: impl Fn(char) -> Option<Option<char>>) -> String {
    // Printable ASCII holds nothing to drop, and `keep` decides only about controls: most
    // of an import's cells take this way.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.to_owned();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if let Some(decided) = keep(c) {
            out.extend(decided);
            continue;
        }
        if is_dangerous(c) {
            continue;
        }
        if is_word_joiner(c) {
            let before = out.chars().next_back().is_some_and(joins_word);
            let after = chars.get(i + 1).is_some_and(|&n| joins_word(n));
            if before && after {
                out.push(c);
            }
            continue;
        }
        if !is_invisible(c) {
            out.push(c);
        }
    }
    out
}

/// Cleans a single-line value: drops controls, bidi overrides and invisible characters,
/// turns tabs into spaces and trims the ends.
pub fn sanitize_line(s: &str) -> String {
    let cleaned = clean_chars(s, |c| (c == '\t').then_some(Some(' ')));
    cleaned.trim().to_owned()
}

/// Like [`sanitize_line`] but keeps line breaks, normalising every `\r\n` and lone `\r` to `\n`.
pub fn sanitize_multiline(s: &str) -> String {
    let unified = s.replace("\r\n", "\n").replace('\r', "\n");
    let cleaned = clean_chars(&unified, |c| match c {
        '\n' => Some(Some('\n')),
        '\t' => Some(Some(' ')),
        _ => None,
    });
    cleaned.trim().to_owned()
}

/// Folds text for case- and accent-insensitive search ("José" and "jose" match).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(&mut out, s);
    out
}

/// `fold`, appended to `out`: the index folds a million records at sign-in.
pub fn fold_into(out: &mut String, s: &str) {
    // ASCII decomposes to itself and has no marks.
    if s.is_ascii() {
        let at = out.len();
        out.push_str(s);
        out.as_mut_str()[at..].make_ascii_lowercase();
        return;
    }
    out.extend(
        s.nfkd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase),
    );
}

/// Keeps ASCII digits only.
pub fn digits(s: &str) -> String {
    let mut out = String::new();
    digits_into(&mut out, s);
    out
}

/// `digits`, appended to `out`.
pub fn digits_into(out: &mut String, s: &str) {
    out.extend(s.bytes().filter(u8::is_ascii_digit).map(char::from));
}

/// Value of a Unicode decimal digit (category Nd) of any script: people paste card numbers
/// in Arabic-Indic, Devanagari and full-width digits too, and those must not slip past the
/// card check. Unicode encodes every script's digits as contiguous runs of ten from zero, so
/// the value is the distance from the start of the run, modulo ten.
fn digit_value(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        return u8::try_from(u32::from(c) - u32::from('0')).ok();
    }
    if !c.is_number_decimal() {
        return None;
    }
    let code = u32::from(c);
    let mut start = code;
    while start > 0 && char::from_u32(start - 1).is_some_and(CharacterCategories::is_number_decimal)
    {
        start -= 1;
    }
    u8::try_from((code - start) % 10).ok()
}

/// Characters that may stand between the digit groups of one number: spaces of every width,
/// dashes, dots, slashes, underscores, commas and invisible characters.
fn joins_digits(c: char) -> bool {
    c.is_whitespace()
        || is_invisible(c)
        || is_word_joiner(c)
        || c.is_punctuation_dash()
        || matches!(
            c,
            '.' | '/' | '_' | ',' | '\'' | '\u{b7}' | '\u{2219}' | '\u{2024}'
        )
}

/// Most joining characters allowed between two groups ("4111 - 1111" has three).
const MAX_JOIN: usize = 4;

fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// Splits the text into runs of digit groups: digits separated by at most [`MAX_JOIN`]
/// joining characters ([`joins_digits`]) stay in one run, anything else ends it.
fn digit_runs(s: &str) -> Vec<Vec<Vec<u8>>> {
    let chars: Vec<char> = s.chars().collect();
    let mut runs: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut groups: Vec<Vec<u8>> = Vec::new();
    let mut group: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some(d) = digit_value(chars[i]) {
            group.push(d);
            i += 1;
            continue;
        }
        let joined = chars[i..]
            .iter()
            .take(MAX_JOIN + 1)
            .position(|&c| !joins_digits(c));
        let next_is_digit = joined.is_some_and(|n| {
            n > 0 && n <= MAX_JOIN && chars.get(i + n).and_then(|&c| digit_value(c)).is_some()
        });
        if !group.is_empty() {
            groups.push(std::mem::take(&mut group));
        }
        if next_is_digit && !groups.is_empty() {
            i += joined.unwrap_or(1);
            continue;
        }
        if !groups.is_empty() {
            runs.push(std::mem::take(&mut groups));
        }
        i += 1;
    }
    if !group.is_empty() {
        groups.push(group);
    }
    if !groups.is_empty() {
        runs.push(groups);
    }
    runs
}

/// True when the text holds what looks like a full payment card number: 13–19 decimal digits
/// of any script, possibly grouped by spaces, dashes, dots and the like, passing the Luhn check.
///
/// Candidates are the spans of whole groups inside a run, so a card number followed by its
/// expiry or CVV ("4111 1111 1111 1111 12/27") is still caught, while a bare run of more than 19
/// ungrouped digits is not treated as a card.
pub fn contains_card_number(s: &str) -> bool {
    // Every candidate is made of the text's own digits: too few of them, no card.
    if s.chars().filter(|&c| digit_value(c).is_some()).count() < CARD_MIN_DIGITS {
        return false;
    }
    digit_runs(s).iter().any(|groups| {
        (0..groups.len()).any(|start| {
            let mut candidate: Vec<u8> = Vec::new();
            for group in &groups[start..] {
                candidate.extend_from_slice(group);
                if candidate.len() > CARD_MAX_DIGITS {
                    return false;
                }
                if candidate.len() >= CARD_MIN_DIGITS && luhn_valid(&candidate) {
                    return true;
                }
            }
            false
        })
    })
}

/// A value the user typed that cannot be stored, with a message meant for that user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl fmt::Display) -> Self {
        Self {
            field: field.to_owned(),
            message: message.to_string(),
        }
    }
}

fn refuse_card(field: &str, value: &str) -> Result<(), FieldError> {
    if contains_card_number(value) {
        Err(FieldError::new(field, CARD_MESSAGE))
    } else {
        Ok(())
    }
}

fn check_chars(field: &str, value: &str, max_chars: usize) -> Result<(), FieldError> {
    if value.chars().count() > max_chars {
        Err(FieldError::new(
            field,
            format_args!("is too long (at most {max_chars} characters)"),
        ))
    } else {
        Ok(())
    }
}

/// A single-line value that must not be empty.
pub fn required_line(field: &str, s: &str, max_chars: usize) -> Result<String, FieldError> {
    let value = sanitize_line(s);
    if value.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    check_chars(field, &value, max_chars)?;
    refuse_card(field, &value)?;
    Ok(value)
}

/// A single-line value that may be left empty, which gives `None`.
pub fn optional_line(field: &str, s: &str, max_chars: usize) -> Result<Option<String>, FieldError> {
    let value = sanitize_line(s);
    if value.is_empty() {
        return Ok(None);
    }
    check_chars(field, &value, max_chars)?;
    refuse_card(field, &value)?;
    Ok(Some(value))
}

fn human_size(bytes: usize) -> String {
    if bytes >= 1024 && bytes % 1024 == 0 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Free text over several lines (notes); may be empty. See [`NOTES_MAX_BYTES`].
pub fn multiline(field: &str, s: &str, max_bytes: usize) -> Result<String, FieldError> {
    let value = sanitize_multiline(s);
    if value.len() > max_bytes {
        return Err(FieldError::new(
            field,
            format_args!("is too long (at most {})", human_size(max_bytes)),
        ));
    }
    refuse_card(field, &value)?;
    Ok(value)
}

/// Characters that are legal in quoted or bracketed RFC 5322 forms but in practice only show
/// up in typos and injection attempts.
fn is_email_forbidden(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '<' | '>' | '(' | ')' | ',' | ';' | ':' | '"' | '[' | ']' | '\\'
        )
}

/// An e-mail address, kept as typed (case included: local parts may be case-sensitive).
pub fn email(field: &str, s: &str) -> Result<String, FieldError> {
    const INVALID: &str = "is not a valid e-mail address";
    let value = sanitize_line(s);
    if value.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    if value.chars().count() > EMAIL_MAX_CHARS {
        return Err(FieldError::new(
            field,
            format_args!("is too long (at most {EMAIL_MAX_CHARS} characters)"),
        ));
    }
    if value.chars().any(is_email_forbidden) {
        return Err(FieldError::new(field, INVALID));
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err(FieldError::new(field, INVALID));
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= EMAIL_LOCAL_MAX_CHARS
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = !domain.contains('@')
        && labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
    if !local_ok || !domain_ok {
        return Err(FieldError::new(field, INVALID));
    }
    refuse_card(field, &value)?;
    Ok(value)
}

/// A phone number in international style: optional leading `+`, then digits with spaces,
/// dashes, dots or parentheses; 7–15 digits. Kept as typed.
pub fn phone(field: &str, s: &str) -> Result<String, FieldError> {
    const INVALID: &str =
        "is not a valid phone number (digits, spaces, dashes, dots, parentheses and a leading +)";
    let value = sanitize_line(s);
    if value.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    let body = value.strip_prefix('+').unwrap_or(&value);
    let mut depth = 0u32;
    for c in body.chars() {
        match c {
            '0'..='9' | ' ' | '-' | '.' => {}
            '(' if depth == 0 => depth = 1,
            ')' if depth == 1 => depth = 0,
            _ => return Err(FieldError::new(field, INVALID)),
        }
    }
    if depth != 0 {
        return Err(FieldError::new(field, INVALID));
    }
    let count = body.chars().filter(char::is_ascii_digit).count();
    if count < PHONE_MIN_DIGITS {
        return Err(FieldError::new(
            field,
            format_args!("is too short for a phone number (at least {PHONE_MIN_DIGITS} digits)"),
        ));
    }
    if count > PHONE_MAX_DIGITS {
        return Err(FieldError::new(
            field,
            format_args!("is too long for a phone number (at most {PHONE_MAX_DIGITS} digits)"),
        ));
    }
    Ok(value)
}

/// Parses a fixed-width run of ASCII digits; anything else (signs, spaces) is refused.
fn fixed_number(s: &str) -> Option<i16> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A calendar date written `YYYY-MM-DD`.
///
/// Parsed by hand rather than with jiff's `FromStr`, which also accepts full ISO 8601 datetimes
/// and would let a stray time or offset through silently.
pub fn date(field: &str, s: &str) -> Result<jiff::civil::Date, FieldError> {
    const FORMAT: &str = "is not a date (use YYYY-MM-DD)";
    let value = sanitize_line(s);
    let bytes = value.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(FieldError::new(field, FORMAT));
    }
    let parts = (
        value.get(0..4).and_then(fixed_number),
        value.get(5..7).and_then(fixed_number),
        value.get(8..10).and_then(fixed_number),
    );
    let (Some(year), Some(month), Some(day)) = parts else {
        return Err(FieldError::new(field, FORMAT));
    };
    let (Ok(month), Ok(day)) = (i8::try_from(month), i8::try_from(day)) else {
        return Err(FieldError::new(field, FORMAT));
    };
    jiff::civil::Date::new(year, month, day)
        .map_err(|_| FieldError::new(field, "is not a real calendar date"))
}

/// The earliest birth date accepted: older than anyone alive, later than any typo of a year.
pub const BIRTH_DATE_MIN: jiff::civil::Date = jiff::civil::date(1880, 1, 1);

/// A birth date between [`BIRTH_DATE_MIN`] and today. Today is read from the system clock
/// in the zone furthest ahead (UTC+14), so nobody born today anywhere is refused.
pub fn birth_date(field: &str, d: jiff::civil::Date) -> Result<jiff::civil::Date, FieldError> {
    let latest = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(14)))
        .date();
    if d < BIRTH_DATE_MIN || d > latest {
        return Err(FieldError::new(
            field,
            format_args!(
                "{d} is not a plausible birth date (use a date from {BIRTH_DATE_MIN} to today)"
            ),
        ));
    }
    Ok(d)
}

/// A time of day written `HH:MM` (24-hour clock).
pub fn time(field: &str, s: &str) -> Result<jiff::civil::Time, FieldError> {
    const FORMAT: &str = "is not a time (use HH:MM, 24-hour clock)";
    let value = sanitize_line(s);
    let bytes = value.as_bytes();
    if bytes.len() != 5 || bytes[2] != b':' {
        return Err(FieldError::new(field, FORMAT));
    }
    let parts = (
        value.get(0..2).and_then(fixed_number),
        value.get(3..5).and_then(fixed_number),
    );
    let (Some(hour), Some(minute)) = parts else {
        return Err(FieldError::new(field, FORMAT));
    };
    let (Ok(hour), Ok(minute)) = (i8::try_from(hour), i8::try_from(minute)) else {
        return Err(FieldError::new(field, FORMAT));
    };
    jiff::civil::Time::new(hour, minute, 0, 0)
        .map_err(|_| FieldError::new(field, "is not a real time of day"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ATTACKS: &[&str] = &[
        "\x1b]52;c;AAAA\x07",
        "\x1b[2J",
        "\x1b]0;owned\x07",
        "\u{9b}",
        "\r",
        "\u{202E}",
    ];

    fn assert_harmless(s: &str) {
        for c in s.chars() {
            assert!(
                !is_dangerous(c) || c == '\n',
                "dangerous char {c:?} left in {s:?}"
            );
        }
        assert!(!s.contains('\x1b'));
        assert!(!s.contains('\x07'));
        assert!(!s.contains('\u{9b}'));
        assert!(!s.contains('\r'));
    }

    #[test]
    fn attack_strings_are_defused_in_lines() {
        for attack in ATTACKS {
            let out = sanitize_line(attack);
            assert_harmless(&out);
            assert!(!out.contains('\n'));
            let wrapped = sanitize_line(&format!("Dana{attack}Cohen"));
            assert_harmless(&wrapped);
            assert!(wrapped.starts_with("Dana") && wrapped.ends_with("Cohen"));
        }
    }

    #[test]
    fn attack_strings_are_defused_in_multiline() {
        for attack in ATTACKS {
            assert_harmless(&sanitize_multiline(attack));
            assert_harmless(&sanitize_multiline(&format!("a\n{attack}\nb")));
        }
    }

    #[test]
    fn known_sequences_lose_their_introducers() {
        assert_eq!(sanitize_line("\x1b]52;c;AAAA\x07"), "]52;c;AAAA");
        assert_eq!(sanitize_line("\x1b[2J"), "[2J");
        assert_eq!(sanitize_line("\x1b]0;owned\x07"), "]0;owned");
        assert_eq!(sanitize_line("\u{9b}"), "");
        assert_eq!(sanitize_line("\r"), "");
        assert_eq!(sanitize_line("\u{202E}"), "");
    }

    #[test]
    fn every_control_and_bidi_override_is_removed() {
        let all: String = (0u32..=0x9f)
            .chain(0x202a..=0x202e)
            .chain(0x2066..=0x2069)
            .filter_map(char::from_u32)
            .filter(|c| !(' '..='~').contains(c))
            .collect();
        let line = sanitize_line(&format!("x{all}y"));
        assert_eq!(line, "x y", "only the tab survives, as a space");
        let multi = sanitize_multiline(&format!("x{all}y"));
        assert!(multi.chars().all(|c| !is_dangerous(c) || c == '\n'));
    }

    #[test]
    fn lines_drop_newlines_and_turn_tabs_into_spaces() {
        assert_eq!(sanitize_line("  a\tb\r\nc  "), "a bc");
        assert_eq!(sanitize_line("\t\n "), "");
    }

    #[test]
    fn multiline_normalises_line_endings() {
        assert_eq!(sanitize_multiline("a\r\nb\rc\nd"), "a\nb\nc\nd");
        assert_eq!(sanitize_multiline("\r\n\r\n"), "");
        assert_eq!(sanitize_multiline("a\r\r\nb"), "a\n\nb");
        assert_eq!(sanitize_multiline("  x\ty \n"), "x y");
    }

    #[test]
    fn right_to_left_and_accented_names_are_kept_exactly() {
        for name in [
            "נועה לוי",
            "نور",
            "José Ñúñez",
            "Zoë Ødegård",
            "שָׁלוֹם",
            "李小龍",
        ] {
            assert_eq!(sanitize_line(name), name);
            assert_eq!(sanitize_multiline(name), name);
            assert_eq!(required_line("Name", name, 100).unwrap(), name);
        }
    }

    #[test]
    fn invisible_format_characters_are_removed() {
        for c in [
            '\u{200b}',
            '\u{200e}',
            '\u{200f}',
            '\u{061c}',
            '\u{2028}',
            '\u{2029}',
            '\u{feff}',
            '\u{ad}',
            '\u{2060}',
            '\u{2064}',
            '\u{206f}',
            '\u{180e}',
            '\u{e0001}',
        ] {
            assert_eq!(sanitize_line(&format!("{c}Da{c}na{c}")), "Dana", "{c:?}");
            assert_eq!(sanitize_multiline(&format!("a{c}\nb{c}")), "a\nb", "{c:?}");
        }
        // A joiner at the edge of a word or next to a space joins nothing.
        assert_eq!(
            sanitize_line("\u{200d}Dana \u{200c}Cohen\u{200d}"),
            "Dana Cohen"
        );
        assert_eq!(sanitize_line("12\u{200d}34"), "1234");
    }

    #[test]
    fn word_joiners_that_scripts_need_are_kept() {
        for word in [
            "می\u{200c}خواهم", // Persian: ZWNJ between letters
            "क्\u{200d}ष",      // Devanagari: ZWJ after a virama (a mark)
            "👩\u{200d}💻",    // an emoji sequence
        ] {
            assert_eq!(sanitize_line(word), word);
            assert_eq!(required_line("Name", word, 100).unwrap(), word);
        }
    }

    #[test]
    fn fold_ignores_case_and_accents() {
        assert_eq!(fold("José Ñúñez"), "jose nunez");
        assert_eq!(fold("ZOË"), "zoe");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("ﬁle"), "file");
        assert_eq!(fold("שָׁלוֹם"), "שלום");
        assert_eq!(fold("נועה"), "נועה");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn digits_keeps_ascii_digits_only() {
        assert_eq!(digits("+972 (52) 123-4567"), "972521234567");
        assert_eq!(digits("٤٥"), "");
        assert_eq!(digits("abc"), "");
    }

    #[test]
    fn luhn_reference_values() {
        assert!(luhn_valid(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
        assert!(!luhn_valid(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4]));
    }

    #[test]
    fn card_numbers_are_found() {
        for s in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "card: 5555 5555 5555 4444, exp 12/27",
            "amex 3782 822463 10005",
            "4111 1111 1111 1111 123",
            "4111-1111 1111-1111",
            "6011111111111117",
            "4222222222222",
            "٤١١١١١١١١١١١١١١١",
            "４１１１１１１１１１１１１１１１",
        ] {
            assert!(contains_card_number(s), "{s:?} should be caught");
        }
    }

    #[test]
    fn non_cards_are_left_alone() {
        for s in [
            "",
            "4111111111111112",
            "4111 1111 1111 1112",
            "411111111111",
            "last four: 1111",
            "+972 52 123 4567",
            "41111111111111110000",
            "4111 1111 and later 1111 1111 1111",
            "2024-01-15 10:30",
            "050-1234567",
        ] {
            assert!(!contains_card_number(s), "{s:?} is not a card");
        }
    }

    /// The sixteen forms of issue 9: the six caught before, then the ten that were stored.
    pub(crate) const CARD_FORMS: [&str; 16] = [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111 1111-1111 1111",
        "٤١١١١١١١١١١١١١١١",
        "４１１１１１１１１１１１１１１１",
        "4111.1111.1111.1111",
        "4111/1111/1111/1111",
        "4111_1111_1111_1111",
        "4111,1111,1111,1111",
        "4111  1111  1111  1111",
        "4111\u{a0}1111\u{a0}1111\u{a0}1111",
        "4111\u{2009}1111\u{2009}1111\u{2009}1111",
        "4111\u{200b}1111\u{200b}1111\u{200b}1111",
        "४१११ ११११ ११११ ११११",
        "4111 - 1111 - 1111 - 1111",
    ];

    #[test]
    fn every_form_of_a_card_number_is_caught() {
        for form in CARD_FORMS {
            assert!(contains_card_number(form), "{form:?}");
            assert!(
                contains_card_number(&format!("paid with {form}, thanks")),
                "{form:?}"
            );
            let err = optional_line("Notes", &format!("card {form}"), 200).unwrap_err();
            assert!(err.message.contains("last four"), "{form:?}");
            let err = multiline("Notes", &format!("card\n{form}\n"), 200).unwrap_err();
            assert!(err.message.contains("last four"), "{form:?}");
        }
        // Any script's digits count, with their values: Bengali, Thai, mathematical bold.
        for digits in ["০১২৩৪৫৬৭৮৯", "๐๑๒๓๔๕๖๗๘๙", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"]
        {
            let values: Vec<u8> = digits.chars().filter_map(digit_value).collect();
            assert_eq!(values, (0..10).collect::<Vec<u8>>(), "{digits}");
        }
    }

    #[test]
    fn field_error_displays_field_then_message() {
        let e = FieldError::new("Email", "is required");
        assert_eq!(e.to_string(), "Email: is required");
    }

    #[test]
    fn required_line_checks() {
        assert_eq!(required_line("Name", "  Dana  ", 10).unwrap(), "Dana");
        assert_eq!(
            required_line("Name", " \t ", 10).unwrap_err().to_string(),
            "Name: is required"
        );
        assert_eq!(required_line("Name", "\x1b[2J", 10).unwrap(), "[2J");
        let long = required_line("Name", "abcdefghijk", 10).unwrap_err();
        assert_eq!(long.message, "is too long (at most 10 characters)");
        assert_eq!(required_line("Name", "נועהנועה", 8).unwrap(), "נועהנועה");
    }

    #[test]
    fn optional_line_checks() {
        assert_eq!(optional_line("Company", "  ", 10).unwrap(), None);
        assert_eq!(optional_line("Company", "\x07", 10).unwrap(), None);
        assert_eq!(
            optional_line("Company", " Acme ", 10).unwrap(),
            Some("Acme".to_owned())
        );
        assert!(optional_line("Company", "Acme Widgets Ltd", 10).is_err());
    }

    #[test]
    fn free_text_refuses_card_numbers() {
        let card = "Paid with 4111 1111 1111 1111";
        for err in [
            required_line("Title", card, 100).unwrap_err(),
            optional_line("Title", card, 100).unwrap_err(),
            multiline("Notes", card, NOTES_MAX_BYTES).unwrap_err(),
        ] {
            assert!(err.message.contains("last four digits"), "{err}");
        }
        assert!(email("Email", "4111111111111111@example.com").is_err());
        assert_eq!(
            required_line("Title", "Paid with card ending 1111", 100).unwrap(),
            "Paid with card ending 1111"
        );
    }

    #[test]
    fn multiline_checks() {
        assert_eq!(multiline("Notes", "", NOTES_MAX_BYTES).unwrap(), "");
        assert_eq!(
            multiline("Notes", "line 1\r\nline 2\x1b[2J", NOTES_MAX_BYTES).unwrap(),
            "line 1\nline 2[2J"
        );
        let exact = "a".repeat(NOTES_MAX_BYTES);
        assert_eq!(multiline("Notes", &exact, NOTES_MAX_BYTES).unwrap(), exact);
        let over = multiline("Notes", &"a".repeat(NOTES_MAX_BYTES + 1), NOTES_MAX_BYTES);
        assert_eq!(over.unwrap_err().message, "is too long (at most 64 KiB)");
        assert_eq!(
            multiline("Notes", "abcdef", 5).unwrap_err().message,
            "is too long (at most 5 bytes)"
        );
        // Counted in bytes: five Hebrew letters are ten bytes.
        assert!(multiline("Notes", "אבגדה", 9).is_err());
    }

    #[test]
    fn valid_emails() {
        for e in [
            "dana@example.com",
            "Dana.Cohen+crm@Example.co.il",
            "  x@y.io ",
            "נועה@דוגמה.ישראל",
            "o'brien@mail-server.example.org",
        ] {
            assert_eq!(email("Email", e).unwrap(), e.trim());
        }
    }

    #[test]
    fn invalid_emails() {
        for e in [
            "",
            "dana",
            "dana@",
            "@example.com",
            "dana@example",
            "dana@@example.com",
            "da@na@example.com",
            "dana cohen@example.com",
            "dana@exa mple.com",
            "dana@example..com",
            "dana@.example.com",
            "dana@example.com.",
            "dana@-example.com",
            ".dana@example.com",
            "da..na@example.com",
            "<dana@example.com>",
            "dana@example.com, eve@example.com",
        ] {
            assert!(email("Email", e).is_err(), "{e:?} should be refused");
        }
        let local = "a".repeat(65);
        assert!(email("Email", &format!("{local}@example.com")).is_err());
        let domain = format!("{}.com", "a".repeat(250));
        let err = email("Email", &format!("x@{domain}")).unwrap_err();
        assert_eq!(err.message, "is too long (at most 254 characters)");
        assert_eq!(
            email("Email", "nope").unwrap_err().to_string(),
            "Email: is not a valid e-mail address"
        );
    }

    #[test]
    fn valid_phones() {
        for p in [
            "+972 52-123-4567",
            "052-1234567",
            "(03) 123 4567",
            "+1 (555) 123.4567",
            "1234567",
            "+123456789012345",
        ] {
            assert_eq!(phone("Phone", p).unwrap(), p);
        }
    }

    #[test]
    fn invalid_phones() {
        for p in [
            "",
            "123456",
            "+1234567890123456",
            "12345678a",
            "++972521234567",
            "972+521234567",
            "(03 1234567",
            "03) 1234567",
            "((03)) 1234567",
            "052/1234567",
            "052 1234567 ext 12",
        ] {
            assert!(phone("Phone", p).is_err(), "{p:?} should be refused");
        }
        assert_eq!(
            phone("Phone", "12345").unwrap_err().message,
            "is too short for a phone number (at least 7 digits)"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(
            date("Birthday", "2024-02-29").unwrap(),
            jiff::civil::date(2024, 2, 29)
        );
        assert_eq!(
            date("Birthday", " 1999-12-31 ").unwrap(),
            jiff::civil::date(1999, 12, 31)
        );
        assert_eq!(
            date("Birthday", "2025-02-30").unwrap_err().message,
            "is not a real calendar date"
        );
        for bad in [
            "2025-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-01-00",
            "2025-01-32",
        ] {
            assert_eq!(
                date("Birthday", bad).unwrap_err().message,
                "is not a real calendar date"
            );
        }
        for bad in [
            "",
            "2025-1-01",
            "25-01-01",
            "2025/01/01",
            "2025-01-01T10:00",
            "+025-01-01",
            "2025-+1-01",
            "01-01-2025",
            "٢٠٢٥-٠١-٠١",
        ] {
            assert_eq!(
                date("Birthday", bad).unwrap_err().message,
                "is not a date (use YYYY-MM-DD)",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn birth_dates_have_a_sane_range() {
        for bad in [
            jiff::civil::date(0, 1, 1),
            jiff::civil::date(2999, 1, 1),
            jiff::civil::date(1879, 12, 31),
        ] {
            let e = birth_date("date of birth", bad).unwrap_err();
            assert!(e.message.contains("not a plausible birth date"), "{e}");
        }
        for good in [
            BIRTH_DATE_MIN,
            jiff::civil::date(1990, 6, 1),
            jiff::Timestamp::now()
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date(),
        ] {
            assert_eq!(birth_date("date of birth", good).unwrap(), good);
        }
    }

    #[test]
    fn times() {
        assert_eq!(
            time("Start", "09:30").unwrap(),
            jiff::civil::time(9, 30, 0, 0)
        );
        assert_eq!(
            time("Start", "23:59").unwrap(),
            jiff::civil::time(23, 59, 0, 0)
        );
        assert_eq!(
            time("Start", "00:00").unwrap(),
            jiff::civil::Time::midnight()
        );
        for bad in ["24:00", "12:60", "99:99"] {
            assert_eq!(
                time("Start", bad).unwrap_err().message,
                "is not a real time of day"
            );
        }
        for bad in [
            "", "9:30", "09:3", "0930", "09-30", "09:30:00", "+9:30", "ab:cd",
        ] {
            assert!(time("Start", bad).is_err(), "{bad:?}");
        }
    }
}
