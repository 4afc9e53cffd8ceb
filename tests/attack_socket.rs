//! A stranger on the socket of a real `kasefet serve` (issue 9 §4): stalled and idle peers
//! are dropped on deadlines and never hold up shutdown, one OS user cannot take every
//! connection, argon2 runs are bounded (so is memory), and `from` is clipped before it is
//! stored or shown.
#![allow(clippy::unwrap_used)]

mod attack_support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use attack_support::{PASSWORD, Served, now_code};
use kasefet::client::Backend;
use kasefet::client::remote::Remote;
use kasefet::crypto::{Password, SecretText};
use kasefet::domain::Role;
use kasefet::server::frame;
use kasefet::server::wire::{ClientMsg, ServerMsg};
use kasefet::service::{Request, Response};

/// True when the server has closed `s` (EOF or reset) within `within`.
fn closed_within(s: &mut UnixStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut b = [0u8; 64];
    loop {
        match s.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return false,
            Err(_) => return true,
        }
    }
}

#[test]
fn a_half_sent_frame_does_not_keep_sigterm_from_stopping_the_server() {
    let mut served = Served::start("");
    let mut s = UnixStream::connect(served.socket()).unwrap();
    // Length 100, one byte of body, then nothing.
    s.write_all(&[0, 0, 0, 100, 1]).unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let t = Instant::now();
    assert!(
        served.terminate(Duration::from_secs(5)),
        "the server did not stop within 5 s of SIGTERM"
    );
    println!("stopped {:?} after SIGTERM", t.elapsed());
    assert!(!served.socket().exists(), "the socket was not removed");
}

#[test]
fn stalled_and_idle_peers_are_dropped_on_their_deadlines() {
    let served = Served::start("[server]\nframe_timeout_secs = 2\nsignin_timeout_secs = 5\n");
    // A frame begun and never finished: dropped after the frame deadline.
    let mut half = UnixStream::connect(served.socket()).unwrap();
    half.write_all(&[0, 0, 0, 100, 1]).unwrap();
    let t = Instant::now();
    assert!(closed_within(&mut half, Duration::from_secs(6)));
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(1500), "{took:?}");
    // A connection that never signs in: dropped after the sign-in deadline, even though it
    // keeps talking.
    let mut idle = UnixStream::connect(served.socket()).unwrap();
    // A sign-in screen left up past the deadline: the client connects again by itself.
    let mut late = Remote::connect(&served.socket()).unwrap();
    let t = Instant::now();
    let mut alive_for = Duration::ZERO;
    while t.elapsed() < Duration::from_secs(12) {
        let hello = ClientMsg::Hello {
            protocol: kasefet::server::wire::PROTOCOL,
        };
        if frame::write(&mut idle, &hello, frame::MAX_FRAME).is_err() {
            break;
        }
        let never = std::sync::atomic::AtomicBool::new(false);
        match frame::read::<_, ServerMsg>(&mut idle, &never, frame::MAX_REPLY) {
            Ok(Some(_)) => alive_for = t.elapsed(),
            _ => break,
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        (Duration::from_secs(4)..Duration::from_secs(7)).contains(&alive_for),
        "answered for {alive_for:?}"
    );
    assert!(t.elapsed() > Duration::from_secs(5));
    late.login("dana", &Password::new(PASSWORD), &now_code(&served.dana))
        .unwrap();
    // A signed-in connection stays, idle or not.
    let mut admin = late;
    std::thread::sleep(Duration::from_secs(6));
    assert!(admin.call(Request::Whoami).is_ok());
}

