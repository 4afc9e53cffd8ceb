//! Strings on their way to the screen: sanitised again (SECURITY.md, "Terminal") and
//! measured in terminal cells, so Hebrew, accents and wide characters line up.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::domain::text::sanitize_line;

/// One line of stored text, safe to draw.
pub fn clean(s: &str) -> String {
    sanitize_line(s)
}

/// Stored free text as safe lines.
pub fn clean_lines(s: &str) -> Vec<String> {
    s.split(['\n', '\r']).map(sanitize_line).collect()
}

/// Terminal cells `s` takes.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` cells, ending in `…` when cut.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` cut or padded with spaces to exactly `cells` cells: a cell of a table or form. Cut
/// first, then laid out in visual order when `[display] bidi = "reorder"` asks for it.
pub fn pad(s: &str, cells: usize) -> String {
    let mut out = crate::tui::bidi::visual(&fit(s, cells)).into_owned();
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

/// Words wrapped to `max` cells per line (long words are cut).
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        let extra = if line.is_empty() {
            width(word)
        } else {
            width(&line) + 1 + width(word)
        };
        if extra > max && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&fit(word, max));
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_never_survive() {
        for s in [
            "\x1b]52;c;AAAA\x07",
            "\x1b[2J",
            "\x1b]0;owned\x07",
            "\u{9b}1m",
            "a\rb",
            "\u{202e}abc",
        ] {
            let c = clean(s);
            assert!(
                !c.chars()
                    .any(|ch| ch.is_control() || ('\u{202a}'..='\u{202e}').contains(&ch)),
                "{c:?}"
            );
        }
    }

    #[test]
    fn wide_and_hebrew_text_is_measured_in_cells() {
        assert_eq!(width("שלום"), 4);
        assert_eq!(width("日本"), 4);
        assert_eq!(pad("日本語", 5), "日本…");
        assert_eq!(width(&pad("日本語", 5)), 5);
        assert_eq!(pad("דנה", 6), "דנה   ");
        assert_eq!(fit("abcdef", 4), "abc…");
    }

    #[test]
    fn wraps_on_words() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
    }
}
