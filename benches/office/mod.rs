//! A database built straight into the store, as an office's would look after years: the
//! full customer records and the writer shared by the backup and erasure benchmarks.
#![allow(dead_code)]

use kasefet::domain::customer::{Address, CustomerSensitive, CustomerStatus};
use kasefet::domain::{
    AuditEvent, Customer, CustomerInput, Interaction, InteractionKind, Outcome, Stamp,
};
use kasefet::store::{self, Op, Store, Tree, Vault, codec};

pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                dir_size(&e.path())
            } else {
                m.len()
            }
        })
        .sum()
}

pub fn customer(id: u64, now: i64) -> Customer {
    Customer {
        id,
        stamp: Stamp {
            version: 1,
            created_at: now,
            created_by: 1,
            updated_at: now,
            updated_by: 1,
        },
        data: CustomerInput {
            name: format!("Customer Number {id} Example"),
            company: Some(format!("Example Trading {} GmbH", id % 977)),
            emails: vec![format!("customer{id}@example.com")],
            phones: vec![format!("+49 30 {:07}", id)],
            address: Address {
                street: Some(format!("Musterstrasse {}", id % 200)),
                city: Some("Berlin".into()),
                postal_code: Some(format!("{:05}", 10000 + id % 4000)),
                country: Some("Germany".into()),
            },
            tags: vec!["wholesale".into(), format!("region-{}", id % 12)],
            status: CustomerStatus::Active,
            owner: Some(1),
            source: Some("trade fair".into()),
            sensitive: Some(CustomerSensitive {
                private_notes: Some("Prefers calls in the morning; invoice quarterly.".into()),
                payment_last4: Some(format!("{:04}", id % 10000)),
                ..Default::default()
            }),
            ..Default::default()
        },
        interactions: vec![Interaction {
            kind: InteractionKind::Call,
            author: 1,
            at: now,
            text: "Introductory call, sent the price list afterwards.".into(),
        }],
    }
}

pub fn populate(store: &Store, vault: &Vault, n: u64, now: i64) {
    // Commits as the program makes them, with the key: digest and anchor kept current.
    let (_armed, _) = store.arm(vault.dek()).unwrap();
    let mut head = kasefet::audit::Head::load(store).unwrap();
    let (first, _) = store.next_id(Tree::Customers).unwrap();
    let mut ops = Vec::new();
    for id in first..first + n {
        let key = store::id_key(id);
        ops.push(
            vault
                .put(Tree::Customers, &key, &customer(id, now))
                .unwrap(),
        );
        let event = AuditEvent {
            seq: 0,
            at: now,
            user: Some(1),
            username: Some("admin".into()),
            peer_uid: None,
            peer_pid: None,
            action: "customer.create".into(),
            target: format!("customer:{id}"),
            outcome: Outcome::Ok,
            detail: String::new(),
        };
        ops.extend(kasefet::audit::append(vault, &mut head, event).unwrap());
        if ops.len() >= 6000 || id + 1 == first + n {
            ops.push(Op::put(
                Tree::Meta,
                b"next_id/customers".to_vec(),
                codec::encode(&(id + 1)).unwrap(),
            ));
            store.commit(&ops).unwrap();
            ops.clear();
        }
    }
}
