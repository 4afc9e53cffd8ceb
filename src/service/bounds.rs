//! Bounds on what a `Request` may carry, checked at the door before anything acts on it.
//!
//! A client is the untrusted side: a number past what any screen or script sends (a
//! `due_within_days` of 4294967295 once panicked inside date arithmetic) or a string no
//! form would make is refused here, with the field named, instead of being found out deep
//! inside an operation. Records' own fields are checked by their `validate`; these are the
//! request's parameters around them.

use super::request::{Request, TaskFilter};
use crate::domain::{FieldError, Invalid};
use crate::search::{SortKey, Start, Window};

/// Search results asked for at once (the TUI asks for 500).
pub const MAX_SEARCH_LIMIT: usize = 10_000;
/// Rows in one window of a list: a screen asks for what fits plus a margin (about 100), a
/// script pages through with this many; 5,000 customer rows are about 1 MiB on the wire.
pub const MAX_PAGE_LIMIT: usize = 5_000;
/// Most customers one `CustomerNames` asks about; screens ask in chunks of this.
pub const MAX_NAMES: usize = 5_000;
/// Audit entries listed at once (a reviewer's export asks for many).
pub const MAX_AUDIT_LIMIT: usize = 1_000_000;
pub const MAX_AUDIT_OFFSET: usize = u32::MAX as usize;
/// Ten years: the longest "due within" anyone plans.
pub const MAX_DUE_WITHIN_DAYS: u32 = 3_650;
/// Rows in one import (the 4 MiB frame holds about 10,000).
pub const MAX_IMPORT_ROWS: usize = 100_000;
/// Bytes (as sent) of the rows one staged import may hold, and staged imports held at once
/// across all sessions: parts sent one by one must not add up to more memory than a
/// 100,000-row file of full records needs.
pub const MAX_STAGED_BYTES: usize = 256 * 1024 * 1024;
pub const MAX_STAGED_IMPORTS: usize = 4;
/// A staged import nobody sent a part to for this long may make room for another.
pub const STAGED_IDLE_SECS: i64 = 15 * 60;
/// Characters of a search query, a tag filter, a username, a file name, a session id, a
/// code, a policy version, a note: each far beyond real use, and far below the frame cap.
pub const MAX_QUERY_CHARS: usize = 1_000;
pub const MAX_NAME_CHARS: usize = 256;
pub const MAX_CODE_CHARS: usize = 64;
pub const MAX_NOTE_CHARS: usize = 100_000;

/// Refuses `req` when a parameter is out of its range, naming the field.
pub fn check(req: &Request) -> Result<(), Invalid> {
    let mut errors = Bounds::default();
    use Request::*;
    match req {
        QuickSearch { query, limit } | CustomerSearch { query, limit } => {
            errors.text("query", query, MAX_QUERY_CHARS);
            errors.number("limit", *limit as u64, 0, MAX_SEARCH_LIMIT as u64);
        }
        CustomerList { filter } | Export { filter, .. } => {
            if let Some(tag) = &filter.tag {
                errors.text("filter.tag", tag, MAX_NAME_CHARS);
            }
            if let Some(q) = &filter.query {
                errors.text("filter.query", q, MAX_QUERY_CHARS);
                if let Err(e) = super::records::reads::check_filter_query(q) {
                    errors.0.extend(e.0);
                }
            }
        }
        CustomerPage {
            filter,
            query,
            window,
        } => {
            if let Some(tag) = &filter.tag {
                errors.text("filter.tag", tag, MAX_NAME_CHARS);
            }
            errors.text("query", query, MAX_QUERY_CHARS);
            errors.window(window, &[SortKey::Due], "customers have no due date");
        }
        CustomerNames { ids } => errors.number("ids", ids.len() as u64, 0, MAX_NAMES as u64),
        TaskPage { filter, window } => {
            task_filter(&mut errors, filter);
            errors.window(window, &[], "");
        }
        EmployeePage { window } => errors.window(
            window,
            &[SortKey::Status, SortKey::Due],
            "employees sort by name, updated or created",
        ),
        CustomerAddInteraction { text, .. } | TaskComment { text, .. } => {
            errors.text("text", text, MAX_NOTE_CHARS);
        }
        CustomerImport { inputs, .. } => {
            errors.number("inputs", inputs.len() as u64, 0, MAX_IMPORT_ROWS as u64);
        }
        TaskList { filter } => task_filter(&mut errors, filter),
        UserGet { username }
        | UserSetRole { username, .. }
        | UserLock { username }
        | UserUnlock { username }
        | UserDisable { username }
        | UserResetPassword { username }
        | UserResetTotp { username }
        | UserRevokeRecoveryCodes { username }
        | UserLinkEmployee { username, .. } => {
            errors.text("username", username, MAX_NAME_CHARS);
        }
        UserAdd {
            username,
            display_name,
            ..
        } => {
            errors.text("username", username, MAX_NAME_CHARS);
            errors.text("display_name", display_name, MAX_NAME_CHARS);
        }
        AccountConfirmTotp { code } => errors.text("code", code, MAX_CODE_CHARS),
        AccountAcceptPolicy { version } => errors.text("version", version, MAX_NAME_CHARS),
        AuditList { offset, limit } => {
            errors.number("offset", *offset as u64, 0, MAX_AUDIT_OFFSET as u64);
            errors.number("limit", *limit as u64, 0, MAX_AUDIT_LIMIT as u64);
        }
        EndSession { id } => errors.text("id", id, MAX_CODE_CHARS),
        BackupVerify { file, .. } => errors.text("file", file, MAX_NAME_CHARS),
        ImportCustomers { batch } | ImportBegin { batch } => {
            errors.number(
                "batch.rows",
                batch.rows.len() as u64,
                0,
                MAX_IMPORT_ROWS as u64,
            );
            errors.text("batch.file_name", &batch.file_name, MAX_NAME_CHARS);
            errors.text("batch.source", &batch.source, MAX_NAME_CHARS);
            if let Some(tag) = &batch.tag {
                errors.text("batch.tag", tag, MAX_NAME_CHARS);
            }
        }
        // The running total (rows and bytes held) is checked where the parts are kept.
        ImportRows { rows, .. } => {
            errors.number("rows", rows.len() as u64, 0, MAX_IMPORT_ROWS as u64);
        }
        // The reason goes into the erasure journal and so into every later backup.
        CustomerErase { reason, .. } => errors.text("reason", reason, MAX_QUERY_CHARS),
        RecoveryKeyRotate { code, .. } => errors.text("code", code, MAX_CODE_CHARS),
        _ => {}
    }
    errors.done()
}

