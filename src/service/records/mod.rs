//! The "act" step of `handle`: each request's effect, as ops to commit plus cache updates
//! applied only after the commit succeeded.

mod account;
mod admin;
pub(crate) mod cached;
mod consent;
mod customers;
mod duplicates;
mod employees;
mod export;
mod history;
mod pages;
mod privacy;
pub(crate) mod reads;
mod recovery_key;
pub(crate) mod retention;
mod staged;
mod tasks;
mod transfer;
mod trash;
mod users;

use jiff::civil::Date;

use super::request::{Request, Response};
use super::unsealed::Unsealed;
use super::{Error, Result, Settings};
use crate::domain::role::Scope;
use crate::domain::{Customer, Employee, Id, Stamp, Task, UnixTime, User, UserState};
use crate::store::{Op, Store};

pub(crate) use pages::Asker;
pub(crate) use staged::Staged;

pub(crate) struct Cx<'a> {
    pub store: &'a Store,
    pub open: &'a mut Unsealed,
    pub user: &'a User,
    pub reach: Scope,
    /// The session signed in with a one-time password or before TOTP enrolment.
    pub setup_only: bool,
    pub settings: &'a Settings,
    pub now: UnixTime,
    pub today: Date,
    /// Live sessions, filled only for the requests that list or end them.
    pub sessions: Vec<([u8; 16], crate::service::session::SessionState)>,
    pub session_id: Option<[u8; 16]>,
    /// Who is at the other end, for audit entries a request writes beyond its own.
    pub peer: crate::service::Peer,
}

pub(crate) struct Acted {
    pub response: Response,
    /// `customer:42`: what the audit entry names.
    pub target: String,
    pub ops: Vec<Op>,
    pub detail: String,
    pub updates: Vec<Update>,
}

impl Acted {
    pub fn read(response: Response, target: String) -> Acted {
        Acted {
            response,
            target,
            ops: Vec::new(),
            detail: String::new(),
            updates: Vec::new(),
        }
    }
}

pub(crate) enum Update {
    User(Box<User>),
    Customer(Box<Customer>),
    CustomerGone(Id),
    Task(Box<Task>),
    TaskGone(Id),
    Employee(Box<Employee>),
    EmployeeGone(Id),
    /// Ends a live session (applied by `handle`, which owns the session table).
    EndSession([u8; 16]),
}

impl Update {
    /// Changes nothing but the search index.
    pub fn index_only(&self) -> bool {
        matches!(self, Update::Customer(_) | Update::CustomerGone(_))
    }

    /// Applies an index-only update (see `index_only`); others are left to `apply_all`.
    pub fn apply_to_index(&self, index: &mut crate::search::Index) {
        match self {
            Update::Customer(c) => index.put_customer(c),
            Update::CustomerGone(id) => index.remove_customer(*id),
            _ => {}
        }
    }

    /// Applies one request's updates, holding each cache's write lock from its first update
    /// to the last: a read answered outside the service lock sees all of a request's changes
    /// to a cache or none (a customer deleted with its tasks unlinked, never half of them).
    /// Returns the sessions to end, which `handle` owns.
    pub fn apply_all(updates: Vec<Update>, open: &mut Unsealed) -> Vec<[u8; 16]> {
        let mut ended = Vec::new();
        let mut users = Vec::new();
        let (mut index, mut tasks, mut employees) = (None, None, None);
        fn write(
            s: &std::sync::RwLock<crate::search::Index>,
        ) -> std::sync::RwLockWriteGuard<'_, crate::search::Index> {
            s.write().unwrap_or_else(|p| p.into_inner())
        }
        for u in updates {
            match u {
                Update::EndSession(id) => ended.push(id),
                Update::User(u) => users.push(*u),
                Update::Customer(c) => index
                    .get_or_insert_with(|| write(&open.index))
                    .put_customer(&c),
                Update::CustomerGone(id) => index
                    .get_or_insert_with(|| write(&open.index))
                    .remove_customer(id),
                Update::Task(t) => {
                    index.get_or_insert_with(|| write(&open.index)).put_task(&t);
                    tasks
                        .get_or_insert_with(|| open.tasks.write())
                        .insert(t.id, *t);
                }
                Update::TaskGone(id) => {
                    index
                        .get_or_insert_with(|| write(&open.index))
                        .remove_task(id);
                    tasks.get_or_insert_with(|| open.tasks.write()).remove(&id);
                }
                Update::Employee(e) => {
                    index
                        .get_or_insert_with(|| write(&open.index))
                        .put_employee(&e);
                    employees
                        .get_or_insert_with(|| open.employees.write())
                        .insert(e.id, *e);
                }
                Update::EmployeeGone(id) => {
                    index
                        .get_or_insert_with(|| write(&open.index))
                        .remove_employee(id);
                    employees
                        .get_or_insert_with(|| open.employees.write())
                        .remove(&id);
                }
            }
        }
        drop((index, tasks, employees));
        for u in users {
            open.put_user(u);
        }
        ended
    }
}

