//! Everything a key can ask for. Keys map to these through the keymap (`assets/keymap.toml`
//! names them in snake_case); screens act on them in `update`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // Anywhere, even while typing.
    /// Lock the screen now; the password unlocks it.
    Lock,

    // On a tab, when not typing.
    NextTab,
    PrevTab,
    TabHome,
    TabCustomers,
    TabTasks,
    TabEmployees,
    TabUsers,
    TabAudit,
    TabBackups,
    /// Keys of the current screen.
    Help,
    /// One search across customers, employees and tasks.
    Lookup,
    /// Load the current screen again.
    Refresh,
    /// Leave Kasefet (asks first when there are unsaved edits).
    Quit,

    // Lists and tables.
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    /// Open the highlighted record.
    Open,
    /// Close the open record or leave the current mode.
    Back,

    // Records.
    /// Type to filter the list.
    Search,
    New,
    Edit,
    Delete,
    /// Show the sensitive fields (audited); hidden again on leaving.
    Reveal,
    /// Log a call, email, meeting or note.
    Interaction,
    /// A follow-up task for this customer.
    NewTask,
    FilterStatus,
    FilterTag,
    FilterMine,
    Sort,
    /// Tasks: mine or everyone's.
    Scope,
    /// Tasks: open, overdue, due this week, all.
    Filter,
    Done,
    Assign,
    /// Tasks: open the linked customer.
    OpenCustomer,

    // Users (admin).
    ChangeRole,
    LockUser,
    UnlockUser,
    DisableUser,
    ResetPassword,
    ResetTotp,
    /// Users: switch between the accounts and who is signed in now.
    Sessions,
    /// Sign a live session out (asks first).
    EndSession,

    // Audit.
    Verify,

    // Backups (admin).
    /// Take a backup now.
    RunBackup,
    /// Open every record of the highlighted backup and walk its audit chain.
    VerifyBackup,

    // Forms and text fields.
    NextField,
    PrevField,
    Save,
    Cancel,
    /// Toggle a check box or step through the choices of a field.
    Toggle,

    // Questions.
    Yes,
    No,
    /// After a conflict: load their version and drop my edits.
    Reload,
    /// After a conflict: save my version over theirs.
    Overwrite,
    /// Close a popup.
    Close,
    // A record's life: the trash and earlier versions.
    Trash,
    History,
    Restore,
    RevertVersion,
    SubjectExport,
    Erase,

    // Moving customers in and out (admins and managers).
    /// Customers: the import screen (past imports, a new one).
    ImportFile,
    /// Customers: the customers the filters show, to a file.
    ExportList,
    /// Import: check the file against the database, writing nothing.
    DryRun,
    /// Import: write what the dry run showed (asks first).
    RunImport,
    /// Import list: undo the highlighted import (asks first).
    Revert,
    /// Import: the highlighted column to the previous field (`Edit` steps forward).
    MapBack,
    /// Import: the highlighted column is not imported.
    IgnoreColumn,
    /// Import: the refused rows to a CSV file with their reasons (asks the path).
    WriteRejects,
}

