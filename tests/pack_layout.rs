//! Customers are stored several to a sled value (`store::pack`): records a restore or an
//! older schema left loose are packed at open, a crash between two packing steps loses
//! nothing, and a damaged pack is reported, never read as fewer records.
#![allow(clippy::unwrap_used)]

mod common;

use kasefet::store::{Store, StoreError, Tree, id_key};

const CACHE: u64 = 8 << 20;

fn value(i: u64) -> Vec<u8> {
    format!("sealed value of record {i}").into_bytes()
}

/// Writes records the way `backup restore` does: one sled key each, in the tree's own name.
fn write_loose(dir: &std::path::Path, ids: impl Iterator<Item = u64>) {
    let db = common::raw_sled(dir);
    let loose = db.open_tree(Tree::Customers.name()).unwrap();
    for i in ids {
        loose.insert(id_key(i), value(i)).unwrap();
    }
    db.flush().unwrap();
}

/// A database whose customers 1..=100 were written loose and packed by one open.
fn packed_1_to_100() -> (tempfile::TempDir, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("db");
    drop(Store::create(&dir, CACHE).unwrap());
    write_loose(&dir, 1..=100);
    drop(Store::open(&dir, CACHE).unwrap());
    (t, dir)
}

fn all(store: &Store) -> Vec<(u64, Vec<u8>)> {
    store
        .scan_raw(Tree::Customers)
        .map(|r| {
            let (k, v) = r.unwrap();
            (kasefet::store::key_id(&k).unwrap(), v.to_vec())
        })
        .collect()
}

#[test]
fn loose_records_are_packed_at_open_and_read_back_in_order() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("db");
    drop(Store::create(&dir, CACHE).unwrap());
    // More than one packing step (4,096), out of order, with gaps.
    let ids: Vec<u64> = (1..=5000u64).rev().filter(|i| i % 7 != 0).collect();
    write_loose(&dir, ids.iter().copied());

    let store = Store::open(&dir, CACHE).unwrap();
    let mut want: Vec<u64> = ids.clone();
    want.sort();
    let got = all(&store);
    assert_eq!(got.iter().map(|(i, _)| *i).collect::<Vec<_>>(), want);
    assert!(got.iter().all(|(i, v)| *v == value(*i)));
    assert_eq!(store.len(Tree::Customers), want.len());
    assert_eq!(
        store
            .get_raw(Tree::Customers, &id_key(4999))
            .unwrap()
            .unwrap(),
        value(4999)
    );
    assert!(
        store
            .get_raw(Tree::Customers, &id_key(7))
            .unwrap()
            .is_none()
    );
    drop(store);
    let db = common::raw_sled(&dir);
    assert!(
        !db.tree_names()
            .iter()
            .any(|n| n.as_ref() == Tree::Customers.name().as_bytes()),
        "the loose tree is gone once packed"
    );
    // 5,000 ids at 32 a pack: ~157 sled values where there were 4,286.
    let packed = db.open_tree(Tree::Customers.sled_name()).unwrap();
    assert!(packed.len() <= 5000 / 32 + 1, "{} packs", packed.len());
}

#[test]
fn a_crash_between_packing_steps_leaves_each_record_in_one_place_and_the_next_open_finishes() {
    let (_t, dir) = packed_1_to_100();
    // As if a later restore step or crash left them: more records loose beside the packs,
    // some of them newer values of packed records.
    {
        let db = common::raw_sled(&dir);
        let loose = db.open_tree(Tree::Customers.name()).unwrap();
        for i in 90..=150u64 {
            loose
                .insert(id_key(i), format!("newer {i}").into_bytes())
                .unwrap();
        }
        db.flush().unwrap();
    }
    let store = Store::open(&dir, CACHE).unwrap();
    let got = all(&store);
    assert_eq!(got.len(), 150);
    assert_eq!(got[0], (1, value(1)));
    assert_eq!(got[95], (96, b"newer 96".to_vec()));
    assert_eq!(got[149], (150, b"newer 150".to_vec()));
}

