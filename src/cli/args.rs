//! The clap command tree: the command-line contract that scripts and tests rely on.
//! `man/kasefet.1` is checked against it in tests.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  failure (storage, I/O, anything not listed below)
  2  invalid input or usage
  3  authentication failed (also a locked or ended session)
  4  permission denied
  5  not found
  6  conflict (someone else changed the record first)
  7  database unavailable (missing, in use, unsafe permissions, or damaged: see `repair`)";

#[derive(Debug, Parser)]
#[command(
    name = "kasefet",
    version,
    about = "Kasefet: a terminal CRM whose every stored value is encrypted",
    long_about = "Kasefet keeps customers, employees and tasks in an encrypted database. \
Run it with no command for the full-screen interface (the setup wizard on first run), \
or give a command for scripts.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct Global {
    /// Data directory (default: per-user data dir, or /var/lib/kasefet with the system config)
    #[arg(long, env = "KASEFET_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Config file (default: ~/.config/kasefet/kasefet.toml, else /etc/kasefet/kasefet.toml)
    #[arg(long, env = "KASEFET_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Socket of `kasefet serve`
    #[arg(long, env = "KASEFET_SOCKET", global = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Username for scripted sign-in
    #[arg(long, env = "KASEFET_USER", global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// File whose first line is the password, for scripted sign-in
    #[arg(
        long,
        env = "KASEFET_PASSWORD_FILE",
        global = true,
        value_name = "FILE"
    )]
    pub password_file: Option<PathBuf>,
    /// Current TOTP code (or a recovery code), for scripted sign-in
    #[arg(long, env = "KASEFET_TOTP", global = true, value_name = "CODE")]
    pub totp: Option<String>,
    /// Print JSON instead of tables
    #[arg(long, global = true)]
    pub json: bool,
    /// Open the data directory directly even when a server's socket answers
    #[arg(long, global = true)]
    pub local: bool,
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_tree_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
        super::BatchLine::command().debug_assert();
    }
}

#[derive(Debug, Subcommand, Clone)]
pub enum Command {
    /// Create the database, the first admin and the recovery key
    Init(InitArgs),
    /// Customers: add, list, show, search, edit, delete, note
    #[command(subcommand)]
    Customer(CustomerCmd),
    /// Tasks: add, list, show, edit, done, comment, delete
    #[command(subcommand)]
    Task(TaskCmd),
    /// Employees: add, list, show, edit, delete
    #[command(subcommand)]
    Employee(EmployeeCmd),
    /// The audit log: verify the chain, list entries
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Accounts (admin): add, list, set-role, lock, unlock, disable, resets, link
    #[command(subcommand)]
    User(UserCmd),
    /// Your own account: first sign-in setup, password, recovery codes, security policy
    #[command(subcommand)]
    Account(AccountCmd),
    /// Break-glass: restore an admin's access with the recovery key (no sign-in; the new
    /// password is the first line of the global --password-file, or asked on a terminal)
    Recover(RecoverArgs),
    /// Run commands from standard input, one per line, under a single sign-in
    Batch,
    /// Share the database: own the data directory and answer on a Unix socket
    Serve,
    /// Backups: run, list, verify, restore (run and list need no sign-in)
    #[command(subcommand)]
    Backup(BackupCmd),
    /// Check permissions, config, socket, server, backups (and with a sign-in the audit
    /// chain), and say what to fix
    Doctor(DoctorArgs),
    /// Print a shell completion script (bash, zsh or fish)
    Completions { shell: clap_complete::Shell },
    /// Bring customers in from CSV or vCard files; list and revert past imports
    #[command(subcommand)]
    Import(ImportCmd),
    /// Write customers, tasks or employees to a CSV, JSON or vCard file (mode 0600)
    Export(ExportArgs),
    /// Data subject requests (GDPR): export everything about a customer
    #[command(subcommand)]
    Gdpr(GdprCmd),
    /// Retention rules (admin): preview what the next run erases or anonymises, or run now
    #[command(subcommand)]
    Retention(RetentionCmd),
    /// Take a database the integrity checks refuse (behind its anchor, anchor missing) into
    /// service as it is: admin sign-in, audited. Restoring the newest backup is usually better
    Repair(RepairArgs),
    /// The database's recovery key (admin): rotate makes a new one and revokes the old
    #[command(subcommand)]
    RecoveryKey(RecoveryKeyCmd),
}

