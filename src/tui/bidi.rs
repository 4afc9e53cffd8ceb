//! `[display] bidi = "reorder"`: right-to-left text laid out in visual order by Kasefet,
//! for terminals that draw every line left to right.
//!
//! Table and form cells are reordered whole, after they are cut to width, so a long name
//! loses its logical end (as it would in a bidi terminal) and the column keeps its width.
//! Other text (detail panes, the status line, Home, titles) is reordered a line at a time
//! with a left-to-right base, so labels stay where they are and each span keeps its style.
//!
//! The mode is per thread: the app sets it before each draw, and tests drawing side by side
//! with different modes do not see each other's.

use std::borrow::Cow;
use std::cell::Cell;

use ratatui::text::{Line, Span};
use unicode_bidi::{BidiInfo, Level};
use unicode_width::UnicodeWidthChar;

pub use crate::config::Bidi;

thread_local! {
    static MODE: Cell<Bidi> = const { Cell::new(Bidi::Terminal) };
}

/// The mode for what this thread draws next.
pub fn set(mode: Bidi) {
    MODE.with(|m| m.set(mode));
}

pub fn mode() -> Bidi {
    MODE.with(Cell::get)
}

/// Any character of a right-to-left script (Hebrew, Arabic, Syriac, Thaana, N'Ko...).
fn has_rtl(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c as u32,
            0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
    })
}

/// `s` as the terminal should receive it: in visual order under `reorder` when it holds
/// right-to-left text, untouched otherwise. A cell takes its direction from its first
/// strong character, as a bidi terminal would.
pub fn visual(s: &str) -> Cow<'_, str> {
    if mode() != Bidi::Reorder || !has_rtl(s) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(reorder(s, None).into_iter().map(|(_, c, _)| c).collect())
}

