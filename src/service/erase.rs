//! Erasure reaches the backups: after the live erase commits (under the request lock, like
//! any request), every backup in the folder is rewritten without the person, outside the
//! lock so the office keeps working. Files that could not be rewritten are remembered and
//! retried by the nightly run.

use super::request::{Request, Response};
use super::{Result, Service, Session};
use crate::domain::Outcome;
use crate::privacy::{erasure, rewrite};
use crate::store::{Op, Tree, codec};

/// Meta key: backup file names whose rewrite failed (names only).
pub const RETRY_KEY: &[u8] = b"privacy/rewrite_retry";

/// The backups still to rewrite.
pub fn pending_rewrites(store: &crate::store::Store) -> Vec<String> {
    store
        .get_raw(Tree::Meta, RETRY_KEY)
        .ok()
        .flatten()
        .and_then(|v| codec::decode::<Vec<String>>(&v).ok())
        .unwrap_or_default()
}

pub fn set_pending_rewrites(
    store: &crate::store::Store,
    names: &[String],
) -> crate::store::Result<()> {
    let op = if names.is_empty() {
        Op::remove(Tree::Meta, RETRY_KEY.to_vec())
    } else {
        Op::put(
            Tree::Meta,
            RETRY_KEY.to_vec(),
            codec::encode(&names.to_vec())?,
        )
    };
    store.commit(&[op])
}

impl Service {
    pub(crate) fn handle_erase(&self, session: &Session, req: Request) -> Result<Response> {
        let Request::CustomerErase { id, .. } = &req else {
            return self.handle_now(session, req);
        };
        let id = *id;
        let response = self.handle_now(session, req)?;
        let Response::Erased { unlinked_tasks, .. } = response else {
            return Ok(response);
        };
        let Some(cfg) = self.backup_config() else {
            return Ok(Response::Erased {
                unlinked_tasks,
                backups: None,
            });
        };
        // The key reseals each rewritten file's store digest; erasure is admin-only and was
        // authorized above.
        let vault = self.vault_for(
            session,
            crate::domain::Permission::CustomerErase,
            "customer.erase_backups",
        )?;
        let report = self.rewrite_after_erasure(
            &cfg,
            Some(session),
            vault.dek(),
            &format!("customer:{id}"),
        )?;
        Ok(Response::Erased {
            unlinked_tasks,
            backups: Some(report),
        })
    }
}

impl Service {
    /// Rewrites every backup in the folder with the erasure journal as it stands, remembers
    /// the files that failed for the nightly retry, and records what happened.
    pub(crate) fn rewrite_after_erasure(
        &self,
        cfg: &crate::backup::BackupConfig,
        by: Option<&Session>,
        dek: &crate::crypto::SecretKey,
        target: &str,
    ) -> Result<rewrite::RewriteReport> {
        let _rewriting = rewrite::folder_lock();
        let entries = erasure::journal(self.store())?;
        let report =
            rewrite::rewrite_folder(&cfg.dir, self.store().db_id(), &entries, Some(dek), None);
        let mut retry = pending_rewrites(self.store());
        for (name, _) in &report.failed {
            if !retry.contains(name) {
                retry.push(name.clone());
            }
        }
        retry.retain(|n| !report.rewritten.contains(n) && !report.unchanged.contains(n));
        self.with_writers_paused(|s| set_pending_rewrites(s, &retry))?;
        let outcome = if report.failed.is_empty() {
            Outcome::Ok
        } else {
            Outcome::Failed
        };
        self.record_system_event(
            by,
            "customer.erase_backups",
            target,
            outcome,
            &report.summary(),
        )?;
        Ok(report)
    }

    /// The database key while someone is signed in, for the owner's own nightly job (a
    /// backup rewrite must reseal each file's store digest); `None` while sealed.
    pub(crate) fn key_while_unsealed(&self) -> Option<crate::crypto::SecretKey> {
        let inner = self.lock();
        let open = inner.open.as_ref()?;
        Some(crate::crypto::SecretKey::from_bytes(
            *open.vault.dek().expose(),
        ))
    }
}
