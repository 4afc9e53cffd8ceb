//! Backup requests. They skip the request lock that `handle` holds, because a backup pauses
//! writers by taking that lock itself, and a full verify must not stall everyone for
//! seconds; authorization and auditing happen in `backup::operations`.

use super::request::{Request, Response};
use super::{Error, Result, Service, Session};
use crate::backup::{self, BackupError, Db, Key, Trigger};
use crate::domain::role::Permission;

fn refused(e: BackupError) -> Error {
    match e {
        BackupError::Service(e) => e,
        other if other.exit_code() == super::exit::INVALID => Error::Refused(other.to_string()),
        other => Error::Remote(other.to_string()),
    }
}

impl Service {
    /// The database key for a full verify or restore of this database's backups, for a
    /// signed-in admin (backup permission); authorized and audited like any other use.
    pub fn backup_key(&self, session: &Session) -> Result<Key<'static>> {
        Ok(Key::Database {
            database_id: self.store().db_id(),
            vault: self.vault_for(session, Permission::Backup, "backup.verify")?,
        })
    }

    pub(crate) fn handle_backup(&self, session: &Session, req: Request) -> Result<Response> {
        let Some(cfg) = self.backup_config() else {
            self.authorize(session, Permission::Backup, req.action())?;
            return Err(Error::Refused(
                "no backup folder is configured: set [backup] dir in kasefet.toml".into(),
            ));
        };
        let db = Db::Service {
            service: self,
            by: Some(session),
        };
        match req {
            Request::BackupRun => {
                let r = backup::run(&db, &cfg, Trigger::Manual).map_err(refused)?;
                Ok(Response::BackupDone {
                    file: r.written.file_name(),
                    bytes: r.written.bytes,
                    summary: r.written.manifest.summary(),
                    deleted: r.retention.delete,
                })
            }
            Request::BackupList => {
                self.authorize(session, Permission::Backup, "backup.list")?;
                let items = backup::list(&cfg.dir).map_err(refused)?;
                let status = backup::BackupStatus::load(self.store()).checked(&items);
                Ok(Response::Backups { items, status })
            }
            Request::BackupVerify { file, full } => {
                // A bare file name inside the configured folder: never a path.
                if file.is_empty() || file.contains('/') || file.starts_with('.') {
                    return Err(Error::Refused(format!(
                        "{file:?} is not a backup file name in the backup folder"
                    )));
                }
                let path = cfg.dir.join(&file);
                let key = if full {
                    Some(self.backup_key(session)?)
                } else {
                    None
                };
                let v = backup::verify(&path, key.as_ref(), Some(&db)).map_err(refused)?;
                let problem = v.full.as_ref().and_then(|f| f.first_problem());
                let summary = match &v.full {
                    Some(f) => f.summary(),
                    None => format!("intact: {}", v.integrity.manifest.summary()),
                };
                Ok(Response::BackupVerified {
                    file,
                    ok: v.ok(),
                    summary,
                    problem,
                })
            }
            _ => Err(Error::Refused("not a backup request".into())),
        }
    }
}
