//! Bytes as exported by real tools → text: UTF-8 with or without a BOM, UTF-16 (Outlook),
//! and Windows-1252 from older spreadsheets.

pub fn text(bytes: &[u8]) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (s, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return s.into_owned();
    }
    // UTF-16 without a BOM still shows itself by the zero bytes of ASCII text.
    if bytes.len() >= 4 && bytes[1] == 0 && bytes[3] == 0 && bytes[0] != 0 {
        let (s, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(bytes);
        return s.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// Drops a preamble before the header (LinkedIn's `Notes:` paragraph) and returns the text
/// from the header on, with how many lines were dropped.
pub fn skip_preamble(text: &str) -> (&str, u64) {
    if !text.trim_start().starts_with("Notes:") {
        return (text, 0);
    }
    let mut offset = 0;
    let mut seen_blank = false;
    for (lines, line) in (0u64..).zip(text.split_inclusive('\n')) {
        if seen_blank && !line.trim().is_empty() {
            return (&text[offset..], lines);
        }
        if line.trim().is_empty() {
            seen_blank = true;
        }
        offset += line.len();
    }
    (text, 0)
}

/// The separator of the header line: the most frequent of `,` `;` and tab outside quotes.
pub fn separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for c in &mut counts {
                if c.0 == b {
                    c.1 += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|c| c.1)
        .map(|c| c.0)
        .unwrap_or(b',')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_bom_and_1252() {
        let mut le = vec![0xff, 0xfe];
        for u in "Name,E-mail".encode_utf16() {
            le.extend(u.to_le_bytes());
        }
        assert_eq!(text(&le), "Name,E-mail");
        assert_eq!(text(b"\xef\xbb\xbfName"), "Name");
        assert_eq!(text(b"Jos\xe9"), "José");
    }

    #[test]
    fn linkedin_preamble_and_separator() {
        let t = "Notes:\n\"When exporting...\"\n\nFirst Name,Last Name\nA,B\n";
        let (rest, n) = skip_preamble(t);
        assert!(rest.starts_with("First Name"));
        assert_eq!(n, 3);
        assert_eq!(separator("a;b;\"c,d\"\n"), b';');
    }
}
