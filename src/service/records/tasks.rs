//! Task requests. Staff and hr reach tasks assigned to or created by them.

use std::collections::BTreeMap;

use super::pages::Asker;
use super::{Acted, Cx, Update};
use crate::domain::role::Scope;
use crate::domain::task::{Comment, validate_comment};
use crate::domain::{Id, Task, TaskInput, TaskStatus};
use crate::service::request::{Response, TaskFilter, TaskScope};
use crate::service::{Error, Result};
use crate::store::{self, Tree};

impl Cx<'_> {
    fn mine(&self, t: &Task) -> bool {
        mine(t, self.me())
    }

    fn load_task(&self, id: Id) -> Result<Task> {
        let t = self
            .open
            .tasks
            .read()
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("task {id}")))?;
        if self.reach == Scope::Own && !self.mine(&t) {
            // Not revealing that the task exists.
            return Err(Error::NotFound(format!("task {id}")));
        }
        Ok(t)
    }

    fn check_links(&self, input: &TaskInput) -> Result<()> {
        if let Some(a) = input.assignee {
            self.user_exists(a, "assignee")?;
        }
        if let Some(c) = input.customer {
            if self.open.index().customer(c).is_none() {
                return Err(Error::Invalid(crate::domain::Invalid(vec![
                    crate::domain::FieldError {
                        field: "customer".into(),
                        message: format!("no customer with id {c}"),
                    },
                ])));
            }
        }
        Ok(())
    }

    pub fn task_get(&mut self, id: Id) -> Result<Acted> {
        let t = self.load_task(id)?;
        Ok(Acted::read(
            Response::Task(Box::new(t)),
            format!("task:{id}"),
        ))
    }

    pub fn task_create(&mut self, input: TaskInput) -> Result<Acted> {
        let mut data = input.validate()?;
        if data.assignee.is_none() {
            data.assignee = Some(self.me());
        }
        self.check_links(&data)?;
        let (id, id_op) = self.store.next_id(Tree::Tasks)?;
        let t = Task {
            id,
            stamp: self.new_stamp(),
            data,
            comments: Vec::new(),
        };
        Ok(Acted {
            response: Response::Created { id },
            target: format!("task:{id}"),
            ops: vec![
                id_op,
                self.open.vault.put(Tree::Tasks, &store::id_key(id), &t)?,
            ],
            detail: String::new(),
            updates: vec![Update::Task(Box::new(t))],
        })
    }

    fn save_task(&self, t: Task, detail: String) -> Result<Acted> {
        Ok(Acted {
            response: Response::Done,
            target: format!("task:{}", t.id),
            ops: vec![self.open.vault.put(Tree::Tasks, &store::id_key(t.id), &t)?],
            detail,
            updates: vec![Update::Task(Box::new(t))],
        })
    }

    pub fn task_update(&mut self, id: Id, version: u64, input: TaskInput) -> Result<Acted> {
        let current = self.load_task(id)?;
        self.check_version(format!("task {id}"), &current.stamp, version)?;
        let data = input.validate()?;
        self.check_links(&data)?;
        let keep = self.keep_record(crate::privacy::Record::Task(current.clone()))?;
        let t = Task {
            id,
            stamp: self.bump(&current.stamp),
            data,
            comments: current.comments,
        };
        let mut acted = self.save_task(t, String::new())?;
        acted.ops.insert(0, keep);
        Ok(acted)
    }

    pub fn task_set_status(&mut self, id: Id, status: TaskStatus) -> Result<Acted> {
        let mut t = self.load_task(id)?;
        t.data.status = status;
        t.stamp = self.bump(&t.stamp);
        self.save_task(t, status.as_str().into())
    }

    pub fn task_comment(&mut self, id: Id, text: &str) -> Result<Acted> {
        let mut t = self.load_task(id)?;
        let text = validate_comment(text)?;
        t.comments.push(Comment {
            author: self.me(),
            at: self.now,
            text,
        });
        t.stamp = self.bump(&t.stamp);
        self.save_task(t, String::new())
    }

    pub fn task_delete(&mut self, id: Id) -> Result<Acted> {
        let t = self.load_task(id)?;
        Ok(Acted {
            response: Response::Done,
            target: format!("task:{id}"),
            ops: self.to_trash(crate::privacy::Record::Task(t), Vec::new())?,
            detail: String::new(),
            updates: vec![Update::TaskGone(id)],
        })
    }
}

/// Assigned to or created by `me`: what a staff or hr role reaches.
fn mine(t: &Task, me: Id) -> bool {
    t.data.assignee == Some(me) || t.stamp.created_by == me
}

/// The task list: overdue first, then by due date (undated last), then newest.
pub(crate) fn list(tasks: &BTreeMap<Id, Task>, who: &Asker, f: &TaskFilter) -> Vec<Task> {
    let today = who.today;
    let mut list = matching(tasks, who, f);
    list.sort_by_key(|t| {
        (
            !t.is_overdue(today),
            t.data.due.is_none(),
            t.data.due,
            std::cmp::Reverse(t.id),
        )
    });
    list.into_iter().cloned().collect()
}

/// The tasks passing `f` that `who` may read.
pub(super) fn matching<'a>(
    tasks: &'a BTreeMap<Id, Task>,
    who: &Asker,
    f: &TaskFilter,
) -> Vec<&'a Task> {
    let only_mine = f.scope == TaskScope::Mine || who.reach == Scope::Own;
    let today = who.today;
    let horizon = f
        .due_within_days
        .map(|d| today.saturating_add(jiff::Span::new().days(i64::from(d))));
    tasks
        .values()
        .filter(|t| !only_mine || mine(t, who.me))
        .filter(|t| f.status.is_none_or(|s| t.data.status == s))
        .filter(|t| !f.open || !t.data.status.is_closed())
        .filter(|t| !f.overdue || t.is_overdue(today))
        .filter(|t| {
            horizon.is_none_or(|h| {
                // Overdue is its own view: "due this week" starts today.
                !t.data.status.is_closed() && t.data.due.is_some_and(|d| today <= d && d <= h)
            })
        })
        .filter(|t| f.customer.is_none_or(|c| t.data.customer == Some(c)))
        .collect()
}
