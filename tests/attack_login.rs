//! Guessing through the real socket of a real `kasefet serve` (issue 9 §3): attempts sent at
//! once are each counted before argon2 runs, so ten failures lock whatever their timing, for
//! passwords and for codes alike.
#![allow(clippy::unwrap_used)]

mod attack_support;

use std::sync::Arc;

use attack_support::{PASSWORD, Served, now_code};
use kasefet::client::Backend;
use kasefet::client::remote::Remote;
use kasefet::crypto::Password;
use kasefet::domain::Role;
use kasefet::service::{AUTH_FAILED, Request};

/// `total` sign-ins of `user` with `password` and `code`, `at_once` connections at a time,
/// each connection trying in turn. Returns how many were refused as failed sign-ins.
fn storm(
    served: &Served,
    user: &str,
    password: &str,
    code: &str,
    total: usize,
    at_once: usize,
) -> usize {
    let socket = Arc::new(served.socket());
    let per = total / at_once;
    let threads: Vec<_> = (0..at_once)
        .map(|_| {
            let (socket, user, password, code) = (
                socket.clone(),
                user.to_string(),
                password.to_string(),
                code.to_string(),
            );
            std::thread::spawn(move || {
                let mut r = Remote::connect(&socket).unwrap();
                let mut refused = 0;
                for _ in 0..per {
                    let e = r
                        .login(&user, &Password::new(&password), &code)
                        .map(|_| ())
                        .unwrap_err();
                    assert_eq!(e.to_string(), AUTH_FAILED);
                    refused += 1;
                }
                refused
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).sum()
}

/// Lifts bob's lock as the admin, then signs bob in and returns the sign-in notice (which
/// counts the failures since bob's last sign-in).
fn unlock_and_notice(
    served: &Served,
    admin: &mut Remote,
    bob: &kasefet::auth::totp::TotpSecret,
) -> String {
    admin
        .call(Request::UserUnlock {
            username: "bob".into(),
        })
        .unwrap();
    let mut r = Remote::connect(&served.socket()).unwrap();
    r.login("bob", &Password::new(PASSWORD), &now_code(bob))
        .unwrap()
        .notice
}

#[test]
fn sixty_wrong_passwords_twenty_at_a_time_lock_the_account() {
    let served = Served::start("");
    let mut admin = served.admin();
    let bob = served.provision(&mut admin, "bob", Role::Staff);

    let refused = storm(
        &served,
        "bob",
        "not the password at all, no",
        "000000",
        60,
        20,
    );
    assert_eq!(refused, 60);
    // The right password and a right code are refused now: the account is locked.
    let mut r = Remote::connect(&served.socket()).unwrap();
    let e = r
        .login("bob", &Password::new(PASSWORD), &now_code(&bob))
        .unwrap_err();
    assert_eq!(e.to_string(), AUTH_FAILED);
    // Every one of them was counted: 60 wrong passwords and the refused right one.
    let notice = unlock_and_notice(&served, &mut admin, &bob);
    assert!(notice.contains("; 61 failed attempts since"), "{notice}");
}

#[test]
fn sixty_wrong_codes_after_the_right_password_twenty_at_a_time_lock_the_account() {
    let served = Served::start("");
    let mut admin = served.admin();
    let bob = served.provision(&mut admin, "bob", Role::Staff);
    let now = jiff::Timestamp::now().as_second() as u64;
    let valid: Vec<String> = (0..6).map(|i| bob.code_at(now + i * 30 - 60)).collect();
    let wrong = [
        "000000", "111111", "222222", "333333", "444444", "555555", "666666",
    ]
    .into_iter()
    .find(|c| !valid.iter().any(|v| v == c))
    .unwrap();

    let refused = storm(&served, "bob", PASSWORD, wrong, 60, 20);
    assert_eq!(refused, 60);
    let mut r = Remote::connect(&served.socket()).unwrap();
    let e = r
        .login("bob", &Password::new(PASSWORD), &now_code(&bob))
        .unwrap_err();
    assert_eq!(e.to_string(), AUTH_FAILED);
    let notice = unlock_and_notice(&served, &mut admin, &bob);
    assert!(notice.contains("; 61 failed attempts since"), "{notice}");
}