#[derive(Debug, Subcommand, Clone)]
pub enum RecoveryKeyCmd {
    /// A new recovery key; the old one stops opening the database. Asks for the password
    /// and a fresh code again (scripts: the sign-in password, and --code)
    Rotate {
        /// A code from the app newer than the one signed in with (asked on a terminal)
        #[arg(long, value_name = "CODE")]
        code: Option<String>,
        /// Write the new key to this new file, mode 0600, instead of printing it
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<PathBuf>,
    },
}

#[derive(Debug, Args, Clone)]
pub struct RepairArgs {
    /// Accept that what the checks found missing or changed is lost
    #[arg(long)]
    pub accept_loss: bool,
}

#[derive(Debug, Subcommand, Clone)]
pub enum GdprCmd {
    /// Everything Kasefet holds about a customer: record, sensitive part, timeline, linked
    /// tasks, consent history, changes, and who accessed it (admin, manager; audited)
    Export {
        /// The customer's id
        customer: u64,
        /// Write the JSON to FILE and the plain text to FILE.txt (both new, 0600) instead
        /// of printing the plain text (or the JSON with --json)
        #[arg(long, value_name = "FILE")]
        to: Option<std::path::PathBuf>,
    },
    /// Erase a customer for good (admin): record, timeline, sensitive part, history, trash,
    /// search entries and links, and every backup in the backup folder is rewritten
    Erase {
        /// The customer's id
        customer: u64,
        /// Why (kept sealed in the erasure journal; write no personal data here)
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand, Clone)]
pub enum RetentionCmd {
    /// What the next run of the [[retention.rule]]s in kasefet.toml would do, per rule:
    /// the customers it would erase or anonymise, with their last activity (audited)
    Preview,
    /// Apply the rules now, as the nightly run does after its backup: erasures reach the
    /// backup folder; every rule is audited with its count
    Run,
}

/// The commands a `batch` line may hold (no global options, no nested batch or init).
#[derive(Debug, Parser)]
#[command(name = "", no_binary_name = true, disable_version_flag = true)]
pub struct BatchLine {
    /// Print JSON instead of tables
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// Username of the first admin
    #[arg(long, value_name = "NAME")]
    pub admin: String,
    /// The admin's display name (default: the username)
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
    /// Write the admin's TOTP secret (base32) to this new file, mode 0600
    #[arg(long, value_name = "FILE")]
    pub totp_secret_out: Option<PathBuf>,
    /// The old spelling of --totp-secret-out; still works, with a note
    #[arg(
        long,
        value_name = "FILE",
        hide = true,
        conflicts_with = "totp_secret_out"
    )]
    pub totp_secret_file: Option<PathBuf>,
    /// Write the recovery key to this new file, mode 0600
    #[arg(long, value_name = "FILE")]
    pub recovery_key_file: Option<PathBuf>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CustomerFields {
    /// Full name (a person) or trading name (a company)
    #[arg(long)]
    pub name: Option<String>,
    /// The record is a company rather than a person
    #[arg(long)]
    pub company_record: bool,
    #[arg(long)]
    pub company: Option<String>,
    /// Email address (repeat for several; on edit, replaces the list)
    #[arg(long = "email", value_name = "EMAIL")]
    pub emails: Vec<String>,
    /// Phone number, international format (repeat for several; on edit, replaces the list)
    #[arg(long = "phone", value_name = "PHONE")]
    pub phones: Vec<String>,
    /// Tag (repeat for several; on edit, replaces the list)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// lead, prospect, active or inactive
    #[arg(long)]
    pub status: Option<String>,
    /// Owner's username (default: you)
    #[arg(long, value_name = "USER")]
    pub owner: Option<String>,
    #[arg(long)]
    pub source: Option<String>,
    #[arg(long)]
    pub street: Option<String>,
    #[arg(long)]
    pub city: Option<String>,
    #[arg(long)]
    pub postal_code: Option<String>,
    #[arg(long)]
    pub country: Option<String>,
    /// Marketing consent given (today, or --consent-date)
    #[arg(long)]
    pub consent: bool,
    /// Marketing consent withdrawn
    #[arg(long, conflicts_with = "consent")]
    pub no_consent: bool,
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub consent_date: Option<String>,
    /// Sensitive: national id number
    #[arg(long)]
    pub national_id: Option<String>,
    /// Sensitive: date of birth
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub birth_date: Option<String>,
    /// Sensitive: private or health notes
    #[arg(long)]
    pub private_notes: Option<String>,
    /// Sensitive: last four digits of a payment card or account
    #[arg(long, value_name = "DIGITS")]
    pub payment_last4: Option<String>,
}

