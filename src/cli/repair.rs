//! `kasefet repair --accept-loss`: with an admin's sign-in, take a database that the
//! integrity checks refuse into service as it is (audited). Works on the data directory
//! itself, never through a server (a damaged database has no server serving it).

use super::args::{Global, RepairArgs};
use super::{CliError, print};
use crate::config::{Config, Paths};
use crate::service::{Clock, Peer, Service};

pub fn run(config: &Config, paths: &Paths, g: &Global, a: &RepairArgs) -> Result<(), CliError> {
    if !a.accept_loss {
        return Err(CliError::invalid(
            "repair changes nothing without --accept-loss: run `kasefet doctor` to see what is wrong, and restore the newest backup if you can",
        ));
    }
    let service = Service::open_for_repair(&paths.data_dir, config.settings(), Clock::System)?;
    let creds = super::prompt::credentials(g)?;
    let login = service.login(&creds.user, &creds.password, &creds.code, &Peer::default())?;
    let result = service.accept_loss(&login.session);
    service.logout(&login.session);
    let detail = result?;
    print(&format!(
        "the database at {} is in service again; {detail}\n",
        paths.data_dir.display()
    ))
}
