//! The tasks linked to a customer, for `customer show`: the ones the caller's role may read.

use super::output::clean;
use super::{CliError, Ctx};
use crate::domain::Task;
use crate::service::{Request, Response, TaskFilter, TaskScope};

/// Tasks linked to customer `id` that the caller may read (an hr account reads none of the
/// customer, so it never gets here). A refusal reads as "none".
pub fn tasks(ctx: &mut Ctx<'_>, id: u64) -> Result<Vec<Task>, CliError> {
    let filter = TaskFilter {
        scope: TaskScope::All,
        customer: Some(id),
        ..TaskFilter::default()
    };
    match ctx.call(Request::TaskList { filter }) {
        Ok(Response::Tasks(list)) => Ok(list),
        Ok(_) => Err(super::unexpected()),
        Err(e) if e.code == crate::service::exit::DENIED => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// "linked tasks:" and one line per task (status, due date, title), or nothing.
pub fn render(tasks: &[Task]) -> String {
    if tasks.is_empty() {
        return String::new();
    }
    let mut out = format!("\nlinked tasks ({}):\n", tasks.len());
    for t in tasks {
        out.push_str(&format!(
            "  task {:<5} {:<11} {:<10} {}\n",
            t.id,
            t.data.status.as_str(),
            t.data.due.map(|d| d.to_string()).unwrap_or_default(),
            clean(&t.data.title)
        ));
    }
    out
}
