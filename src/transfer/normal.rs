//! Normalised forms for matching one person across files and records.

use crate::domain::text;

/// Case and surrounding space do not make a different address.
pub fn email_key(e: &str) -> String {
    e.trim().to_lowercase()
}

/// The national number: digits only, without an international (`00`, `+`) or trunk (`0`)
/// prefix, compared on its last nine digits, so `+972 54-123-4567` and `054-1234567` match.
/// `None` for too few digits to mean anything.
pub fn phone_key(p: &str) -> Option<String> {
    let d = text::digits(p);
    let d = d.trim_start_matches('0');
    if d.len() < 7 {
        return None;
    }
    Some(d[d.len().saturating_sub(9)..].to_owned())
}

/// Same person by name: folded (case, accents) and with spaces collapsed, with the company.
pub fn name_key(name: &str, company: Option<&str>) -> String {
    let f = |s: &str| {
        text::fold(s)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("{}\u{1f}{}", f(name), company.map(f).unwrap_or_default())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn national_and_international_forms_match() {
        assert_eq!(phone_key("+972 54-123-4567"), phone_key("054-1234567"));
        assert_eq!(phone_key("00972541234567"), phone_key("(054) 123 4567"));
        assert_ne!(phone_key("054-1234567"), phone_key("054-1234568"));
        assert_eq!(phone_key("123"), None);
        assert_eq!(email_key(" Noa@Example.ORG "), "noa@example.org");
    }
}
