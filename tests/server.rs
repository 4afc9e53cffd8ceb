//! A real server on a temporary socket: many clients at once, authorization on the server,
//! hostile frames, live session ends, and a SIGKILL mid-write.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Arc;

use common::*;
use kasefet::client::Backend;
use kasefet::client::remote::Remote;
use kasefet::crypto::Password;
use kasefet::domain::{CustomerInput, InteractionKind, Role, TaskInput};
use kasefet::server::Server;
use kasefet::service::{Error, Request, Response};

struct Running {
    socket: PathBuf,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn start(db: &TestDb) -> Running {
    let socket = db.dir.path().join("k.sock");
    let server = Server::bind(&socket).unwrap();
    let stop = server.stop_flag();
    let svc = db.service.clone();
    let thread = std::thread::spawn(move || server.run(svc).unwrap());
    Running {
        socket,
        stop,
        thread: Some(thread),
    }
}

fn remote_login(
    db: &TestDb,
    socket: &std::path::Path,
    user: &str,
    secret: &kasefet::auth::totp::TotpSecret,
) -> Remote {
    let mut r = Remote::connect(socket).unwrap();
    // Each account has its own last-used step, so one step serves every user once.
    let code = secret.code_at(db.clock.now() as u64);
    r.login(user, &Password::new(PASSWORD), &code).unwrap();
    r
}

#[test]
fn twenty_clients_at_once_lose_nothing() {
    let db = TestDb::new();
    let admin = db.admin();
    let shared = match db
        .service
        .handle(
            &admin,
            Request::CustomerCreate {
                input: CustomerInput {
                    name: "Shared".into(),
                    ..Default::default()
                },
            },
        )
        .unwrap()
    {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    };
    let users: Vec<(String, kasefet::auth::totp::TotpSecret)> = (0..20)
        .map(|i| {
            let name = format!("user{i}");
            let s = provision(
                &db,
                &admin,
                &name,
                if i % 4 == 0 {
                    Role::Staff
                } else {
                    Role::Manager
                },
            );
            (name, s)
        })
        .collect();
    db.clock.advance(30);
    let srv = start(&db);
    let db = Arc::new(db);
    let handles: Vec<_> = users
        .into_iter()
        .enumerate()
        .map(|(i, (name, secret))| {
            let (db, socket) = (db.clone(), srv.socket.clone());
            std::thread::spawn(move || {
                let mut r = remote_login(&db, &socket, &name, &secret);
                for k in 0..10 {
                    let input = CustomerInput {
                        name: format!("C {i}-{k}"),
                        tags: vec![format!("t{i}")],
                        ..Default::default()
                    };
                    let id = match r.call(Request::CustomerCreate { input }).unwrap() {
                        Response::Created { id } => id,
                        other => panic!("{other:?}"),
                    };
                    r.call(Request::CustomerAddInteraction {
                        id,
                        kind: InteractionKind::Call,
                        text: format!("call {k}"),
                    })
                    .unwrap();
                    r.call(Request::CustomerSearch {
                        query: format!("C {i}-"),
                        limit: 20,
                    })
                    .unwrap();
                    r.call(Request::TaskCreate {
                        input: TaskInput {
                            title: format!("T {i}-{k}"),
                            customer: Some(id),
                            ..Default::default()
                        },
                    })
                    .unwrap();
                    if i % 4 != 0 {
                        // Managers all write to one record: no update may be lost.
                        r.call(Request::CustomerAddInteraction {
                            id: shared,
                            kind: InteractionKind::Note,
                            text: format!("{i}-{k}"),
                        })
                        .unwrap();
                    }
                }
                r.logout();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let Response::Customers(all) = db
        .service
        .handle(
            &admin,
            Request::CustomerList {
                filter: Default::default(),
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(all.len(), 201);
    let Response::Customer(c) = db
        .service
        .handle(
            &admin,
            Request::CustomerGet {
                id: shared,
                reveal: false,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        c.interactions.len(),
        15 * 10,
        "updates to the shared record were lost"
    );
    let Response::AuditReport(rep) = db.service.handle(&admin, Request::AuditVerify).unwrap()
    else {
        panic!()
    };
    assert!(rep.ok(), "{rep:?}");
    // The kernel's word on who connected is in the log.
    let Response::Audit(log) = db
        .service
        .handle(
            &admin,
            Request::AuditList {
                offset: 0,
                limit: 5000,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    let me = rustix::process::getuid().as_raw();
    assert!(
        log.iter()
            .filter(|e| e.action == "login" && e.username.as_deref() == Some("user3"))
            .all(|e| e.peer_uid == Some(me) && e.peer_pid.is_some())
    );
}

#[test]
fn the_server_authorizes_whatever_the_client_sends() {
    let db = TestDb::new();
    let admin = db.admin();
    let secret = provision(&db, &admin, "sam", Role::Staff);
    db.clock.advance(30);
    let srv = start(&db);
    let mut r = remote_login(&db, &srv.socket, "sam", &secret);
    let err = r.call(Request::UserList).unwrap_err();
    assert!(matches!(err, Error::Denied(_)), "{err:?}");
    let err = r.call(Request::AuditVerify).unwrap_err();
    assert!(matches!(err, Error::Denied(_)), "{err:?}");
    // Without a sign-in, nothing at all.
    let mut anon = Remote::connect(&srv.socket).unwrap();
    assert!(matches!(
        anon.call(Request::CustomerList {
            filter: Default::default()
        }),
        Err(Error::SessionEnded)
    ));
}

fn closed(mut s: UnixStream) -> bool {
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 16];
    matches!(s.read(&mut buf), Ok(0) | Err(_))
}

#[test]
fn hostile_frames_close_only_their_connection() {
    let db = TestDb::new();
    let admin = db.admin();
    let secret = provision(&db, &admin, "mia", Role::Manager);
    db.clock.advance(30);
    let srv = start(&db);
    let mut good = remote_login(&db, &srv.socket, "mia", &secret);

    let mut huge = UnixStream::connect(&srv.socket).unwrap();
    huge.write_all(&u32::MAX.to_be_bytes()).unwrap();
    assert!(closed(huge), "a 4 GiB length was not refused");

    let mut junk = UnixStream::connect(&srv.socket).unwrap();
    junk.write_all(&[0, 0, 0, 8, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8])
        .unwrap();
    assert!(closed(junk), "a malformed frame was not refused");

    let mut cut = UnixStream::connect(&srv.socket).unwrap();
    cut.write_all(&[0, 0, 1, 0, 1, 2, 3]).unwrap();
    cut.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(closed(cut), "a truncated frame was not refused");

    // The signed-in client and new clients are unaffected.
    assert!(
        good.call(Request::CustomerList {
            filter: Default::default()
        })
        .is_ok()
    );
    assert!(Remote::connect(&srv.socket).is_ok());
}

#[test]
fn locking_a_user_ends_their_live_session() {
    let db = TestDb::new();
    let admin = db.admin();
    let secret = provision(&db, &admin, "lee", Role::Staff);
    db.clock.advance(30);
    let srv = start(&db);
    let mut lee = remote_login(&db, &srv.socket, "lee", &secret);
    assert!(
        lee.call(Request::CustomerList {
            filter: Default::default()
        })
        .is_ok()
    );
    db.service
        .handle(
            &admin,
            Request::UserLock {
                username: "lee".into(),
            },
        )
        .unwrap();
    let err = lee
        .call(Request::CustomerList {
            filter: Default::default(),
        })
        .unwrap_err();
    assert!(matches!(err, Error::SessionEnded), "{err:?}");
}

#[test]
fn a_second_server_on_a_live_socket_is_refused() {
    let db = TestDb::new();
    let srv = start(&db);
    let err = Server::bind(&srv.socket).err().unwrap();
    assert!(err.to_string().contains("already answers"), "{err}");
}

#[test]
fn a_stale_socket_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let server = Server::bind(&path).unwrap();
    drop(server);
}

#[test]
fn admins_see_live_sessions_and_can_end_one() {
    let db = TestDb::new();
    let admin = db.admin();
    let secret = provision(&db, &admin, "noa", Role::Staff);
    db.clock.advance(30);
    let srv = start(&db);
    let mut noa = remote_login(&db, &srv.socket, "noa", &secret);
    let Response::Sessions(list) = db.service.handle(&admin, Request::Sessions).unwrap() else {
        panic!()
    };
    let theirs = list.iter().find(|s| s.username == "noa").unwrap();
    assert_eq!(theirs.uid, Some(rustix::process::getuid().as_raw()));
    assert!(list.iter().any(|s| s.username == "dana" && s.current));
    let id = theirs.id.clone();
    db.service
        .handle(&admin, Request::EndSession { id })
        .unwrap();
    let err = noa
        .call(Request::CustomerList {
            filter: Default::default(),
        })
        .unwrap_err();
    assert!(matches!(err, Error::SessionEnded), "{err:?}");
    let noa_id = match db.service.handle(&admin, Request::Sessions).unwrap() {
        Response::Sessions(l) => l.iter().any(|s| s.username == "noa"),
        _ => true,
    };
    assert!(!noa_id);
}

#[test]
fn a_large_office_lists_every_customer_through_the_socket() {
    let db = TestDb::new();
    let admin = db.admin();
    // About 6 MiB of summaries: more than a request may be, well within a reply.
    let n = 40_000;
    for chunk in (0..n).collect::<Vec<_>>().chunks(10_000) {
        let inputs = chunk
            .iter()
            .map(|i| CustomerInput {
                name: format!("Customer number {i} with a longer name"),
                emails: vec![format!("customer{i}@example.org")],
                phones: vec![format!("+972-50-{:03}-{:04}", i % 1000, i % 10000)],
                ..Default::default()
            })
            .collect();
        db.service
            .handle(
                &admin,
                Request::CustomerImport {
                    inputs,
                    dry_run: false,
                },
            )
            .unwrap();
    }
    let secret = provision(&db, &admin, "ora", Role::Manager);
    db.clock.advance(30);
    let srv = start(&db);
    let mut ora = remote_login(&db, &srv.socket, "ora", &secret);
    match ora
        .call(Request::CustomerList {
            filter: Default::default(),
        })
        .unwrap()
    {
        Response::Customers(list) => assert_eq!(list.len(), n),
        other => panic!("{other:?}"),
    }
}

#[test]
fn connections_beyond_the_cap_are_refused_with_a_reason() {
    let db = TestDb::new();
    let srv = start(&db);
    let held: Vec<UnixStream> = (0..kasefet::server::MAX_CONNECTIONS)
        .map(|_| UnixStream::connect(&srv.socket).unwrap())
        .collect();
    // Give the accept loop time to take every held connection.
    let started = std::time::Instant::now();
    let refused = loop {
        match Remote::connect(&srv.socket) {
            Err(e) if e.to_string().contains("limit") => break true,
            Err(_) | Ok(_) if started.elapsed() > std::time::Duration::from_secs(10) => {
                break false;
            }
            _ => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    };
    assert!(refused, "the connection past the cap was not refused");
    drop(held);
    let started = std::time::Instant::now();
    while Remote::connect(&srv.socket).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the server did not recover"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