impl Action {
    /// One line for the help popup.
    pub fn describe(self) -> &'static str {
        use Action::*;
        match self {
            Lock => "lock the screen now",
            Quit => "quit",
            NextTab => "next tab",
            PrevTab => "previous tab",
            TabHome => "Home",
            TabCustomers => "Customers",
            TabTasks => "Tasks",
            TabEmployees => "Employees",
            TabUsers => "Users",
            TabAudit => "Audit",
            TabBackups => "Backups",
            Help => "this help",
            Lookup => "quick lookup: customers, employees, tasks",
            Refresh => "reload this screen",
            Up => "up",
            Down => "down",
            PageUp => "page up",
            PageDown => "page down",
            First => "first row",
            Last => "last row",
            Open => "open",
            Back => "back",
            Search => "search this list as you type",
            New => "new",
            Edit => "edit",
            Delete => "delete (asks first)",
            Reveal => "reveal sensitive fields (audited)",
            Interaction => "log a call, email, meeting or note",
            NewTask => "new task for this customer",
            FilterStatus => "filter by status",
            FilterTag => "filter by tag",
            FilterMine => "only mine",
            Sort => "sort by name, recently changed, newest or status",
            Scope => "mine / everyone's",
            Filter => "open / overdue / due this week / all",
            Done => "mark done",
            Assign => "assign to someone",
            OpenCustomer => "open the linked customer",
            ChangeRole => "change role",
            LockUser => "lock the account",
            UnlockUser => "unlock the account",
            DisableUser => "disable the account",
            ResetPassword => "reset password (one-time password)",
            ResetTotp => "reset the authenticator (lost phone)",
            Sessions => "accounts / live sessions",
            EndSession => "end the highlighted session (asks first)",
            Verify => "verify the audit chain",
            RunBackup => "take a backup now",
            VerifyBackup => "verify the highlighted backup in full",
            NextField => "next field",
            PrevField => "previous field",
            Save => "save",
            Cancel => "cancel",
            Toggle => "toggle / next choice",
            Yes => "yes",
            No => "no",
            Reload => "reload theirs (drop my edits)",
            Overwrite => "overwrite with mine",
            Close => "close",
            Trash => "the trash: deleted records of this list, u restores",
            History => "who changed which field of this customer, and when",
            Restore => "bring the highlighted record back",
            RevertVersion => "undo the highlighted change: fields back to before it (asks first)",
            SubjectExport => "subject access export to a file (GDPR; audited)",
            Erase => "erase for good, backups too (GDPR; type the name to confirm)",
            ImportFile => "import customers from a file",
            ExportList => "export the customers shown to a file",
            DryRun => "dry run: check the file, write nothing",
            RunImport => "import the file (asks first)",
            Revert => "revert the highlighted import (asks first)",
            MapBack => "the highlighted column: previous field",
            IgnoreColumn => "the highlighted column: not imported (ignore)",
            WriteRejects => "write the refused rows to a CSV file, with the reason",
        }
    }

    /// A short word for the status line.
    pub fn short(self) -> &'static str {
        use Action::*;
        match self {
            Lookup => "lookup",
            Refresh => "reload",
            Help => "help",
            Quit => "quit",
            Lock => "lock",
            Open => "open",
            Back => "back",
            Search => "search",
            New => "new",
            Edit => "edit",
            Delete => "delete",
            Reveal => "reveal",
            Interaction => "log",
            NewTask => "task",
            FilterStatus => "status",
            FilterTag => "tag",
            FilterMine => "mine",
            Sort => "sort",
            Scope => "mine/all",
            Filter => "filter",
            Done => "done",
            Assign => "assign",
            OpenCustomer => "customer",
            ChangeRole => "role",
            LockUser => "lock",
            UnlockUser => "unlock",
            DisableUser => "disable",
            ResetPassword => "reset pw",
            ResetTotp => "reset 2FA",
            Sessions => "sessions",
            EndSession => "end session",
            Verify => "verify",
            RunBackup => "back up now",
            VerifyBackup => "verify",
            Save => "save",
            Cancel => "cancel",
            NextField => "next",
            PrevField => "back",
            Toggle => "toggle",
            Yes => "yes",
            No => "no",
            Reload => "reload",
            Overwrite => "overwrite",
            Close => "close",
            Trash => "trash",
            History => "history",
            Restore => "restore",
            RevertVersion => "revert",
            SubjectExport => "export",
            Erase => "erase",
            ImportFile => "import",
            ExportList => "export",
            DryRun => "dry run",
            RunImport => "import",
            Revert => "revert",
            MapBack => "prev",
            IgnoreColumn => "ignore",
            WriteRejects => "save refused",
            other => other.describe(),
        }
    }
}
