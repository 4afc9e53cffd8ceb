//! `audit verify` finds an edited, removed, reordered or truncated entry and names it.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use kasefet::audit::chain::Stored;
use kasefet::auth::records::RECOVERY_KEY;
use kasefet::crypto::Envelope;
use kasefet::domain::CustomerInput;
use kasefet::service::{Request, Response};
use kasefet::store::{Store, Tree, Vault, codec};

/// Builds a log of a few entries, closes the service, and hands the raw store and the
/// vault (opened with the recovery key, as an insider with the key could) to `tamper`.
fn tampered(tamper: impl FnOnce(&Store, &Vault)) -> String {
    let db = TestDb::new();
    let s = db.admin();
    for n in ["A", "B", "C"] {
        db.service
            .handle(
                &s,
                Request::CustomerCreate {
                    input: CustomerInput {
                        name: n.into(),
                        ..Default::default()
                    },
                },
            )
            .unwrap();
    }
    db.service.logout(&s);
    let path = db.path();
    let recovery = kasefet::crypto::SecretKey::from_bytes(*db.recovery.expose());
    let clock = db.clock.clone();
    let totp = kasefet::auth::totp::TotpSecret::from_bytes(db.totp.as_bytes()).unwrap();
    drop(db.service);
    {
        let store = Store::open(&path, 8 << 20).unwrap();
        let env: Envelope =
            codec::decode(&store.get_raw(Tree::Keyring, RECOVERY_KEY).unwrap().unwrap()).unwrap();
        let vault = Vault::new(env.open_with_key(&recovery).unwrap());
        // An insider with the key can commit as the program does (digest and anchor kept).
        let (_armed, _) = store.arm(vault.dek()).unwrap();
        tamper(&store, &vault);
        store.flush().unwrap();
    }
    let service = kasefet::service::Service::open(&path, cheap_settings(), clock.clone()).unwrap();
    clock.advance(30);
    let code = totp.code_at(clock.now() as u64);
    let login = service
        .login(
            "dana",
            &kasefet::crypto::Password::new(PASSWORD),
            &code,
            &Default::default(),
        )
        .unwrap();
    let Response::AuditReport(r) = service
        .handle(&login.session, Request::AuditVerify)
        .unwrap()
    else {
        panic!()
    };
    r.problem.unwrap_or_default()
}

fn entry(store: &Store, vault: &Vault, seq: u64) -> Stored {
    vault
        .get(store, Tree::Audit, &seq.to_be_bytes())
        .unwrap()
        .unwrap()
}

#[test]
fn an_intact_log_verifies() {
    assert_eq!(tampered(|_, _| {}), "");
}

#[test]
fn an_edited_entry_is_named() {
    let p = tampered(|store, vault| {
        let mut e = entry(store, vault, 3);
        e.event.target = "customer:99".into();
        store
            .commit(&[vault.put(Tree::Audit, &3u64.to_be_bytes(), &e).unwrap()])
            .unwrap();
    });
    assert!(p.contains("entry 3 was edited"), "{p}");
}

#[test]
fn a_removed_entry_is_named() {
    let p = tampered(|store, _| {
        store.tree(Tree::Audit).remove(4u64.to_be_bytes()).unwrap();
    });
    assert!(p.contains("entry 4 is missing"), "{p}");
}

#[test]
fn swapped_ciphertexts_are_named() {
    let p = tampered(|store, _| {
        let t = store.tree(Tree::Audit);
        let a = t.get(2u64.to_be_bytes()).unwrap().unwrap();
        let b = t.get(3u64.to_be_bytes()).unwrap().unwrap();
        t.insert(2u64.to_be_bytes(), b).unwrap();
        t.insert(3u64.to_be_bytes(), a).unwrap();
    });
    assert!(p.contains("entry 2 was altered or moved"), "{p}");
}

#[test]
fn reordered_entries_resealed_by_an_insider_are_named() {
    let p = tampered(|store, vault| {
        let mut a = entry(store, vault, 2);
        let mut b = entry(store, vault, 3);
        std::mem::swap(&mut a.event.seq, &mut b.event.seq);
        store
            .commit(&[
                vault.put(Tree::Audit, &2u64.to_be_bytes(), &b).unwrap(),
                vault.put(Tree::Audit, &3u64.to_be_bytes(), &a).unwrap(),
            ])
            .unwrap();
    });
    assert!(p.contains("entry 2"), "{p}");
}

#[test]
fn entries_cut_from_the_end_are_found() {
    let p = tampered(|store, _| {
        let t = store.tree(Tree::Audit);
        let (last, _) = t.last().unwrap().unwrap();
        t.remove(last).unwrap();
    });
    // The sign-in that runs verify appends after the recorded head, so the gap is named.
    assert!(
        p.contains("entry 6 is missing") || p.contains("removed from the end"),
        "{p}"
    );
}
