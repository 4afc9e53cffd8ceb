//! Lists by the page: a window (where it starts, how many rows, in which order) over a
//! sorted list, answered with the rows, their place and the total.
//!
//! Every order is total: rows compare by their sort value and then by id, so a row's
//! `Cursor` names one place in it. Paging by cursor (`Start::After` the last row of the
//! previous page) returns every row whose sort value does not change exactly once, however
//! many rows are added or deleted between pages: each page holds the rows of one range of
//! cursors, and the ranges do not overlap. Paging by offset cannot promise that (a row
//! added above the window shifts the rest down by one), so screens use offsets to jump and
//! cursors to step.

use serde::{Deserialize, Serialize};

use crate::domain::Id;

/// Rows a window holds unless asked otherwise.
pub const DEFAULT_LIMIT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// By name (a task's title), case and accents folded.
    #[default]
    Name,
    /// By the time of the last change.
    Updated,
    /// By the time the record was made.
    Created,
    /// By status (in the order statuses are listed), then by name.
    Status,
    /// Tasks only: overdue first, then by due date, undated last.
    Due,
}

impl SortKey {
    pub const ALL: [SortKey; 5] = [
        SortKey::Name,
        SortKey::Updated,
        SortKey::Created,
        SortKey::Status,
        SortKey::Due,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Updated => "updated",
            SortKey::Created => "created",
            SortKey::Status => "status",
            SortKey::Due => "due",
        }
    }

    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Sort {
    pub key: SortKey,
    /// Largest first (newest first for times).
    pub desc: bool,
}

/// A row's place in an order: its sort value (`major`, then `minor`) and its id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Cursor {
    pub major: i64,
    pub minor: String,
    pub id: Id,
}

impl Cursor {
    /// Compares without building a `Cursor` for the other side.
    pub fn cmp_parts(&self, major: i64, minor: &str, id: Id) -> std::cmp::Ordering {
        (self.major, self.minor.as_str(), self.id).cmp(&(major, minor, id))
    }
}

/// Where a window starts, counted in the order asked for (descending orders count from
/// the largest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Start {
    /// The row at this place (0 is the first).
    Offset(usize),
    /// The rows that come after this place: the next page, exactly once.
    After(Cursor),
    /// The rows that come just before this place: the previous page.
    Before(Cursor),
    /// The last rows.
    End,
    /// The window with this record in its middle, to keep a selection across changes;
    /// `or_offset` when the record is no longer listed.
    Around { id: Id, or_offset: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: Start,
    pub limit: usize,
    pub sort: Sort,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            start: Start::Offset(0),
            limit: DEFAULT_LIMIT,
            sort: Sort::default(),
        }
    }
}

impl Window {
    pub fn first(limit: usize, sort: Sort) -> Window {
        Window {
            start: Start::Offset(0),
            limit,
            sort,
        }
    }
}

/// One window of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// The place of the first row in the whole list.
    pub offset: usize,
    /// Rows in the whole list (with the filter applied).
    pub total: usize,
    /// The places of the first and last rows, for `Start::Before` and `Start::After`.
    pub first: Option<Cursor>,
    pub last: Option<Cursor>,
}

impl<T> Page<T> {
    pub fn empty() -> Page<T> {
        Page {
            rows: Vec::new(),
            offset: 0,
            total: 0,
            first: None,
            last: None,
        }
    }

    /// Rows past this window: more to ask for with `Start::After(last)`.
    pub fn more(&self) -> bool {
        self.offset + self.rows.len() < self.total
    }
}

/// A list in ascending cursor order that a window can be cut from.
pub(crate) trait Sorted {
    fn len(&self) -> usize;
    /// How many rows come before `c` (or are `c`, when `inclusive`).
    fn count_below(&self, c: &Cursor, inclusive: bool) -> usize;
    /// The ascending place of a listed record.
    fn position(&self, id: Id) -> Option<usize>;
}

/// The places `[from, to)` of the window, counted in the order asked for.
pub(crate) fn span(list: &impl Sorted, w: &Window) -> (usize, usize) {
    let n = list.len();
    let limit = w.limit;
    let desc = w.sort.desc;
    // Rows after a place, counted in the order asked for.
    let after = |c: &Cursor| {
        if desc {
            n - list.count_below(c, false)
        } else {
            list.count_below(c, true)
        }
    };
    let from = match &w.start {
        Start::Offset(k) => (*k).min(n),
        Start::End => n.saturating_sub(limit),
        Start::After(c) => after(c),
        Start::Before(c) => {
            let end = if desc {
                n - list.count_below(c, true)
            } else {
                list.count_below(c, false)
            };
            // A short first page ends where the cursor is, not `limit` rows on.
            return (end.saturating_sub(limit), end);
        }
        Start::Around { id, or_offset } => {
            match list.position(*id).map(|p| ascending(n, desc, p)) {
                Some(p) => p.saturating_sub(limit / 2).min(n.saturating_sub(limit)),
                None => (*or_offset).min(n),
            }
        }
    };
    (from, from.saturating_add(limit).min(n))
}

/// The ascending place of the row shown at `i` of a window in `sort`'s direction.
pub(crate) fn ascending(n: usize, desc: bool, i: usize) -> usize {
    if desc { n - 1 - i } else { i }
}

/// A whole list already in memory (tasks, employees): sorted by cursor, then windowed.
pub(crate) fn window_of<T>(mut rows: Vec<(Cursor, T)>, w: &Window) -> Page<T> {
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    struct Keys<'a, T>(&'a [(Cursor, T)]);
    impl<T> Sorted for Keys<'_, T> {
        fn len(&self) -> usize {
            self.0.len()
        }
        fn count_below(&self, c: &Cursor, inclusive: bool) -> usize {
            self.0
                .partition_point(|(k, _)| if inclusive { k <= c } else { k < c })
        }
        fn position(&self, id: Id) -> Option<usize> {
            self.0.iter().position(|(k, _)| k.id == id)
        }
    }
    let (from, to) = span(&Keys(&rows), w);
    let n = rows.len();
    let desc = w.sort.desc;
    let mut slots: Vec<Option<(Cursor, T)>> = rows.into_iter().map(Some).collect();
    let mut out: Vec<(Cursor, T)> = (from..to)
        .filter_map(|i| slots[ascending(n, desc, i)].take())
        .collect();
    let first = out.first().map(|r| r.0.clone());
    let last = out.last().map(|r| r.0.clone());
    Page {
        rows: out.drain(..).map(|r| r.1).collect(),
        offset: from,
        total: n,
        first,
        last,
    }
}
