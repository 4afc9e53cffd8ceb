//! Garbage and truncated bytes given to every decoder: an error, never a panic, never a
//! huge allocation.
#![allow(clippy::unwrap_used)]

use kasefet::audit::chain::{Head, Stored};
use kasefet::auth::records::{Counters, KeyringEntry};
use kasefet::domain::{AuditEvent, Customer, Employee, Task, User};
use kasefet::store::codec::{decode, encode};

fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn hostile_inputs() -> Vec<Vec<u8>> {
    let mut v = vec![
        vec![],
        vec![0xff; 64],
        vec![0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    ];
    // A varint claiming a 2^64-ish length for the first string or vector.
    v.push([vec![0u8; 3], vec![0xfd], vec![0xff; 8], vec![b'a'; 16]].concat());
    for seed in 0..300 {
        v.push(garbage(seed, (seed as usize * 7) % 512));
    }
    v
}

fn check<T: serde::de::DeserializeOwned + serde::Serialize>(sample: &T) {
    for input in hostile_inputs() {
        let _ = decode::<T>(&input);
    }
    let good = encode(sample).unwrap();
    assert!(decode::<T>(&good).is_ok());
    for cut in 0..good.len() {
        assert!(
            decode::<T>(&good[..cut]).is_err(),
            "truncated at {cut} decoded"
        );
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(decode::<T>(&longer).is_err(), "trailing byte accepted");
}

#[test]
fn every_stored_type_survives_hostile_bytes() {
    let stamp = kasefet::domain::Stamp::default();
    check(&Customer {
        id: 1,
        stamp: stamp.clone(),
        data: kasefet::domain::CustomerInput {
            name: "n".into(),
            tags: vec!["t".into()],
            ..Default::default()
        },
        interactions: vec![],
    });
    check(&Task {
        id: 1,
        stamp: stamp.clone(),
        data: Default::default(),
        comments: vec![],
    });
    check(&Employee {
        id: 1,
        stamp: stamp.clone(),
        data: Default::default(),
    });
    check(&User {
        id: 1,
        stamp,
        username: "u".into(),
        display_name: "d".into(),
        role: kasefet::domain::Role::Staff,
        employee: None,
        state: kasefet::domain::UserState::Active,
        last_login_at: None,
        last_login_from: None,
    });
    let event = AuditEvent {
        seq: 1,
        at: 2,
        user: None,
        username: None,
        peer_uid: None,
        peer_pid: None,
        action: "a".into(),
        target: "t".into(),
        outcome: kasefet::domain::Outcome::Ok,
        detail: String::new(),
    };
    check(&Stored {
        event,
        prev: [1; 32],
        mac: [2; 32],
    });
    check(&Head {
        seq: 3,
        mac: [4; 32],
    });
    check(&Counters::default());
    check(&KeyringEntry {
        user: 1,
        envelope: kasefet::crypto::Envelope {
            kdf: None,
            salt: [0; 16],
            wrapped: vec![1, 2, 3],
        },
    });
}

#[test]
fn an_enormous_length_prefix_is_refused_without_allocating() {
    // 0xfd = u64 varint follows; claims ~2^63 bytes for the name.
    let mut bytes = vec![1u8];
    bytes.push(0xfd);
    bytes.extend_from_slice(&(1u64 << 62).to_le_bytes());
    let started = std::time::Instant::now();
    assert!(decode::<Customer>(&bytes).is_err());
    assert!(started.elapsed().as_secs() < 5);
}
