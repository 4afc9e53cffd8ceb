//! A long list held one window at a time: the rows on screen plus a margin each way, the
//! place of the first of them, and the total the service counted. Screens ask for a new
//! window only when the selection moves out of the one they hold.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::domain::Id;
use crate::search::{Page, Start};
use crate::tui::text::fit;
use crate::tui::theme::Theme;
use crate::tui::widgets::table::Selection;

/// Rows kept beyond the screen each way, so a few steps or a page do not ask again.
pub const MARGIN: usize = 50;
/// Screen rows assumed before the first draw has measured them.
const FIRST_HEIGHT: usize = 30;

#[derive(Debug, Clone)]
pub struct Paged<T> {
    rows: Vec<T>,
    offset: usize,
    total: usize,
    loaded: bool,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Paged {
            rows: Vec::new(),
            offset: 0,
            total: 0,
            loaded: false,
        }
    }
}

impl<T> Paged<T> {
    pub fn total(&self) -> usize {
        self.total
    }

    /// The row at place `i` of the whole list, when it is in the window held.
    pub fn get(&self, i: usize) -> Option<&T> {
        i.checked_sub(self.offset).and_then(|j| self.rows.get(j))
    }

    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    pub fn set(&mut self, page: Page<T>) {
        self.rows = page.rows;
        self.offset = page.offset;
        self.total = page.total;
        self.loaded = true;
    }

    /// The place of the first held row for which `f` holds.
    pub fn position(&self, f: impl Fn(&T) -> bool) -> Option<usize> {
        self.rows.iter().position(f).map(|i| i + self.offset)
    }

    /// Rows to ask for at a time, for a screen `height` rows high.
    pub fn limit(height: usize) -> usize {
        height_or_default(height) + 2 * MARGIN
    }

    /// Where to start a window holding a screen's worth each way around `index`; `None`
    /// when the one held already does.
    pub fn missing(&self, index: usize, height: usize) -> Option<Start> {
        let h = height_or_default(height);
        let lo = index.saturating_sub(h);
        let hi = (index + h + 1).min(self.total);
        let held = self.loaded && lo >= self.offset && hi <= self.offset + self.rows.len();
        (!held).then(|| Start::Offset(index.saturating_sub(MARGIN)))
    }

    /// The window to ask for after a change, keeping `id` (the selection) in it.
    pub fn around(&self, id: Option<Id>, index: usize) -> Start {
        match id {
            Some(id) => Start::Around {
                id,
                or_offset: index.saturating_sub(MARGIN),
            },
            None => Start::Offset(index.saturating_sub(MARGIN)),
        }
    }
}

fn height_or_default(h: usize) -> usize {
    if h == 0 { FIRST_HEIGHT } else { h }
}

/// "rows 21–40 of 1,000,000" for the rows `first..first + shown` of `total`.
pub fn rows_label(first: usize, shown: usize, total: usize) -> String {
    if total == 0 {
        return "no rows".into();
    }
    let last = (first + shown).min(total);
    format!(
        "rows {}–{} of {}",
        grouped(first + 1),
        grouped(last),
        grouped(total)
    )
}

/// "rows a–b of N" for the rows of `total` shown at the last draw, on the bottom border
/// of the pane `area`, at its right.
pub fn draw_rows_label(f: &mut Frame, area: Rect, sel: &Selection, total: usize, t: &Theme) {
    if area.height < 2 || area.width < 6 {
        return;
    }
    let first = sel.first_shown();
    let shown = sel.height().min(total.saturating_sub(first));
    let line = Rect {
        x: area.x + 2,
        y: area.y + area.height - 1,
        width: area.width - 4,
        height: 1,
    };
    let text = fit(
        &format!(" {} ", rows_label(first, shown, total)),
        usize::from(line.width),
    );
    f.render_widget(
        Line::from(Span::styled(text, t.dim())).right_aligned(),
        line,
    );
}

fn grouped(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_group_thousands_and_windows_reload_only_outside_the_margin() {
        assert_eq!(rows_label(0, 20, 1_000_000), "rows 1–20 of 1,000,000");
        assert_eq!(rows_label(990, 20, 1000), "rows 991–1,000 of 1,000");
        assert_eq!(rows_label(0, 20, 0), "no rows");
        let mut p: Paged<u32> = Paged::default();
        assert!(p.missing(0, 20).is_some(), "nothing held yet");
        p.set(Page {
            rows: (100..220).collect(),
            offset: 100,
            total: 10_000,
            first: None,
            last: None,
        });
        assert_eq!(p.get(100), Some(&100));
        assert_eq!(p.get(99), None);
        assert!(p.missing(150, 20).is_none());
        assert_eq!(p.missing(215, 20), Some(Start::Offset(165)));
        assert_eq!(p.missing(9_999, 20), Some(Start::Offset(9_949)));
    }
}
