//! Task and employee lists by the page. Both kinds live whole in memory, so a page is the
//! filtered list sorted by cursor and cut; customers are paged by the index (`reads.rs`).

use super::{Acted, Cx};
use crate::domain::text::fold;
use crate::domain::{Employee, Task, TaskStatus};
use crate::search::page::window_of;
use crate::search::{Cursor, SortKey, Window};
use crate::service::Result;
use crate::service::request::{Response, TaskFilter};

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

impl Cx<'_> {
    pub fn task_page(&mut self, f: &TaskFilter, w: &Window) -> Result<Acted> {
        let today = self.today;
        let rows = self
            .tasks_matching(f)
            .into_iter()
            .map(|t| (task_cursor(w.sort.key, &t, today), t))
            .collect();
        Ok(Acted::read(
            Response::TaskPage(window_of(rows, w)),
            String::new(),
        ))
    }

    pub fn employee_page(&mut self, w: &Window) -> Result<Acted> {
        let rows = self
            .open
            .employees
            .values()
            .map(|e| {
                let mut e = e.clone();
                // The directory: the HR part only through an (audited) reveal.
                e.data.hr = None;
                (employee_cursor(w.sort.key, &e), e)
            })
            .collect();
        Ok(Acted::read(
            Response::EmployeePage(window_of(rows, w)),
            String::new(),
        ))
    }
}
