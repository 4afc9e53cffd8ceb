//! How front ends reach a `Service`: in-process (`Local`) or, later, over the server's socket.
//! The TUI and the CLI use only this trait, never `Service` or the store directly.

pub mod download;
pub mod remote;
pub mod upload;

use std::sync::Arc;

use crate::crypto::Password;
use crate::service::{Error, Login, Peer, Request, Response, Result, Service, Session};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Local,
    Server,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Local => "local",
            Mode::Server => "server",
        }
    }
}

pub trait Backend {
    fn login(&mut self, username: &str, password: &Password, code: &str) -> Result<Login>;
    /// Sends a request under the signed-in session.
    fn call(&mut self, req: Request) -> Result<Response>;
    fn logout(&mut self);
    /// Unlocks the signed-in session after an idle lock, with the password alone.
    fn unlock(&mut self, password: &Password) -> Result<()>;
    fn mode(&self) -> Mode;
    fn session(&self) -> Option<&Session>;
    /// True once after the session was lost because the server restarted (the connection
    /// was made again), so the front end can say so and ask for the sign-in again.
    fn take_restarted(&mut self) -> bool {
        false
    }
    /// False while the server cannot be reached (what fails then is the connection).
    fn connected(&self) -> bool {
        true
    }
}

/// The database opened by this process.
pub struct Local {
    service: Arc<Service>,
    session: Option<Session>,
    peer: Peer,
}

impl Local {
    pub fn new(service: Arc<Service>) -> Local {
        Local {
            service,
            session: None,
            peer: Peer::this_process(),
        }
    }

    pub fn service(&self) -> &Arc<Service> {
        &self.service
    }
}

impl Backend for Local {
    fn login(&mut self, username: &str, password: &Password, code: &str) -> Result<Login> {
        let login = self.service.login(username, password, code, &self.peer)?;
        self.session = Some(login.session.clone());
        Ok(login)
    }

    fn call(&mut self, req: Request) -> Result<Response> {
        let session = self.session.as_ref().ok_or(Error::SessionEnded)?;
        self.service.handle(session, req)
    }

    fn logout(&mut self) {
        if let Some(s) = self.session.take() {
            self.service.logout(&s);
        }
    }

    fn unlock(&mut self, password: &Password) -> Result<()> {
        let session = self.session.as_ref().ok_or(Error::SessionEnded)?;
        self.service.unlock(session, password)
    }

    fn mode(&self) -> Mode {
        Mode::Local
    }

    fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        self.logout();
    }
}
