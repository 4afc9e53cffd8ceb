//! Frames on the socket: a big-endian u32 length, then that many bytes of bincode.
//! The length is checked against the cap before a byte of the body is allocated.

use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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
    #[error("connection dropped: {0}")]
    Stalled(&'static str),
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

/// How long a reader waits: for a frame to begin (`idle`, none to wait indefinitely) and for
/// a begun frame to arrive whole (`frame`). A peer that sends part of a frame and stalls is
/// dropped when `frame` runs out, or at once when `stop` is set: shutdown never waits on it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Deadlines {
    pub idle: Option<Instant>,
    pub frame: Option<Duration>,
}

/// Fills `buf`, riding out read timeouts (the stream's read timeout sets how often `stop`
/// and the deadlines are looked at). Before the first byte of a frame, a clean EOF or `stop`
/// returns `Ok(false)`: that is how an idle connection notices shutdown.
fn fill<R: Read>(
    r: &mut R,
    buf: &mut [u8],
    stop: &AtomicBool,
    first: bool,
    limits: &mut Limits,
) -> Result<bool, FrameError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) if got == 0 && first => return Ok(false),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => {
                got += n;
                limits.started();
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) =>
            {
                let begun = !(first && got == 0);
                if stop.load(Ordering::SeqCst) {
                    return if begun {
                        Err(FrameError::Stalled("the server is stopping"))
                    } else {
                        Ok(false)
                    };
                }
                limits.check(begun)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

/// The deadlines of one frame as it is read.
struct Limits {
    d: Deadlines,
    frame_due: Option<Instant>,
}

impl Limits {
    fn started(&mut self) {
        if self.frame_due.is_none() {
            self.frame_due = self.d.frame.map(|f| Instant::now() + f);
        }
    }

    fn check(&self, begun: bool) -> Result<(), FrameError> {
        let now = Instant::now();
        if begun {
            if self.frame_due.is_some_and(|t| now >= t) {
                return Err(FrameError::Stalled("a message was not sent whole in time"));
            }
        } else if self.d.idle.is_some_and(|t| now >= t) {
            return Err(FrameError::Stalled("nothing was sent in time"));
        }
        Ok(())
    }
}

/// The next message of at most `max` bytes, or `None` at a clean end (EOF, or shutdown
/// between frames).
pub fn read<R: Read, T: DeserializeOwned>(
    r: &mut R,
    stop: &AtomicBool,
    max: usize,
) -> Result<Option<T>, FrameError> {
    read_within(r, stop, max, Deadlines::default())
}

/// `read`, giving up on a peer that does not keep to `deadlines`.
pub fn read_within<R: Read, T: DeserializeOwned>(
    r: &mut R,
    stop: &AtomicBool,
    max: usize,
    deadlines: Deadlines,
) -> Result<Option<T>, FrameError> {
    let mut limits = Limits {
        d: deadlines,
        frame_due: None,
    };
    let mut len = [0u8; 4];
    if !fill(r, &mut len, stop, true, &mut limits)? {
        return Ok(None);
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        return Err(FrameError::TooLarge(len));
    }
    let mut body = vec![0u8; len];
    if len > 0 && !fill(r, &mut body, stop, false, &mut limits)? {
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