/// A line of spans in visual order under `reorder`: each span is laid out on its own with a
/// left-to-right base (the screen's), as a cell is, so a label, a value and the digits
/// after a Hebrew value never trade places, and each keeps its style.
pub fn line(l: Line<'_>) -> Line<'_> {
    if mode() != Bidi::Reorder || !l.spans.iter().any(|s| has_rtl(&s.content)) {
        return l;
    }
    let spans: Vec<Span> = l
        .spans
        .into_iter()
        .map(|s| {
            if has_rtl(&s.content) {
                let text: String = reorder(&s.content, Some(Level::ltr()))
                    .into_iter()
                    .map(|(_, c, _)| c)
                    .collect();
                Span::styled(text, s.style)
            } else {
                s
            }
        })
        .collect();
    Line {
        spans,
        style: l.style,
        alignment: l.alignment,
    }
}

/// An input field's text in visual order under `reorder`, and the cell where the cursor
/// (before logical character `cursor`) goes; `None` when the text goes out as it is.
pub fn input(chars: &[char], cursor: usize) -> Option<(String, usize)> {
    let text: String = chars.iter().collect();
    if mode() != Bidi::Reorder || !has_rtl(&text) {
        return None;
    }
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let order = reorder(&text, None);
    let w = |c: &char| c.width().unwrap_or(0);
    let cells_before = |v: usize| order.iter().take(v).map(|(_, c, _)| w(c)).sum::<usize>();
    let at = |n: usize| order.iter().position(|(i, _, _)| Some(i) == starts.get(n));
    let x = match at(cursor) {
        // Before a character: on its left in left-to-right text, on its right in a
        // right-to-left run (where the text goes on leftwards).
        Some(v) if order[v].2 => cells_before(v) + w(&order[v].1),
        Some(v) => cells_before(v),
        // After the last character: past its far side.
        None => match cursor.checked_sub(1).and_then(at) {
            Some(v) if order[v].2 => cells_before(v),
            Some(v) => cells_before(v) + w(&order[v].1),
            None => 0,
        },
    };
    Some((order.into_iter().map(|(_, c, _)| c).collect(), x))
}

/// Each line of `lines` through [`line`].
pub fn lines(lines: Vec<Line<'_>>) -> Vec<Line<'_>> {
    lines.into_iter().map(line).collect()
}

/// The characters of `s` in visual order, each with its byte offset in `s` and whether it
/// is in a right-to-left run. Right-to-left
/// runs are reversed a character and its combining marks at a time (so niqqud stays on its
/// letter), and their brackets mirrored.
fn reorder(s: &str, base: Option<Level>) -> Vec<(usize, char, bool)> {
    let info = BidiInfo::new(s, base);
    let mut out = Vec::with_capacity(s.len());
    for para in &info.paragraphs {
        let (levels, runs) = info.visual_runs(para, para.range.clone());
        for run in runs {
            let chars = s[run.clone()]
                .char_indices()
                .map(|(i, c)| (i + run.start, c));
            if !levels.get(run.start).is_some_and(|l| l.is_rtl()) {
                out.extend(chars.map(|(i, c)| (i, c, false)));
                continue;
            }
            let mut clusters: Vec<Vec<(usize, char, bool)>> = Vec::new();
            for (i, c) in chars {
                match clusters.last_mut() {
                    Some(last) if c.width() == Some(0) => last.push((i, c, true)),
                    _ => clusters.push(vec![(i, mirror(c), true)]),
                }
            }
            out.extend(clusters.into_iter().rev().flatten());
        }
    }
    out
}

fn mirror(c: char) -> char {
    match c {
        '(' => ')',
        ')' => '(',
        '[' => ']',
        ']' => '[',
        '{' => '}',
        '}' => '{',
        '<' => '>',
        '>' => '<',
        '«' => '»',
        '»' => '«',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reorders_only_when_asked_and_only_right_to_left_text() {
        set(Bidi::Terminal);
        assert_eq!(visual("נועה לוי"), "נועה לוי");
        set(Bidi::Reorder);
        assert_eq!(visual("נועה לוי"), "יול העונ");
        assert_eq!(visual("Dana Cohen"), "Dana Cohen");
        // Digits and Latin inside Hebrew keep their own direction.
        assert_eq!(visual("חדר 12"), "12 רדח");
        assert_eq!(visual("Levi לוי"), "Levi יול");
        // Cut at the logical end (the visual left), then padded to the same width.
        assert_eq!(crate::tui::text::pad("אבגדהו", 5), "…דגבא");
        assert_eq!(crate::tui::text::pad("אב", 4), "בא  ");
        // A mark stays after its letter; brackets inside Hebrew face the right way.
        assert_eq!(
            visual("\u{5e9}\u{5b8}\u{5c1}\u{5dc}\u{5d5}\u{5b9}\u{5dd}"),
            "\u{5dd}\u{5d5}\u{5b9}\u{5dc}\u{5e9}\u{5b8}\u{5c1}"
        );
        assert_eq!(visual("לוי (בע״מ)"), "(מ״עב) יול");
        set(Bidi::Terminal);
    }

    #[test]
    fn a_line_keeps_its_labels_left_and_its_styles() {
        use ratatui::style::{Style, Stylize};
        set(Bidi::Reorder);
        let l = line(Line::from(vec![
            Span::raw("Company      ").bold(),
            Span::raw("חברת לוי"),
            Span::raw("  [lead]").dim(),
        ]));
        let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "Company      יול תרבח  [lead]");
        assert_eq!(l.spans[0].content, "Company      ");
        assert_eq!(l.spans[0].style, Style::new().bold());
        assert_eq!(l.spans[1].content, "יול תרבח");
        assert_eq!(l.spans[2].style, Style::new().dim());
        // Each span on its own: digits after a Hebrew span stay in theirs.
        let l = line(Line::from(vec![
            Span::raw("חברת לוי"),
            Span::raw(" │  1 Home"),
        ]));
        let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "יול תרבח │  1 Home");
        // A sentence starting in Hebrew still reads left to right.
        let l = line(Line::from("דנה לוי was deleted"));
        assert_eq!(l.spans[0].content, "יול הנד was deleted");
        set(Bidi::Terminal);
        let plain = Line::from("דנה לוי");
        assert_eq!(line(plain.clone()), plain);
    }

    #[test]
    fn the_cursor_of_a_reordered_field_sits_by_its_character() {
        set(Bidi::Reorder);
        let chars: Vec<char> = "אבג".chars().collect();
        // Shown "גבא": before א is its right side; at the end, the left edge.
        assert_eq!(input(&chars, 0), Some(("גבא".into(), 3)));
        assert_eq!(input(&chars, 1), Some(("גבא".into(), 2)));
        assert_eq!(input(&chars, 3), Some(("גבא".into(), 0)));
        let chars: Vec<char> = "ab אב".chars().collect();
        assert_eq!(input(&chars, 0), Some(("ab בא".into(), 0)));
        assert_eq!(input(&chars, 5), Some(("ab בא".into(), 3)));
        assert_eq!(input(&"abc".chars().collect::<Vec<_>>(), 1), None);
        set(Bidi::Terminal);
        assert_eq!(input(&chars, 0), None);
    }
}
