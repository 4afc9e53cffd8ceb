//! The server's socket as a `Backend`: the same `Request`s, sent as frames.
//!
//! A connection that breaks (the server stopped or restarted) is made again at the next
//! request. The new server knows nothing of the old session, so a request under it ends
//! with `SessionEnded` and `take_restarted` says why; a sign-in is simply sent again.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::{Backend, Mode};
use crate::crypto::{Password, SecretText};
use crate::server::frame;
use crate::server::wire::{ClientMsg, PROTOCOL, ServerMsg};
use crate::service::{Error, Login, Peer, Request, Response, Result, Session};

pub struct Remote {
    path: PathBuf,
    stream: UnixStream,
    session: Option<Session>,
    /// The last exchange failed: the stream is of no more use.
    broken: bool,
    /// A session was lost to a new connection, until the front end asks.
    restarted: bool,
}

fn lost(e: impl std::fmt::Display) -> Error {
    Error::Unavailable(format!("lost the connection to the kasefet server: {e}"))
}

/// A stream that has said hello and speaks our protocol.
fn open(path: &Path) -> Result<UnixStream> {
    let mut stream = UnixStream::connect(path).map_err(|e| {
        Error::Unavailable(format!(
            "no kasefet server answers on {}: {e}",
            path.display()
        ))
    })?;
    match send(&mut stream, &ClientMsg::Hello { protocol: PROTOCOL })? {
        ServerMsg::Hello { .. } => Ok(stream),
        ServerMsg::Failed(e) => Err(e.into()),
        _ => Err(lost("unexpected greeting")),
    }
}

fn send(stream: &mut UnixStream, msg: &ClientMsg) -> Result<ServerMsg> {
    frame::write(stream, msg, frame::MAX_FRAME).map_err(lost)?;
    let never = AtomicBool::new(false);
    match frame::read(stream, &never, frame::MAX_REPLY) {
        Ok(Some(reply)) => Ok(reply),
        Ok(None) => Err(lost("the server closed the connection")),
        Err(e) => Err(lost(e)),
    }
}

impl Remote {
    /// Connects and checks that both sides speak the same protocol.
    pub fn connect(path: &Path) -> Result<Remote> {
        Ok(Remote {
            path: path.to_path_buf(),
            stream: open(path)?,
            session: None,
            broken: false,
            restarted: false,
        })
    }

    fn exchange(&mut self, msg: &ClientMsg) -> Result<ServerMsg> {
        if !self.broken {
            match send(&mut self.stream, msg) {
                Ok(reply) => return Ok(reply),
                Err(e) => {
                    self.broken = true;
                    // Straight away: the server may be back already (a restart).
                    if self.reconnect().is_err() {
                        return Err(self.still_away(e));
                    }
                }
            }
        } else if let Err(e) = self.reconnect() {
            return Err(self.still_away(e));
        }
        // A new connection: the server has forgotten the session (it restarted). Only a
        // sign-in is sent again; a request might already have been done once.
        if self.session.take().is_some() {
            self.restarted = true;
            return Err(Error::SessionEnded);
        }
        match msg {
            ClientMsg::Login { .. } | ClientMsg::BackupNow => {
                send(&mut self.stream, msg).inspect_err(|_| self.broken = true)
            }
            _ => Err(Error::SessionEnded),
        }
    }

    fn reconnect(&mut self) -> Result<()> {
        self.stream = open(&self.path)?;
        self.broken = false;
        Ok(())
    }

    fn still_away(&self, e: Error) -> Error {
        match e {
            Error::Unavailable(_) => Error::Unavailable(
                "the kasefet server stopped answering; Kasefet connects again when it is back"
                    .into(),
            ),
            other => other,
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
        // Signing in starts afresh: an old session the server lost is not news any more.
        self.session = None;
        match self.exchange(&msg)? {
            ServerMsg::LoggedIn(login) => {
                self.session = Some(login.session.clone());
                self.restarted = false;
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
        // A broken connection has no session left to end on the server.
        if self.session.take().is_some() && !self.broken {
            let _ = send(&mut self.stream, &ClientMsg::Logout);
        }
    }

    fn mode(&self) -> Mode {
        Mode::Server
    }

    fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    fn take_restarted(&mut self) -> bool {
        std::mem::take(&mut self.restarted)
    }

    fn connected(&self) -> bool {
        !self.broken
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
