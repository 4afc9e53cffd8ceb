//! `kasefet doctor`: looks at everything that can be checked from outside and says what to
//! fix. With sign-in options it also verifies the audit chain.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::args::Global;
use super::{CliError, print};
use crate::config::{Config, Paths};
use crate::service::Clock;

/// The lines of a doctor run and how many must be fixed (also `doctor --system`'s).
#[derive(Default)]
pub(super) struct Report {
    pub(super) lines: Vec<String>,
    pub(super) failures: usize,
}

impl Report {
    pub(super) fn ok(&mut self, what: impl AsRef<str>) {
        self.lines.push(format!("ok    {}", what.as_ref()));
    }
    pub(super) fn warn(&mut self, what: impl AsRef<str>, fix: impl AsRef<str>) {
        self.lines.push(format!(
            "warn  {}\n      fix: {}",
            what.as_ref(),
            fix.as_ref()
        ));
    }
    pub(super) fn fail(&mut self, what: impl AsRef<str>, fix: impl AsRef<str>) {
        self.failures += 1;
        self.lines.push(format!(
            "FAIL  {}\n      fix: {}",
            what.as_ref(),
            fix.as_ref()
        ));
    }
}

fn mode(p: &Path) -> Option<u32> {
    std::fs::metadata(p)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

fn data_dir(r: &mut Report, dir: &Path) {
    let d = dir.display();
    match mode(dir) {
        None => r.fail(
            format!("no data directory at {d}"),
            "run `kasefet` (setup wizard) or `kasefet init`",
        ),
        Some(m) if m & 0o077 != 0 => r.fail(
            format!("data directory {d} is mode {m:o}"),
            format!("chmod 700 {d}"),
        ),
        Some(_) if !crate::store::open::exists(dir) => r.fail(
            format!("{d} holds no Kasefet database"),
            "run `kasefet init`, or point --data-dir at the database",
        ),
        Some(_) => {
            let loose: Vec<String> = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| {
                    e.metadata()
                        .is_ok_and(|m| m.is_file() && m.mode() & 0o077 != 0)
                })
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            if loose.is_empty() {
                r.ok(format!("data directory {d} is private (0700, files 0600)"));
            } else {
                r.fail(
                    format!("files in {d} readable by others: {}", loose.join(", ")),
                    format!("chmod 600 {d}/*"),
                );
            }
        }
    }
}

fn socket(r: &mut Report, paths: &Paths) -> bool {
    let s = paths.socket.display();
    if !paths.socket.exists() {
        r.ok(format!(
            "no server socket at {s} (embedded use; start `kasefet serve` to share)"
        ));
        return false;
    }
    let answers = crate::client::remote::Remote::connect(&paths.socket).is_ok();
    match (answers, mode(&paths.socket)) {
        (false, _) => {
            r.warn(
                format!("socket {s} exists but no server answers (a crash?)"),
                "start `kasefet serve` (it replaces a stale socket)",
            );
        }
        (true, Some(m)) if m & 0o007 != 0 => r.fail(
            format!("socket {s} is mode {m:o}, open to everyone"),
            format!("chmod 660 {s}"),
        ),
        (true, _) => r.ok(format!("server answers on {s}")),
    }
    answers
}

/// Checks the database; returns its id when it could be opened here.
fn database(r: &mut Report, config: &Config, paths: &Paths, server: bool) -> Option<[u8; 16]> {
    match crate::store::Store::open(&paths.data_dir, 8 << 20) {
        Ok(store) => {
            r.ok("database opens (schema current)");
            if let Some(note) = super::tightened_note(&store) {
                r.warn(
                    note,
                    "find what wrote or copied them that way (a `cp` without -p, a loose umask)",
                );
            }
            match crate::service::check_not_behind_backup(&store, &config.settings()) {
                Ok(()) => r.ok("database is not behind its integrity anchor nor its newest backup"),
                Err(e) => r.fail(
                    format!("integrity: {e}"),
                    "restore the newest backup, or as an admin run `kasefet repair --accept-loss`",
                ),
            }
            let pending = store.len(crate::store::Tree::Pending);
            if pending > 0 {
                r.warn(
                    format!("{pending} event(s) recorded while sealed wait for the audit log"),
                    "they are folded in at the next sign-in; failed sign-ins among them are worth a look",
                );
            }
            let now = Clock::System.now();
            if let Some(cfg) = config.backup_config() {
                let ours = cfg.for_database(&store.db_id());
                let items = crate::backup::list(&ours.dir).unwrap_or_default();
                let status = crate::backup::BackupStatus::load(&store).checked(&items);
                if status.failing() {
                    r.fail(
                        format!("last backup failed: {}", status.describe(now)),
                        "see the message; check the backup folder's space and permissions",
                    );
                } else if status.stale(now) {
                    r.warn(format!("backups are stale: {}", status.describe(now)), "run `kasefet backup run`, and keep `kasefet serve` or the backup timer running");
                } else {
                    r.ok(status.describe(now));
                }
            }
            Some(store.db_id())
        }
        Err(crate::store::StoreError::Locked { .. }) if server => {
            r.ok("database is owned by the server");
            None
        }
        Err(crate::store::StoreError::Locked { .. }) => {
            r.fail(
                "database is in use by another process and no server answers",
                "close the other kasefet, or start `kasefet serve` so several people can share it",
            );
            None
        }
        Err(crate::store::StoreError::Damaged(msg)) => {
            r.fail(
                format!("integrity: {msg}"),
                "restore the newest backup with `kasefet backup restore FILE --to NEW_DIR --recovery-key-file rk`, or as an admin run `kasefet repair --accept-loss`",
            );
            None
        }
        Err(e) => {
            r.fail(format!("database does not open: {e}"), "see the message");
            None
        }
    }
}

