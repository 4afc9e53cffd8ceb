//! `kasefet serve`: owns the data directory and answers on a Unix socket, so many people
//! can work at once. Threads, not async: sled is synchronous and an office has tens of
//! sessions.

pub mod conn;
pub mod frame;
pub mod wire;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::service::Service;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("a kasefet server already answers on {0}; stop it first (systemctl stop kasefet)")]
    AlreadyRunning(String),
    #[error("cannot listen on {path}: {source}")]
    Bind {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Connections served at once; an office has tens of people.
pub const MAX_CONNECTIONS: usize = 256;

/// The group whose members may connect (the socket is 0660).
pub const GROUP: &str = "kasefet";

fn group_id(name: &str) -> Option<u32> {
    let text = std::fs::read_to_string("/etc/group").ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name)
            .then(|| f.nth(1)?.parse().ok())
            .flatten()
    })
}

/// Removes a socket file left by a crashed server; refuses when a server still answers.
fn clear_stale(path: &Path) -> Result<(), ServeError> {
    if !path.exists() {
        return Ok(());
    }
    if UnixStream::connect(path).is_ok() {
        return Err(ServeError::AlreadyRunning(path.display().to_string()));
    }
    std::fs::remove_file(path)?;
    Ok(())
}

pub struct Server {
    listener: UnixListener,
    path: PathBuf,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Binds the socket (0660, group `kasefet` when that group exists).
    pub fn bind(path: &Path) -> Result<Server, ServeError> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() && !dir.exists() {
                std::fs::create_dir_all(dir)?;
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o750))?;
            }
        }
        clear_stale(path)?;
        let listener = UnixListener::bind(path).map_err(|source| ServeError::Bind {
            path: path.display().to_string(),
            source,
        })?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
        if let Some(gid) = group_id(GROUP) {
            let _ = rustix::fs::chown(path, None, Some(rustix::fs::Gid::from_raw(gid)));
        }
        listener.set_nonblocking(true)?;
        Ok(Server {
            listener,
            path: path.to_path_buf(),
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Set to stop: SIGTERM and SIGINT set it once `handle_signals` ran.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    pub fn handle_signals(&self) -> Result<(), ServeError> {
        for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
            signal_hook::flag::register(sig, self.stop.clone())?;
        }
        Ok(())
    }

    /// Accepts until stopped, then lets every connection finish its request in flight,
    /// flushes, and removes the socket.
    pub fn run(self, service: Arc<Service>) -> Result<(), ServeError> {
        let mut workers: Vec<JoinHandle<()>> = Vec::new();
        while !self.stop.load(Ordering::SeqCst) {
            match self.listener.accept() {
                Ok((mut stream, _)) => {
                    let _ = stream.set_nonblocking(false);
                    workers.retain(|w| !w.is_finished());
                    if workers.len() >= MAX_CONNECTIONS {
                        // One thread per connection: a cap keeps a runaway script (or a
                        // member of the group acting up) from exhausting the server.
                        let _ = frame::write(
                            &mut stream,
                            &wire::ServerMsg::Failed(crate::service::WireError::Unavailable(
                                format!(
                                    "the server is at its limit of {MAX_CONNECTIONS} connections; try again shortly"
                                ),
                            )),
                            frame::MAX_REPLY,
                        );
                        continue;
                    }
                    let (svc, stop) = (service.clone(), self.stop.clone());
                    workers.push(std::thread::spawn(move || conn::serve(svc, stream, stop)));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    eprintln!("kasefet serve: accept failed: {e}");
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        }
        for w in workers {
            let _ = w.join();
        }
        let _ = service.store().flush();
        let _ = std::fs::remove_file(&self.path);
        Ok(())
    }
}
