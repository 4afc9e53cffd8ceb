//! An export fetched in parts (`Request::Export` after the last record of the one before),
//! so a file of any size comes through the server one reply at a time. Each part goes to a
//! sink as it arrives: nothing needs the whole file in memory.

use crate::domain::Id;
use crate::service::{CustomerFilter, Error, ExportFormat, ExportWhat, Request, Response};

/// What to export; the same for every part.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub what: ExportWhat,
    pub format: ExportFormat,
    pub reveal: bool,
    pub filter: CustomerFilter,
    pub bom: bool,
}

impl Wanted {
    /// The request for the part after record `after` (`None`: the first), of at most
    /// `limit` records (0: as many as the service gives).
    pub fn part(&self, after: Option<Id>, limit: u32) -> Request {
        Request::Export {
            what: self.what,
            format: self.format,
            reveal: self.reveal,
            filter: self.filter.clone(),
            bom: self.bom,
            after,
            limit,
        }
    }
}

/// Asks for every part in turn and hands each to `sink`; returns the records exported.
/// `call` sends one request (a screen's own, so a lost session is noticed there); the
/// first error, of either, ends it.
pub fn download<E: From<Error>>(
    wanted: &Wanted,
    call: &mut dyn FnMut(Request) -> Result<Response, E>,
    sink: &mut dyn FnMut(&[u8]) -> Result<(), E>,
) -> Result<usize, E> {
    let mut after: Option<Id> = None;
    let mut count = 0;
    loop {
        let (bytes, n, last, more) = match call(wanted.part(after, 0))? {
            Response::Exported {
                bytes,
                count,
                last,
                more,
                ..
            } => (bytes, count, last, more),
            _ => {
                return Err(Error::Refused("unexpected response from the service".into()).into());
            }
        };
        sink(&bytes)?;
        count += n;
        match last {
            Some(l) if more => after = Some(l),
            _ => return Ok(count),
        }
    }
}
