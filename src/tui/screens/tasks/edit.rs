//! The task form: new, edit and assign, with conflicts shown as on customers.

use crate::domain::task::{TaskPriority, TaskStatus};
use crate::domain::text::{date, time};
use crate::domain::{FieldError, Id, Task, TaskInput};
use crate::service::{Request, Response};
use crate::tui::screens::versioned::VersionedForm;
use crate::tui::screens::{Ctx, Note, People, unexpected};
use crate::tui::widgets::conflict::Conflict;
use crate::tui::widgets::form::{Field, Form, Outcome};

const STATUSES: [&str; 4] = ["open", "in_progress", "done", "cancelled"];
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

#[derive(Debug, Clone)]
pub struct Editor {
    pub form: Form,
    pub id: Option<Id>,
    pub version: u64,
    pub customer: Option<Id>,
    pub conflict: Option<Conflict>,
    /// Only the assignee is asked for (the Assign action).
    assign_only: bool,
    base: TaskInput,
}

impl Editor {
    pub fn create(customer: Option<(Id, String)>, me: &str) -> Editor {
        let base = TaskInput {
            customer: customer.as_ref().map(|c| c.0),
            ..TaskInput::default()
        };
        let name = customer.map(|c| c.1).unwrap_or_default();
        Editor::build(None, 0, base, me, &name, false)
    }

    pub fn edit(t: &Task, people: &People, customer_name: &str) -> Editor {
        Editor::build(
            Some(t.id),
            t.stamp.version,
            t.data.clone(),
            &people.name(t.data.assignee),
            customer_name,
            false,
        )
    }

    pub fn assign(t: &Task, people: &People) -> Editor {
        let mut e = Editor::build(
            Some(t.id),
            t.stamp.version,
            t.data.clone(),
            &people.name(t.data.assignee),
            "",
            true,
        );
        e.form = Form::new(vec![
            Field::fixed("title", "Task", &t.data.title),
            Field::text("assignee", "Assign to", &people.name(t.data.assignee))
                .with_hint("a username"),
        ]);
        e
    }

    fn build(
        id: Option<Id>,
        version: u64,
        base: TaskInput,
        assignee: &str,
        customer: &str,
        assign_only: bool,
    ) -> Editor {
        let d = &base;
        let form = Form::new(vec![
            Field::text("title", "Title", &d.title),
            Field::text(
                "description",
                "Description",
                d.description.as_deref().unwrap_or(""),
            ),
            Field::choice("status", "Status", STATUSES.to_vec(), d.status.as_str()),
            Field::choice(
                "priority",
                "Priority",
                PRIORITIES.to_vec(),
                d.priority.as_str(),
            ),
            Field::text(
                "due",
                "Due date",
                &d.due.map(|x| x.to_string()).unwrap_or_default(),
            )
            .with_hint("YYYY-MM-DD"),
            Field::text(
                "due time",
                "Due time",
                &d.due_time
                    .map(|x| x.strftime("%H:%M").to_string())
                    .unwrap_or_default(),
            )
            .with_hint("HH:MM, optional"),
            Field::text("assignee", "Assignee", assignee).with_hint("a username; empty means you"),
            Field::fixed(
                "customer",
                "Customer",
                if customer.is_empty() && d.customer.is_some() {
                    "linked"
                } else {
                    customer
                },
            ),
        ]);
        Editor {
            form,
            id,
            version,
            customer: d.customer,
            conflict: None,
            assign_only,
            base,
        }
    }

    fn input(&self, people: &People) -> Result<TaskInput, Vec<FieldError>> {
        let f = &self.form;
        let mut errors = Vec::new();
        let assignee = match f.opt("assignee") {
            None => None,
            Some(name) => people.find(&name).or_else(|| {
                errors.push(FieldError::new("assignee", format!("no user named {name}")));
                None
            }),
        };
        if self.assign_only {
            let input = TaskInput {
                assignee,
                ..self.base.clone()
            };
            return if errors.is_empty() {
                Ok(input)
            } else {
                Err(errors)
            };
        }
        let due = f
            .opt("due")
            .and_then(|v| date("due", &v).map_err(|e| errors.push(e)).ok());
        let due_time = f
            .opt("due time")
            .and_then(|v| time("due time", &v).map_err(|e| errors.push(e)).ok());
        let input = TaskInput {
            title: f.value("title"),
            description: f.opt("description"),
            status: TaskStatus::parse(&f.value("status")).unwrap_or_default(),
            priority: TaskPriority::parse(&f.value("priority")).unwrap_or_default(),
            due,
            due_time,
            assignee,
            customer: self.customer,
        };
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }

    fn save(&mut self, version: u64, ctx: &mut Ctx) -> Outcome {
        let input = match self.input(ctx.people) {
            Ok(i) => i,
            Err(errors) => {
                self.form.set_errors(&errors);
                return Outcome::Stay;
            }
        };
        let req = match self.id {
            None => Request::TaskCreate { input },
            Some(id) => Request::TaskUpdate { id, version, input },
        };
        match ctx.call(req) {
            Ok(Response::Created { id }) => {
                ctx.ok("Task created");
                Outcome::Saved(id)
            }
            Ok(Response::Done) => {
                ctx.ok(if self.assign_only {
                    "Assigned"
                } else {
                    "Saved"
                });
                Outcome::Saved(self.id.unwrap_or_default())
            }
            Ok(_) => {
                ctx.fail(&unexpected());
                Outcome::Stay
            }
            Err(e) => self.save_failed(e, ctx),
        }
    }

    fn reload(&mut self, ctx: &mut Ctx) {
        let Some(id) = self.id else { return };
        match ctx.call(Request::TaskGet { id }) {
            Ok(Response::Task(t)) => {
                let people = ctx.people.clone();
                let customer = self.form.value("customer");
                *self = if self.assign_only {
                    Editor::assign(&t, &people)
                } else {
                    Editor::edit(&t, &people, &customer)
                };
                ctx.note = Some(Note::info("Reloaded their version"));
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
    }
}

impl VersionedForm for Editor {
    fn form(&mut self) -> &mut Form {
        &mut self.form
    }
    fn conflict(&mut self) -> &mut Option<Conflict> {
        &mut self.conflict
    }
    fn loaded_version(&self) -> u64 {
        self.version
    }
    fn save_at(&mut self, version: u64, ctx: &mut Ctx) -> Outcome {
        self.save(version, ctx)
    }
    fn reload_theirs(&mut self, ctx: &mut Ctx) {
        self.reload(ctx)
    }
}
