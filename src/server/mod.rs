//! `kasefet serve`: owns the data directory and answers on a Unix socket, so many people
//! can work at once. Threads, not async: sled is synchronous and an office has tens of
//! sessions.

pub mod conn;
pub mod frame;
pub mod wire;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
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

/// Connections served at once by default; an office has tens of people.
pub const MAX_CONNECTIONS: usize = 256;

/// What one peer may hold and how long it may take; `[server]` in kasefet.toml sets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A frame once begun must arrive whole within this.
    pub frame_timeout_secs: u64,
    /// A connection must sign in within this of connecting, or it is closed.
    pub signin_timeout_secs: u64,
    pub max_connections: usize,
    /// Connections from one OS user at once, so one user (or one script) cannot take them all.
    pub max_connections_per_uid: usize,
    /// argon2 runs at once; the rest wait in line (see `auth::kdf_gate`).
    pub argon2_concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            frame_timeout_secs: 30,
            signin_timeout_secs: 30,
            max_connections: MAX_CONNECTIONS,
            max_connections_per_uid: 64,
            argon2_concurrency: crate::auth::kdf_gate::KdfGate::default_limit(),
        }
    }
}

/// Open connections per peer uid; a `Held` slot gives its place back when it is dropped.
#[derive(Debug, Default)]
struct PerUid(Mutex<HashMap<Option<u32>, usize>>);

struct Held {
    map: Arc<PerUid>,
    uid: Option<u32>,
}

impl PerUid {
    fn take(self: &Arc<Self>, uid: Option<u32>, limit: usize) -> Option<Held> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = m.entry(uid).or_insert(0);
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(Held {
            map: self.clone(),
            uid,
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut m = self.map.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&self.uid) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.uid);
            }
        }
    }
}

fn refuse(stream: &mut UnixStream, message: String) {
    // A stranger that does not read must not stall the accept loop.
    let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
    let _ = frame::write(
        stream,
        &wire::ServerMsg::Failed(crate::service::WireError::Unavailable(message)),
        frame::MAX_REPLY,
    );
}

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
    limits: Limits,
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
            limits: Limits::default(),
        })
    }

    pub fn with_limits(mut self, limits: Limits) -> Server {
        self.limits = limits;
        self
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
        let per_uid = Arc::new(PerUid::default());
        let limits = self.limits;
        while !self.stop.load(Ordering::SeqCst) {
            match self.listener.accept() {
                Ok((mut stream, _)) => {
                    let _ = stream.set_nonblocking(false);
                    workers.retain(|w| !w.is_finished());
                    if workers.len() >= limits.max_connections {
                        // One thread per connection: a cap keeps a runaway script (or a
                        // member of the group acting up) from exhausting the server.
                        refuse(
                            &mut stream,
                            format!(
                                "the server is at its limit of {} connections; try again shortly",
                                limits.max_connections
                            ),
                        );
                        continue;
                    }
                    let peer = conn::PeerCred::of(&stream);
                    let Some(held) = per_uid.take(peer.uid, limits.max_connections_per_uid) else {
                        refuse(
                            &mut stream,
                            format!(
                                "this OS user is at its limit of {} connections at once; close some and try again",
                                limits.max_connections_per_uid
                            ),
                        );
                        continue;
                    };
                    let (svc, stop) = (service.clone(), self.stop.clone());
                    workers.push(std::thread::spawn(move || {
                        let _held = held;
                        conn::serve(svc, stream, stop, peer, limits)
                    }));
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::config::Config;

    #[test]
    fn server_limits_have_ranges_and_name_the_key() {
        let ok = Config::parse(
            "[server]\nsignin_timeout_secs = 60\nargon2_concurrency = 3\n",
            "k",
        )
        .unwrap();
        let l = ok.server.limits().unwrap();
        assert_eq!((l.signin_timeout_secs, l.argon2_concurrency), (60, 3));
        assert_eq!(ok.settings().kdf_concurrency, 3);
        assert_eq!(
            Config::default().server.limits().unwrap(),
            super::Limits::default()
        );
        for (text, key) in [
            ("frame_timeout_secs = 0", "server.frame_timeout_secs"),
            (
                "signin_timeout_secs = 99999999",
                "server.signin_timeout_secs",
            ),
            ("max_connections = 0", "server.max_connections"),
            (
                "max_connections_per_uid = 300",
                "server.max_connections_per_uid",
            ),
            ("argon2_concurrency = 0", "server.argon2_concurrency"),
        ] {
            let e = Config::parse(&format!("[server]\n{text}\n"), "k").unwrap_err();
            assert!(e.to_string().contains(key), "{text}: {e}");
        }
    }
}