#[derive(Debug, Subcommand, Clone)]
pub enum CustomerCmd {
    /// Add a customer
    Add {
        #[command(flatten)]
        fields: CustomerFields,
        /// A first note for the timeline
        #[arg(long)]
        note: Option<String>,
        /// Create it even when another customer has the same email or phone
        #[arg(long)]
        allow_duplicate: bool,
    },
    /// List customers
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        /// Only customers you own
        #[arg(long)]
        mine: bool,
        /// Only customers matching this search (the search language, matched exactly)
        #[arg(long)]
        query: Option<String>,
        /// Order: name, updated, created (the default) or status
        #[arg(long, default_value = "created")]
        sort: String,
        /// Largest (newest) first
        #[arg(long)]
        desc: bool,
        /// Skip this many rows first
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// At most this many rows (all when not given; fetched a page at a time)
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show one customer with its timeline
    Show {
        id: u64,
        /// Also show the sensitive fields (audited)
        #[arg(long)]
        reveal: bool,
    },
    /// Search by name, company, email, phone digits or tag (case and accent insensitive)
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Change fields of a customer (options not given stay as they are)
    Edit {
        id: u64,
        #[command(flatten)]
        fields: CustomerFields,
        /// Save it even when another customer has the same email or phone
        #[arg(long)]
        allow_duplicate: bool,
    },
    /// Move a customer to the trash (restorable for `[retention] trash_days`)
    Delete { id: u64 },
    /// Add a call, email, meeting or note to a customer's timeline
    Note {
        id: u64,
        /// The text of the entry
        text: String,
        /// call, email, meeting or note
        #[arg(long, default_value = "note")]
        kind: String,
    },
    /// Pairs of customers that may be one person: same email, same phone, or same name and
    /// company
    Duplicates,
    /// Fold OTHER into KEEP: both timelines, emails, phones and tags merged, tasks moved;
    /// undo with `import revert` and the id it prints
    Merge { keep: u64, other: u64 },
    /// List deleted customers waiting in the trash
    Trash,
    /// Bring a customer back from the trash, with its timeline and linked tasks
    Restore { id: u64 },
    /// Who changed which field, from what to what, and when (sensitive values masked
    /// unless your role may reveal them)
    History { id: u64 },
    /// Set a customer's fields back to an earlier version (see `history`); the timeline stays
    Revert {
        id: u64,
        /// The version to go back to
        #[arg(long, value_name = "VERSION")]
        to: u64,
    },
    /// Record marketing consent given or withdrawn, and how the person gave it (kept in
    /// the consent history, shown by `show` and in the subject export)
    Consent {
        id: u64,
        /// Consent given (dated --date, default today)
        #[arg(
            long,
            conflicts_with = "withdrawn",
            required_unless_present = "withdrawn"
        )]
        given: bool,
        /// Consent withdrawn
        #[arg(long)]
        withdrawn: bool,
        /// How: form, phone, email, paper, in-person or other
        #[arg(long, value_name = "HOW")]
        how: String,
        /// The date consent was given, when not today
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
    },
}

#[derive(Debug, Args, Clone, Default)]
pub struct TaskFields {
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub due: Option<String>,
    #[arg(long, value_name = "HH:MM")]
    pub time: Option<String>,
    /// low, normal, high or urgent
    #[arg(long)]
    pub priority: Option<String>,
    /// open, in_progress, done or cancelled
    #[arg(long)]
    pub status: Option<String>,
    /// Assignee's username (default: you)
    #[arg(long, value_name = "USER")]
    pub assignee: Option<String>,
    /// Linked customer id
    #[arg(long, value_name = "ID")]
    pub customer: Option<u64>,
}

#[derive(Debug, Subcommand, Clone)]
pub enum TaskCmd {
    /// Add a task
    Add {
        #[command(flatten)]
        fields: TaskFields,
    },
    /// List tasks (yours by default)
    List {
        /// Every task your role may read
        #[arg(long)]
        all: bool,
        #[arg(long)]
        status: Option<String>,
        /// Open tasks past their due date
        #[arg(long)]
        overdue: bool,
        /// Open tasks due from today to seven days ahead (overdue ones are --overdue)
        #[arg(long)]
        week: bool,
        #[arg(long, value_name = "ID")]
        customer: Option<u64>,
    },
    /// Show one task with its comments
    Show { id: u64 },
    /// Change fields of a task
    Edit {
        id: u64,
        #[command(flatten)]
        fields: TaskFields,
    },
    /// Mark a task done
    Done { id: u64 },
    /// Add a comment to a task
    Comment { id: u64, text: String },
    /// Move a task to the trash (restorable for `[retention] trash_days`)
    Delete { id: u64 },
    /// List deleted tasks waiting in the trash
    Trash,
    /// Bring a task back from the trash
    Restore { id: u64 },
}

