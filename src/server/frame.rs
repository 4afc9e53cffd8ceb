//! Frames on the socket: a big-endian u32 length, then that many bytes of bincode.
//! The length is checked against the cap before a byte of the body is allocated.

use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::codec;

/// The largest request a server accepts from a client (a 10,000-row import fits; a 4 GiB
/// claim does not). Clients are the untrusted side.
pub const MAX_FRAME: usize = 4 * 1024 * 1024;

/// The largest reply a client accepts from its server: a whole customer list of a large
/// office (100,000 summaries is about 20 MiB) must fit.
pub const MAX_REPLY: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("a message of {0} bytes is over the limit")]
    TooLarge(usize),
    #[error("malformed frame: {0}")]
    Malformed(String),
    #[error("connection closed mid-frame")]
    Truncated,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Writes one frame of at most `max` bytes.
pub fn write<W: Write, T: Serialize>(w: &mut W, msg: &T, max: usize) -> Result<(), FrameError> {
    let body = codec::encode(msg).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if body.len() > max {
        return Err(FrameError::TooLarge(body.len()));
    }
    let len = u32::try_from(body.len()).map_err(|_| FrameError::TooLarge(body.len()))?;
    let mut out = Vec::with_capacity(4 + body.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&body);
    w.write_all(&out)?;
    w.flush()?;
    Ok(())
}

/// Fills `buf`, riding out read timeouts. Before the first byte, a timeout with `stop` set
/// (or a clean EOF) returns `Ok(false)`: that is how an idle connection notices shutdown.
fn fill<R: Read>(r: &mut R, buf: &mut [u8], stop: &AtomicBool) -> Result<bool, FrameError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => got += n,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) =>
            {
                if got == 0 && stop.load(Ordering::SeqCst) {
                    return Ok(false);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

/// The next message of at most `max` bytes, or `None` at a clean end (EOF, or shutdown
/// between frames).
pub fn read<R: Read, T: DeserializeOwned>(
    r: &mut R,
    stop: &AtomicBool,
    max: usize,
) -> Result<Option<T>, FrameError> {
    let mut len = [0u8; 4];
    if !fill(r, &mut len, stop)? {
        return Ok(None);
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        return Err(FrameError::TooLarge(len));
    }
    let mut body = vec![0u8; len];
    let never = AtomicBool::new(false);
    if len > 0 && !fill(r, &mut body, &never)? {
        return Err(FrameError::Truncated);
    }
    codec::decode(&body)
        .map(Some)
        .map_err(|e| FrameError::Malformed(e.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_caps() {
        let stop = AtomicBool::new(false);
        let mut buf = Vec::new();
        write(&mut buf, &("hello".to_string(), 7u32), MAX_FRAME).unwrap();
        let back: (String, u32) = read(&mut buf.as_slice(), &stop, MAX_FRAME)
            .unwrap()
            .unwrap();
        assert_eq!(back, ("hello".into(), 7));
        let huge = u32::MAX.to_be_bytes();
        assert!(matches!(
            read::<_, String>(&mut &huge[..], &stop, MAX_FRAME),
            Err(FrameError::TooLarge(_))
        ));
        let cut = [0, 0, 0, 9, 1, 2];
        assert!(matches!(
            read::<_, String>(&mut &cut[..], &stop, MAX_FRAME),
            Err(FrameError::Truncated)
        ));
        let junk = [0, 0, 0, 2, 0xff, 0xff];
        assert!(matches!(
            read::<_, String>(&mut &junk[..], &stop, MAX_FRAME),
            Err(FrameError::Malformed(_))
        ));
        assert!(
            read::<_, String>(&mut &[][..], &stop, MAX_FRAME)
                .unwrap()
                .is_none()
        );
    }
}
