//! Imports sent in parts: a file whose rows do not fit in one request frame is sent as
//! `ImportBegin`, `ImportRows`..., `ImportCommit`. The parts wait here, in memory, and the
//! commit runs them as one import (one commit, all or nothing): a connection that drops
//! half way leaves nothing written, only rows in memory that the next begin, the idle
//! limit or sealing forgets.

use super::{Acted, Cx};
use crate::domain::{FieldError, Invalid, UnixTime};
use crate::service::bounds::{
    MAX_IMPORT_ROWS, MAX_STAGED_BYTES, MAX_STAGED_IMPORTS, STAGED_IDLE_SECS,
};
use crate::service::request::{ImportBatch, Response};
use crate::service::{Error, Result};
use crate::store::StoreError;
use crate::transfer::ImportRow;
use crate::transfer::parts::encoded_len;

/// One session's import being sent.
pub(crate) struct Staged {
    token: u64,
    batch: ImportBatch,
    /// The rows' size as sent, for the memory bound.
    bytes: usize,
    touched: UnixTime,
}

fn too_big(rows: usize, bytes: usize) -> Result<()> {
    let mut errors = Vec::new();
    if rows > MAX_IMPORT_ROWS {
        errors.push(FieldError::new(
            "rows",
            format!("an import holds at most {MAX_IMPORT_ROWS} rows; this one has {rows} so far"),
        ));
    }
    if bytes > MAX_STAGED_BYTES {
        errors.push(FieldError::new(
            "rows",
            format!(
                "an import holds at most {} MiB of rows; split the file",
                MAX_STAGED_BYTES / (1024 * 1024)
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(Invalid(errors)))
    }
}

fn gone() -> Error {
    Error::Refused(
        "this import is no longer held (it was started again, cancelled, left idle for 15 \
minutes, or the server restarted); nothing was written: send it again"
            .into(),
    )
}

impl Cx<'_> {
    fn staging_session(&self) -> Result<[u8; 16]> {
        self.session_id
            .ok_or_else(|| Error::Refused("an import in parts needs a signed-in session".into()))
    }

    pub fn import_begin(&mut self, batch: ImportBatch) -> Result<Acted> {
        let me = self.staging_session()?;
        let now = self.now;
        // One staged import per session: beginning again replaces the last one.
        self.open.staged.remove(&me);
        self.open
            .staged
            .retain(|_, s| now - s.touched < STAGED_IDLE_SECS);
        if self.open.staged.len() >= MAX_STAGED_IMPORTS {
            return Err(Error::Refused(format!(
                "{MAX_STAGED_IMPORTS} imports are being sent right now; try again when one has finished"
            )));
        }
        let bytes = encoded_len(&batch.rows);
        too_big(batch.rows.len(), bytes)?;
        let mut t = [0u8; 8];
        crate::crypto::random_bytes(&mut t).map_err(StoreError::from)?;
        let token = u64::from_be_bytes(t);
        let rows = batch.rows.len();
        self.open.staged.insert(
            me,
            Staged {
                token,
                batch,
                bytes,
                touched: now,
            },
        );
        Ok(Acted::read(
            Response::ImportStaged { token, rows },
            String::new(),
        ))
    }

    fn staged_mut(&mut self, token: u64) -> Result<&mut Staged> {
        let me = self.staging_session()?;
        match self.open.staged.get_mut(&me) {
            Some(s) if s.token == token => Ok(s),
            _ => Err(gone()),
        }
    }

    pub fn import_rows(&mut self, token: u64, rows: Vec<ImportRow>) -> Result<Acted> {
        let (now, me) = (self.now, self.staging_session()?);
        let s = self.staged_mut(token)?;
        let bytes = s.bytes.saturating_add(encoded_len(&rows));
        let count = s.batch.rows.len().saturating_add(rows.len());
        if let Err(e) = too_big(count, bytes) {
            // Over the limit: nothing of it can be imported, so its memory goes now.
            self.open.staged.remove(&me);
            return Err(e);
        }
        s.batch.rows.extend(rows);
        s.bytes = bytes;
        s.touched = now;
        Ok(Acted::read(
            Response::ImportStaged { token, rows: count },
            String::new(),
        ))
    }

    /// Runs the staged rows as one import. A dry run keeps them, so the real import that
    /// follows a look at the counts does not send the file again.
    pub fn import_commit(&mut self, token: u64, dry_run: bool) -> Result<Acted> {
        let (now, me) = (self.now, self.staging_session()?);
        let s = self.staged_mut(token)?;
        let mut batch = if dry_run {
            s.touched = now;
            s.batch.clone()
        } else {
            self.open
                .staged
                .remove(&me)
                .map(|s| s.batch)
                .ok_or_else(gone)?
        };
        batch.dry_run = dry_run;
        self.import_customers(batch)
    }

    pub fn import_discard(&mut self, token: u64) -> Result<Acted> {
        self.staged_mut(token)?;
        let me = self.staging_session()?;
        self.open.staged.remove(&me);
        Ok(Acted::read(Response::Done, String::new()))
    }
}