#[derive(Debug, Args, Clone, Default)]
pub struct EmployeeFields {
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub department: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    /// Manager's employee id
    #[arg(long, value_name = "ID")]
    pub manager: Option<u64>,
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub hire_date: Option<String>,
    /// Linked user account
    #[arg(long = "account", value_name = "USER")]
    pub account: Option<String>,
    /// HR: national id number
    #[arg(long)]
    pub national_id: Option<String>,
    /// HR: salary
    #[arg(long)]
    pub salary: Option<String>,
    /// HR: bank account
    #[arg(long)]
    pub bank_account: Option<String>,
    /// HR: emergency contact
    #[arg(long)]
    pub emergency_contact: Option<String>,
    /// HR: notes
    #[arg(long)]
    pub hr_notes: Option<String>,
}

#[derive(Debug, Subcommand, Clone)]
pub enum EmployeeCmd {
    /// Add an employee
    Add {
        #[command(flatten)]
        fields: EmployeeFields,
    },
    /// The staff directory
    List,
    /// Show one employee
    Show {
        id: u64,
        /// Also show the HR fields (hr and admin; audited)
        #[arg(long)]
        reveal: bool,
    },
    /// Change fields of an employee
    Edit {
        id: u64,
        #[command(flatten)]
        fields: EmployeeFields,
    },
    /// Move an employee to the trash (restorable for `[retention] trash_days`)
    Delete { id: u64 },
    /// List deleted employees waiting in the trash
    Trash,
    /// Bring an employee back from the trash, with their reports
    Restore { id: u64 },
}

#[derive(Debug, Subcommand, Clone)]
pub enum AuditCmd {
    /// Check the whole hash chain; names the first broken entry
    Verify,
    /// List entries, newest first
    List {
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
    },
}

#[derive(Debug, Subcommand, Clone)]
pub enum UserCmd {
    /// Add an account: without --initial-password-file it gets a one-time password, printed
    /// once; with it and --totp-secret-from the account is ready to sign in at once
    Add {
        username: String,
        /// admin, manager, staff, hr or auditor
        #[arg(long)]
        role: String,
        /// Display name (default: the username)
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
        /// File whose first line is the account's password (provisioning). Named apart from
        /// the global --password-file, which is your own sign-in password
        #[arg(long, value_name = "FILE")]
        initial_password_file: Option<PathBuf>,
        /// Read the account's base32 TOTP secret from this file (a hardware token's seed, or
        /// automation)
        #[arg(long, value_name = "FILE")]
        totp_secret_from: Option<PathBuf>,
        /// The old spelling of --totp-secret-from; still works, with a note
        #[arg(
            long,
            value_name = "FILE",
            hide = true,
            conflicts_with = "totp_secret_from"
        )]
        totp_secret_file: Option<PathBuf>,
    },
    /// List accounts with their role and state
    List,
    /// Change an account's role
    SetRole {
        username: String,
        /// admin, manager, staff, hr or auditor
        role: String,
    },
    /// Lock an account until an admin unlocks it (its sessions end)
    Lock { username: String },
    /// Unlock or re-enable an account and clear its failed sign-in counters
    Unlock { username: String },
    /// Disable an account, e.g. when someone leaves (its sessions end)
    Disable { username: String },
    /// Issue a new one-time password; the owner chooses a new password at next sign-in
    ResetPassword { username: String },
    /// Remove the account's TOTP secret and recovery codes; the owner enrols again
    ResetTotp { username: String },
    /// Revoke the account's unused recovery codes
    RevokeRecoveryCodes { username: String },
    /// Link the account to an employee record, or unlink it with --none
    Link {
        username: String,
        /// The employee id
        #[arg(
            long,
            value_name = "ID",
            required_unless_present = "none",
            conflicts_with = "none"
        )]
        employee: Option<u64>,
        /// Remove the link
        #[arg(long)]
        none: bool,
    },
    /// Accounts that have not accepted the current security policy
    PolicyPending,
    /// Locked and disabled accounts, failed sign-ins in the last 24 hours, policy stragglers
    Security,
    /// Who is signed in to the server: user, since when, from where
    Sessions,
    /// End a live session by the id `user sessions` shows
    EndSession { id: String },
}