fn task_filter(errors: &mut Bounds, f: &TaskFilter) {
    if let Some(d) = f.due_within_days {
        errors.number(
            "filter.due_within_days",
            u64::from(d),
            0,
            u64::from(MAX_DUE_WITHIN_DAYS),
        );
    }
}

#[derive(Default)]
struct Bounds(Vec<FieldError>);

impl Bounds {
    fn number(&mut self, field: &str, v: u64, lo: u64, hi: u64) {
        if !(lo..=hi).contains(&v) {
            self.0.push(FieldError::new(
                field,
                format!("{v} is out of range ({lo} to {hi})"),
            ));
        }
    }

    fn text(&mut self, field: &str, v: &str, max_chars: usize) {
        // Bytes bound chars from above, so most strings need no count.
        if v.len() > max_chars && v.chars().count() > max_chars {
            self.0.push(FieldError::new(
                field,
                format!("longer than {max_chars} characters"),
            ));
        }
    }

    /// A window's size, its cursor's text, and a sort key the kind has.
    fn window(&mut self, w: &Window, refused: &[SortKey], why: &str) {
        self.number("window.limit", w.limit as u64, 1, MAX_PAGE_LIMIT as u64);
        if let Start::After(c) | Start::Before(c) = &w.start {
            self.text("window.start", &c.minor, MAX_QUERY_CHARS);
        }
        if refused.contains(&w.sort.key) {
            self.0.push(FieldError::new(
                "window.sort",
                format!("cannot sort by {}: {why}", w.sort.key.as_str()),
            ));
        }
    }

    fn done(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.0))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_fields_are_named() {
        let req = Request::TaskList {
            filter: TaskFilter {
                due_within_days: Some(u32::MAX),
                ..TaskFilter::default()
            },
        };
        let e = check(&req).unwrap_err();
        assert_eq!(e.0[0].field, "filter.due_within_days");
        assert!(e.to_string().contains("4294967295"), "{e}");
        let ok = Request::TaskList {
            filter: TaskFilter {
                due_within_days: Some(7),
                ..TaskFilter::default()
            },
        };
        assert!(check(&ok).is_ok());
        let long = Request::QuickSearch {
            query: "é".repeat(MAX_QUERY_CHARS + 1),
            limit: usize::MAX,
        };
        let fields: Vec<String> = check(&long)
            .unwrap_err()
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["query", "limit"]);
        // Every example request (what the front ends send) is within bounds.
        for r in Request::examples() {
            assert!(check(&r).is_ok(), "{r:?}");
        }
    }
}
