//! Figures for the server: `cargo bench --bench server` prints them.
//!
//! - request round trip through the socket for a customer search over 100,000 customers,
//!   with 20 and with 100 clients (different users) searching at once: p50 / p99
//! - the same for reads that need no write (task pages and lists, employee pages) while one
//!   writer changes tasks back to back, and that writer's round trip
//! - memory of the `kasefet serve` process holding 100,000 customers (VmRSS, VmHWM)
//! - an export of every customer as CSV through the socket, in parts: time, size, memory
//!
//! `KASEFET_BENCH_CUSTOMERS` changes the count (default 100000); `KASEFET_BENCH_CLIENTS` the
//! client counts, comma-separated (default `20,100`), each run on the same database;
//! `KASEFET_BENCH_WRITER=0` runs the read phase without its writer.

mod fixtures;

use fixtures::customer;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use kasefet::auth::totp::TotpSecret;
use kasefet::client::Backend;
use kasefet::client::remote::Remote;
use kasefet::crypto::{Password, SecretText};
use kasefet::domain::{EmployeeInput, Id, Role, TaskInput, TaskStatus};
use kasefet::search::{Sort, SortKey, Window};
use kasefet::service::{Request, Response, TaskFilter};

const PW: &str = "correct horse battery staple 42";

fn status(pid: u32, key: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::var("KASEFET_BENCH_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let counts: Vec<usize> = std::env::var("KASEFET_BENCH_CLIENTS")
        .unwrap_or_else(|_| "20,100".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let t = tempfile::tempdir()?;
    let d = t.path();
    std::fs::write(
        d.join("kasefet.toml"),
        "[security]\nargon2_memory_kib = 8192\nargon2_iterations = 1\nargon2_parallelism = 1\n\
         [server]\nmax_connections_per_uid = 250\n",
    )?;
    std::fs::write(d.join("pw"), format!("{PW}\n"))?;
    let bin = env!("CARGO_BIN_EXE_kasefet");
    let base = [
        "--data-dir",
        "db",
        "--config",
        "kasefet.toml",
        "--socket",
        "k.sock",
    ];
    Command::new(bin)
        .current_dir(d)
        .args(base)
        .args([
            "init",
            "--admin",
            "dana",
            "--password-file",
            "pw",
            "--totp-secret-file",
            "t",
            "--recovery-key-file",
            "rk",
        ])
        .output()?;
    let dana = TotpSecret::from_base32(&std::fs::read_to_string(d.join("t"))?)?;
    let mut server = Command::new(bin)
        .current_dir(d)
        .args(base)
        .arg("serve")
        .stderr(Stdio::null())
        .spawn()?;
    let sock = d.join("k.sock");
    let started = Instant::now();
    while Remote::connect(&sock).is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            return Err("server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "server pid {} on {}, empty: VmRSS {}",
        server.id(),
        sock.display(),
        status(server.id(), "VmRSS")
    );

    let now = || jiff::Timestamp::now().as_second() as u64;
    let mut admin = Remote::connect(&sock)?;
    admin.login("dana", &Password::new(PW), &dana.code_at(now()))?;
    let t0 = Instant::now();
    let mut i = 0;
    while i < n {
        let end = (i + 5000).min(n);
        admin.call(Request::CustomerImport {
            inputs: (i..end).map(customer).collect(),
            dry_run: false,
        })?;
        i = end;
    }
    println!(
        "imported {n} customers through the socket in {:?}",
        t0.elapsed()
    );
    // Every client is another user; the bench runs as one OS user, hence the per-uid cap
    // raised above (an office's people connect as their own uids).
    let mut clerks = Vec::new();
    for k in 0..counts.iter().sum::<usize>() {
        let s = TotpSecret::generate()?;
        let r = admin.call(Request::UserAdd {
            username: format!("clerk{k}"),
            display_name: format!("Clerk {k}"),
            role: if k % 2 == 0 {
                Role::Staff
            } else {
                Role::Manager
            },
            password: Some(SecretText::new(PW.into())),
            totp_secret: Some(SecretText::new(s.to_base32().to_string())),
        })?;
        let Response::UserAdded { id, .. } = r else {
            return Err("user add did not answer with an id".into());
        };
        clerks.push((format!("clerk{k}"), s, id));
    }
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for j in 0..TASKS {
        let r = admin.call(Request::TaskCreate {
            input: TaskInput {
                title: format!("Call back customer {j}"),
                description: Some(format!("About order {}", j * 7)),
                status: TaskStatus::ALL[j % 4],
                due: jiff::civil::Date::new(2026, 1 + (j % 12) as i8, 1 + (j % 28) as i8).ok(),
                assignee: Some(clerks[j % clerks.len()].2),
                ..Default::default()
            },
        })?;
        if let Response::Created { id } = r {
            tasks.push(id);
        }
    }
    for j in 0..EMPLOYEES {
        admin.call(Request::EmployeeCreate {
            input: EmployeeInput {
                name: format!("Employee {j}"),
                title: Some("Clerk".into()),
                department: Some(format!("Dept {}", j % 7)),
                ..Default::default()
            },
        })?;
    }
    println!(
        "{} tasks and {EMPLOYEES} employees added in {:?}",
        tasks.len(),
        t0.elapsed()
    );
    println!(
        "server with {n} customers: VmRSS {}, VmHWM {}",
        status(server.id(), "VmRSS"),
        status(server.id(), "VmHWM")
    );

    let mut rest = clerks.as_slice();
    for &c in &counts {
        let (these, more) = rest.split_at(c.min(rest.len()));
        rest = more;
        let (search, reads, writes) = run(&sock, these, &mut admin, &tasks)?;
        report(
            &format!("search round trip, {c} clients at once over {n} customers"),
            search,
        );
        report(
            &format!("task/employee read round trip, {c} clients at once, one writer"),
            reads,
        );
        report(&format!("task write round trip beside {c} readers"), writes);
    }
    println!(
        "server after the run: VmRSS {}, VmHWM {}",
        status(server.id(), "VmRSS"),
        status(server.id(), "VmHWM")
    );

    // Every customer out as CSV through the socket, part after part, the bytes counted and
    // dropped as they come (what `export --to` writes to its file).
    let wanted = kasefet::client::download::Wanted {
        what: kasefet::service::ExportWhat::Customers,
        format: kasefet::service::ExportFormat::Csv,
        reveal: false,
        filter: Default::default(),
        bom: false,
    };
    let (t0, mut bytes, mut parts) = (Instant::now(), 0usize, 0usize);
    let count =
        kasefet::client::download::download(&wanted, &mut |r| admin.call(r), &mut |b: &[u8]| {
            bytes += b.len();
            parts += 1;
            Ok::<(), kasefet::service::Error>(())
        })?;
    println!(
        "export of {count} customers as CSV through the socket: {:?}, {:.1} MiB in {parts} parts; server VmRSS {}, VmHWM {}",
        t0.elapsed(),
        bytes as f64 / (1024.0 * 1024.0),
        status(server.id(), "VmRSS"),
        status(server.id(), "VmHWM")
    );
    let _ = server.kill();
    let _ = server.wait();
    Ok(())
}

const TASKS: usize = 2000;
const EMPLOYEES: usize = 200;
const SEARCHES: usize = 200;
const READS: usize = 500;

type Times = Vec<Duration>;
/// Round trips and the wall time of the phase they were taken in.
type Phase = (Times, Duration);

fn report(what: &str, (mut all, wall): Phase) {
    all.sort();
    if all.is_empty() {
        println!("{what}: no request succeeded");
        return;
    }
    let p = |q: f64| all[((all.len() as f64 - 1.0) * q) as usize];
    println!(
        "{what}: p50 {:?}, p99 {:?}, max {:?} ({} requests in {:?}, {:.0} req/s)",
        p(0.5),
        p(0.99),
        p(1.0),
        all.len(),
        wall,
        all.len() as f64 / wall.as_secs_f64()
    );
}

/// The reads a clerk's screens send that write nothing: the Tasks tab's page (two sorts),
/// its open-task list, the directory's page.
fn read_request(j: usize) -> Request {
    let by = |key| Window {
        sort: Sort { key, desc: false },
        ..Window::default()
    };
    match j % 4 {
        0 => Request::TaskPage {
            filter: TaskFilter::default(),
            window: by(SortKey::Due),
        },
        1 => Request::TaskList {
            filter: TaskFilter {
                open: true,
                ..TaskFilter::default()
            },
        },
        2 => Request::EmployeePage {
            window: by(SortKey::Updated),
        },
        _ => Request::TaskPage {
            filter: TaskFilter::default(),
            window: by(SortKey::Name),
        },
    }
}

fn is_read_answer(r: &Response) -> bool {
    matches!(
        r,
        Response::TaskPage(_) | Response::Tasks(_) | Response::EmployeePage(_)
    )
}

/// One client per clerk, all signed in first; then every client searches back to back, and
/// then every client reads task and employee pages while `writer` changes tasks.
fn run(
    sock: &Path,
    clerks: &[(String, TotpSecret, Id)],
    writer: &mut Remote,
    tasks: &[Id],
) -> Result<(Phase, Phase, Phase), Box<dyn std::error::Error>> {
    let queries = [
        "levi",
        "josé",
        "0501234567",
        "company 42",
        "person777@",
        "yael fried",
        "vip",
        "zzz",
    ];
    let gate = Arc::new(Barrier::new(clerks.len() + 1));
    let handles: Vec<_> = clerks
        .iter()
        .enumerate()
        .map(|(k, (name, s, _))| {
            let (sock, gate) = (sock.to_path_buf(), gate.clone());
            let (name, s) = (
                name.clone(),
                TotpSecret::from_base32(s.to_base32().as_ref()),
            );
            std::thread::spawn(move || -> (Times, Times) {
                let r = s.ok().and_then(|s| {
                    let mut r = Remote::connect(&sock).ok()?;
                    let code = s.code_at(jiff::Timestamp::now().as_second() as u64);
                    r.login(&name, &Password::new(PW), &code).ok()?;
                    Some(r)
                });
                let (mut search, mut reads) = (Vec::new(), Vec::new());
                // Every client passes each gate, signed in or not, so none waits forever.
                gate.wait();
                if let Some(mut r) = r {
                    for j in 0..SEARCHES {
                        let q = queries[(j + k) % queries.len()];
                        let t = Instant::now();
                        if let Ok(Response::Customers(_)) = r.call(Request::CustomerSearch {
                            query: q.into(),
                            limit: 50,
                        }) {
                            search.push(t.elapsed());
                        }
                    }
                    gate.wait();
                    for j in 0..READS {
                        let t = Instant::now();
                        if r.call(read_request(j + k))
                            .is_ok_and(|a| is_read_answer(&a))
                        {
                            reads.push(t.elapsed());
                        }
                    }
                } else {
                    gate.wait();
                }
                (search, reads)
            })
        })
        .collect();
    gate.wait();
    let t1 = Instant::now();
    // The search phase ends when every client has passed the second gate.
    gate.wait();
    let search_wall = t1.elapsed();
    let t2 = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let mut writes = Vec::new();
    let watcher = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut all = Vec::new();
            for h in handles {
                all.push(h.join().unwrap_or_default());
            }
            done.store(true, Ordering::SeqCst);
            all
        })
    };
    let mut j = 0;
    // `KASEFET_BENCH_WRITER=0` leaves the readers alone, to tell their own cost from the
    // writer's.
    let writing = std::env::var("KASEFET_BENCH_WRITER").map_or(true, |v| v != "0");
    while writing && !done.load(Ordering::SeqCst) && !tasks.is_empty() {
        let t = Instant::now();
        if let Ok(Response::Done) = writer.call(Request::TaskSetStatus {
            id: tasks[j % tasks.len()],
            status: TaskStatus::ALL[(j / tasks.len() + j) % 4],
        }) {
            writes.push(t.elapsed());
        }
        j += 1;
    }
    let all = watcher.join().map_err(|_| "a client panicked")?;
    let reads_wall = t2.elapsed();
    let (search, reads): (Vec<Times>, Vec<Times>) = all.into_iter().unzip();
    Ok((
        (search.concat(), search_wall),
        (reads.concat(), reads_wall),
        (writes, reads_wall),
    ))
}
