//! Customer pages against a brute-force reference, and exactly-once cursor paging while
//! customers are added, changed and deleted between pages. Seeded, so a failure repeats.

use std::collections::{BTreeMap, HashMap};

use super::*;
use crate::domain::Stamp;
use crate::domain::customer::CustomerInput;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const SYLLABLES: [&str; 8] = ["ka", "Lé", "vi", "Co", "hen", "da", "Ru", "th"];

fn random_customer(r: &mut Rng, id: Id, now: i64) -> Customer {
    // Few syllables, so many names tie and the id decides.
    let name: String = (0..1 + r.below(2))
        .map(|_| SYLLABLES[r.below(8) as usize])
        .collect();
    let created = now - r.below(50) as i64;
    Customer {
        id,
        stamp: Stamp {
            created_at: created,
            updated_at: created + r.below(20) as i64,
            ..Stamp::default()
        },
        data: CustomerInput {
            name,
            status: CustomerStatus::ALL[r.below(4) as usize],
            tags: if r.below(3) == 0 {
                vec!["vip".into()]
            } else {
                Vec::new()
            },
            owner: Some(r.below(3) + 1),
            ..Default::default()
        },
        interactions: Vec::new(),
    }
}

/// What each list asks for, and the same condition written out for the reference.
struct Case {
    query: &'static str,
    view: &'static str,
    keep: fn(&Customer) -> bool,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            query: "",
            view: "",
            keep: |_| true,
        },
        Case {
            query: "",
            view: "mine",
            keep: |c| c.data.owner == Some(ME),
        },
        Case {
            query: "status:lead",
            view: "",
            keep: |c| c.data.status == CustomerStatus::Lead,
        },
        Case {
            query: "ka tag:vip",
            view: "",
            keep: |c| fold(&c.data.name).contains("ka") && c.data.tags == ["vip"],
        },
    ]
}

const ME: Id = 2;

fn reference_cursor(k: SortKey, c: &Customer) -> Cursor {
    let (major, minor) = match k {
        SortKey::Name | SortKey::Due => (0, fold(&c.data.name)),
        SortKey::Updated => (c.stamp.updated_at, String::new()),
        SortKey::Created => (c.stamp.created_at, String::new()),
        SortKey::Status => (
            CustomerStatus::ALL
                .iter()
                .position(|s| *s == c.data.status)
                .unwrap_or(0) as i64,
            fold(&c.data.name),
        ),
    };
    Cursor {
        major,
        minor,
        id: c.id,
    }
}

/// The whole list in display order, worked out from scratch.
fn reference(db: &BTreeMap<Id, Customer>, case: &Case, sort: Sort) -> Vec<(Cursor, Id)> {
    let mut v: Vec<(Cursor, Id)> = db
        .values()
        .filter(|c| (case.keep)(c))
        .map(|c| (reference_cursor(sort.key, c), c.id))
        .collect();
    v.sort();
    if sort.desc {
        v.reverse();
    }
    v
}

fn ask(index: &Index, case: &Case, w: &Window) -> Page<CustomerSummary> {
    let mine = case.view == "mine";
    index.customer_page(
        case.query,
        move |c| !mine || c.owner == Some(ME),
        case.view,
        w,
        ME,
    )
}

fn sorts() -> Vec<Sort> {
    [
        SortKey::Name,
        SortKey::Updated,
        SortKey::Created,
        SortKey::Status,
    ]
    .into_iter()
    .flat_map(|key| [false, true].map(|desc| Sort { key, desc }))
    .collect()
}

fn ids(p: &Page<CustomerSummary>) -> Vec<Id> {
    p.rows.iter().map(|c| c.id).collect()
}

