//! Phone numbers typed in any form, against numbers stored in any form.

use super::tests::Rng;
use super::*;
use crate::domain::Stamp;
use crate::domain::customer::CustomerInput;
use crate::domain::text;

fn customer(id: Id, phone: &str) -> Customer {
    Customer {
        id,
        stamp: Stamp::default(),
        data: CustomerInput {
            // No digits in the name: only the number may match.
            name: "Customer".into(),
            phones: vec![phone.into()],
            ..Default::default()
        },
        interactions: Vec::new(),
    }
}

fn ids(i: &Index, q: &str) -> std::collections::BTreeSet<Id> {
    i.narrow.forget();
    i.search_customers(q, 10_000, 1, |_| true)
        .iter()
        .map(|c| c.id)
        .collect()
}

#[test]
fn a_number_typed_either_way_finds_it_stored_either_way() {
    let mut i = Index::default();
    i.put_customer(&customer(1, "+972-50-123-4567"));
    i.put_customer(&customer(2, "050 765 4321"));
    i.put_customer(&customer(3, "+1 212 555 0199"));
    i.put_customer(&customer(4, "(02) 999-8888"));
    let one = |id| std::collections::BTreeSet::from([id]);
    for q in [
        "050 123 4567",
        "+972 50 123 4567",
        "00972 50 123 4567",
        "+972 (0)50 123 4567",
        "+972501234567",
        "0501234567",
    ] {
        assert_eq!(ids(&i, q), one(1), "{q}");
    }
    for q in [
        "+972 50 765 4321",
        "+972-50-765",
        "00972507654321",
        "+972 (0)50-765-4321",
        "050-765-4321",
    ] {
        assert_eq!(ids(&i, q), one(2), "{q}");
    }
    assert_eq!(ids(&i, "+1 212 555 0199"), one(3));
    assert_eq!(ids(&i, "001 212 555 0199"), one(3));
    assert_eq!(ids(&i, "2125550199"), one(3));
    assert_eq!(ids(&i, "+972 2 999 8888"), one(4));
    // A number kept without its country code could be anyone's, so the code typed is not
    // held against it.
    assert_eq!(ids(&i, "+44 50 765 4321"), one(2));
    assert!(ids(&i, "+44 20 7946 0958").is_empty());
    assert!(ids(&i, "+972 50 765 4322").is_empty());
    // While a number is typed with spaces, the list does not empty between its words.
    for q in ["050 1", "050 12", "050 123", "+972 50 1", "(050) 12"] {
        assert!(ids(&i, q).contains(&1), "{q}");
    }
    for q in ["+", "+0", "+00000", "00", "000000000", "+9", "0 0 0 0 0"] {
        assert!(ids(&i, q).is_empty(), "{q}");
    }
    // A short national prefix narrows alongside other words, in either stored form.
    i.put_customer(&customer(5, "+972-52-000-0000"));
    for q in ["050", "+972 50", "customer 050"] {
        let found = ids(&i, q);
        assert!(found.contains(&1) && found.contains(&2), "{q}: {found:?}");
        assert!(!found.contains(&5), "{q}: {found:?}");
    }
}

#[test]
fn country_codes_are_read_at_their_length() {
    for (d, want) in [
        ("1212", Some(1)),
        ("7495", Some(1)),
        ("2010", Some(2)),
        ("27", Some(2)),
        ("212", Some(3)),
        ("44", Some(2)),
        ("420", Some(3)),
        ("351", Some(3)),
        ("39", Some(2)),
        ("599", Some(3)),
        ("52", Some(2)),
        ("61", Some(2)),
        ("672", Some(3)),
        ("81", Some(2)),
        ("852", Some(3)),
        ("972", Some(3)),
        ("98", Some(2)),
        ("0", None),
        ("", None),
    ] {
        assert_eq!(query::country_code_len(d), want, "{d}");
    }
}

/// What a person typing a number means, written apart from the engine for Israeli numbers:
/// the typed digits, or their national part (without `+972`, `00972` or the trunk `0`), are
/// found in the stored number's digits.
fn reference(stored: &str, typed: &str) -> bool {
    let have = text::digits(stored);
    let d = text::digits(typed);
    let abroad = typed.starts_with('+') || d.starts_with("00");
    let national = if abroad {
        d.trim_start_matches("00").strip_prefix("972").unwrap_or("")
    } else {
        &d
    };
    let national = national.trim_start_matches('0');
    have.contains(&d) || (national.len() >= 2 && have.contains(national))
}

#[test]
fn phone_queries_equal_a_brute_force_reference() {
    for seed in 1..30u64 {
        let mut r = Rng(seed * 6_700_417);
        let mut i = Index::default();
        let mut stored = Vec::new();
        let mut national = Vec::new();
        for id in 0..300 {
            // A nine-digit national number, stored in one of the forms offices type.
            let n = format!("5{}{:03}{:04}", r.next(10), r.next(1000), r.next(10000));
            let (a, b, c) = (&n[..2], &n[2..5], &n[5..]);
            let phone = match r.next(4) {
                0 => format!("+972-{a}-{b}-{c}"),
                1 => format!("0{a}-{b}-{c}"),
                2 => format!("0{a} {b} {c}"),
                _ => format!("+972 {a} {b}{c}"),
            };
            i.put_customer(&customer(id, &phone));
            stored.push(phone);
            national.push(n);
        }
        for _ in 0..60 {
            let n = &national[r.next(national.len())];
            let cut = 3 + r.next(7);
            let part = &n[..cut];
            let q = match r.next(7) {
                0 => format!("0{part}"),
                1 => format!("+972{part}"),
                2 => format!("00972{part}"),
                3 => format!("+972 {} {} {}", &n[..2], &n[2..5], &n[5..]),
                4 => format!("+972 (0){} {}", &n[..2], &n[2..]),
                5 => format!("0{} {} {}", &n[..2], &n[2..5], &n[5..]),
                _ => n[cut - 3..].to_string(),
            };
            let want: std::collections::BTreeSet<Id> = stored
                .iter()
                .enumerate()
                .filter(|(_, s)| reference(s, &q))
                .map(|(id, _)| id as Id)
                .collect();
            assert!(!want.is_empty(), "seed {seed} {q:?}");
            assert_eq!(ids(&i, &q), want, "seed {seed} query {q:?}");
        }
    }
}
