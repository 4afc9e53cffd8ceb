//! The task and employee lists and pages: reads of the caches that write nothing and are
//! not audited. `handle` answers them after letting go of the service lock, holding only
//! the one cache's read lock (as it does the index reads in `reads`), so people paging
//! through tasks queue neither behind each other nor behind a writer's durable commit.

use std::collections::BTreeMap;

use super::pages::{self, Asker};
use crate::domain::{Employee, Id, Task};
use crate::service::request::{Request, Response};
use crate::service::shared::Shared;

/// True for the requests `answer` serves.
pub(crate) fn cache_only(req: &Request) -> bool {
    matches!(
        req,
        Request::TaskList { .. }
            | Request::TaskPage { .. }
            | Request::EmployeeList
            | Request::EmployeePage { .. }
    )
}

/// The answer to a `cache_only` request, already authorized for `who`.
pub(crate) fn answer(
    req: &Request,
    tasks: &Shared<BTreeMap<Id, Task>>,
    employees: &Shared<BTreeMap<Id, Employee>>,
    who: &Asker,
) -> Option<Response> {
    match req {
        Request::TaskList { filter } => Some(Response::Tasks(super::tasks::list(
            &tasks.read(),
            who,
            filter,
        ))),
        Request::TaskPage { filter, window } => Some(Response::TaskPage(pages::task_page(
            &tasks.read(),
            who,
            filter,
            window,
        ))),
        Request::EmployeeList => Some(Response::Employees(super::employees::directory(
            &employees.read(),
        ))),
        Request::EmployeePage { window } => Some(Response::EmployeePage(pages::employee_page(
            &employees.read(),
            window,
        ))),
        _ => None,
    }
}
