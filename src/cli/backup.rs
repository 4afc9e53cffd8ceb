//! `kasefet backup run|list|verify|restore`. Run, list and integrity checks need no sign-in,
//! so the nightly job works from cron or a timer while nobody is signed in.

use std::path::Path;

use super::args::{BackupCmd, Global};
use super::output::{json, table};
use super::{CliError, print};
use crate::backup::{self, BackupConfig, BackupError, Db, Key, RestoreOptions, Trigger};
use crate::config::{Config, Paths};
use crate::service::clock::format_local;
use crate::service::{Clock, Response};
use crate::store::Store;

fn err(e: BackupError) -> CliError {
    CliError {
        code: e.exit_code(),
        message: e.to_string(),
    }
}

fn folder(config: &Config) -> Result<BackupConfig, CliError> {
    config.backup_config().ok_or_else(|| {
        CliError::invalid("no backup folder is configured: set [backup] dir in kasefet.toml")
    })
}

fn recovery_key(path: &Path) -> Result<crate::crypto::SecretKey, CliError> {
    let text = super::prompt::first_line(path)?;
    crate::crypto::recovery::parse(&text)
        .map_err(|_| CliError::invalid(format!("{} does not hold a recovery key", path.display())))
}

fn done(json_out: bool, r: Response) -> Result<(), CliError> {
    match r {
        Response::BackupDone {
            file,
            bytes,
            summary,
            deleted,
        } => {
            if json_out {
                return print(&json(
                    &serde_json::json!({ "file": file, "bytes": bytes, "summary": summary, "deleted": deleted }),
                )?);
            }
            let mut s = format!("backup {file}: {bytes} bytes, {summary}\n");
            for d in deleted {
                s.push_str(&format!("retention removed {d}\n"));
            }
            print(&s)
        }
        _ => Err(super::unexpected()),
    }
}

pub fn run(config: &Config, paths: &Paths, g: &Global, cmd: BackupCmd) -> Result<(), CliError> {
    match cmd {
        BackupCmd::Run => {
            let cfg = folder(config)?;
            if !g.local {
                if let Ok(mut r) = crate::client::remote::Remote::connect(&paths.socket) {
                    return done(g.json, r.backup_now()?);
                }
            }
            let store = Store::open(&paths.data_dir, config.settings().cache_bytes)?;
            let cfg = cfg.for_database(&store.db_id());
            let db = Db::Store {
                store: &store,
                clock: &Clock::System,
            };
            let r = backup::run(&db, &cfg, Trigger::Manual).map_err(err)?;
            // The cron path of the nightly run: expired trash goes after the backup.
            if let Err(e) = crate::privacy::nightly::purge_trash(&db) {
                eprintln!("kasefet backup run: purging the trash failed: {e}");
            }
            if let Err(e) = crate::privacy::nightly::retry_rewrites(&db, &cfg) {
                eprintln!("kasefet backup run: rewriting backups after an erasure failed: {e}");
            }
            if !config.retention.rules.is_empty() {
                // Retention reads records, which needs the key this sealed run does not have.
                let why =
                    "sealed: run `kasefet retention run`, or let `kasefet serve` own the schedule";
                eprintln!("kasefet backup run: retention rules not applied: {why}");
                let _ = crate::privacy::nightly::record(
                    &db,
                    "retention.run",
                    crate::domain::Outcome::Failed,
                    why,
                );
            }
            done(
                g.json,
                Response::BackupDone {
                    file: r.written.file_name(),
                    bytes: r.written.bytes,
                    summary: r.written.manifest.summary(),
                    deleted: r.retention.delete,
                },
            )
        }
        BackupCmd::List => {
            let cfg = folder(config)?;
            let store = match Store::open(&paths.data_dir, 8 << 20) {
                Ok(s) => s,
                // The server owns the database, so its id (and folder) cannot be read here.
                Err(crate::store::StoreError::Locked { .. }) => {
                    return list_every_database(g, &cfg);
                }
                Err(e) => return Err(e.into()),
            };
            let cfg = cfg.for_database(&store.db_id());
            let items = backup::list(&cfg.dir).map_err(err)?;
            if g.json {
                return print(&json(&items)?);
            }
            let mut out = format!("backups of this database in {}\n", cfg.dir.display());
            out.push_str(&listing(&items));
            let status = backup::BackupStatus::load(&store).checked(&items);
            out.push_str(&format!("\n{}\n", status.describe(Clock::System.now())));
            print(&out)
        }
        BackupCmd::Verify {
            file,
            full,
            recovery_key_file,
        } => {
            let key = match (&recovery_key_file, full) {
                (Some(p), _) => Some(recovery_key(p)?),
                (None, true) if g.user.is_some() => return full_signed_in(config, paths, g, &file),
                (None, true) => {
                    return Err(CliError::invalid(
                        "--full needs --recovery-key-file, or an admin's sign-in (--user, --password-file, --totp)",
                    ));
                }
                (None, false) => None,
            };
            let k = key.as_ref().map(Key::Recovery);
            let store = Store::open(&paths.data_dir, 8 << 20).ok();
            let db = store.as_ref().map(|s| Db::Store {
                store: s,
                clock: &Clock::System,
            });
            let v = backup::verify(&file, k.as_ref(), db.as_ref()).map_err(err)?;
            let summary = match &v.full {
                Some(f) => f.summary(),
                None => format!(
                    "intact (SHA-256 {}): {}",
                    &v.integrity.sha256[..16],
                    v.integrity.manifest.summary()
                ),
            };
            if g.json {
                print(&json(
                    &serde_json::json!({ "ok": v.ok(), "summary": summary, "problem": v.full.as_ref().and_then(|f| f.first_problem()) }),
                )?)?;
            } else if v.ok() {
                print(&format!("{}: {summary}\n", file.display()))?;
            }
            match v.full.as_ref().and_then(|f| f.first_problem()) {
                Some(p) if !v.ok() => Err(CliError::failure(format!(
                    "backup {} failed the full check: {p}",
                    file.display()
                ))),
                _ => Ok(()),
            }
        }
        BackupCmd::Restore {
            file,
            to,
            recovery_key_file,
            unverified,
            ignore_erasures,
        } => {
            let key = recovery_key_file.as_deref().map(recovery_key).transpose()?;
            let k = key.as_ref().map(Key::Recovery);
            let cache_bytes = config.settings().cache_bytes;
            let opts = RestoreOptions {
                cache_bytes,
                live_dirs: vec![paths.data_dir.clone()],
                unverified,
            };
            // Found before restoring, so a refusal leaves nothing behind.
            let journal = super::erasures::find(config, paths, &file, ignore_erasures)?;
            if journal.as_ref().is_some_and(|j| !j.entries.is_empty()) && key.is_none() {
                return Err(CliError::invalid(
                    "an erasure journal must be applied to the restored copy, and that needs the \
                     recovery key: pass --recovery-key-file (or --ignore-erasures to bring back \
                     people who were erased)",
                ));
            }
            let r = backup::restore(&file, &to, k.as_ref(), &opts, None).map_err(err)?;
            let applied =
                super::erasures::apply(&r.dir, journal.as_ref(), key.as_ref(), cache_bytes)?;
            let id = r.integrity.manifest.database_id_hex();
            let check = match &r.full {
                Some(f) if f.authenticated => "authenticated with the store digest",
                _ => "NOT authenticated: only its SHA-256 checksum was checked (--unverified)",
            };
            print(&format!(
                "restored {} into {} ({}; {check}); {applied}open it with --data-dir {}\n\
                 The copy is the same database (id {}), not a new one: its backups go to the same folder \
                 as the original's and share their retention. Run only one of the two, or give the copy \
                 its own [backup] dir.\n",
                file.display(),
                r.dir.display(),
                r.integrity.manifest.summary(),
                r.dir.display(),
                id.get(..16).unwrap_or(&id)
            ))
        }
    }
}