/// Backups of this database (`db_id`), or of every database in the folder when the server
/// owns this one and its id cannot be read here.
fn backups(r: &mut Report, config: &Config, db_id: Option<[u8; 16]>) {
    let Some(cfg) = config.backup_config() else {
        r.warn(
            "no backup folder configured",
            "set [backup] dir in kasefet.toml (see assets/kasefet.toml)",
        );
        return;
    };
    let Some(id) = db_id else {
        r.ok(format!(
            "backups: the server owns the database and keeps its backups in {}/db-…; `kasefet backup list` shows them",
            cfg.dir.display()
        ));
        return;
    };
    let cfg = cfg.for_database(&id);
    let d = cfg.dir.display();
    match crate::backup::list(&cfg.dir) {
        Ok(items) => match items.first() {
            None => r.warn(format!("no backups in {d} yet"), "run `kasefet backup run`"),
            Some(b) => {
                let age_h = (Clock::System.now() - b.created_at) / 3600;
                if age_h >= 26 {
                    r.warn(
                        format!("newest backup {} is {age_h} hours old", b.name),
                        "run `kasefet backup run` and check the schedule",
                    );
                } else {
                    r.ok(format!(
                        "newest backup {} ({age_h} h old, {} in all)",
                        b.name,
                        items.len()
                    ));
                }
            }
        },
        Err(e) => r.fail(
            format!("backup folder: {e}"),
            format!("create {d} (0700) and make it writable by the database owner"),
        ),
    }
}

pub fn run(config: &Config, paths: &Paths, g: &Global) -> Result<(), CliError> {
    let mut r = Report::default();
    match &paths.config {
        Some(p) => r.ok(format!("config {} is valid", p.display())),
        None => r.ok("no config file; using the defaults (see assets/kasefet.toml)"),
    }
    let server = socket(&mut r, paths);
    if !server {
        data_dir(&mut r, &paths.data_dir);
    }
    let db_id = database(&mut r, config, paths, server);
    backups(&mut r, config, db_id);
    if g.user.is_some() {
        let mut backend = super::connect(g, config, paths)?;
        let creds = super::prompt::credentials(g)?;
        backend.login(&creds.user, &creds.password, &creds.code)?;
        match backend.call(crate::service::Request::AuditVerify) {
            Ok(crate::service::Response::AuditReport(a)) if a.ok() => {
                r.ok(format!("audit chain intact ({} entries)", a.entries))
            }
            Ok(crate::service::Response::AuditReport(a)) => r.fail(
                format!("audit chain broken: {}", a.problem.unwrap_or_default()),
                "restore the log from a backup; investigate who had access to the data directory",
            ),
            Ok(_) => r.warn(
                "audit chain: unexpected answer",
                "try `kasefet audit verify`",
            ),
            Err(e) => r.warn(
                format!("audit chain not checked: {e}"),
                "sign in as an admin or auditor",
            ),
        }
        match backend.call(crate::service::Request::IntegrityStatus) {
            Ok(crate::service::Response::Integrity { quarantined, notes }) => {
                if quarantined.is_empty() {
                    r.ok("every record opens (none quarantined)");
                } else {
                    r.fail(
                        format!(
                            "{} damaged record(s) quarantined (not loaded, never overwritten): {}",
                            quarantined.len(),
                            quarantined.join(", ")
                        ),
                        "restore them from a backup (`kasefet backup restore FILE --to NEW_DIR --recovery-key-file rk`)",
                    );
                }
                for n in notes {
                    r.warn(format!("integrity: {n}"), "compare with the newest backup; `kasefet repair --accept-loss` takes the database as it is");
                }
            }
            Ok(_) => r.warn("integrity: unexpected answer", "try again"),
            Err(e) => r.warn(
                format!("quarantine not checked: {e}"),
                "sign in as an admin",
            ),
        }
        backend.logout();
    } else {
        r.ok(
            "audit chain not checked (add --user, --password-file, --totp as an admin or auditor)",
        );
    }
    let failures = r.failures;
    let mut out = r.lines.join("\n");
    out.push('\n');
    print(&out)?;
    if failures > 0 {
        return Err(CliError::failure(format!("{failures} problem(s) to fix")));
    }
    Ok(())
}

/// `doctor --system` checks the install rather than this user's view of it.
pub fn dispatch(
    config: &Config,
    paths: &Paths,
    g: &Global,
    a: &super::args::DoctorArgs,
) -> Result<(), CliError> {
    if a.system {
        return super::doctor_system::run();
    }
    run(config, paths, g)
}