#[test]
fn every_window_equals_the_reference() {
    for seed in 1..=6u64 {
        let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut index = Index::default();
        let mut db = BTreeMap::new();
        for id in 1..=300 {
            let c = random_customer(&mut r, id, 1_000);
            index.put_customer(&c);
            db.insert(id, c);
        }
        for case in cases() {
            for sort in sorts() {
                // Orders are built at the first page and kept up to date after it.
                for round in 0..3 {
                    let want = reference(&db, &case, sort);
                    let n = want.len();
                    let limit = 1 + r.below(40) as usize;
                    let cut = |from: usize| -> Vec<Id> {
                        want[from.min(n)..(from + limit).min(n)]
                            .iter()
                            .map(|x| x.1)
                            .collect()
                    };
                    let at = r.below(n as u64 + 5) as usize;
                    let pivot = want.get(at.min(n.saturating_sub(1))).cloned();
                    let mut starts = vec![
                        (Start::Offset(at), at.min(n)),
                        (Start::End, n.saturating_sub(limit)),
                    ];
                    if let Some((c, id)) = pivot {
                        let p = want.iter().position(|x| x.1 == id).unwrap_or(0);
                        starts.push((Start::After(c.clone()), p + 1));
                        starts.push((Start::Before(c.clone()), p.saturating_sub(limit)));
                        let around = p.saturating_sub(limit / 2).min(n.saturating_sub(limit));
                        starts.push((Start::Around { id, or_offset: 0 }, around));
                    }
                    for (start, from) in starts {
                        let w = Window {
                            start: start.clone(),
                            limit,
                            sort,
                        };
                        let page = ask(&index, &case, &w);
                        let mut expect = cut(from);
                        if let Start::Before(c) = &start {
                            let p = want.iter().position(|x| &x.0 == c).unwrap_or(0);
                            expect.truncate(p - from);
                        }
                        assert_eq!(
                            (ids(&page), page.offset, page.total),
                            (expect, from, n),
                            "seed {seed} query {:?} view {:?} {sort:?} {start:?} round {round}",
                            case.query,
                            case.view
                        );
                    }
                    // Change a few records between rounds.
                    for _ in 0..5 {
                        let id = 1 + r.below(320);
                        if r.below(3) == 0 {
                            index.remove_customer(id);
                            db.remove(&id);
                        } else {
                            let c = random_customer(&mut r, id, 2_000);
                            index.put_customer(&c);
                            db.insert(id, c);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn cursor_paging_returns_each_record_once_while_others_come_and_go() {
    for seed in 1..=8u64 {
        let mut r = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
        let mut index = Index::default();
        let mut db = BTreeMap::new();
        let mut next = 1;
        for _ in 0..400 {
            let c = random_customer(&mut r, next, 1_000);
            index.put_customer(&c);
            db.insert(next, c);
            next += 1;
        }
        for case in cases() {
            for sort in sorts() {
                // Present from the first page to the last, never changed: each exactly once.
                let mut stable: HashMap<Id, usize> = db
                    .values()
                    .filter(|c| (case.keep)(c))
                    .map(|c| (c.id, 0))
                    .collect();
                let mut seen: HashMap<Id, usize> = HashMap::new();
                let mut edited = std::collections::HashSet::new();
                let mut last: Option<Cursor> = None;
                let mut start = Start::Offset(0);
                loop {
                    let w = Window {
                        start: start.clone(),
                        limit: 1 + r.below(30) as usize,
                        sort,
                    };
                    let page = ask(&index, &case, &w);
                    for c in &page.rows {
                        *seen.entry(c.id).or_default() += 1;
                        if let Some(n) = stable.get_mut(&c.id) {
                            *n += 1;
                        }
                        let cur = reference_cursor(sort.key, &db[&c.id]);
                        // Pages never step back in the order.
                        if let Some(l) = &last {
                            let forward = if sort.desc { &cur < l } else { &cur > l };
                            assert!(forward, "seed {seed} {sort:?}: {cur:?} after {l:?}");
                        }
                        last = Some(cur);
                    }
                    let Some(cursor) = page.last.clone() else {
                        break;
                    };
                    if !page.more() {
                        break;
                    }
                    start = Start::After(cursor);
                    // Between pages: new customers, deletions, edits (an edit may move
                    // its record, so it no longer counts as stable).
                    for _ in 0..r.below(6) {
                        match r.below(3) {
                            0 => {
                                let c = random_customer(&mut r, next, 1_500);
                                index.put_customer(&c);
                                db.insert(next, c);
                                next += 1;
                            }
                            1 => {
                                let id = 1 + r.below(next);
                                index.remove_customer(id);
                                db.remove(&id);
                                stable.remove(&id);
                            }
                            _ => {
                                let id = 1 + r.below(next);
                                if let Some(slot) = db.get_mut(&id) {
                                    let c = random_customer(&mut r, id, 1_800);
                                    index.put_customer(&c);
                                    *slot = c;
                                    stable.remove(&id);
                                    edited.insert(id);
                                }
                            }
                        }
                    }
                }
                for (id, n) in &stable {
                    assert_eq!(
                        *n, 1,
                        "seed {seed} {sort:?} {:?}: customer {id}",
                        case.query
                    );
                }
                // Only an edit can move a record past the cursor and show it again.
                for (id, n) in seen.iter().filter(|(id, _)| !edited.contains(*id)) {
                    assert_eq!(*n, 1, "seed {seed} {sort:?}: customer {id} came twice");
                }
            }
        }
    }
}
