//! Task and employee lists are answered outside the service lock. Many threads read them
//! while another deletes and restores a customer (unlinking and relinking its tasks in one
//! request) and an employee (unlinking and relinking the reports): every answer holds one
//! request's changes whole, no older than the last write finished before it was sent, and
//! staff still see only their own tasks.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use common::{TestDb, provision};
use kasefet::domain::{CustomerInput, Employee, EmployeeInput, Id, Role, Task, TaskInput};
use kasefet::privacy::RecordKind;
use kasefet::search::Window;
use kasefet::service::{Request, Response, Session, TaskFilter};

// Enough records changed per request that a reader lands inside a half-applied one if the
// caches let it (checked by releasing the write guard between updates: the test fails).
const LINKED: usize = 200;
const REPORTS: usize = 200;
const ROUNDS: u64 = 120;
const READERS: usize = 6;

fn created(r: Response) -> Id {
    match r {
        Response::Created { id } => id,
        other => panic!("{other:?}"),
    }
}

fn all() -> Window {
    Window {
        limit: 1000,
        ..Window::default()
    }
}

fn tasks_of(r: Response) -> Vec<Task> {
    match r {
        Response::Tasks(t) => t,
        Response::TaskPage(p) => {
            assert_eq!(p.rows.len(), p.total, "the window holds every task");
            p.rows
        }
        other => panic!("{other:?}"),
    }
}

fn employees_of(r: Response) -> Vec<Employee> {
    match r {
        Response::Employees(e) => e,
        Response::EmployeePage(p) => p.rows,
        other => panic!("{other:?}"),
    }
}

/// The writes finished when a read was sent (`before`) and when its answer came (`after`):
/// the answer shows the state after write `before`, or a later one up to `after + 1` (the
/// write in flight). Returns the write the answer shows.
fn check_round(seen: u64, before: u64, after: u64, what: &str) -> u64 {
    assert!(
        before <= seen && seen <= after + 1,
        "{what}: the answer shows write {seen}, sent after write {before}, answered before write {}",
        after + 2
    );
    seen
}

/// The linked tasks in one answer: all at one version (whole) and linked to `customer` exactly
/// when that version is after a restore. Returns the write the answer shows.
fn linked_round(tasks: &[Task], customer: Id, expect: usize, who: &str) -> u64 {
    let linked: Vec<&Task> = tasks
        .iter()
        .filter(|t| t.data.title.starts_with("linked"))
        .collect();
    assert_eq!(linked.len(), expect, "{who}: every linked task, once");
    let version = linked[0].stamp.version;
    let round = version - 1;
    let versions: std::collections::BTreeSet<u64> =
        linked.iter().map(|t| t.stamp.version).collect();
    assert_eq!(
        versions.len(),
        1,
        "{who}: a torn answer, tasks at versions {versions:?}"
    );
    for t in &linked {
        let want = if round % 2 == 0 { Some(customer) } else { None };
        assert_eq!(t.data.customer, want, "{who}: link at write {round}");
    }
    round
}

