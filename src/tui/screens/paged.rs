//! A long list held one window at a time: the rows on screen plus a margin each way, the
//! place of the first of them, and the total the service counted. Screens ask for a new
//! window only when the selection moves out of the one they hold.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::domain::{Employee, Id, Task};
use crate::search::{CustomerSummary, Page, Start};
use crate::service::{Request, Response};
use crate::tui::screens::{Ctx, unexpected};
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

impl<T: Keyed> Paged<T> {
    /// The place of the held row with `id`.
    pub fn place(&self, id: Id) -> Option<usize> {
        self.position(|r| r.id() == id)
    }

    /// After a window asked to hold `id` came: the selection moves to it while it is
    /// listed; otherwise the selection keeps its place (the next row takes it).
    pub fn follow(&self, id: Option<Id>, sel: &mut Selection) {
        match id.and_then(|id| self.place(id)) {
            Some(i) => sel.index = i,
            None => sel.clamp(self.total),
        }
    }

    /// Holds the page the service answers `req` with, which `page` picks out of the
    /// answer; a failure, or an answer without a page, is shown instead. True when held.
    pub fn load(
        &mut self,
        req: Request,
        page: fn(Response) -> Option<Page<T>>,
        ctx: &mut Ctx,
    ) -> bool {
        match ctx.call(req).map(page) {
            Ok(Some(p)) => {
                self.set(p);
                true
            }
            Ok(None) => {
                ctx.fail(&unexpected());
                false
            }
            Err(e) => {
                ctx.fail(&e);
                false
            }
        }
    }
}

/// A row the selection follows by its id when the window around it is loaded again.
pub trait Keyed {
    fn id(&self) -> Id;
}

impl Keyed for Task {
    fn id(&self) -> Id {
        self.id
    }
}

impl Keyed for Employee {
    fn id(&self) -> Id {
        self.id
    }
}

impl Keyed for CustomerSummary {
    fn id(&self) -> Id {
        self.id
    }
}

/// A screen showing a [`Paged`] list under a [`Selection`]. Each says how to ask the
/// service for a window; filling, reloading and the highlighted row are the same for all.
pub trait Listing {
    type Row: Keyed;

    fn window(&self) -> (&Paged<Self::Row>, &Selection);
    fn window_mut(&mut self) -> (&mut Paged<Self::Row>, &mut Selection);

    /// Asks for one window and holds it; false when the service did not answer with one.
    fn fetch(&mut self, start: Start, ctx: &mut Ctx) -> bool;

    /// True while the selection is in rows other than the list's (Customers' search
    /// results): the list is still loaded again, but the selection is left alone.
    fn elsewhere(&self) -> bool {
        false
    }

    /// Loads the window around the selection when the selection has left the one held.
    fn fill(&mut self, ctx: &mut Ctx) {
        if self.elsewhere() {
            return;
        }
        let (list, sel) = self.window();
        if let Some(start) = list.missing(sel.index, sel.height()) {
            self.fetch(start, ctx);
            let (list, sel) = self.window_mut();
            sel.clamp(list.total());
        }
    }

    /// Loads the window again with `id` in it (the selection, or a record just saved) and
    /// moves the selection to it while it is listed; otherwise the selection keeps its
    /// place (the next row takes it).
    fn reload_around(&mut self, id: Option<Id>, ctx: &mut Ctx) {
        let (list, sel) = self.window();
        let start = list.around(id, sel.index);
        if self.fetch(start, ctx) && !self.elsewhere() {
            let (list, sel) = self.window_mut();
            list.follow(id, sel);
        }
    }

    /// Loads the list again around the highlighted row.
    fn reload(&mut self, ctx: &mut Ctx) {
        let keep = self.highlighted().map(Keyed::id);
        self.reload_around(keep, ctx);
    }

    /// The row under the selection, when its window is held.
    fn highlighted(&self) -> Option<&Self::Row> {
        let (list, sel) = self.window();
        list.get(sel.index)
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
