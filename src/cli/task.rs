//! `kasefet task ...`

use super::args::{TaskCmd, TaskFields};
use super::output::{fields, json, opt, table};
use super::{CliError, Ctx, date_arg, unexpected};
use crate::domain::{Task, TaskInput, TaskPriority, TaskStatus};
use crate::service::clock::format_local;
use crate::service::{Request, Response, TaskFilter, TaskScope};

fn apply(ctx: &mut Ctx<'_>, f: &TaskFields, d: &mut TaskInput) -> Result<(), CliError> {
    if let Some(t) = &f.title {
        d.title = t.clone();
    }
    if let Some(x) = &f.description {
        d.description = Some(x.clone()).filter(|s| !s.trim().is_empty());
    }
    if f.due.is_some() {
        d.due = date_arg("due", &f.due)?;
    }
    if let Some(t) = f.time.as_deref().map(str::trim) {
        d.due_time = if t.is_empty() {
            None
        } else {
            Some(
                crate::domain::text::time("due time", t)
                    .map_err(|e| CliError::invalid(format!("invalid input: {e}")))?,
            )
        };
    }
    if let Some(p) = &f.priority {
        d.priority = TaskPriority::parse(p).ok_or_else(|| {
            CliError::invalid("invalid input: priority: use low, normal, high or urgent")
        })?;
    }
    if let Some(s) = &f.status {
        d.status = parse_status(s)?;
    }
    if let Some(a) = &f.assignee {
        d.assignee = Some(ctx.user_id(a)?);
    }
    if f.customer.is_some() {
        d.customer = f.customer.filter(|c| *c != 0);
    }
    Ok(())
}

fn parse_status(s: &str) -> Result<TaskStatus, CliError> {
    TaskStatus::parse(s).ok_or_else(|| {
        CliError::invalid("invalid input: status: use open, in_progress, done or cancelled")
    })
}

fn get(ctx: &mut Ctx<'_>, id: u64) -> Result<Task, CliError> {
    match ctx.call(Request::TaskGet { id })? {
        Response::Task(t) => Ok(*t),
        _ => Err(unexpected()),
    }
}

fn done(ctx: &Ctx<'_>, what: &str, id: u64) -> Result<String, CliError> {
    if ctx.json {
        json(&serde_json::json!({ "id": id }))
    } else {
        Ok(format!("{what} task {id}\n"))
    }
}

pub fn run(ctx: &mut Ctx<'_>, cmd: TaskCmd) -> Result<String, CliError> {
    match cmd {
        TaskCmd::Add { fields: f } => {
            if f.title.is_none() {
                return Err(CliError::invalid(
                    "invalid input: title: is required (--title)",
                ));
            }
            let mut d = TaskInput::default();
            apply(ctx, &f, &mut d)?;
            match ctx.call(Request::TaskCreate { input: d })? {
                Response::Created { id } => done(ctx, "created", id),
                _ => Err(unexpected()),
            }
        }
        TaskCmd::List {
            all,
            status,
            overdue,
            week,
            customer,
        } => {
            let filter = TaskFilter {
                scope: if all { TaskScope::All } else { TaskScope::Mine },
                status: status.as_deref().map(parse_status).transpose()?,
                overdue,
                due_within_days: week.then_some(7),
                customer,
                open: false,
            };
            match ctx.call(Request::TaskList { filter })? {
                Response::Tasks(list) if ctx.json => json(&list),
                Response::Tasks(list) => {
                    let names = ctx.usernames()?;
                    let today = crate::service::Clock::System.today();
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|t| {
                            vec![
                                t.id.to_string(),
                                t.data.title.clone(),
                                t.data.status.as_str().into(),
                                t.data.priority.as_str().into(),
                                t.data
                                    .due
                                    .map(|d| {
                                        if t.is_overdue(today) {
                                            format!("{d} (overdue)")
                                        } else {
                                            d.to_string()
                                        }
                                    })
                                    .unwrap_or_default(),
                                t.data
                                    .assignee
                                    .and_then(|a| names.get(&a).cloned())
                                    .unwrap_or_default(),
                                t.data.customer.map(|c| c.to_string()).unwrap_or_default(),
                            ]
                        })
                        .collect();
                    Ok(table(
                        &[
                            "id", "title", "status", "priority", "due", "assignee", "customer",
                        ],
                        &rows,
                    ))
                }
                _ => Err(unexpected()),
            }
        }
        TaskCmd::Show { id } => {
            let t = get(ctx, id)?;
            if ctx.json {
                return json(&t);
            }
            let names = ctx.usernames()?;
            let who = |id: u64| {
                names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| format!("user {id}"))
            };
            let d = &t.data;
            let due = match (d.due, d.due_time) {
                (Some(x), Some(tm)) => format!("{x} {}", tm.strftime("%H:%M")),
                (Some(x), None) => x.to_string(),
                _ => String::new(),
            };
            let mut out = fields(&[
                ("id", t.id.to_string()),
                ("title", d.title.clone()),
                ("status", d.status.as_str().into()),
                ("priority", d.priority.as_str().into()),
                ("due", due),
                ("assignee", d.assignee.map(who).unwrap_or_default()),
                (
                    "customer",
                    d.customer.map(|c| c.to_string()).unwrap_or_default(),
                ),
                (
                    "created",
                    format!(
                        "{} by {}",
                        format_local(t.stamp.created_at),
                        who(t.stamp.created_by)
                    ),
                ),
                ("version", t.stamp.version.to_string()),
                ("description", opt(&d.description).replace('\n', " ⏎ ")),
            ]);
            for c in &t.comments {
                out.push_str(&format!(
                    "  {}  {}  {}\n",
                    format_local(c.at),
                    super::output::clean(&who(c.author)),
                    super::output::clean(&c.text.replace('\n', " ⏎ "))
                ));
            }
            Ok(out)
        }
        TaskCmd::Edit { id, fields: f } => {
            let t = get(ctx, id)?;
            let mut d = t.data.clone();
            apply(ctx, &f, &mut d)?;
            ctx.call(Request::TaskUpdate {
                id,
                version: t.stamp.version,
                input: d,
            })?;
            done(ctx, "updated", id)
        }
        TaskCmd::Done { id } => {
            ctx.call(Request::TaskSetStatus {
                id,
                status: TaskStatus::Done,
            })?;
            done(ctx, "finished", id)
        }
        TaskCmd::Comment { id, text } => {
            ctx.call(Request::TaskComment { id, text })?;
            done(ctx, "commented on", id)
        }
        TaskCmd::Delete { id } => {
            ctx.call(Request::TaskDelete { id })?;
            done(ctx, "deleted", id)
        }
        TaskCmd::Trash => super::trash::list(ctx, crate::privacy::RecordKind::Task),
        TaskCmd::Restore { id } => super::trash::restore(ctx, crate::privacy::RecordKind::Task, id),
    }
}