/// The table of `backup list`: sizes in units that fit them, contents in full.
fn listing(items: &[backup::Listed]) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|b| {
            vec![
                b.name.clone(),
                format_local(b.created_at),
                size(b.bytes),
                b.manifest
                    .as_ref()
                    .map(|m| m.summary())
                    .or_else(|| b.problem.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    table(&["file", "taken", "size", "contents"], &rows)
}

/// Bytes for people: a 13 KB backup is "13.4 KiB", not "0.0 MiB".
pub(crate) fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `backup list` while a server owns the database: every database's folder, each named.
fn list_every_database(g: &Global, cfg: &BackupConfig) -> Result<(), CliError> {
    let mut all = Vec::new();
    let mut out = format!(
        "the server owns this database, so it cannot be told apart here; backups of every database in {}:\n",
        cfg.dir.display()
    );
    let entries = match std::fs::read_dir(&cfg.dir) {
        Ok(e) => e.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    };
    let mut folders: Vec<std::path::PathBuf> = entries
        .into_iter()
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("db-"))
        })
        .collect();
    folders.sort();
    for dir in folders {
        let items = backup::list(&dir).map_err(err)?;
        out.push_str(&format!("\n{}\n{}", dir.display(), listing(&items)));
        all.extend(items);
    }
    if g.json {
        return print(&json(&all)?);
    }
    print(&out)
}

/// `verify --full` with an admin's sign-in: the service opens the backup with the database
/// key, so the file must be one of the configured folder's.
fn full_signed_in(config: &Config, paths: &Paths, g: &Global, file: &Path) -> Result<(), CliError> {
    let cfg = folder(config)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let inside = file.parent().map(|p| {
        p.as_os_str().is_empty()
            || same_dir(p, &cfg.dir)
            || p.parent().is_some_and(|up| same_dir(up, &cfg.dir))
    });
    if inside != Some(true) {
        return Err(CliError::invalid(format!(
            "with a sign-in, --full checks backups in the backup folder {}; for another file use --recovery-key-file",
            cfg.dir.display()
        )));
    }
    let mut backend = super::connect(g, config, paths)?;
    let creds = super::prompt::credentials(g)?;
    backend.login(&creds.user, &creds.password, &creds.code)?;
    let r = backend.call(crate::service::Request::BackupVerify {
        file: name,
        full: true,
    });
    backend.logout();
    match r? {
        Response::BackupVerified {
            file,
            ok,
            summary,
            problem,
        } => {
            if g.json {
                print(&json(
                    &serde_json::json!({ "ok": ok, "summary": summary, "problem": problem }),
                )?)?;
            } else if ok {
                print(&format!("{file}: {summary}\n"))?;
            }
            match problem {
                Some(p) if !ok => Err(CliError::failure(format!(
                    "backup {file} failed the full check: {p}"
                ))),
                _ => Ok(()),
            }
        }
        _ => Err(super::unexpected()),
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
