//! A scrolling table whose columns are measured in cells, and the selection that moves in it.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::tui::action::Action;
use crate::tui::text::{clean, pad};
use crate::tui::theme::Theme;

/// How wide a column is: a fixed number of cells, or a share of what is left.
#[derive(Debug, Clone, Copy)]
pub enum Width {
    Cells(usize),
    Share(usize),
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: Width,
}

pub const fn col(title: &'static str, width: Width) -> Column {
    Column { title, width }
}

/// One row: cell texts (sanitised when drawn) and a style for the whole row.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub cells: Vec<String>,
    pub style: Style,
}

impl Row {
    pub fn new(cells: Vec<String>) -> Row {
        Row {
            cells,
            style: Style::new(),
        }
    }

    pub fn styled(mut self, style: Style) -> Row {
        self.style = style;
        self
    }
}

/// Which row is highlighted, and the first row shown (kept in view while drawing).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub index: usize,
    offset: Cell<usize>,
    /// Rows that fitted at the last draw, for paging.
    page: Cell<usize>,
}

impl Selection {
    /// Moves for a list action; false when `action` is not a movement.
    pub fn apply(&mut self, action: Action, len: usize) -> bool {
        let page = self.page.get().max(1);
        let last = len.saturating_sub(1);
        self.index = match action {
            Action::Up => self.index.saturating_sub(1),
            Action::Down => (self.index + 1).min(last),
            Action::PageUp => self.index.saturating_sub(page),
            Action::PageDown => (self.index + page).min(last),
            Action::First => 0,
            Action::Last => last,
            _ => return false,
        };
        true
    }

    /// Rows that fitted at the last draw (0 before the first).
    pub fn height(&self) -> usize {
        self.page.get()
    }

    /// The first row shown at the last draw.
    pub fn first_shown(&self) -> usize {
        self.offset.get()
    }

    pub fn clamp(&mut self, len: usize) {
        self.index = self.index.min(len.saturating_sub(1));
    }

    fn visible(&self, height: usize) -> usize {
        let mut off = self.offset.get();
        if self.index < off {
            off = self.index;
        } else if height > 0 && self.index >= off + height {
            off = self.index + 1 - height;
        }
        self.offset.set(off);
        self.page.set(height);
        off
    }
}

fn widths(columns: &[Column], total: usize) -> Vec<usize> {
    let gaps = columns.len().saturating_sub(1);
    let fixed: usize = columns
        .iter()
        .map(|c| if let Width::Cells(n) = c.width { n } else { 0 })
        .sum();
    let shares: usize = columns
        .iter()
        .map(|c| if let Width::Share(n) = c.width { n } else { 0 })
        .sum();
    let free = total.saturating_sub(fixed + gaps);
    let mut out: Vec<usize> = columns
        .iter()
        .map(|c| match c.width {
            Width::Cells(n) => n,
            Width::Share(s) => free * s / shares.max(1),
        })
        .collect();
    // Give the rounding remainder to the last shared column.
    let used: usize = out.iter().sum::<usize>() + gaps;
    if let Some(i) = columns
        .iter()
        .rposition(|c| matches!(c.width, Width::Share(_)))
    {
        out[i] += total.saturating_sub(used);
    }
    out
}

fn line(cells: &[String], widths: &[usize], style: Style) -> Line<'static> {
    let text: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(i, w)| pad(&clean(cells.get(i).map_or("", String::as_str)), *w))
        .collect();
    Line::from(Span::styled(text.join(" "), style))
}

/// Draws a header and the rows that fit, the selected one highlighted when `active`.
pub fn draw(
    f: &mut Frame,
    area: Rect,
    columns: &[Column],
    rows: &[Row],
    sel: &Selection,
    theme: &Theme,
    active: bool,
) {
    draw_with(
        f,
        area,
        columns,
        rows.len(),
        |i| rows[i].clone(),
        sel,
        theme,
        active,
    );
}

/// Like `draw`, for long lists: only the rows on screen are built (by `row(index)`).
#[allow(clippy::too_many_arguments)]
pub fn draw_with(
    f: &mut Frame,
    area: Rect,
    columns: &[Column],
    len: usize,
    row: impl Fn(usize) -> Row,
    sel: &Selection,
    theme: &Theme,
    active: bool,
) {
    if area.height == 0 {
        return;
    }
    let w = widths(columns, usize::from(area.width));
    let titles: Vec<String> = columns.iter().map(|c| c.title.to_string()).collect();
    f.render_widget(
        line(&titles, &w, theme.header()),
        Rect { height: 1, ..area },
    );
    let body = usize::from(area.height - 1);
    let off = sel.visible(body);
    for n in off..len.min(off + body) {
        let row = row(n);
        let y = area.y + 1 + (n - off) as u16;
        let style = if active && n == sel.index {
            row.style.patch(theme.selected())
        } else {
            row.style
        };
        f.render_widget(
            line(&row.cells, &w, style),
            Rect {
                y,
                height: 1,
                ..area
            },
        );
    }
    if len == 0 {
        f.render_widget(
            Span::styled("  nothing here", theme.dim()),
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_fill_the_row() {
        let cols = [
            col("a", Width::Cells(4)),
            col("b", Width::Share(1)),
            col("c", Width::Share(2)),
        ];
        let w = widths(&cols, 40);
        assert_eq!(w.iter().sum::<usize>() + 2, 40);
        assert_eq!(w[0], 4);
    }

    #[test]
    fn selection_keeps_the_row_in_view() {
        let mut s = Selection {
            index: 30,
            ..Selection::default()
        };
        assert_eq!(s.visible(10), 21);
        s.apply(Action::First, 50);
        assert_eq!(s.visible(10), 0);
        s.apply(Action::PageDown, 50);
        assert_eq!(s.index, 10);
    }
}
