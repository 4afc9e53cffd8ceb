//! The real backend, with every request a screen makes written down, for tests that prove
//! what travels (windows, never whole lists).
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use kasefet::client::{Backend, Local, Mode};
use kasefet::crypto::Password;
use kasefet::service::{Login, Request, Response, Result, Session};

/// What was asked for: (request action, list rows in the answer).
pub type Log = Rc<RefCell<Vec<(&'static str, usize)>>>;

pub struct Recording {
    pub inner: Local,
    pub log: Log,
}

impl Backend for Recording {
    fn login(&mut self, username: &str, password: &Password, code: &str) -> Result<Login> {
        self.inner.login(username, password, code)
    }
    fn call(&mut self, req: Request) -> Result<Response> {
        let action = req.action();
        let r = self.inner.call(req);
        let rows = match &r {
            Ok(Response::Customers(l)) => l.len(),
            Ok(Response::CustomerPage(p)) => p.rows.len(),
            Ok(Response::Tasks(l)) => l.len(),
            Ok(Response::TaskPage(p)) => p.rows.len(),
            Ok(Response::Employees(l)) => l.len(),
            Ok(Response::EmployeePage(p)) => p.rows.len(),
            _ => 0,
        };
        self.log.borrow_mut().push((action, rows));
        r
    }
    fn logout(&mut self) {
        self.inner.logout()
    }
    fn unlock(&mut self, password: &Password) -> Result<()> {
        self.inner.unlock(password)
    }
    fn mode(&self) -> Mode {
        self.inner.mode()
    }
    fn session(&self) -> Option<&Session> {
        self.inner.session()
    }
}

impl super::World {
    /// An app signed in as `user` over a recording backend, and the log it writes.
    pub fn recorded_app(&self, user: &str) -> (kasefet::tui::App, Log) {
        let log: Log = Rc::default();
        let backend = Recording {
            inner: Local::new(self.service.clone()),
            log: log.clone(),
        };
        let mut app = self.app_with(Box::new(backend));
        self.sign_in(&mut app, user);
        (app, log)
    }
}