#[test]
fn a_damaged_pack_is_an_error_and_repair_reads_around_it() {
    let (_t, dir) = packed_1_to_100();
    {
        let db = common::raw_sled(&dir);
        let packed = db.open_tree(Tree::Customers.sled_name()).unwrap();
        // The pack of ids 32..=63 (layout 2: version, count, then the first entry's shared
        // prefix): its first key claims more than a key before it, in a malformed number.
        let key = kasefet::store::pack::pack_key(&id_key(40));
        let mut raw = packed.get(key).unwrap().unwrap().to_vec();
        assert_eq!(raw[..3], [2, 32, 0]);
        raw[2] = 0xff;
        raw[3] = 0xff;
        packed.insert(key, raw).unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(&dir, CACHE).unwrap();
    let scanned: Result<Vec<_>, _> = store.scan_raw(Tree::Customers).collect();
    assert!(
        matches!(scanned, Err(StoreError::Damaged(ref m)) if m.contains("packed group")),
        "{scanned:?}"
    );
    // A record of another pack still opens; one of the damaged pack is refused, not absent.
    assert!(
        store
            .get_raw(Tree::Customers, &id_key(5))
            .unwrap()
            .is_some()
    );
    assert!(store.get_raw(Tree::Customers, &id_key(63)).is_err());
    drop(store);
    let repair = Store::open_for_repair(&dir, CACHE).unwrap();
    let read: Vec<u64> = repair
        .scan_raw(Tree::Customers)
        .map(|r| kasefet::store::key_id(&r.unwrap().0).unwrap())
        .collect();
    // Repair takes the loss of the unreadable pack; the rest of the tree is whole.
    let want: Vec<u64> = (1..=31).chain(64..=100).collect();
    assert_eq!(read, want);
}

/// Layout 1, as a schema 3 program wrote packs.
fn layout_1(ids: &[u64]) -> Vec<u8> {
    let mut raw = vec![1u8];
    raw.extend((ids.len() as u32).to_be_bytes());
    for i in ids {
        let v = value(*i);
        raw.extend(8u16.to_be_bytes());
        raw.extend(id_key(*i));
        raw.extend((v.len() as u32).to_be_bytes());
        raw.extend(v);
    }
    raw
}

#[test]
fn a_schema_3_database_reads_its_layout_1_packs_and_rewrites_only_what_changes() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("db");
    drop(Store::create(&dir, CACHE).unwrap());
    {
        let db = common::raw_sled(&dir);
        let packed = db.open_tree(Tree::Customers.sled_name()).unwrap();
        for pack in 0..4u64 {
            let ids: Vec<u64> = (pack * 32..pack * 32 + 32).filter(|i| *i > 0).collect();
            packed.insert(pack.to_be_bytes(), layout_1(&ids)).unwrap();
        }
        let meta = db.open_tree("meta").unwrap();
        meta.insert("schema", kasefet::store::codec::encode(&3u32).unwrap())
            .unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(&dir, CACHE).unwrap();
    let got = all(&store);
    assert_eq!(got.len(), 127);
    assert!(got.iter().all(|(i, v)| *v == value(*i)));
    assert_eq!(store.len(Tree::Customers), 127);
    store
        .write_uncovered(Tree::Customers, &id_key(40), Some(b"changed"))
        .unwrap();
    drop(store);
    {
        let db = common::raw_sled(&dir);
        let packed = db.open_tree(Tree::Customers.sled_name()).unwrap();
        let layouts: Vec<u8> = (0..4u64)
            .map(|p| packed.get(p.to_be_bytes()).unwrap().unwrap()[0])
            .collect();
        assert_eq!(layouts, [1, 2, 1, 1]);
        let meta = db.open_tree("meta").unwrap();
        let schema: u32 =
            kasefet::store::codec::decode(&meta.get("schema").unwrap().unwrap()).unwrap();
        assert_eq!(schema, 4);
    }
    let store = Store::open(&dir, CACHE).unwrap();
    let got = all(&store);
    assert_eq!(got.len(), 127);
    for (i, v) in got {
        let want = if i == 40 {
            b"changed".to_vec()
        } else {
            value(i)
        };
        assert_eq!(v, want, "record {i}");
    }
}