#[test]
fn idle_strangers_cannot_shut_out_a_real_user() {
    let served = Served::start(
        "[server]\nsignin_timeout_secs = 5\nmax_connections_per_uid = 40\nmax_connections = 100\n",
    );
    // Far more idle connections than one uid may hold: the rest are refused with a reason.
    let mut held = Vec::new();
    let mut refused = Vec::new();
    let all: Vec<UnixStream> = (0..150)
        .map(|_| UnixStream::connect(served.socket()).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    for mut s in all {
        match reply_within(&mut s, Duration::from_millis(20)) {
            Some(ServerMsg::Failed(e)) => {
                refused.push(kasefet::service::Error::from(e).to_string())
            }
            Some(other) => panic!("{other:?}"),
            None => held.push(s),
        }
    }
    assert_eq!(held.len(), 40, "{refused:?}");
    assert!(
        refused[0].contains("this OS user is at its limit of 40 connections"),
        "{}",
        refused[0]
    );
    // Once their sign-in deadline passes they are gone, and a real user gets in.
    std::thread::sleep(Duration::from_secs(6));
    for s in &mut held {
        assert!(closed_within(s, Duration::from_secs(2)));
    }
    let mut admin = served.admin();
    assert!(admin.call(Request::Whoami).is_ok());
}

/// The message the server sends unasked within `wait` (a refusal), if any.
fn reply_within(s: &mut UnixStream, wait: Duration) -> Option<ServerMsg> {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut first = [0u8; 1];
    match s.read(&mut first) {
        Ok(1) => {}
        _ => return None,
    }
    s.set_read_timeout(None).unwrap();
    let never = std::sync::atomic::AtomicBool::new(false);
    let mut joined = std::io::Read::chain(&first[..], &mut *s);
    frame::read(&mut joined, &never, frame::MAX_REPLY).unwrap()
}

/// Peak resident memory of a process, from /proc (kB).
fn vm_hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn concurrent_sign_ins_at_the_shipped_argon2_cost_stay_well_under_a_gibibyte() {
    // The shipped 64 MiB argon2 cost, not the cheap test one, and two runs at once.
    let dir = tempfile::tempdir().unwrap();
    let _ = attack_support::common::init_with_binary(dir.path(), "");
    std::fs::write(
        dir.path().join("kasefet.toml"),
        "[server]\nargon2_concurrency = 2\n",
    )
    .unwrap();
    let mut served = Served {
        dir,
        child: None,
        dana: kasefet::auth::totp::TotpSecret::generate().unwrap(),
    };
    served.spawn();
    const AT_ONCE: usize = 24;
    let socket = served.socket();
    let threads: Vec<_> = (0..AT_ONCE)
        .map(|i| {
            let socket = socket.clone();
            std::thread::spawn(move || {
                let mut r = Remote::connect(&socket).unwrap();
                r.login(&format!("nobody-{i}"), &Password::new(PASSWORD), "123456")
                    .unwrap_err()
                    .to_string()
            })
        })
        .collect();
    for t in threads {
        let e = t.join().unwrap();
        assert!(e.contains("sign-in failed") || e.contains("busy"), "{e}");
    }
    let peak = vm_hwm_kib(served.pid());
    println!(
        "peak RSS of the server after {AT_ONCE} concurrent sign-ins at m=64 MiB, 2 at once: {} MiB",
        peak / 1024
    );
    // Unbounded, 24 runs at once would hold 24 x 64 MiB = 1.5 GiB.
    assert!(peak < 512 * 1024, "peak {peak} kB");
}

#[test]
fn a_four_mebibyte_from_is_clipped_before_it_is_stored_or_shown() {
    let served = Served::start("");
    let mut admin = served.admin();
    let bob = served.provision(&mut admin, "bob", Role::Staff);
    let long = "x".repeat(4_000_000);
    let sign_in = |code: String| {
        let mut s = UnixStream::connect(served.socket()).unwrap();
        let msg = ClientMsg::Login {
            username: "bob".into(),
            password: SecretText::new(PASSWORD.into()),
            code,
            from: long.clone(),
        };
        frame::write(&mut s, &msg, frame::MAX_FRAME).unwrap();
        let never = std::sync::atomic::AtomicBool::new(false);
        frame::read::<_, ServerMsg>(&mut s, &never, frame::MAX_REPLY)
            .unwrap()
            .unwrap()
    };
    assert!(matches!(sign_in("abcdef".into()), ServerMsg::Failed(_)));
    match sign_in(now_code(&bob)) {
        ServerMsg::LoggedIn(_) => {}
        other => panic!("{other:?}"),
    }
    // The next sign-in notice shows the clipped place.
    let mut r = Remote::connect(&served.socket()).unwrap();
    // The next step's code: the current one was just used.
    let next = bob.code_at(jiff::Timestamp::now().as_second() as u64 + 30);
    let notice = r
        .login("bob", &Password::new(PASSWORD), &next)
        .unwrap()
        .notice;
    let shown = notice.matches('x').count();
    assert_eq!(shown, 200, "{} characters of notice", notice.len());
    let Response::Audit(events) = admin
        .call(Request::AuditList {
            offset: 0,
            limit: 1000,
        })
        .unwrap()
    else {
        panic!()
    };
    let logins: Vec<_> = events.iter().filter(|e| e.action == "login").collect();
    assert!(logins.len() >= 3);
    for e in &events {
        assert!(
            e.detail.len() < 400,
            "{}: {} bytes",
            e.action,
            e.detail.len()
        );
    }
}
