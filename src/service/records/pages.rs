//! Task and employee lists by the page. Both kinds live whole in memory, so a page is the
//! filtered list sorted by cursor and cut; customers are paged by the index (`reads.rs`).

use std::collections::BTreeMap;

use crate::domain::role::Scope;
use crate::domain::text::fold;
use crate::domain::{Employee, Id, Task, TaskStatus};
use crate::search::page::window_of;
use crate::search::{Cursor, Page, SortKey, Window};
use crate::service::request::TaskFilter;

/// `yyyymmdd` of a date: ordered like the date.
fn day_number(d: jiff::civil::Date) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

fn task_cursor(k: SortKey, t: &Task, today: jiff::civil::Date) -> Cursor {
    let (major, minor) = match k {
        SortKey::Name => (0, fold(&t.data.title)),
        SortKey::Updated => (t.stamp.updated_at, String::new()),
        SortKey::Created => (t.stamp.created_at, String::new()),
        SortKey::Status => {
            let rank = TaskStatus::ALL
                .iter()
                .position(|s| *s == t.data.status)
                .unwrap_or(0);
            (rank as i64, fold(&t.data.title))
        }
        // Overdue first, then by due date, undated last.
        SortKey::Due => {
            let group = if t.is_overdue(today) {
                0
            } else if t.data.due.is_some() {
                1
            } else {
                2
            };
            let day = t.data.due.map_or(0, day_number);
            (group * 100_000_000 + day, String::new())
        }
    };
    Cursor {
        major,
        minor,
        id: t.id,
    }
}

fn employee_cursor(k: SortKey, e: &Employee) -> Cursor {
    let (major, minor) = match k {
        SortKey::Updated => (e.stamp.updated_at, String::new()),
        SortKey::Created => (e.stamp.created_at, String::new()),
        // Refused at the door for employees; by name if it ever got here.
        SortKey::Name | SortKey::Status | SortKey::Due => (0, fold(&e.data.name)),
    };
    Cursor {
        major,
        minor,
        id: e.id,
    }
}

/// Who asks for a task or employee list, and how far their role reaches: all a list needs
/// besides the caches, so it can be answered without a `Cx` (see `cached`).
pub(crate) struct Asker {
    pub me: Id,
    pub reach: Scope,
    pub today: jiff::civil::Date,
}

/// One window of the tasks `who` may read that pass `f`. Only the window's rows are copied.
pub(crate) fn task_page(
    tasks: &BTreeMap<Id, Task>,
    who: &Asker,
    f: &TaskFilter,
    w: &Window,
) -> Page<Task> {
    let rows = super::tasks::matching(tasks, who, f)
        .into_iter()
        .map(|t| (task_cursor(w.sort.key, t, who.today), t))
        .collect();
    owned(window_of(rows, w), Task::clone)
}

/// One window of the directory (no HR part).
pub(crate) fn employee_page(employees: &BTreeMap<Id, Employee>, w: &Window) -> Page<Employee> {
    let rows = employees
        .values()
        .map(|e| (employee_cursor(w.sort.key, e), e))
        .collect();
    owned(window_of(rows, w), super::employees::without_hr)
}

fn owned<A, B>(p: Page<&A>, f: impl Fn(&A) -> B) -> Page<B> {
    Page {
        rows: p.rows.into_iter().map(f).collect(),
        offset: p.offset,
        total: p.total,
        first: p.first,
        last: p.last,
    }
}
