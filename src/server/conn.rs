//! One connection = one session. Requests are answered in order; a malformed or oversized
//! frame closes this connection only.

use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::Limits;
use super::frame::{self, Deadlines, FrameError};
use super::wire::{ClientMsg, PROTOCOL, ServerMsg};
use crate::crypto::Password;
use crate::service::{Error, Peer, Service, Session, WireError};

/// How often an idle connection looks at the shutdown flag and its deadlines.
const POLL: Duration = Duration::from_millis(300);

/// The peer's OS identity, from the kernel (SO_PEERCRED), not from anything it sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct PeerCred {
    pub uid: Option<u32>,
    pub pid: Option<u32>,
}

impl PeerCred {
    pub fn of(stream: &UnixStream) -> PeerCred {
        match rustix::net::sockopt::socket_peercred(stream) {
            Ok(c) => PeerCred {
                uid: Some(c.uid.as_raw()),
                pid: Some(c.pid.as_raw_nonzero().get() as u32),
            },
            Err(_) => PeerCred::default(),
        }
    }
}

/// The connection's session, ended however the connection ends: a clean logout, a dropped
/// peer, or a panic unwinding out of a request.
struct SignedIn<'a> {
    service: &'a Service,
    session: Option<Session>,
}

impl SignedIn<'_> {
    fn end(&mut self) {
        if let Some(s) = self.session.take() {
            self.service.logout(&s);
        }
    }
}

impl Drop for SignedIn<'_> {
    fn drop(&mut self) {
        self.end();
    }
}

/// Runs `f`, turning a panic into an error for this request alone; the server and the
/// other connections go on.
fn guarded<T>(
    service: &Service,
    f: impl FnOnce() -> crate::service::Result<T>,
) -> crate::service::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        service.after_panic();
        Err(Error::Remote(
            "the server could not answer that request (an internal error, logged on the server)"
                .into(),
        ))
    })
}

pub fn serve(
    service: Arc<Service>,
    mut stream: UnixStream,
    stop: Arc<AtomicBool>,
    cred: PeerCred,
    limits: Limits,
) {
    let (uid, pid) = (cred.uid, cred.pid);
    let frame_limit = Duration::from_secs(limits.frame_timeout_secs);
    let _ = stream.set_read_timeout(Some(POLL));
    // A peer that stops reading its replies must not hold this thread (or shutdown) either.
    let _ = stream.set_write_timeout(Some(frame_limit));
    let signin_window = Duration::from_secs(limits.signin_timeout_secs);
    let mut signin_due = Instant::now() + signin_window;
    let mut signed = SignedIn {
        service: &service,
        session: None,
    };
    loop {
        let deadlines = Deadlines {
            // Until it signs in, a connection is only a stranger holding a slot.
            idle: signed.session.is_none().then_some(signin_due),
            frame: Some(frame_limit),
        };
        let msg: ClientMsg =
            match frame::read_within(&mut stream, &stop, frame::MAX_FRAME, deadlines) {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(
                    FrameError::TooLarge(_)
                    | FrameError::Malformed(_)
                    | FrameError::Truncated
                    | FrameError::Stalled(_)
                    | FrameError::Io(_),
                ) => break,
            };
        let reply = match msg {
            ClientMsg::Hello { protocol } if protocol == PROTOCOL => ServerMsg::Hello {
                protocol: PROTOCOL,
                version: env!("CARGO_PKG_VERSION").into(),
            },
            ClientMsg::Hello { protocol } => ServerMsg::Failed(WireError::Refused(format!(
                "this server speaks protocol {PROTOCOL}, the client {protocol}; use the same kasefet version on both"
            ))),
            ClientMsg::Login {
                username,
                password,
                code,
                from,
            } => {
                signed.end();
                // Clipped before anything stores or shows it.
                let peer = Peer { uid, pid, from }.clipped();
                let password = Password::new(password.expose());
                match guarded(&service, || {
                    service.login(&username, &password, &code, &peer)
                }) {
                    Ok(login) => {
                        signed.session = Some(login.session.clone());
                        ServerMsg::LoggedIn(Box::new(login))
                    }
                    Err(e) => ServerMsg::Failed(WireError::from(&e)),
                }
            }
            ClientMsg::Call(req) => match &signed.session {
                Some(s) => match guarded(&service, || service.handle(s, *req)) {
                    Ok(r) => ServerMsg::Reply(Box::new(r)),
                    Err(e) => ServerMsg::Failed(WireError::from(&e)),
                },
                None => ServerMsg::Failed(WireError::from(&Error::SessionEnded)),
            },
            ClientMsg::Unlock { password } => match &signed.session {
                Some(s) => match guarded(&service, || {
                    service.unlock(s, &Password::new(password.expose()))
                }) {
                    Ok(()) => ServerMsg::Bye,
                    Err(e) => ServerMsg::Failed(WireError::from(&e)),
                },
                None => ServerMsg::Failed(WireError::from(&Error::SessionEnded)),
            },
            ClientMsg::BackupNow => backup_now(&service, uid),
            ClientMsg::Logout => {
                if signed.session.is_some() {
                    // Signed out on purpose: the next person at this terminal gets a full
                    // window to sign in on the same connection.
                    signin_due = Instant::now() + signin_window;
                }
                signed.end();
                ServerMsg::Bye
            }
        };
        if frame::write(&mut stream, &reply, frame::MAX_REPLY).is_err() {
            break;
        }
    }
}

fn backup_now(service: &Service, uid: Option<u32>) -> ServerMsg {
    let me = rustix::process::geteuid().as_raw();
    if !uid.is_some_and(|u| u == 0 || u == me) {
        return ServerMsg::Failed(WireError::Denied(
            "only root or the server's own user may start a backup without signing in".into(),
        ));
    }
    let Some(cfg) = service.backup_config() else {
        return ServerMsg::Failed(WireError::Refused(
            "no backup folder is configured: set [backup] dir in kasefet.toml".into(),
        ));
    };
    let db = crate::backup::Db::Service { service, by: None };
    match crate::backup::run(&db, &cfg, crate::backup::Trigger::Manual) {
        Ok(r) => ServerMsg::Reply(Box::new(crate::service::Response::BackupDone {
            file: r.written.file_name(),
            bytes: r.written.bytes,
            summary: r.written.manifest.summary(),
            deleted: r.retention.delete,
        })),
        Err(e) => ServerMsg::Failed(WireError::Failure(e.to_string())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_request_is_an_error_and_the_session_still_ends() {
        let signed = crate::service::test_support::signed_in();
        let (service, login) = (&signed.service, &signed.login);
        assert!(service.is_unsealed());

        let answered = guarded::<()>(service, || panic!("a bug deep inside an operation"));
        assert!(matches!(answered, Err(Error::Remote(m)) if m.contains("internal error")));
        // The caches were read again, and the session goes on.
        assert!(
            service
                .handle(&login.session, crate::service::Request::Whoami)
                .is_ok()
        );

        // The connection's thread unwinds with the session held: the guard ends it.
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _signed = SignedIn {
                service,
                session: Some(login.session.clone()),
            };
            panic!("the connection's thread dies");
        }));
        assert!(unwound.is_err());
        assert!(
            !service.is_unsealed(),
            "the session outlived its connection"
        );
        assert!(matches!(
            service.handle(&login.session, crate::service::Request::Whoami),
            Err(Error::SessionEnded)
        ));
    }
}
