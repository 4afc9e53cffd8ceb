//! One connection = one session. Requests are answered in order; a malformed or oversized
//! frame closes this connection only.

use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::frame::{self, FrameError};
use super::wire::{ClientMsg, PROTOCOL, ServerMsg};
use crate::crypto::Password;
use crate::service::{Error, Peer, Service, Session, WireError};

/// How often an idle connection looks at the shutdown flag.
const POLL: Duration = Duration::from_millis(300);

pub fn serve(service: Arc<Service>, mut stream: UnixStream, stop: Arc<AtomicBool>) {
    let cred = rustix::net::sockopt::socket_peercred(&stream).ok();
    let (uid, pid) = match &cred {
        Some(c) => (
            Some(c.uid.as_raw()),
            Some(c.pid.as_raw_nonzero().get() as u32),
        ),
        None => (None, None),
    };
    let _ = stream.set_read_timeout(Some(POLL));
    let mut session: Option<Session> = None;
    loop {
        let msg: ClientMsg = match frame::read(&mut stream, &stop, frame::MAX_FRAME) {
            Ok(Some(m)) => m,
            Ok(None) => break,
            Err(
                FrameError::TooLarge(_)
                | FrameError::Malformed(_)
                | FrameError::Truncated
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
                if let Some(old) = session.take() {
                    service.logout(&old);
                }
                let peer = Peer {
                    uid,
                    pid,
                    from: crate::domain::text::sanitize_line(&from),
                };
                let password = Password::new(password.expose());
                match service.login(&username, &password, &code, &peer) {
                    Ok(login) => {
                        session = Some(login.session.clone());
                        ServerMsg::LoggedIn(Box::new(login))
                    }
                    Err(e) => ServerMsg::Failed(WireError::from(&e)),
                }
            }
            ClientMsg::Call(req) => match &session {
                Some(s) => match service.handle(s, *req) {
                    Ok(r) => ServerMsg::Reply(Box::new(r)),
                    Err(e) => ServerMsg::Failed(WireError::from(&e)),
                },
                None => ServerMsg::Failed(WireError::from(&Error::SessionEnded)),
            },
            ClientMsg::Unlock { password } => match &session {
                Some(s) => match service.unlock(s, &Password::new(password.expose())) {
                    Ok(()) => ServerMsg::Bye,
                    Err(e) => ServerMsg::Failed(WireError::from(&e)),
                },
                None => ServerMsg::Failed(WireError::from(&Error::SessionEnded)),
            },
            ClientMsg::BackupNow => backup_now(&service, uid),
            ClientMsg::Logout => {
                if let Some(s) = session.take() {
                    service.logout(&s);
                }
                ServerMsg::Bye
            }
        };
        if frame::write(&mut stream, &reply, frame::MAX_REPLY).is_err() {
            break;
        }
    }
    if let Some(s) = session {
        service.logout(&s);
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
