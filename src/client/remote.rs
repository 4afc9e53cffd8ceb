//! The server's socket as a `Backend`: the same `Request`s, sent as frames.

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::{Backend, Mode};
use crate::crypto::{Password, SecretText};
use crate::server::frame;
use crate::server::wire::{ClientMsg, PROTOCOL, ServerMsg};
use crate::service::{Error, Login, Peer, Request, Response, Result, Session};

pub struct Remote {
    stream: UnixStream,
    session: Option<Session>,
    path: std::path::PathBuf,
}

fn lost(e: impl std::fmt::Display) -> Error {
    Error::Unavailable(format!("lost the connection to the kasefet server: {e}"))
}

impl Remote {
    /// Connects and checks that both sides speak the same protocol.
    pub fn connect(path: &Path) -> Result<Remote> {
        let stream = UnixStream::connect(path).map_err(|e| {
            Error::Unavailable(format!(
                "no kasefet server answers on {}: {e}",
                path.display()
            ))
        })?;
        let mut r = Remote {
            stream,
            session: None,
            path: path.to_path_buf(),
        };
        match r.exchange(&ClientMsg::Hello { protocol: PROTOCOL })? {
            ServerMsg::Hello { .. } => Ok(r),
            ServerMsg::Failed(e) => Err(e.into()),
            _ => Err(lost("unexpected greeting")),
        }
    }

    fn exchange(&mut self, msg: &ClientMsg) -> Result<ServerMsg> {
        frame::write(&mut self.stream, msg, frame::MAX_FRAME).map_err(lost)?;
        let never = AtomicBool::new(false);
        match frame::read(&mut self.stream, &never, frame::MAX_REPLY) {
            Ok(Some(reply)) => Ok(reply),
            Ok(None) => Err(lost("the server closed the connection")),
            Err(e) => Err(lost(e)),
        }
    }
}

impl Remote {
    /// Asks the server for a backup without signing in (root or the server's user only).
    pub fn backup_now(&mut self) -> Result<Response> {
        match self.exchange(&ClientMsg::BackupNow)? {
            ServerMsg::Reply(r) => Ok(*r),
            ServerMsg::Failed(e) => Err(e.into()),
            _ => Err(lost("unexpected reply to backup")),
        }
    }
}

impl Backend for Remote {
    fn login(&mut self, username: &str, password: &Password, code: &str) -> Result<Login> {
        let msg = ClientMsg::Login {
            username: username.to_string(),
            password: SecretText::new(password.expose().to_string()),
            code: code.to_string(),
            from: Peer::this_process().from,
        };
        let reply = match self.exchange(&msg) {
            // The server closes a connection that has not signed in for a while (the login
            // screen can stay up longer); connect again and send the sign-in once more.
            Err(Error::Unavailable(_)) if self.session.is_none() => {
                *self = Remote::connect(&self.path)?;
                self.exchange(&msg)?
            }
            other => other?,
        };
        match reply {
            ServerMsg::LoggedIn(login) => {
                self.session = Some(login.session.clone());
                Ok(*login)
            }
            ServerMsg::Failed(e) => Err(e.into()),
            _ => Err(lost("unexpected reply to sign-in")),
        }
    }

    fn call(&mut self, req: Request) -> Result<Response> {
        match self.exchange(&ClientMsg::Call(Box::new(req)))? {
            ServerMsg::Reply(r) => Ok(*r),
            ServerMsg::Failed(e) => Err(e.into()),
            _ => Err(lost("unexpected reply")),
        }
    }

    fn unlock(&mut self, password: &Password) -> Result<()> {
        match self.exchange(&ClientMsg::Unlock {
            password: SecretText::new(password.expose().to_string()),
        })? {
            ServerMsg::Bye => Ok(()),
            ServerMsg::Failed(e) => Err(e.into()),
            _ => Err(lost("unexpected reply to unlock")),
        }
    }

    fn logout(&mut self) {
        if self.session.take().is_some() {
            let _ = self.exchange(&ClientMsg::Logout);
        }
    }

    fn mode(&self) -> Mode {
        Mode::Server
    }

    fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.logout();
    }
}

/// What to say when the data directory at `dir` is locked (`locked` is the store's own
/// message): a server answering on `socket` owns it and is the way in; otherwise the lock
/// is another process's and no server answers.
pub fn locked_message(locked: &str, dir: &Path, socket: &Path) -> String {
    match Remote::connect(socket) {
        Ok(_) => format!(
            "the database at {d} is owned by a running `kasefet serve`, which answers on {s}: \
             work through it (leave out --local and --data-dir, or pass --socket {s})",
            d = dir.display(),
            s = socket.display()
        ),
        Err(_) => format!(
            "{locked}; no kasefet server answers on {} (start one with `kasefet serve`, or pass --socket)",
            socket.display()
        ),
    }
}