#[derive(Debug, Subcommand, Clone)]
pub enum AccountCmd {
    /// First sign-in: choose a password, enrol TOTP, save recovery codes, accept the policy
    Setup {
        /// Read the new password from this file's first line instead of asking
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
    /// Change your password (the current one is the one you signed in with)
    Password {
        /// Read the new password from this file's first line instead of asking
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
    /// Make ten new recovery codes; the old ones stop working
    RecoveryCodes,
    /// Show the security policy; --accept records that you accept it
    Policy {
        #[arg(long)]
        accept: bool,
    },
    /// What your account still needs (password, TOTP, policy) and recovery codes left
    Status,
}

#[derive(Debug, Args, Clone)]
pub struct RecoverArgs {
    /// File holding the recovery key shown at `kasefet init`
    #[arg(long, value_name = "FILE")]
    pub recovery_key_file: PathBuf,
    /// The admin account to restore
    #[arg(long, value_name = "NAME")]
    pub admin: String,
    /// Write the admin's new TOTP secret (base32) to this new file, mode 0600
    #[arg(long, value_name = "FILE")]
    pub totp_secret_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand, Clone)]
pub enum BackupCmd {
    /// Take a backup now into the configured folder (asks the server when one owns the
    /// database; otherwise needs read access to the data directory; no sign-in)
    Run,
    /// The backups in the configured folder, newest first, and the last outcome
    List,
    /// Check a backup file: integrity without a key; --full opens every record
    Verify {
        file: std::path::PathBuf,
        /// Open every record and walk the audit chain (needs --recovery-key-file or a sign-in)
        #[arg(long)]
        full: bool,
        /// File holding the recovery key (works on a machine without the database)
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<std::path::PathBuf>,
    },
    /// Restore a backup into a new data directory (never over the live one)
    Restore {
        file: std::path::PathBuf,
        /// The new data directory to create
        #[arg(long, value_name = "DIR")]
        to: std::path::PathBuf,
        /// Verify every record with the recovery key before restoring
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<std::path::PathBuf>,
        /// Restore even though the file could not be authenticated (no recovery key, or an
        /// old backup without a store digest): only its SHA-256 checksum is checked
        #[arg(long)]
        unverified: bool,
        /// Restore even when no erasure journal can be found (erased people may come back)
        #[arg(long)]
        ignore_erasures: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// Check the system install instead: the kasefet user and group, the modes of
    /// /etc/kasefet, /var/lib/kasefet and /run/kasefet, the unit, the socket's group and the
    /// backup folder's free space (run it as root)
    #[arg(long)]
    pub system: bool,
}

#[derive(Debug, Subcommand, Clone)]
pub enum ImportCmd {
    /// Import customers from a CSV (Google, Outlook, HubSpot, Zoho, Salesforce, LinkedIn,
    /// Thunderbird, or any CSV by column names) or a vCard file, in one all-or-nothing commit
    Customers(Box<ImportArgs>),
    /// Past imports, newest last
    List,
    /// One import: who, when, the file's hash, counts and the column mapping
    Show { id: u64 },
    /// Remove the customers an import created and restore those it updated (refused, naming
    /// them, when any was changed since)
    Revert { id: u64 },
}

#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// csv, vcard or json (Kasefet's own export; default: by the file's name and content)
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// The tool that wrote the CSV: auto, google, google-legacy, outlook, outlook-com,
    /// hubspot, zoho, salesforce, linkedin, thunderbird, generic
    #[arg(long, default_value = "auto", value_name = "PRESET")]
    pub preset: String,
    /// 'Column name=field' for a column the preset does not know (repeatable)
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,
    /// What finds an existing customer, besides the source's own id: email, phone or both
    #[arg(long = "match", default_value = "email,phone", value_name = "KEYS")]
    pub match_on: String,
    /// create (leave matches alone), update (only matches) or upsert
    #[arg(long, default_value = "upsert", value_name = "MODE")]
    pub mode: String,
    /// Owner of the new customers (default: you)
    #[arg(long, value_name = "USER")]
    pub owner: Option<String>,
    /// Add this tag to every imported customer
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Read, validate and match, and report what would happen; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Write refused rows to this new CSV file with a reason column, to fix and re-import
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// customers, tasks or employees
    pub what: String,
    /// csv, json or vcard (vcard: customers only)
    #[arg(long, default_value = "csv", value_name = "FORMAT")]
    pub format: String,
    /// Include sensitive fields (customers) or HR fields (employees), where your role may
    #[arg(long)]
    pub reveal: bool,
    /// Only customers with this status
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Only customers with this tag
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Only the customers a search for QUERY finds (words and `tag:` `city:` `status:`
    /// `owner:me` `company:`, as in the search box)
    #[arg(long, value_name = "QUERY")]
    pub filter: Option<String>,
    /// Start a CSV with a UTF-8 byte order mark, for Excel
    #[arg(long)]
    pub bom: bool,
    /// Write to this file (created 0600) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub to: Option<PathBuf>,
    /// Replace the file given with --to when it exists
    #[arg(long)]
    pub force: bool,
}