/// The stamp of a change by `by` at `now` (`by` is 0 for the nightly run).
pub(crate) fn bumped(s: &Stamp, now: UnixTime, by: Id) -> Stamp {
    Stamp {
        version: s.version + 1,
        updated_at: now,
        updated_by: by,
        ..s.clone()
    }
}

impl Cx<'_> {
    pub fn act(&mut self, req: Request) -> Result<Acted> {
        use Request::*;
        match req {
            Whoami => Ok(Acted::read(
                Response::Me {
                    user: self.user.clone(),
                },
                String::new(),
            )),
            People => self.people(),
            Revision => Ok(Acted::read(
                Response::Revision(self.open.revision),
                String::new(),
            )),
            // `handle` answers these outside its lock; this is the same answer, for callers
            // that already hold it.
            QuickSearch { .. }
            | CustomerList { .. }
            | CustomerSearch { .. }
            | CustomerNames { .. }
            | CustomerPage { .. } => {
                let index = self.open.index();
                let response = reads::answer(&req, &index, self.user)
                    .ok_or_else(|| Error::Refused("not an index read".into()))?;
                Ok(Acted::read(response, String::new()))
            }
            CustomerGet { id, reveal } => self.customer_get(id, reveal),
            CustomerCreate { input } => self.customer_create(input),
            CustomerUpdate { id, version, input } => self.customer_update(id, version, input),
            CustomerAddInteraction { id, kind, text } => self.customer_interaction(id, kind, &text),
            CustomerDelete { id } => self.customer_delete(id),
            CustomerImport { inputs, dry_run } => self.customer_import(inputs, dry_run),
            // As the index reads above: answered outside the lock by `handle`.
            TaskList { .. } | TaskPage { .. } | EmployeeList | EmployeePage { .. } => {
                let response =
                    cached::answer(&req, &self.open.tasks, &self.open.employees, &self.asker())
                        .ok_or_else(|| Error::Refused("not a cache read".into()))?;
                Ok(Acted::read(response, String::new()))
            }
            TaskGet { id } => self.task_get(id),
            TaskCreate { input } => self.task_create(input),
            TaskUpdate { id, version, input } => self.task_update(id, version, input),
            TaskSetStatus { id, status } => self.task_set_status(id, status),
            TaskComment { id, text } => self.task_comment(id, &text),
            TaskDelete { id } => self.task_delete(id),
            EmployeeGet { id, reveal } => self.employee_get(id, reveal),
            EmployeeCreate { input } => self.employee_create(input),
            EmployeeUpdate { id, version, input } => self.employee_update(id, version, input),
            EmployeeDelete { id } => self.employee_delete(id),
            UserList => self.user_list(),
            UserGet { username } => self.user_get(&username),
            UserAdd {
                username,
                display_name,
                role,
                password,
                totp_secret,
            } => self.user_add(&username, &display_name, role, password, totp_secret),
            UserSetRole { username, role } => self.user_set_role(&username, role),
            UserLock { username } => self.user_lock(&username, UserState::Locked),
            UserDisable { username } => self.user_lock(&username, UserState::Disabled),
            UserUnlock { username } => self.user_unlock(&username),
            UserResetPassword { username } => self.user_reset_password(&username),
            UserResetTotp { username } => self.user_reset_totp(&username),
            UserRevokeRecoveryCodes { username } => self.user_revoke_recovery_codes(&username),
            UserLinkEmployee { username, employee } => self.user_link_employee(&username, employee),
            SecuritySummary => self.security_summary(),
            IntegrityStatus => Ok(Acted::read(
                Response::Integrity {
                    quarantined: self.open.quarantined.clone(),
                    notes: self.open.integrity_notes.clone(),
                },
                String::new(),
            )),
            AccountStatus => self.account_status(),
            AccountChangePassword { current, new } => self.account_change_password(current, new),
            AccountBeginTotp { password } => self.account_begin_totp(password),
            AccountConfirmTotp { code } => self.account_confirm_totp(&code),
            AccountRegenerateRecoveryCodes { password } => {
                self.account_regenerate_recovery_codes(password)
            }
            AccountPolicy => self.account_policy(),
            AccountAcceptPolicy { version } => self.account_accept_policy(&version),
            AuditList { offset, limit } => self.audit_list(offset, limit),
            AuditVerify => self.audit_verify(),
            Sessions => self.session_list(),
            EndSession { id } => self.session_end(&id),
            RecoveryKeyRotate { password, code } => self.recovery_key_rotate(password, &code),
            TrashList { kind } => self.trash_list(kind),
            TrashRestore { kind, id } => self.trash_restore(kind, id),
            CustomerHistory { id } => self.customer_history(id),
            CustomerRevert { id, to } => self.customer_revert(id, to),
            SubjectExport { id } => self.subject_export(id),
            CustomerErase { id, reason } => self.customer_erase(id, &reason),
            RetentionPreview { counts_only } => self.retention_preview(counts_only),
            RetentionRun => self.retention_run(),
            CustomerConsent {
                id,
                given,
                how,
                date,
            } => self.customer_consent(id, given, how, date),
            ConsentHistory { id } => self.consent_history(id),
            // `handle` answers these before taking the lock; never reached.
            ImportCustomers { batch } => self.import_customers(*batch),
            ImportList => self.import_list(),
            CustomerDuplicates => self.customer_duplicates(),
            CustomerDuplicatesOf { input, except } => self.customer_duplicates_of(&input, except),
            CustomerMerge { keep, other } => self.customer_merge(keep, other),
            ImportShow { id } => self.import_show(id),
            ImportRevert { id } => self.import_revert(id),
            Export {
                what,
                format,
                reveal,
                filter,
                bom,
                after,
                limit,
            } => self.export(
                export::Spec {
                    what,
                    format,
                    reveal,
                    bom,
                },
                &filter,
                after,
                limit,
            ),
            ImportBegin { batch } => self.import_begin(*batch),
            ImportRows { token, rows } => self.import_rows(token, rows),
            ImportCommit { token, dry_run } => self.import_commit(token, dry_run),
            ImportDiscard { token } => self.import_discard(token),
            BackupRun | BackupList | BackupVerify { .. } => Err(Error::Refused(
                "backup requests are not handled here".into(),
            )),
        }
    }

    pub fn me(&self) -> Id {
        self.user.id
    }

    pub fn asker(&self) -> Asker {
        Asker {
            me: self.me(),
            reach: self.reach,
            today: self.today,
        }
    }

    pub fn new_stamp(&self) -> Stamp {
        Stamp {
            version: 1,
            created_at: self.now,
            created_by: self.me(),
            updated_at: self.now,
            updated_by: self.me(),
        }
    }

    pub fn bump(&self, s: &Stamp) -> Stamp {
        bumped(s, self.now, self.me())
    }

    /// Refuses an update made from an older version, saying who changed it and when.
    pub fn check_version(&self, what: String, current: &Stamp, version: u64) -> Result<()> {
        if current.version != version {
            return Err(Error::conflict(
                what,
                self.open.username(current.updated_by),
                current.updated_at,
                current.version,
            ));
        }
        Ok(())
    }

    pub fn user_exists(&self, id: Id, field: &str) -> Result<()> {
        if self.open.users().contains_key(&id) {
            Ok(())
        } else {
            Err(Error::Invalid(crate::domain::Invalid(vec![
                crate::domain::FieldError {
                    field: field.into(),
                    message: format!("no user with id {id}"),
                },
            ])))
        }
    }
}
