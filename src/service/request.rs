//! Every operation as a value. The TUI, the CLI and the server build these; only
//! `Service::handle` acts on them.

use serde::{Deserialize, Serialize};

use crate::audit::Report;
use crate::crypto::SecretText;
use crate::domain::customer::CustomerStatus;
use crate::domain::task::TaskStatus;
use crate::domain::{
    AuditEvent, Customer, CustomerInput, Employee, EmployeeInput, Id, InteractionKind, Permission, Role,
    Task, TaskInput, UnixTime, User,
};
use crate::search::{CustomerSummary, Hit};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CustomerFilter {
    pub status: Option<CustomerStatus>,
    pub tag: Option<String>,
    /// Only customers the caller owns.
    pub mine: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaskScope {
    /// Assigned to or created by the caller.
    #[default]
    Mine,
    /// Everything the role may read.
    All,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskFilter {
    pub scope: TaskScope,
    pub status: Option<TaskStatus>,
    /// Open tasks whose due date has passed.
    pub overdue: bool,
    /// Open tasks due within this many days from today (inclusive).
    pub due_within_days: Option<u32>,
    pub customer: Option<Id>,
}

/// What everyone may know about an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: Id,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    Whoami,
    /// Usernames and display names of every account, for pickers and for showing owners.
    People,
    QuickSearch { query: String, limit: usize },

    CustomerList { filter: CustomerFilter },
    CustomerSearch { query: String, limit: usize },
    CustomerGet { id: Id, reveal: bool },
    CustomerCreate { input: CustomerInput },
    CustomerUpdate { id: Id, version: u64, input: CustomerInput },
    CustomerAddInteraction { id: Id, kind: InteractionKind, text: String },
    CustomerDelete { id: Id },

    TaskList { filter: TaskFilter },
    TaskGet { id: Id },
    TaskCreate { input: TaskInput },
    TaskUpdate { id: Id, version: u64, input: TaskInput },
    TaskSetStatus { id: Id, status: TaskStatus },
    TaskComment { id: Id, text: String },
    TaskDelete { id: Id },

    EmployeeList,
    EmployeeGet { id: Id, reveal: bool },
    EmployeeCreate { input: EmployeeInput },
    EmployeeUpdate { id: Id, version: u64, input: EmployeeInput },
    EmployeeDelete { id: Id },

    UserList,
    UserGet { username: String },

    AuditList { offset: usize, limit: usize },
    AuditVerify,

    // accounts-contract: placeholders for the accounts branch, replaced at merge.
    // `Service::handle` refuses them here; only their names and shapes are relied on.
    UserAdd {
        username: String,
        display_name: String,
        role: Role,
        password: Option<SecretText>,
        totp_secret: Option<SecretText>,
    },
    UserSetRole { username: String, role: Role },
    UserLock { username: String },
    UserUnlock { username: String },
    UserDisable { username: String },
    UserResetPassword { username: String },
    UserResetTotp { username: String },
    SecuritySummary,
    AccountChangePassword { current: Option<SecretText>, new: SecretText },
    AccountBeginTotp,
    AccountConfirmTotp { code: String },
    AccountPolicy,
    AccountAcceptPolicy { version: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Done,
    Created { id: Id },
    Me { user: User },
    People(Vec<Person>),
    Hits(Vec<Hit>),
    Customers(Vec<CustomerSummary>),
    Customer(Box<Customer>),
    Tasks(Vec<Task>),
    Task(Box<Task>),
    Employees(Vec<Employee>),
    Employee(Box<Employee>),
    Users(Vec<User>),
    User(Box<User>),
    Audit(Vec<AuditEvent>),
    AuditReport(Report),

    // accounts-contract: placeholders for the accounts branch, replaced at merge.
    UserAdded { id: Id, one_time_password: Option<SecretText> },
    OneTimePassword(SecretText),
    Security { locked: Vec<String>, disabled: Vec<String>, failed_last_24h: u32, policy_not_accepted: Vec<String> },
    TotpEnrolment { secret_base32: SecretText, otpauth_url: SecretText },
    RecoveryCodes(Vec<SecretText>),
    Policy { version: String, text: String, accepted_at: Option<UnixTime> },
}

impl Request {
    /// The permission the role table must grant before anything else happens.
    pub fn permission(&self) -> Permission {
        use Permission as P;
        use Request::*;
        match self {
            Whoami | People | QuickSearch { .. } => P::Own,
            CustomerList { .. } | CustomerSearch { .. } => P::CustomerRead,
            CustomerGet { reveal: false, .. } => P::CustomerRead,
            CustomerGet { reveal: true, .. } => P::CustomerSensitive,
            CustomerCreate { .. } | CustomerUpdate { .. } | CustomerAddInteraction { .. } => P::CustomerWrite,
            CustomerDelete { .. } => P::CustomerAdmin,
            TaskList { .. } | TaskGet { .. } => P::TaskRead,
            TaskCreate { .. } | TaskUpdate { .. } | TaskSetStatus { .. } | TaskComment { .. } | TaskDelete { .. } => {
                P::TaskWrite
            }
            EmployeeList | EmployeeGet { reveal: false, .. } => P::EmployeeDirectory,
            EmployeeGet { reveal: true, .. }
            | EmployeeCreate { .. }
            | EmployeeUpdate { .. }
            | EmployeeDelete { .. } => P::EmployeeHr,
            UserList | UserGet { .. } => P::UserAdmin,
            AuditList { .. } | AuditVerify => P::AuditRead,
            // accounts-contract
            UserAdd { .. }
            | UserSetRole { .. }
            | UserLock { .. }
            | UserUnlock { .. }
            | UserDisable { .. }
            | UserResetPassword { .. }
            | UserResetTotp { .. }
            | SecuritySummary => P::UserAdmin,
            AccountChangePassword { .. }
            | AccountBeginTotp
            | AccountConfirmTotp { .. }
            | AccountPolicy
            | AccountAcceptPolicy { .. } => P::Own,
        }
    }

    /// The audit action name (`customer.create`).
    pub fn action(&self) -> &'static str {
        use Request::*;
        match self {
            Whoami => "session.whoami",
            People => "user.directory",
            QuickSearch { .. } => "search.quick",
            CustomerList { .. } => "customer.list",
            CustomerSearch { .. } => "customer.search",
            CustomerGet { reveal: false, .. } => "customer.view",
            CustomerGet { reveal: true, .. } => "customer.reveal",
            CustomerCreate { .. } => "customer.create",
            CustomerUpdate { .. } => "customer.edit",
            CustomerAddInteraction { .. } => "customer.interaction",
            CustomerDelete { .. } => "customer.delete",
            TaskList { .. } => "task.list",
            TaskGet { .. } => "task.view",
            TaskCreate { .. } => "task.create",
            TaskUpdate { .. } => "task.edit",
            TaskSetStatus { .. } => "task.status",
            TaskComment { .. } => "task.comment",
            TaskDelete { .. } => "task.delete",
            EmployeeList => "employee.list",
            EmployeeGet { reveal: false, .. } => "employee.view",
            EmployeeGet { reveal: true, .. } => "employee.reveal",
            EmployeeCreate { .. } => "employee.create",
            EmployeeUpdate { .. } => "employee.edit",
            EmployeeDelete { .. } => "employee.delete",
            UserList => "user.list",
            UserGet { .. } => "user.view",
            AuditList { .. } => "audit.list",
            AuditVerify => "audit.verify",
            // accounts-contract
            UserAdd { .. } => "user.create",
            UserSetRole { .. } => "user.role",
            UserLock { .. } => "user.lock",
            UserUnlock { .. } => "user.unlock",
            UserDisable { .. } => "user.disable",
            UserResetPassword { .. } => "user.reset_password",
            UserResetTotp { .. } => "user.reset_totp",
            SecuritySummary => "security.summary",
            AccountChangePassword { .. } => "account.password",
            AccountBeginTotp => "account.totp_begin",
            AccountConfirmTotp { .. } => "account.totp_confirm",
            AccountPolicy => "account.policy",
            AccountAcceptPolicy { .. } => "account.policy_accept",
        }
    }

    /// Lists and searches are not audited one by one (they would drown the log); record
    /// views, reveals and every change are.
    pub fn audited(&self) -> bool {
        use Request::*;
        !matches!(
            self,
            Whoami | People | QuickSearch { .. } | CustomerList { .. } | CustomerSearch { .. } | TaskList { .. } | EmployeeList
                | UserList | AuditList { .. }
        )
    }

    /// One example of every variant, for the role matrix test and the wire tests.
    pub fn examples() -> Vec<Request> {
        use Request::*;
        vec![
            Whoami,
            People,
            QuickSearch { query: "a".into(), limit: 5 },
            CustomerList { filter: CustomerFilter::default() },
            CustomerSearch { query: "a".into(), limit: 5 },
            CustomerGet { id: 1, reveal: false },
            CustomerGet { id: 1, reveal: true },
            CustomerCreate { input: CustomerInput { name: "Example".into(), ..Default::default() } },
            CustomerUpdate { id: 1, version: 1, input: CustomerInput { name: "Example".into(), ..Default::default() } },
            CustomerAddInteraction { id: 1, kind: InteractionKind::Call, text: "called".into() },
            CustomerDelete { id: 1 },
            TaskList { filter: TaskFilter::default() },
            TaskGet { id: 1 },
            TaskCreate { input: TaskInput { title: "Example".into(), ..Default::default() } },
            TaskUpdate { id: 1, version: 1, input: TaskInput { title: "Example".into(), ..Default::default() } },
            TaskSetStatus { id: 1, status: TaskStatus::Done },
            TaskComment { id: 1, text: "note".into() },
            TaskDelete { id: 1 },
            EmployeeList,
            EmployeeGet { id: 1, reveal: false },
            EmployeeGet { id: 1, reveal: true },
            EmployeeCreate { input: EmployeeInput { name: "Example".into(), ..Default::default() } },
            EmployeeUpdate { id: 1, version: 1, input: EmployeeInput { name: "Example".into(), ..Default::default() } },
            EmployeeDelete { id: 1 },
            UserList,
            UserGet { username: "x".into() },
            AuditList { offset: 0, limit: 10 },
            AuditVerify,
        ]
    }
}

/// Roles for a request, for help screens and the matrix test.
pub fn roles_allowed(req: &Request) -> Vec<Role> {
    Role::ALL.into_iter().filter(|r| crate::domain::role::allows(*r, req.permission())).collect()
}
