//! Lists by the page through the one door: customer, task and employee windows on a real
//! database, paged by cursor while others add and delete, with the role rules applied and
//! the window bounded at the door.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeSet, HashMap};

use common::{TestDb, provision};
use kasefet::domain::customer::CustomerStatus;
use kasefet::domain::employee::EmployeeHr;
use kasefet::domain::{CustomerInput, EmployeeInput, Id, Role, TaskInput};
use kasefet::search::{Page, Sort, SortKey, Start, Window};
use kasefet::service::{CustomerFilter, Error, Request, Response, Session, TaskFilter, TaskScope};

fn created(r: Response) -> Id {
    match r {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    }
}

fn customer_page(
    db: &TestDb,
    s: &Session,
    filter: &CustomerFilter,
    query: &str,
    window: Window,
) -> Page<kasefet::search::CustomerSummary> {
    match db
        .service
        .handle(
            s,
            Request::CustomerPage {
                filter: filter.clone(),
                query: query.into(),
                window,
            },
        )
        .unwrap()
    {
        Response::CustomerPage(p) => p,
        other => panic!("{other:?}"),
    }
}

fn all_ids(db: &TestDb, s: &Session, filter: &CustomerFilter) -> BTreeSet<Id> {
    match db
        .service
        .handle(
            s,
            Request::CustomerList {
                filter: filter.clone(),
            },
        )
        .unwrap()
    {
        Response::Customers(l) => l.into_iter().map(|c| c.id).collect(),
        other => panic!("{other:?}"),
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[test]
fn customer_pages_return_each_customer_once_while_others_add_and_delete() {
    let db = TestDb::new();
    let admin = db.admin();
    let sam_secret = provision(&db, &admin, "sam", Role::Staff);
    let sam = db.login_as("sam", &sam_secret).session;
    let mut r = Rng(0x5EED_0012);
    let names = [
        "Levi", "Cohen", "Mizrahi", "Peretz", "Biton", "Dahan", "Avraham",
    ];
    let inputs: Vec<CustomerInput> = (0..240)
        .map(|i| CustomerInput {
            name: format!("{} {i}", names[r.below(7) as usize]),
            status: CustomerStatus::ALL[r.below(4) as usize],
            owner: Some(if r.below(3) == 0 {
                sam.user
            } else {
                admin.user
            }),
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
    let filters = [
        CustomerFilter::default(),
        CustomerFilter {
            mine: true,
            ..Default::default()
        },
        CustomerFilter {
            status: Some(CustomerStatus::Active),
            ..Default::default()
        },
    ];
    for filter in &filters {
        for key in [SortKey::Name, SortKey::Created, SortKey::Status] {
            for desc in [false, true] {
                let sort = Sort { key, desc };
                let before = all_ids(&db, &sam, filter);
                let mut stable = before.clone();
                let mut seen: HashMap<Id, usize> = HashMap::new();
                let mut start = Start::Offset(0);
                loop {
                    let page = customer_page(
                        &db,
                        &sam,
                        filter,
                        "",
                        Window {
                            start: start.clone(),
                            limit: 1 + r.below(25) as usize,
                            sort,
                        },
                    );
                    // The count is the whole filtered list as it is now.
                    assert_eq!(page.total, all_ids(&db, &sam, filter).len());
                    for c in &page.rows {
                        *seen.entry(c.id).or_default() += 1;
                        if filter.mine {
                            assert_eq!(c.owner, Some(sam.user), "sam's list shows only his");
                        }
                    }
                    let (Some(last), true) = (page.last.clone(), page.more()) else {
                        break;
                    };
                    start = Start::After(last);
                    // Someone else adds and deletes between sam's pages.
                    for _ in 0..r.below(4) {
                        if r.below(2) == 0 {
                            let input = CustomerInput {
                                name: format!("{} new", names[r.below(7) as usize]),
                                owner: Some(sam.user),
                                status: CustomerStatus::Active,
                                ..Default::default()
                            };
                            db.service
                                .handle(&admin, Request::CustomerCreate { input })
                                .unwrap();
                        } else if let Some(id) = stable.iter().nth(r.below(40) as usize).copied() {
                            db.service
                                .handle(&admin, Request::CustomerDelete { id })
                                .unwrap();
                            stable.remove(&id);
                        }
                    }
                }
                for id in &stable {
                    assert_eq!(seen.get(id), Some(&1), "{filter:?} {sort:?}: customer {id}");
                }
                assert!(seen.values().all(|n| *n == 1), "{filter:?} {sort:?}");
            }
        }
    }
    // Hr has no customer reading at all.
    let hila_secret = provision(&db, &admin, "hila", Role::Hr);
    let hila = db.login_as("hila", &hila_secret).session;
    let denied = db.service.handle(
        &hila,
        Request::CustomerPage {
            filter: CustomerFilter::default(),
            query: String::new(),
            window: Window::default(),
        },
    );
    assert!(matches!(denied, Err(Error::Denied(_))), "{denied:?}");
}

#[test]
fn a_query_pages_sorted_with_its_full_count_and_jumps_to_the_end() {
    let db = TestDb::new();
    let admin = db.admin();
    let inputs: Vec<CustomerInput> = (0..150)
        .map(|i| CustomerInput {
            name: format!("{} {i:03}", if i % 3 == 0 { "Levi" } else { "Cohen" }),
            tags: if i % 5 == 0 {
                vec!["vip".into()]
            } else {
                Vec::new()
            },
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
    let f = CustomerFilter::default();
    let by_name = Sort {
        key: SortKey::Name,
        desc: false,
    };
    let first = customer_page(&db, &admin, &f, "levi", Window::first(10, by_name));
    assert_eq!(first.total, 50);
    assert_eq!(first.rows[0].name, "Levi 000");
    assert_eq!(first.rows[9].name, "Levi 027");
    let end = customer_page(
        &db,
        &admin,
        &f,
        "levi tag:vip",
        Window {
            start: Start::End,
            limit: 4,
            sort: by_name,
        },
    );
    // Multiples of 15 below 150: 10 of them; the last four.
    let names: Vec<&str> = end.rows.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        (names, end.offset, end.total),
        (vec!["Levi 090", "Levi 105", "Levi 120", "Levi 135"], 6, 10)
    );
    // Newest first.
    let newest = customer_page(
        &db,
        &admin,
        &f,
        "",
        Window::first(
            3,
            Sort {
                key: SortKey::Created,
                desc: true,
            },
        ),
    );
    assert!(newest.rows[0].id > newest.rows[2].id, "{:?}", newest.rows);
    assert_eq!(newest.total, 150);
}

#[test]
fn task_pages_keep_staff_to_their_tasks_and_employee_pages_hide_hr_fields() {
    let db = TestDb::new();
    let admin = db.admin();
    let sam_secret = provision(&db, &admin, "sam", Role::Staff);
    let sam = db.login_as("sam", &sam_secret).session;
    for i in 0..30 {
        let input = TaskInput {
            title: format!("task {i:02}"),
            assignee: Some(if i % 3 == 0 { sam.user } else { admin.user }),
            ..Default::default()
        };
        created(
            db.service
                .handle(&admin, Request::TaskCreate { input })
                .unwrap(),
        );
    }
    let all = TaskFilter {
        scope: TaskScope::All,
        ..Default::default()
    };
    let page = |s: &Session, window: Window| match db
        .service
        .handle(
            s,
            Request::TaskPage {
                filter: all.clone(),
                window,
            },
        )
        .unwrap()
    {
        Response::TaskPage(p) => p,
        other => panic!("{other:?}"),
    };
    let by_title = Sort {
        key: SortKey::Name,
        desc: true,
    };
    let p = page(&sam, Window::first(4, by_title));
    // Asking for everyone's tasks, staff still get only their own: 0, 3, ..., 27.
    assert_eq!(p.total, 10);
    let titles: Vec<&str> = p.rows.iter().map(|t| t.data.title.as_str()).collect();
    assert_eq!(titles, ["task 27", "task 24", "task 21", "task 18"]);
    let next = page(
        &sam,
        Window {
            start: Start::After(p.last.clone().unwrap()),
            limit: 4,
            sort: by_title,
        },
    );
    assert_eq!(next.offset, 4);
    assert_eq!(next.rows[0].data.title, "task 15");
    assert_eq!(page(&admin, Window::first(1, by_title)).total, 30);

    let input = EmployeeInput {
        name: "Noa".into(),
        hr: Some(EmployeeHr {
            salary: Some("9000".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    db.service
        .handle(&admin, Request::EmployeeCreate { input })
        .unwrap();
    let Response::EmployeePage(e) = db
        .service
        .handle(
            &sam,
            Request::EmployeePage {
                window: Window::default(),
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(e.total, 1);
    assert!(
        e.rows[0].data.hr.is_none(),
        "the directory never carries HR fields"
    );
}

#[test]
fn windows_out_of_bounds_are_refused_naming_the_field() {
    let db = TestDb::new();
    let admin = db.admin();
    let refused = |req: Request| match db.service.handle(&admin, req) {
        Err(Error::Invalid(i)) => i.0.into_iter().map(|f| f.field).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let page = |window: Window| Request::CustomerPage {
        filter: CustomerFilter::default(),
        query: String::new(),
        window,
    };
    for limit in [0, 5_001, usize::MAX] {
        assert_eq!(
            refused(page(Window {
                limit,
                ..Window::default()
            })),
            ["window.limit"]
        );
    }
    let due = Window {
        sort: Sort {
            key: SortKey::Due,
            desc: false,
        },
        ..Window::default()
    };
    assert_eq!(refused(page(due.clone())), ["window.sort"]);
    let status = Window {
        sort: Sort {
            key: SortKey::Status,
            desc: false,
        },
        ..Window::default()
    };
    assert_eq!(
        refused(Request::EmployeePage { window: status }),
        ["window.sort"]
    );
    // Tasks do sort by due date; an offset past the end is an empty page, not an error.
    let Response::TaskPage(p) = db
        .service
        .handle(
            &admin,
            Request::TaskPage {
                filter: TaskFilter::default(),
                window: Window {
                    start: Start::Offset(usize::MAX),
                    ..due
                },
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!((p.rows.len(), p.total), (0, 0));
}

#[test]
fn the_largest_page_stays_far_under_the_socket_caps() {
    let db = TestDb::new();
    let admin = db.admin();
    // Long but ordinary rows: a full name, a company, an e-mail, a phone, three tags.
    let inputs: Vec<CustomerInput> = (0..5_000)
        .map(|i| CustomerInput {
            name: format!("Customer With A Rather Long Family Name {i:05}"),
            company: Some(format!("Levi, Cohen & Mizrahi Optics and Sons Ltd {i}")),
            emails: vec![format!("someone.long.address{i}@example-company.co.il")],
            phones: vec![format!("+972-50-{:03}-{:04}", i % 1000, i)],
            tags: vec!["wholesale".into(), "north".into(), "vip".into()],
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
    let Response::CustomerPage(p) = db
        .service
        .handle(
            &admin,
            Request::CustomerPage {
                filter: CustomerFilter::default(),
                query: String::new(),
                window: Window {
                    limit: kasefet::service::bounds::MAX_PAGE_LIMIT,
                    ..Window::default()
                },
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(p.rows.len(), 5_000);
    let mut wire = Vec::new();
    kasefet::server::frame::write(
        &mut wire,
        &Ok::<_, kasefet::service::WireError>(Response::CustomerPage(p)),
        kasefet::server::frame::MAX_REPLY,
    )
    .unwrap();
    println!(
        "a page of 5,000 customers: {} bytes on the wire",
        wire.len()
    );
    // Within the 4 MiB request frame even, a sixteenth of the 64 MiB reply cap.
    assert!(
        wire.len() < kasefet::server::frame::MAX_FRAME,
        "{}",
        wire.len()
    );
}
