//! An import sent in parts (`ImportBegin`, `ImportRows`..., `ImportCommit`), so a file of
//! any size up to the service's bounds reaches the server one frame at a time. Stepwise,
//! so a screen can draw its progress bar between parts.

use std::collections::VecDeque;

use super::Backend;
use crate::service::{Error, ImportBatch, ImportReport, Request, Response, Result};
use crate::transfer::ImportRow;
use crate::transfer::parts::split;

#[derive(Debug, Clone)]
pub struct Upload {
    /// The batch without its rows, until the begin is sent.
    header: Option<ImportBatch>,
    parts: VecDeque<Vec<ImportRow>>,
    token: Option<u64>,
    /// Rows the service holds so far, of `total`.
    pub sent: usize,
    pub total: usize,
}

fn unexpected() -> Error {
    Error::Refused("unexpected response from the service".into())
}

impl Upload {
    /// Cuts the batch's rows into parts of at most `part_bytes` (`parts::PART_BYTES` fits
    /// the server's frame).
    pub fn new(mut batch: ImportBatch, part_bytes: usize) -> Upload {
        let rows = std::mem::take(&mut batch.rows);
        let total = rows.len();
        Upload {
            header: Some(batch),
            parts: split(rows, part_bytes).into(),
            token: None,
            sent: 0,
            total,
        }
    }

    /// Every row is held by the service: `commit` may run.
    pub fn sent_all(&self) -> bool {
        self.token.is_some() && self.parts.is_empty()
    }

    /// Sends the next part (the first goes with the begin).
    pub fn step(&mut self, b: &mut dyn Backend) -> Result<()> {
        let req = match (self.token, self.header.take()) {
            (None, Some(mut batch)) => {
                batch.rows = self.parts.pop_front().unwrap_or_default();
                Request::ImportBegin {
                    batch: Box::new(batch),
                }
            }
            (Some(token), _) => {
                let Some(rows) = self.parts.pop_front() else {
                    return Ok(());
                };
                Request::ImportRows { token, rows }
            }
            (None, None) => return Err(unexpected()),
        };
        match b.call(req)? {
            Response::ImportStaged { token, rows } => {
                self.token = Some(token);
                self.sent = rows;
                Ok(())
            }
            _ => Err(unexpected()),
        }
    }

    /// Runs the import the service holds. A dry run leaves it held, for the real one.
    pub fn commit(&mut self, b: &mut dyn Backend, dry_run: bool) -> Result<ImportReport> {
        let token = self.token.ok_or_else(unexpected)?;
        match b.call(Request::ImportCommit { token, dry_run })? {
            Response::ImportReport(r) => Ok(*r),
            _ => Err(unexpected()),
        }
    }

    /// Lets the service forget the rows (cancelled, or a part failed).
    pub fn discard(&mut self, b: &mut dyn Backend) {
        if let Some(token) = self.token.take() {
            let _ = b.call(Request::ImportDiscard { token });
        }
    }

    /// Sends every part, telling `progress` (sent, total) after each, then commits.
    pub fn run(
        mut self,
        b: &mut dyn Backend,
        dry_run: bool,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<ImportReport> {
        while !self.sent_all() {
            if let Err(e) = self.step(b) {
                self.discard(b);
                return Err(e);
            }
            progress(self.sent, self.total);
        }
        self.commit(b, dry_run)
    }
}