#[test]
fn lists_read_while_a_writer_deletes_and_restores_are_whole_and_current() {
    let db = TestDb::new();
    let admin = db.admin();
    let secret = provision(&db, &admin, "sam", Role::Staff);
    let sam: Session = db.login_as("sam", &secret).session;
    let sam_id = match db.service.handle(&sam, Request::Whoami).unwrap() {
        Response::Me { user } => user.id,
        other => panic!("{other:?}"),
    };
    let service = &db.service;
    let customer = created(
        service
            .handle(
                &admin,
                Request::CustomerCreate {
                    input: CustomerInput {
                        name: "Linked Customer".into(),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
    );
    for i in 0..LINKED {
        let assignee = if i % 2 == 0 { None } else { Some(sam_id) };
        let input = TaskInput {
            title: format!("linked {i}"),
            assignee,
            customer: Some(customer),
            ..Default::default()
        };
        created(
            service
                .handle(&admin, Request::TaskCreate { input })
                .unwrap(),
        );
        let input = TaskInput {
            title: format!("other {i}"),
            assignee,
            ..Default::default()
        };
        created(
            service
                .handle(&admin, Request::TaskCreate { input })
                .unwrap(),
        );
    }
    let boss = created(
        service
            .handle(
                &admin,
                Request::EmployeeCreate {
                    input: EmployeeInput {
                        name: "Boss".into(),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
    );
    for i in 0..REPORTS {
        let input = EmployeeInput {
            name: format!("report {i}"),
            manager: Some(boss),
            ..Default::default()
        };
        created(
            service
                .handle(&admin, Request::EmployeeCreate { input })
                .unwrap(),
        );
    }

    // Writes finished so far, one counter per kind of record.
    let (tasks_done, people_done) = (AtomicU64::new(0), AtomicU64::new(0));
    let stop = AtomicBool::new(false);
    // Reads answered so far: the writer lets a few land between its writes, so the reads
    // race many writes however the threads are scheduled (a loaded machine starves them).
    let reads = AtomicU64::new(0);
    let (mut task_rounds, mut people_rounds) = (Vec::new(), Vec::new());
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..READERS)
            .map(|k| {
                let (admin, sam, stop, reads) = (&admin, &sam, &stop, &reads);
                let (tasks_done, people_done) = (&tasks_done, &people_done);
                s.spawn(move || {
                    let (mut tr, mut pr) = (Vec::new(), Vec::new());
                    let mut j = k;
                    while !stop.load(Ordering::SeqCst) {
                        j += 1;
                        let (who, req) = match j % 5 {
                            0 => (
                                admin,
                                Request::TaskList {
                                    filter: TaskFilter::default(),
                                },
                            ),
                            1 => (
                                admin,
                                Request::TaskPage {
                                    filter: TaskFilter::default(),
                                    window: all(),
                                },
                            ),
                            2 => (
                                sam,
                                Request::TaskList {
                                    filter: TaskFilter::default(),
                                },
                            ),
                            3 => (sam, Request::EmployeeList),
                            _ => (admin, Request::EmployeePage { window: all() }),
                        };
                        let is_tasks = j % 5 < 3;
                        let done = if is_tasks { tasks_done } else { people_done };
                        let before = done.load(Ordering::SeqCst);
                        let answer = service.handle(who, req).unwrap();
                        let after = done.load(Ordering::SeqCst);
                        reads.fetch_add(1, Ordering::SeqCst);
                        if is_tasks {
                            let tasks = tasks_of(answer);
                            let (expect, name) = if std::ptr::eq(who, sam) {
                                for t in &tasks {
                                    assert!(
                                        t.data.assignee == Some(sam_id)
                                            || t.stamp.created_by == sam_id,
                                        "staff see only their own tasks: {t:?}"
                                    );
                                }
                                assert_eq!(tasks.len(), LINKED, "sam's linked and other tasks");
                                (LINKED / 2, "sam")
                            } else {
                                assert_eq!(tasks.len(), 2 * LINKED, "every task, once");
                                (LINKED, "admin")
                            };
                            let round = linked_round(&tasks, customer, expect, name);
                            tr.push(check_round(round, before, after, name));
                        } else {
                            let people = employees_of(answer);
                            assert!(people.iter().all(|e| e.data.hr.is_none()), "no HR part");
                            let boss_here = people.iter().any(|e| e.id == boss);
                            let reports: Vec<&Employee> = people
                                .iter()
                                .filter(|e| e.data.name.starts_with("report"))
                                .collect();
                            assert_eq!(reports.len(), REPORTS);
                            let version = reports[0].stamp.version;
                            for r in &reports {
                                assert_eq!(r.stamp.version, version, "a torn directory");
                                let want = boss_here.then_some(boss);
                                assert_eq!(r.data.manager, want, "reports follow their boss");
                            }
                            let round = version - 1;
                            assert_eq!(round % 2 == 0, boss_here, "the boss at write {round}");
                            pr.push(check_round(round, before, after, "directory"));
                        }
                    }
                    (tr, pr)
                })
            })
            .collect();

        for g in 1..=ROUNDS {
            let want = reads.load(Ordering::SeqCst) + 2 * READERS as u64;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
            while reads.load(Ordering::SeqCst) < want && std::time::Instant::now() < deadline {
                std::thread::yield_now();
            }
            let (c, e) = if g % 2 == 1 {
                (
                    Request::CustomerDelete { id: customer },
                    Request::EmployeeDelete { id: boss },
                )
            } else {
                (
                    Request::TrashRestore {
                        kind: RecordKind::Customer,
                        id: customer,
                    },
                    Request::TrashRestore {
                        kind: RecordKind::Employee,
                        id: boss,
                    },
                )
            };
            service.handle(&admin, c).unwrap();
            tasks_done.store(g, Ordering::SeqCst);
            service.handle(&admin, e).unwrap();
            people_done.store(g, Ordering::SeqCst);
        }
        stop.store(true, Ordering::SeqCst);
        for r in readers {
            let (tr, pr) = r.join().unwrap();
            task_rounds.extend(tr);
            people_rounds.extend(pr);
        }
    });

    // The reads did race the writes: they saw the records at many points, and the last ones
    // the final state.
    for (what, rounds) in [("tasks", &task_rounds), ("directory", &people_rounds)] {
        let mut seen = rounds.clone();
        seen.sort();
        seen.dedup();
        assert!(seen.len() > 10, "{what}: reads saw only writes {seen:?}");
    }
    let tasks = tasks_of(
        service
            .handle(
                &admin,
                Request::TaskList {
                    filter: TaskFilter::default(),
                },
            )
            .unwrap(),
    );
    assert_eq!(linked_round(&tasks, customer, LINKED, "admin"), ROUNDS);
}
