//! Every operation as a value. The TUI, the CLI and the server build these; only
//! `Service::handle` acts on them.

use serde::{Deserialize, Serialize};

use crate::audit::Report;
use crate::crypto::SecretText;
use crate::domain::customer::CustomerStatus;
use crate::domain::role::Scope;
use crate::domain::task::TaskStatus;
use crate::domain::{
    AuditEvent, Customer, CustomerInput, Employee, EmployeeInput, Id, InteractionKind, Permission,
    Role, Task, TaskInput, UnixTime, User,
};
use crate::privacy::RecordKind;
use crate::privacy::trash::TrashItem;
use crate::search::{CustomerSummary, Hit, Page, Window};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CustomerFilter {
    pub status: Option<CustomerStatus>,
    pub tag: Option<String>,
    /// Only customers the caller owns.
    pub mine: bool,
    /// Only the customers the search box would find for this query (its language:
    /// words, `tag:` `city:` `status:` `owner:me` `company:`).
    pub query: Option<String>,
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
    /// Only tasks not done or cancelled.
    #[serde(default)]
    pub open: bool,
}

/// A live session as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// The first 8 hex digits of the session id: enough to end it, useless to take it over
    /// (sessions live on the server side of a connection).
    pub id: String,
    pub username: String,
    pub since: UnixTime,
    pub last_active: UnixTime,
    pub from: String,
    pub uid: Option<u32>,
    pub pid: Option<u32>,
    pub locked: bool,
    /// The caller's own session.
    pub current: bool,
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
    /// A number that changes whenever a record or account changes: screens poll it and
    /// reload only when it moved.
    Revision,
    QuickSearch {
        query: String,
        limit: usize,
    },

    CustomerList {
        filter: CustomerFilter,
    },
    CustomerSearch {
        query: String,
        limit: usize,
    },
    /// The names of these customers (the ones that exist), for screens that show a linked
    /// customer or an audit target without loading the whole list.
    CustomerNames {
        ids: Vec<Id>,
    },
    /// One window of the customer list, sorted in the service, with the total: customers
    /// passing `filter` and `query` (the search language, matched exactly).
    CustomerPage {
        filter: CustomerFilter,
        query: String,
        window: Window,
    },
    CustomerGet {
        id: Id,
        reveal: bool,
    },
    CustomerCreate {
        input: CustomerInput,
    },
    CustomerUpdate {
        id: Id,
        version: u64,
        input: CustomerInput,
    },
    CustomerAddInteraction {
        id: Id,
        kind: InteractionKind,
        text: String,
    },
    CustomerDelete {
        id: Id,
    },
    /// Many customers in one durable commit (CSV import, migrations). All rows are validated
    /// first; one bad row refuses the whole import, naming the row.
    CustomerImport {
        inputs: Vec<CustomerInput>,
        dry_run: bool,
    },

    TaskList {
        filter: TaskFilter,
    },
    /// One window of the task list (`TaskList`'s filter and role rules), with the total.
    TaskPage {
        filter: TaskFilter,
        window: Window,
    },
    TaskGet {
        id: Id,
    },
    TaskCreate {
        input: TaskInput,
    },
    TaskUpdate {
        id: Id,
        version: u64,
        input: TaskInput,
    },
    TaskSetStatus {
        id: Id,
        status: TaskStatus,
    },
    TaskComment {
        id: Id,
        text: String,
    },
    TaskDelete {
        id: Id,
    },

    EmployeeList,
    /// One window of the directory (by name, updated or created), with the total.
    EmployeePage {
        window: Window,
    },
    EmployeeGet {
        id: Id,
        reveal: bool,
    },
    EmployeeCreate {
        input: EmployeeInput,
    },
    EmployeeUpdate {
        id: Id,
        version: u64,
        input: EmployeeInput,
    },
    EmployeeDelete {
        id: Id,
    },

    UserList,
    UserGet {
        username: String,
    },
    /// A new account. Without a password the response carries a generated one-time password
    /// and the account is `Pending`; with a password and a TOTP secret (a hardware token's
    /// seed, or automation) it is active at once.
    UserAdd {
        username: String,
        display_name: String,
        role: Role,
        password: Option<SecretText>,
        totp_secret: Option<SecretText>,
    },
    UserSetRole {
        username: String,
        role: Role,
    },
    UserLock {
        username: String,
    },
    /// Lifts an admin lock or disable, and clears failure counters and a failure-disable.
    UserUnlock {
        username: String,
    },
    UserDisable {
        username: String,
    },
    /// A new one-time password; the account is `Pending` until its owner chooses a password.
    UserResetPassword {
        username: String,
    },
    /// Forgets the TOTP secret and recovery codes; the account is `Pending` until it enrols again.
    UserResetTotp {
        username: String,
    },
    UserRevokeRecoveryCodes {
        username: String,
    },
    UserLinkEmployee {
        username: String,
        employee: Option<Id>,
    },
    /// Who is locked, disabled or behind on the security policy, and recent sign-in failures.
    SecuritySummary,

    /// What the signed-in account still has to do (for setup screens and `account setup`).
    AccountStatus,
    /// `current` may be `None` only in a setup-only session (the one-time password was just
    /// given at sign-in). Re-wraps the key under the new password.
    AccountChangePassword {
        current: Option<SecretText>,
        new: SecretText,
    },
    /// Starts TOTP enrolment with a fresh secret; nothing changes until it is confirmed.
    ///
    /// `password` (the account's current one) may be `None` only in a setup-only session:
    /// otherwise a session left open would be enough to move the second factor elsewhere.
    AccountBeginTotp {
        password: Option<SecretText>,
    },
    /// Activates the secret from `AccountBeginTotp` on a correct code and returns new
    /// recovery codes.
    AccountConfirmTotp {
        code: String,
    },
    /// New recovery codes; the old ones stop working.
    /// `password` as for `AccountBeginTotp`.
    AccountRegenerateRecoveryCodes {
        password: Option<SecretText>,
    },
    AccountPolicy,
    AccountAcceptPolicy {
        version: String,
    },

    AuditList {
        offset: usize,
        limit: usize,
    },
    AuditVerify,

    /// Who is signed in (admin): user, since when, from where.
    Sessions,
    /// Ends a live session by the id prefix `Sessions` shows (admin).
    EndSession {
        id: String,
    },

    /// Take a backup now (admin). Answered outside the request lock: the backup pauses
    /// writers itself.
    BackupRun,
    /// The backups in the configured folder and the last outcome.
    BackupList,
    /// Check one backup of the configured folder by file name; `full` opens every record.
    BackupVerify {
        file: String,
        full: bool,
    },

    /// A new recovery key for the database; the old one stops opening it (admin, with the
    /// password and a fresh code again).
    RecoveryKeyRotate {
        password: SecretText,
        code: String,
    },
    /// What the unseal integrity check found (admin): quarantined records and notes.
    IntegrityStatus,
    /// Rows read from a file, matched, validated and written in one commit (or only counted,
    /// with `dry_run`). Recorded so `ImportRevert` can undo it.
    ImportCustomers {
        batch: Box<ImportBatch>,
    },
    ImportList,
    ImportShow {
        id: Id,
    },
    /// Removes what an import created and puts back what it changed, unless changed since.
    ImportRevert {
        id: Id,
    },
    /// Candidate pairs of customers that may be the same person.
    CustomerDuplicates,
    /// Customers other than `except` sharing a normalised email or phone with `input`: the
    /// warning before a create or an edit.
    CustomerDuplicatesOf {
        input: Box<CustomerInput>,
        except: Option<Id>,
    },
    /// Folds `other` into `keep`: both timelines, multi-valued fields merged, tasks moved;
    /// recorded like an import, so `ImportRevert` undoes it.
    CustomerMerge {
        keep: Id,
        other: Id,
    },
    /// A whole kind as a file, made by the service so the audit entry names its fingerprint,
    /// in parts of records in id order (`client::download` asks for them all): a million
    /// customers make a file larger than one reply may be. The parts put end to end are the
    /// file; each is audited with its own fingerprint.
    Export {
        what: ExportWhat,
        format: ExportFormat,
        reveal: bool,
        filter: CustomerFilter,
        /// A UTF-8 byte order mark on CSV, for Excel.
        bom: bool,
        /// The part after the record with this id (`None`: the first part, with the CSV
        /// header or the JSON array's opening).
        after: Option<Id>,
        /// Records in the part, at most `EXPORT_PART_MAX`; 0 for that many.
        limit: u32,
    },
    /// What is in the trash of one kind (the caller's own tasks for staff and hr).
    TrashList {
        kind: RecordKind,
    },
    /// Brings a deleted record back from the trash, with its timeline and its links.
    TrashRestore {
        kind: RecordKind,
        id: Id,
    },
    /// Who changed which field of a customer, when, from what to what (sensitive values
    /// masked unless the caller may reveal them).
    CustomerHistory {
        id: Id,
    },
    /// Sets a customer's fields back to those of an earlier version (a change like any
    /// edit: it keeps the version it replaces). The timeline stays as it is.
    CustomerRevert {
        id: Id,
        to: u64,
    },
    /// Everything held about one customer (GDPR Art. 15, 20): the record with its sensitive
    /// part, timeline, linked tasks, consent history, changes and the audit trail about it.
    SubjectExport {
        id: Id,
    },
    /// Erases a customer for good (admin): the record, timeline, sensitive part, trash
    /// entry, history and search entries; linked tasks keep their text and lose the link;
    /// every backup in the backup folder is rewritten without it; the erasure journal
    /// keeps the id, time, who and the (sealed) reason.
    CustomerErase {
        id: Id,
        reason: String,
    },
    /// What the next retention run would do (admin): per `[[retention.rule]]`, the customers
    /// it would erase or anonymise. `counts_only` leaves names out and is not audited (Home).
    RetentionPreview {
        counts_only: bool,
    },
    /// Applies the retention rules now, as the nightly run does (admin).
    RetentionRun,
    /// Marketing consent given (dated `date`, default today) or withdrawn, and how the
    /// person gave it: a change like an edit (it keeps the version it replaces).
    CustomerConsent {
        id: Id,
        given: bool,
        how: crate::privacy::consent::Method,
        date: Option<jiff::civil::Date>,
    },
    /// A customer's consent history: given or withdrawn, when, by whom, how recorded.
    ConsentHistory {
        id: Id,
    },
    /// An import sent in parts, for files past the frame cap: `ImportBegin` holds the
    /// batch (its rows are the first part) for this session, `ImportRows` adds rows, and
    /// `ImportCommit` runs the whole as one `ImportCustomers`: one commit, all or nothing.
    /// Until then nothing is written; the rows wait in memory only while the session lasts
    /// and the database is unsealed. A dry-run commit keeps them for the real one.
    ImportBegin {
        batch: Box<ImportBatch>,
    },
    ImportRows {
        token: u64,
        rows: Vec<crate::transfer::ImportRow>,
    },
    ImportCommit {
        token: u64,
        dry_run: bool,
    },
    /// Forgets a staged import (the person cancelled).
    ImportDiscard {
        token: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Done,
    Created {
        id: Id,
    },
    Imported {
        count: usize,
        first_id: Option<Id>,
    },
    Me {
        user: User,
    },
    People(Vec<Person>),
    Revision(u64),
    Hits(Vec<Hit>),
    Customers(Vec<CustomerSummary>),
    /// Id and name of each customer asked for that exists.
    Names(Vec<(Id, String)>),
    CustomerPage(Page<CustomerSummary>),
    TaskPage(Page<Task>),
    EmployeePage(Page<Employee>),
    Customer(Box<Customer>),
    Tasks(Vec<Task>),
    Task(Box<Task>),
    Employees(Vec<Employee>),
    Employee(Box<Employee>),
    Users(Vec<User>),
    User(Box<User>),
    Audit(Vec<AuditEvent>),
    AuditReport(Report),
    Sessions(Vec<SessionInfo>),
    BackupDone {
        file: String,
        bytes: u64,
        summary: String,
        deleted: Vec<String>,
    },
    Backups {
        items: Vec<crate::backup::Listed>,
        status: crate::backup::BackupStatus,
    },
    BackupVerified {
        file: String,
        ok: bool,
        summary: String,
        problem: Option<String>,
    },
    UserAdded {
        id: Id,
        one_time_password: Option<SecretText>,
    },
    OneTimePassword(SecretText),
    Security {
        locked: Vec<String>,
        disabled: Vec<String>,
        failed_last_24h: u32,
        policy_not_accepted: Vec<String>,
    },
    AccountStatus(AccountStatus),
    TotpEnrolment {
        secret_base32: SecretText,
        otpauth_url: SecretText,
    },
    /// Shown once; only their hashes are kept.
    RecoveryCodes(Vec<SecretText>),
    /// The new recovery key, grouped base32, shown once.
    RecoveryKey(SecretText),
    /// `accepted_at` is set only while the caller's acceptance of this version still stands.
    Policy {
        version: String,
        text: String,
        accepted_at: Option<UnixTime>,
    },
    /// Records that failed to open at unseal (`tree/id`), and what else the check found.
    Integrity {
        quarantined: Vec<String>,
        notes: Vec<String>,
    },
    ImportReport(Box<ImportReport>),
    Duplicates(Vec<DuplicatePair>),
    /// The record id that `ImportRevert` takes to undo a merge.
    Merged {
        record: Id,
    },
    Imports(Vec<ImportRecord>),
    Import(Box<ImportRecord>),
    Exported {
        bytes: Vec<u8>,
        /// Records in this part.
        count: usize,
        /// SHA-256 of this part's bytes.
        fingerprint: String,
        /// The last record in the part, to ask for the next after it.
        last: Option<Id>,
        /// More parts follow.
        more: bool,
    },
    Trash(Vec<TrashItem>),
    /// `relinked`: tasks (or reports) whose link to the record was restored with it.
    Restored {
        relinked: usize,
    },
    History(Vec<crate::privacy::changes::HistoryEntry>),
    SubjectExport(Box<crate::privacy::subject::SubjectExport>),
    Erased {
        unlinked_tasks: usize,
        /// `None` when no backup folder is configured.
        backups: Option<crate::privacy::rewrite::RewriteReport>,
    },
    RetentionPlan(crate::privacy::retention::Plan),
    Consent(Vec<crate::privacy::subject::ConsentEvent>),
    /// What a retention run did (ids only), and the backup rewrite its erasures caused.
    RetentionDone {
        plan: crate::privacy::retention::Plan,
        backups: Option<crate::privacy::rewrite::RewriteReport>,
    },
    /// A staged import: the token the next parts and the commit name, and the rows held.
    ImportStaged {
        token: u64,
        rows: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// New rows become customers; rows matching a customer are left alone.
    Create,
    /// Only rows matching a customer change it; the rest are left out.
    Update,
    #[default]
    Upsert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum MatchOn {
    Email,
    Phone,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportBatch {
    pub file_name: String,
    pub file_sha256: String,
    /// The detected or chosen source (`google`, `vcard`): also scopes external ids.
    pub source: String,
    pub mapping: Vec<(String, String)>,
    pub rows: Vec<crate::transfer::ImportRow>,
    pub mode: ImportMode,
    pub match_on: Vec<MatchOn>,
    pub owner: Option<Id>,
    pub tag: Option<String>,
    pub dry_run: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImportReport {
    pub import_id: Option<Id>,
    pub dry_run: bool,
    pub rows_read: usize,
    pub created: usize,
    pub updated: usize,
    /// Matched a customer and brought nothing new (or the mode left them alone).
    pub unchanged: usize,
    /// (line, earlier line of the same person in this file).
    pub duplicates_in_file: Vec<(u64, u64)>,
    pub matches_in_database: usize,
    /// (line, reason).
    pub rejected: Vec<(u64, String)>,
}

/// One import as recorded: enough to show it and to undo it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRecord {
    pub id: Id,
    pub at: UnixTime,
    pub by: Id,
    pub file_name: String,
    pub file_sha256: String,
    pub source: String,
    pub mapping: Vec<(String, String)>,
    pub created: Vec<Id>,
    /// (customer, its version written by the import, its data before).
    pub updated: Vec<(Id, u64, Box<CustomerInput>)>,
    pub rejected: usize,
    pub reverted_at: Option<UnixTime>,
    /// A merge: the customer merged away, whole, to put back on revert.
    pub removed: Vec<Customer>,
    /// A merge: the kept customer as it was, timeline included.
    pub kept_before: Vec<Customer>,
    /// A merge: tasks moved to the kept customer, (task, its version after the move).
    pub repointed: Vec<(Id, u64)>,
}

/// Two customers that may be one person, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicatePair {
    pub a: Id,
    pub a_name: String,
    pub b: Id,
    pub b_name: String,
    /// `same email`, `same phone` or `same name and company`.
    pub reason: String,
}

/// Customers named, at most, as possible duplicates of one record, and pairs listed by
/// `CustomerDuplicates` (the first by id): a number shared by a whole switchboard's worth
/// of customers would otherwise make a list nobody reads, in a reply too big to send.
pub const DUPLICATES_MAX: usize = 1_000;

/// Records in one part of an export. A part is also cut smaller when its bytes would pass
/// `EXPORT_PART_BYTES`, so that it fits in one reply whatever the records hold.
pub const EXPORT_PART_MAX: u32 = 10_000;
pub const EXPORT_PART_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportWhat {
    Customers,
    Tasks,
    Employees,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Json,
    Vcard,
}

/// What the signed-in account still has to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStatus {
    /// Signed in with a one-time password: a password of their own comes first.
    pub password_change_needed: bool,
    pub totp_enrolment_needed: bool,
    pub policy_acceptance_needed: bool,
    /// `None` when no set was ever made (or an admin revoked it).
    pub recovery_codes_left: Option<usize>,
}

impl Request {
    /// Backup requests run outside the request lock (see `Service::handle_backup`).
    pub fn is_backup(&self) -> bool {
        matches!(
            self,
            Request::BackupRun | Request::BackupList | Request::BackupVerify { .. }
        )
    }

    /// The permission the role table must grant before anything else happens.
    pub fn permission(&self) -> Permission {
        use Permission as P;
        use Request::*;
        match self {
            Whoami | People | Revision | QuickSearch { .. } => P::Own,
            CustomerList { .. }
            | CustomerSearch { .. }
            | CustomerNames { .. }
            | CustomerPage { .. } => P::CustomerRead,
            CustomerGet { reveal: false, .. } => P::CustomerRead,
            CustomerGet { reveal: true, .. } => P::CustomerSensitive,
            CustomerCreate { .. } | CustomerUpdate { .. } => P::CustomerWrite,
            CustomerAddInteraction { .. } => P::CustomerLog,
            CustomerDelete { .. } | CustomerImport { .. } => P::CustomerAdmin,
            TaskList { .. } | TaskPage { .. } | TaskGet { .. } => P::TaskRead,
            TaskCreate { .. }
            | TaskUpdate { .. }
            | TaskSetStatus { .. }
            | TaskComment { .. }
            | TaskDelete { .. } => P::TaskWrite,
            EmployeeList | EmployeePage { .. } | EmployeeGet { reveal: false, .. } => {
                P::EmployeeDirectory
            }
            EmployeeGet { reveal: true, .. }
            | EmployeeCreate { .. }
            | EmployeeUpdate { .. }
            | EmployeeDelete { .. } => P::EmployeeHr,
            UserList
            | UserGet { .. }
            | UserAdd { .. }
            | UserSetRole { .. }
            | UserLock { .. }
            | UserUnlock { .. }
            | UserDisable { .. }
            | UserResetPassword { .. }
            | UserResetTotp { .. }
            | UserRevokeRecoveryCodes { .. }
            | UserLinkEmployee { .. }
            | SecuritySummary => P::UserAdmin,
            AccountStatus
            | AccountChangePassword { .. }
            | AccountBeginTotp { .. }
            | AccountConfirmTotp { .. }
            | AccountRegenerateRecoveryCodes { .. }
            | AccountPolicy
            | AccountAcceptPolicy { .. } => P::Own,
            AuditList { .. } | AuditVerify => P::AuditRead,
            Sessions | EndSession { .. } => P::UserAdmin,
            BackupRun | BackupList | BackupVerify { .. } => P::Backup,
            RecoveryKeyRotate { .. } => P::UserAdmin,
            IntegrityStatus => P::UserAdmin,
            ImportCustomers { .. } | ImportList | ImportShow { .. } | ImportRevert { .. } => {
                P::CustomerAdmin
            }
            ImportBegin { .. } | ImportRows { .. } | ImportCommit { .. } | ImportDiscard { .. } => {
                P::CustomerAdmin
            }
            Export {
                what: ExportWhat::Employees,
                reveal: true,
                ..
            } => P::EmployeeHr,
            CustomerDuplicates | CustomerDuplicatesOf { .. } => P::CustomerRead,
            CustomerMerge { .. } => P::CustomerAdmin,
            Export { .. } => P::CustomerAdmin,
            CustomerHistory { .. } => P::CustomerRead,
            CustomerRevert { .. } => P::CustomerWrite,
            SubjectExport { .. } => P::CustomerAdmin,
            CustomerErase { .. } => P::CustomerErase,
            RetentionPreview { .. } | RetentionRun => P::CustomerErase,
            CustomerConsent { .. } => P::CustomerWrite,
            ConsentHistory { .. } => P::CustomerRead,
            TrashList { kind } | TrashRestore { kind, .. } => match kind {
                RecordKind::Customer => P::CustomerAdmin,
                RecordKind::Task => P::TaskWrite,
                RecordKind::Employee => P::EmployeeHr,
            },
        }
    }

    /// A second permission a request needs besides [`Request::permission`], and on every
    /// record: the sensitive fields in an export of customers reveal each customer it holds,
    /// so the export needs what `CustomerGet { reveal: true }` needs, for all of them.
    pub fn also_needs(&self) -> Option<Permission> {
        match self {
            Request::Export {
                what: ExportWhat::Customers,
                reveal: true,
                ..
            } => Some(Permission::CustomerSensitive),
            _ => None,
        }
    }

    /// How far a role reaches for this request, `scope` being the role's column of the
    /// table: that of [`Request::permission`], or none when [`Request::also_needs`] names a
    /// permission the role does not hold on every record.
    pub fn reach(&self, scope: impl Fn(Permission) -> Scope) -> Scope {
        match self.also_needs() {
            Some(p) if scope(p) != Scope::All => Scope::None,
            _ => scope(self.permission()),
        }
    }

    /// The audit action name (`customer.create`).
    pub fn action(&self) -> &'static str {
        use Request::*;
        match self {
            Whoami => "session.whoami",
            People => "user.directory",
            Revision => "session.revision",
            QuickSearch { .. } => "search.quick",
            CustomerList { .. } => "customer.list",
            CustomerSearch { .. } => "customer.search",
            CustomerPage { .. } => "customer.page",
            CustomerNames { .. } => "customer.names",
            CustomerGet { reveal: false, .. } => "customer.view",
            CustomerGet { reveal: true, .. } => "customer.reveal",
            CustomerCreate { .. } => "customer.create",
            CustomerUpdate { .. } => "customer.edit",
            CustomerAddInteraction { .. } => "customer.interaction",
            CustomerDelete { .. } => "customer.delete",
            CustomerImport { .. } => "customer.import",
            TaskList { .. } => "task.list",
            TaskPage { .. } => "task.page",
            TaskGet { .. } => "task.view",
            TaskCreate { .. } => "task.create",
            TaskUpdate { .. } => "task.edit",
            TaskSetStatus { .. } => "task.status",
            TaskComment { .. } => "task.comment",
            TaskDelete { .. } => "task.delete",
            EmployeeList => "employee.list",
            EmployeePage { .. } => "employee.page",
            EmployeeGet { reveal: false, .. } => "employee.view",
            EmployeeGet { reveal: true, .. } => "employee.reveal",
            EmployeeCreate { .. } => "employee.create",
            EmployeeUpdate { .. } => "employee.edit",
            EmployeeDelete { .. } => "employee.delete",
            UserList => "user.list",
            UserGet { .. } => "user.view",
            UserAdd { .. } => "user.create",
            UserSetRole { .. } => "user.role",
            UserLock { .. } => "user.lock",
            UserUnlock { .. } => "user.unlock",
            UserDisable { .. } => "user.disable",
            UserResetPassword { .. } => "user.reset_password",
            UserResetTotp { .. } => "user.reset_totp",
            UserRevokeRecoveryCodes { .. } => "user.revoke_recovery_codes",
            UserLinkEmployee { .. } => "user.link_employee",
            SecuritySummary => "security.summary",
            AccountStatus => "account.status",
            AccountChangePassword { .. } => "account.password",
            AccountBeginTotp { .. } => "account.totp_begin",
            AccountConfirmTotp { .. } => "account.totp_enrol",
            AccountRegenerateRecoveryCodes { .. } => "account.recovery_codes",
            AccountPolicy => "account.policy_view",
            AccountAcceptPolicy { .. } => "account.policy_accept",
            AuditList { .. } => "audit.list",
            AuditVerify => "audit.verify",
            Sessions => "session.list",
            EndSession { .. } => "session.end",
            BackupRun => "backup.run",
            BackupList => "backup.list",
            BackupVerify { .. } => "backup.verify",
            RecoveryKeyRotate { .. } => "database.recovery_key_rotate",
            IntegrityStatus => "integrity.status",
            ImportCustomers { .. } => "import.customers",
            ImportList => "import.list",
            ImportShow { .. } => "import.show",
            ImportRevert { .. } => "import.revert",
            // The commit is the import: the same entry, with counts and the file's hash.
            ImportCommit { .. } => "import.customers",
            ImportBegin { .. } => "import.begin",
            ImportRows { .. } => "import.rows",
            ImportDiscard { .. } => "import.discard",
            Export { .. } => "export",
            CustomerDuplicates => "customer.duplicates",
            CustomerDuplicatesOf { .. } => "customer.duplicate_check",
            CustomerMerge { .. } => "customer.merge",
            CustomerHistory { .. } => "customer.history",
            CustomerRevert { .. } => "customer.revert",
            SubjectExport { .. } => "customer.subject_export",
            CustomerErase { .. } => "customer.erase",
            RetentionPreview { .. } => "retention.preview",
            RetentionRun => "retention.run",
            CustomerConsent { .. } => "customer.consent",
            ConsentHistory { .. } => "customer.consent_history",
            TrashList { kind } => match kind {
                RecordKind::Customer => "customer.trash",
                RecordKind::Task => "task.trash",
                RecordKind::Employee => "employee.trash",
            },
            TrashRestore { kind, .. } => match kind {
                RecordKind::Customer => "customer.restore",
                RecordKind::Task => "task.restore",
                RecordKind::Employee => "employee.restore",
            },
        }
    }

    /// Lists and searches are not audited one by one (they would drown the log); record
    /// views, reveals and every change are.
    pub fn audited(&self) -> bool {
        use Request::*;
        !matches!(
            self,
            Whoami
                | People
                | Revision
                | QuickSearch { .. }
                | CustomerList { .. }
                | CustomerSearch { .. }
                | CustomerNames { .. }
                | CustomerPage { .. }
                | TaskList { .. }
                | TaskPage { .. }
                | EmployeeList
                | EmployeePage { .. }
                | UserList
                | SecuritySummary
                | IntegrityStatus
                | AccountStatus
                | AccountPolicy
                | AuditList { .. }
                | ImportList
                | ImportBegin { .. }
                | ImportRows { .. }
                | ImportDiscard { .. }
                | CustomerDuplicatesOf { .. }
                | TrashList { .. }
                | RetentionPreview { counts_only: true }
                // Part of a record view, which is audited itself.
                | ConsentHistory { .. }
        )
    }

    /// What a setup-only session (signed in with a one-time password, or not yet enrolled in
    /// TOTP) may send: finishing the setup, and nothing else.
    pub fn allowed_in_setup(&self) -> bool {
        use Request::*;
        matches!(
            self,
            Whoami
                | AccountStatus
                | AccountChangePassword { .. }
                | AccountBeginTotp { .. }
                | AccountConfirmTotp { .. }
                | AccountPolicy
                | AccountAcceptPolicy { .. }
        )
    }

    /// One example of every variant, for the role matrix test and the wire tests.
    pub fn examples() -> Vec<Request> {
        use Request::*;
        vec![
            Whoami,
            People,
            Revision,
            QuickSearch {
                query: "a".into(),
                limit: 5,
            },
            CustomerList {
                filter: CustomerFilter::default(),
            },
            CustomerSearch {
                query: "a".into(),
                limit: 5,
            },
            CustomerPage {
                filter: CustomerFilter::default(),
                query: String::new(),
                window: Window::default(),
            },
            CustomerNames { ids: vec![1, 2] },
            CustomerGet {
                id: 1,
                reveal: false,
            },
            CustomerGet {
                id: 1,
                reveal: true,
            },
            CustomerCreate {
                input: CustomerInput {
                    name: "Example".into(),
                    ..Default::default()
                },
            },
            CustomerUpdate {
                id: 1,
                version: 1,
                input: CustomerInput {
                    name: "Example".into(),
                    ..Default::default()
                },
            },
            CustomerAddInteraction {
                id: 1,
                kind: InteractionKind::Call,
                text: "called".into(),
            },
            CustomerDelete { id: 1 },
            CustomerImport {
                inputs: vec![CustomerInput {
                    name: "Example".into(),
                    ..Default::default()
                }],
                dry_run: true,
            },
            TaskList {
                filter: TaskFilter::default(),
            },
            TaskPage {
                filter: TaskFilter::default(),
                window: Window::default(),
            },
            TaskGet { id: 1 },
            TaskCreate {
                input: TaskInput {
                    title: "Example".into(),
                    ..Default::default()
                },
            },
            TaskUpdate {
                id: 1,
                version: 1,
                input: TaskInput {
                    title: "Example".into(),
                    ..Default::default()
                },
            },
            TaskSetStatus {
                id: 1,
                status: TaskStatus::Done,
            },
            TaskComment {
                id: 1,
                text: "note".into(),
            },
            TaskDelete { id: 1 },
            EmployeeList,
            EmployeePage {
                window: Window::default(),
            },
            EmployeeGet {
                id: 1,
                reveal: false,
            },
            EmployeeGet {
                id: 1,
                reveal: true,
            },
            EmployeeCreate {
                input: EmployeeInput {
                    name: "Example".into(),
                    ..Default::default()
                },
            },
            EmployeeUpdate {
                id: 1,
                version: 1,
                input: EmployeeInput {
                    name: "Example".into(),
                    ..Default::default()
                },
            },
            EmployeeDelete { id: 1 },
            UserList,
            UserGet {
                username: "x".into(),
            },
            UserAdd {
                username: "example".into(),
                display_name: "Example".into(),
                role: Role::Staff,
                password: None,
                totp_secret: None,
            },
            UserSetRole {
                username: "x".into(),
                role: Role::Manager,
            },
            UserLock {
                username: "x".into(),
            },
            UserUnlock {
                username: "x".into(),
            },
            UserDisable {
                username: "x".into(),
            },
            UserResetPassword {
                username: "x".into(),
            },
            UserResetTotp {
                username: "x".into(),
            },
            UserRevokeRecoveryCodes {
                username: "x".into(),
            },
            UserLinkEmployee {
                username: "x".into(),
                employee: None,
            },
            SecuritySummary,
            AccountStatus,
            AccountChangePassword {
                current: Some(SecretText::new("not the password".into())),
                new: SecretText::new("wistful magnets orbit quietly".into()),
            },
            AccountBeginTotp {
                password: Some(SecretText::new("not the password".into())),
            },
            AccountConfirmTotp {
                code: "000000".into(),
            },
            AccountRegenerateRecoveryCodes {
                password: Some(SecretText::new("not the password".into())),
            },
            AccountPolicy,
            AccountAcceptPolicy {
                version: "0".into(),
            },
            AuditList {
                offset: 0,
                limit: 10,
            },
            AuditVerify,
            Sessions,
            EndSession {
                id: "00000000".into(),
            },
            BackupList,
            BackupVerify {
                file: "kasefet-20260101T020000Z.kbak".into(),
                full: false,
            },
            BackupRun,
            IntegrityStatus,
            RecoveryKeyRotate {
                password: SecretText::new("pw".into()),
                code: "123456".into(),
            },
            ImportCustomers {
                batch: Box::new(ImportBatch {
                    file_name: "contacts.csv".into(),
                    file_sha256: String::new(),
                    source: "generic".into(),
                    mapping: Vec::new(),
                    rows: Vec::new(),
                    mode: ImportMode::Upsert,
                    match_on: vec![MatchOn::Email, MatchOn::Phone],
                    owner: None,
                    tag: None,
                    dry_run: true,
                }),
            },
            ImportList,
            ImportShow { id: 1 },
            ImportRevert { id: 1 },
            Export {
                what: ExportWhat::Customers,
                format: ExportFormat::Csv,
                reveal: false,
                filter: CustomerFilter::default(),
                bom: false,
                after: None,
                limit: 0,
            },
            CustomerDuplicates,
            CustomerDuplicatesOf {
                input: Box::new(CustomerInput {
                    name: "Example".into(),
                    ..Default::default()
                }),
                except: None,
            },
            CustomerMerge { keep: 1, other: 2 },
            Export {
                what: ExportWhat::Customers,
                format: ExportFormat::Csv,
                reveal: true,
                filter: CustomerFilter::default(),
                bom: false,
                after: None,
                limit: 0,
            },
            Export {
                what: ExportWhat::Employees,
                format: ExportFormat::Csv,
                reveal: true,
                filter: CustomerFilter::default(),
                bom: false,
                after: None,
                limit: 0,
            },
            TrashList {
                kind: RecordKind::Customer,
            },
            TrashList {
                kind: RecordKind::Task,
            },
            TrashList {
                kind: RecordKind::Employee,
            },
            TrashRestore {
                kind: RecordKind::Customer,
                id: 1,
            },
            TrashRestore {
                kind: RecordKind::Task,
                id: 1,
            },
            TrashRestore {
                kind: RecordKind::Employee,
                id: 1,
            },
            CustomerHistory { id: 1 },
            CustomerRevert { id: 1, to: 1 },
            SubjectExport { id: 1 },
            CustomerErase {
                id: 1,
                reason: "subject request".into(),
            },
            RetentionPreview { counts_only: false },
            RetentionRun,
            CustomerConsent {
                id: 1,
                given: true,
                how: crate::privacy::consent::Method::Phone,
                date: None,
            },
            ConsentHistory { id: 1 },
            ImportBegin {
                batch: Box::new(ImportBatch {
                    file_name: "contacts.csv".into(),
                    file_sha256: String::new(),
                    source: "generic".into(),
                    mapping: Vec::new(),
                    rows: Vec::new(),
                    mode: ImportMode::Upsert,
                    match_on: vec![MatchOn::Email, MatchOn::Phone],
                    owner: None,
                    tag: None,
                    dry_run: true,
                }),
            },
            ImportRows {
                token: 1,
                rows: Vec::new(),
            },
            ImportCommit {
                token: 1,
                dry_run: true,
            },
            ImportDiscard { token: 1 },
        ]
    }
}

/// Roles for a request, for help screens and the matrix test.
pub fn roles_allowed(req: &Request) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| crate::domain::role::allows(*r, req.permission()))
        .collect()
}
