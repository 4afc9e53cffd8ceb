//! Plain types and their validation. Nothing here knows about storage or screens.

pub mod audit_event;
pub mod customer;
pub mod employee;
pub mod role;
pub mod task;
pub mod text;
pub mod user;

pub use audit_event::{AuditEvent, Outcome};
pub use customer::{
    Customer, CustomerInput, CustomerSensitive, CustomerStatus, Interaction, InteractionKind,
};
pub use employee::{Employee, EmployeeHr, EmployeeInput};
pub use role::{Permission, Role};
pub use task::{Task, TaskInput, TaskPriority, TaskStatus};
pub use text::FieldError;
pub use user::{User, UserState};

use serde::{Deserialize, Serialize};

/// Opaque record id, unique within its kind. Never derived from a record's content.
pub type Id = u64;

/// Seconds since the Unix epoch, UTC.
pub type UnixTime = i64;

/// Who changed a record and when; every record carries one for conflict messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Stamp {
    pub version: u64,
    pub created_at: UnixTime,
    pub created_by: Id,
    pub updated_at: UnixTime,
    pub updated_by: Id,
}

/// All field errors of one form, so a screen can show each next to its field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invalid(pub Vec<FieldError>);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| e.to_string()).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for Invalid {}

/// Collects field errors while validating a form.
#[derive(Default)]
pub(crate) struct Checker(Vec<FieldError>);

impl Checker {
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Invalid> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(Invalid(self.0))
        }
    }
}

pub const NAME_MAX: usize = 200;
pub const LINE_MAX: usize = 500;
pub const NOTE_MAX_BYTES: usize = 64 * 1024;
pub const LIST_MAX: usize = 20;

/// Validates a list of values with one validator, naming the item (`email 2`) in errors.
pub(crate) fn each(
    c: &mut Checker,
    field: &str,
    items: &[String],
    f: impl Fn(&str, &str) -> Result<String, FieldError>,
) -> Vec<String> {
    if items.len() > LIST_MAX {
        c.push(field, format!("at most {LIST_MAX} allowed"));
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let name = if items.len() == 1 {
            field.to_string()
        } else {
            format!("{field} {}", i + 1)
        };
        if let Some(v) = c.take(f(&name, item)) {
            if !v.is_empty() && !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}
