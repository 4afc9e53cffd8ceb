//! Roles and the one permission table (DESIGN.md, "Roles"). Screens read it to hide what a
//! role cannot use; `Service::handle` enforces it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Staff,
    Hr,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Manager,
        Role::Staff,
        Role::Hr,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Staff => "staff",
            Role::Hr => "hr",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request needs. Row-level limits ("own customers", "their tasks") are `Scope`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    CustomerRead,
    CustomerSensitive,
    CustomerWrite,
    CustomerAdmin,
    TaskRead,
    TaskWrite,
    EmployeeDirectory,
    EmployeeHr,
    UserAdmin,
    AuditRead,
    Backup,
    /// Anything a signed-in person may do about themselves.
    Own,
    /// Adding a call, email, meeting or note to a customer's timeline: everyday work on any
    /// customer the person can read, not only their own.
    CustomerLog,
    /// Erasing a customer for good (GDPR Art. 17), with its backups; retention rules.
    CustomerErase,
}

impl Permission {
    pub const ALL: [Permission; 14] = [
        Permission::CustomerRead,
        Permission::CustomerSensitive,
        Permission::CustomerWrite,
        Permission::CustomerAdmin,
        Permission::TaskRead,
        Permission::TaskWrite,
        Permission::EmployeeDirectory,
        Permission::EmployeeHr,
        Permission::UserAdmin,
        Permission::AuditRead,
        Permission::Backup,
        Permission::Own,
        Permission::CustomerLog,
        Permission::CustomerErase,
    ];
}

/// How much of a permitted kind a role reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    None,
    /// Only records the person owns (customers) or is assigned to or created (tasks).
    Own,
    All,
}

/// The table. Every cell is tested in `tests/roles.rs`.
pub fn scope(role: Role, p: Permission) -> Scope {
    use Permission::*;
    use Role::*;
    use Scope::{All, Own as Mine};
    match (p, role) {
        (Own, _) => All,
        (EmployeeDirectory, _) => All,
        (CustomerRead, Admin | Manager | Staff | Auditor) => All,
        (CustomerSensitive | CustomerWrite, Admin | Manager) => All,
        (CustomerSensitive | CustomerWrite, Staff) => Mine,
        (CustomerAdmin, Admin | Manager) => All,
        (CustomerLog, Admin | Manager | Staff) => All,
        (CustomerErase, Admin) => All,
        (TaskRead, Admin | Manager | Auditor) => All,
        (TaskRead, Staff | Hr) => Mine,
        (TaskWrite, Admin | Manager) => All,
        (TaskWrite, Staff | Hr) => Mine,
        (EmployeeHr, Admin | Hr) => All,
        (UserAdmin | Backup, Admin) => All,
        (AuditRead, Admin | Auditor) => All,
        _ => Scope::None,
    }
}

pub fn allows(role: Role, p: Permission) -> bool {
    scope(role, p) != Scope::None
}
