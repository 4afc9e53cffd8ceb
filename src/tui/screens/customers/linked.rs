//! The tasks linked to the open customer: loaded with the record (a list, not audited) and
//! shown above its timeline, each with its status and due date.

use ratatui::text::{Line, Span};

use crate::domain::{Id, Task};
use crate::service::{Request, Response, TaskFilter, TaskScope};
use crate::tui::screens::Ctx;
use crate::tui::text::{clean, fit};
use crate::tui::ui::Ui;

/// The linked tasks the role may read (staff: theirs); none when the list is refused.
pub(super) fn load(id: Id, ctx: &mut Ctx) -> Vec<Task> {
    let filter = TaskFilter {
        scope: TaskScope::All,
        customer: Some(id),
        ..TaskFilter::default()
    };
    match ctx.call(Request::TaskList { filter }) {
        Ok(Response::Tasks(list)) => list,
        _ => Vec::new(),
    }
}

/// How the customer's consent was last given or withdrawn (`phone`), from its consent
/// history (not audited: part of the record view); `None` for a plain edit or none.
pub(super) fn consent_how(id: Id, ctx: &mut Ctx) -> Option<String> {
    match ctx.call(Request::ConsentHistory { id }) {
        Ok(Response::Consent(events)) => events.last().and_then(|e| e.how.clone()),
        _ => None,
    }
}

/// The Consent line: "yes since 2026-03-01 · by phone", "no · withdrawn by email".
pub(super) fn consent(d: &crate::domain::CustomerInput, how: Option<&str>) -> String {
    let how = how.map(|h| h.replace('_', " "));
    if d.marketing_consent {
        format!(
            "yes{}{}",
            d.consent_date
                .map(|x| format!(" since {x}"))
                .unwrap_or_default(),
            how.map(|h| format!(" · by {h}")).unwrap_or_default()
        )
    } else {
        format!(
            "no{}",
            how.map(|h| format!(" · withdrawn by {h}"))
                .unwrap_or_default()
        )
    }
}

/// "Tasks (n)" and a line per task; nothing when there are none.
pub(super) fn lines(tasks: &[Task], ui: &Ui, width: usize) -> Vec<Line<'static>> {
    let t = ui.theme;
    if tasks.is_empty() {
        return Vec::new();
    }
    let mut out = vec![
        Line::default(),
        Line::from(Span::styled(format!("Tasks ({})", tasks.len()), t.header())),
    ];
    let today = jiff::Timestamp::from_second(ui.now)
        .map(|n| n.to_zoned_datetime(jiff::tz::TimeZone::system()).date())
        .unwrap_or_default();
    for task in tasks {
        let due = task.data.due.map(|d| d.to_string()).unwrap_or_default();
        let style = if task.is_overdue(today) {
            t.warn()
        } else {
            t.dim()
        };
        out.push(Line::from(vec![
            Span::styled(format!("{due:<11}"), style),
            Span::styled(format!("{:<12}", task.data.status.as_str()), t.label()),
            Span::raw(fit(
                &clean(&task.data.title),
                width.saturating_sub(23).max(10),
            )),
        ]));
    }
    out
}
