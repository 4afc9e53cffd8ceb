//! Names for the records audit entries point at ("customer:2" → "Dana Cohen"), only where
//! the viewer's role may read the record. They come from the same unaudited lists the
//! screens show, so the service decides: a record this person may not read is never in
//! their list, and its entry keeps the bare id.

use std::collections::HashMap;

use crate::domain::{AuditEvent, Permission};
use crate::service::{Request, Response, TaskFilter, TaskScope};
use crate::tui::screens::Ctx;

#[derive(Debug, Default)]
pub struct Names {
    /// By audit target ("customer:2").
    by_target: HashMap<String, String>,
    /// The newest entry when the names were loaded: older unnamed targets are records this
    /// person may not read or that are gone, and asking again would not name them.
    upto: u64,
}

/// Kinds of target named here (accounts are named from the people list).
const KINDS: [&str; 3] = ["customer", "task", "employee"];

impl Names {
    pub fn get(&self, target: &str) -> Option<&str> {
        self.by_target.get(target).map(String::as_str)
    }

    /// Loads every name the role may see, as of the newest of `events`.
    pub fn load(&mut self, events: &[AuditEvent], ctx: &mut Ctx) {
        let mut by_target = HashMap::new();
        if ctx.me.can(Permission::CustomerRead) {
            // Only the customers these entries name, by id: never the whole list.
            let mut ids: Vec<crate::domain::Id> = events
                .iter()
                .filter_map(|e| e.target.strip_prefix("customer:")?.parse().ok())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            for chunk in ids.chunks(crate::service::bounds::MAX_NAMES) {
                let req = Request::CustomerNames {
                    ids: chunk.to_vec(),
                };
                if let Ok(Response::Names(names)) = ctx.call(req) {
                    by_target.extend(
                        names
                            .into_iter()
                            .map(|(id, name)| (format!("customer:{id}"), name)),
                    );
                }
            }
        }
        if ctx.me.can(Permission::TaskRead) {
            let req = Request::TaskList {
                filter: TaskFilter {
                    scope: TaskScope::All,
                    ..TaskFilter::default()
                },
            };
            if let Ok(Response::Tasks(list)) = ctx.call(req) {
                by_target.extend(
                    list.into_iter()
                        .map(|t| (format!("task:{}", t.id), t.data.title)),
                );
            }
        }
        if ctx.me.can(Permission::EmployeeDirectory) {
            if let Ok(Response::Employees(list)) = ctx.call(Request::EmployeeList) {
                by_target.extend(
                    list.into_iter()
                        .map(|e| (format!("employee:{}", e.id), e.data.name)),
                );
            }
        }
        self.by_target = by_target;
        self.upto = newest(events);
    }

    /// Entries newer than the last load touch a customer, task or employee (one created,
    /// renamed or deleted since): worth loading the names again.
    pub fn stale(&self, events: &[AuditEvent]) -> bool {
        events.iter().any(|e| {
            e.seq > self.upto
                && e.target
                    .split_once(':')
                    .is_some_and(|(kind, _)| KINDS.contains(&kind))
        })
    }
}

fn newest(events: &[AuditEvent]) -> u64 {
    events.iter().map(|e| e.seq).max().unwrap_or(0)
}
