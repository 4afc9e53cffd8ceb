//! `[display] bidi = "reorder"`: right-to-left text laid out in visual order by Kasefet,
//! for terminals that draw every line left to right.
//!
//! Only whole cells are reordered, after they are cut to width, so a long name loses its
//! logical end (as it would in a bidi terminal) and the column keeps its width.
//!
//! The mode is per thread: the app sets it before each draw, and tests drawing side by side
//! with different modes do not see each other's.

use std::borrow::Cow;
use std::cell::Cell;

use unicode_bidi::BidiInfo;

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
/// right-to-left text, untouched otherwise.
pub fn visual(s: &str) -> Cow<'_, str> {
    if mode() != Bidi::Reorder || !has_rtl(s) {
        return Cow::Borrowed(s);
    }
    let info = BidiInfo::new(s, None);
    let mut out = String::with_capacity(s.len());
    for para in &info.paragraphs {
        // A cell is one line; a paragraph separator inside it stays where it is.
        out.push_str(&info.reorder_line(para, para.range.clone()));
    }
    Cow::Owned(out)
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
        set(Bidi::Terminal);
    }
}
