//! Crash and damage: `cargo bench --bench crash_damage` (not in CI; it takes minutes).
//!
//! 1. N rounds (`KASEFET_CRASH_ROUNDS`, default 100): a child process signs in and runs
//!    concurrent writers (`KASEFET_CRASH_WRITERS`, default 4) adding customers, printing each
//!    acknowledged id; it is SIGKILLed after a random number of acknowledgements. Then every
//!    acknowledged customer must be there, the audit chain must verify and the database must
//!    open (a refusal after a plain crash would be a false alarm, counted as such).
//!    Then K kills (`KASEFET_OPEN_KILLS`, default 40) at a random moment from the child's
//!    start, most of them inside `Service::open` (sled's recovery and the snapshot it writes
//!    at open, spacejam/sled #1527) or the sign-in: the database must open after each, and
//!    the torn `snap.*.generating` files such a kill leaves are counted.
//! 2. M single-byte flips (`KASEFET_FLIPS`, default 50) of the sled files of a copy of the
//!    database, each checked by a child process (open, sign in, integrity status, audit
//!    verify): "detected" when Kasefet refuses, quarantines or reports; "harmless" when the
//!    records read back unchanged and nothing was reported; "missed" when records changed
//!    and nothing said so.
//! 3. The same number of flips of a backup file, checked with `verify --full` and the
//!    recovery key.
//!
//! Prints one table. Children are this same binary, told what to do by `KASEFET_CRASH_CHILD`.

mod fixtures;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use kasefet::auth::records::RECOVERY_KEY;
use kasefet::auth::totp::TotpSecret;
use kasefet::crypto::{Envelope, KdfParams, Password, SecretKey};
use kasefet::service::{Clock, NewAdmin, Peer, Request, Response, Service, Settings};
use kasefet::store::{Store, Tree, Vault, codec};

const PASSWORD: &str = "correct horse battery staple 42";
const START: i64 = 1_790_000_000;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn settings() -> Settings {
    Settings {
        kdf: KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        ..Settings::default()
    }
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A small xorshift: the script needs spread, not security, and no extra crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn sign_in(service: &Service, totp: &TotpSecret, at: i64) -> Res<kasefet::service::Session> {
    let code = totp.code_at(at as u64);
    Ok(service
        .login("dana", &Password::new(PASSWORD), &code, &Peer::default())?
        .session)
}

/// Child: sign in at `at` and add customers from several threads until killed.
fn child_write(dir: &Path, totp: &TotpSecret, at: i64, writers: usize) -> Res<()> {
    let service = Arc::new(Service::open(dir, settings(), Clock::manual(at))?);
    let s = sign_in(&service, totp, at)?;
    let out = Arc::new(std::sync::Mutex::new(std::io::stdout()));
    let mut handles = Vec::new();
    for w in 0..writers {
        let (service, s, out) = (service.clone(), s.clone(), out.clone());
        handles.push(std::thread::spawn(move || {
            for i in 0.. {
                let input = fixtures::customer(w * 1_000_000 + i);
                if let Ok(Response::Created { id, .. }) =
                    service.handle(&s, Request::CustomerCreate { input })
                {
                    let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
                    let _ = writeln!(o, "ack {id}");
                    let _ = o.flush();
                }
            }
        }));
    }
    for h in handles {
        let _ = h.join();
    }
    Ok(())
}

/// Kills children at random moments from their start (see the module comment). Returns the
/// opens refused afterwards and how many kills left a torn open-time snapshot behind.
fn kills_from_start(
    dir: &Path,
    totp: &TotpSecret,
    at: &mut i64,
    rng: &mut Rng,
    kills: usize,
) -> Res<(usize, usize)> {
    // How long a child takes to its first acknowledged write: the window the kills cover.
    *at += 60;
    let t = std::time::Instant::now();
    let mut c = child("write", dir, totp, *at)
        .stdout(Stdio::piped())
        .spawn()?;
    if let Some(out) = c.stdout.take() {
        let _ = BufReader::new(out).lines().next();
    }
    let window = (t.elapsed().as_millis() as u64).max(10) * 3 / 2;
    let _ = c.kill();
    let _ = c.wait();
    drop(Store::open(dir, 8 << 20)?);
    let (mut refused, mut torn) = (0, 0);
    for k in 0..kills {
        *at += 60;
        let mut c = child("write", dir, totp, *at)
            .stdout(Stdio::null())
            .spawn()?;
        std::thread::sleep(Duration::from_millis(rng.below(window)));
        let _ = c.kill();
        let _ = c.wait();
        let left = std::fs::read_dir(dir)?.filter_map(|e| e.ok()).any(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("snap.") && n.ends_with(".generating")
        });
        torn += usize::from(left);
        match Store::open(dir, 8 << 20) {
            Ok(s) => drop(s),
            Err(e) => {
                refused += 1;
                eprintln!("kill {k} from the start: refused: {e}");
                drop(Store::open_for_repair(dir, 8 << 20)?);
            }
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    println!(
        "  (kills from the start spread over {window} ms, a child's time to its first write x 1.5)"
    );
    Ok((refused, torn))
}

/// SHA-256 over every (tree, key, value), read raw.
fn dump(store: &Store) -> Res<[u8; 32]> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for t in Tree::ALL {
        for r in store.scan_raw(t) {
            let (k, v) = r?;
            for part in [t.name().as_bytes(), &k, &v] {
                ctx.update(&(part.len() as u64).to_be_bytes());
                ctx.update(part);
            }
        }
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    Ok(out)
}

/// Child: check a (possibly damaged) database; prints `dump HEX` then `verdict WORDS`.
fn child_check(dir: &Path, totp: &TotpSecret, at: i64) -> Res<()> {
    let service = match Service::open(dir, settings(), Clock::manual(at)) {
        Ok(s) => s,
        Err(e) => {
            println!("verdict refused at open: {e}");
            return Ok(());
        }
    };
    println!("dump {}", hex(&dump(service.store())?));
    let s = match sign_in(&service, totp, at) {
        Ok(s) => s,
        Err(e) => {
            println!("verdict refused at sign-in: {e}");
            return Ok(());
        }
    };
    let mut said = Vec::new();
    if let Ok(Response::Integrity { quarantined, notes }) =
        service.handle(&s, Request::IntegrityStatus)
    {
        said.extend(quarantined);
        said.extend(notes);
    }
    match service.handle(&s, Request::AuditVerify) {
        Ok(Response::AuditReport(r)) if r.ok() => {}
        Ok(Response::AuditReport(r)) => said.push(r.problem.unwrap_or_default()),
        Ok(_) => said.push("unexpected".into()),
        Err(e) => said.push(e.to_string()),
    }
    if said.is_empty() {
        println!("verdict quiet");
    } else {
        println!("verdict reported: {}", said.join("; "));
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn child(mode: &str, dir: &Path, totp: &TotpSecret, at: i64) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap_or_default());
    c.env("KASEFET_CRASH_CHILD", mode)
        .env("KASEFET_CRASH_DIR", dir)
        .env("KASEFET_CRASH_TOTP", &*totp.to_base32())
        .env("KASEFET_CRASH_AT", at.to_string())
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn copy_dir(from: &Path, to: &Path) -> Res<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to)?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700))?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()))?;
        } else {
            std::fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}

fn vault(store: &Store, recovery: &SecretKey) -> Res<Vault> {
    let raw = store
        .get_raw(Tree::Keyring, RECOVERY_KEY)?
        .ok_or("no recovery envelope")?;
    let env: Envelope = codec::decode(&raw)?;
    Ok(Vault::new(env.open_with_key(recovery)?))
}

#[derive(Default)]
struct Tally {
    detected: usize,
    /// How detected damage showed: refused at open, at sign-in, reported once signed in.
    how: std::collections::BTreeMap<String, usize>,
    missed: usize,
    harmless: usize,
    examples: Vec<String>,
    /// Why a checking process stopped, for the first few.
    stopped: Vec<String>,
}

/// Runs a check child on `dir` and sorts the outcome against the undamaged dump.
fn judge(dir: &Path, totp: &TotpSecret, at: i64, baseline: &str, tally: &mut Tally, what: &str) {
    let out = child("check", dir, totp, at)
        .stderr(Stdio::piped())
        .output();
    let text = out
        .as_ref()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let dump = text
        .lines()
        .find_map(|l| l.strip_prefix("dump "))
        .unwrap_or("");
    let verdict = text
        .lines()
        .find_map(|l| l.strip_prefix("verdict "))
        .unwrap_or("refused: the checking process stopped with an error (panic, abort, or a storage error while reading)");
    if verdict.starts_with("refused: the checking") && tally.stopped.len() < 3 {
        let why = out
            .as_ref()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .unwrap_or_default();
        let line = why
            .lines()
            .find(|l| l.contains("panicked") || l.contains("rror"))
            .unwrap_or("(no message)")
            .to_string();
        tally.stopped.push(line);
    }
    if verdict != "quiet" {
        tally.detected += 1;
        let mut how = verdict.split(':').next().unwrap_or(verdict).to_string();
        // Whose check it was: ours (anchor, digest, quarantine) or the storage engine's own.
        if verdict.contains("anchor") || verdict.contains("behind") {
            how.push_str(" (integrity anchor)");
        } else if verdict.contains("storage error") || verdict.contains("malformed") {
            how.push_str(" (sled's own checks)");
        }
        *tally.how.entry(how).or_default() += 1;
    } else if dump == baseline {
        tally.harmless += 1;
    } else {
        tally.missed += 1;
        tally
            .examples
            .push(format!("{what}: records changed, nothing said"));
    }
}

fn main() -> Res<()> {
    if let Ok(mode) = std::env::var("KASEFET_CRASH_CHILD") {
        let dir = PathBuf::from(std::env::var("KASEFET_CRASH_DIR")?);
        let totp = TotpSecret::from_base32(&std::env::var("KASEFET_CRASH_TOTP")?)?;
        let at: i64 = std::env::var("KASEFET_CRASH_AT")?.parse()?;
        return match mode.as_str() {
            "write" => child_write(&dir, &totp, at, env_num("KASEFET_CRASH_WRITERS", 4)),
            _ => child_check(&dir, &totp, at),
        };
    }
    // `cargo bench` passes `--bench`; nothing else is expected.
    let rounds = env_num("KASEFET_CRASH_ROUNDS", 100);
    let flips = env_num("KASEFET_FLIPS", 50);
    let mut rng = Rng(jiff::Timestamp::now().as_nanosecond() as u64 | 1);
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("db");
    let totp = TotpSecret::generate()?;
    let (service, recovery) = Service::init(
        &dir,
        settings(),
        Clock::manual(START),
        NewAdmin {
            username: "dana",
            display_name: "Dana",
            password: &Password::new(PASSWORD),
            totp: &totp,
            recovery_codes: None,
        },
    )?;
    drop(service);
    let mut at = START;

    let (mut acked_total, mut lost, mut false_alarms) = (0usize, 0usize, 0usize);
    for round in 0..rounds {
        at += 60;
        let mut c = child("write", &dir, &totp, at)
            .stdout(Stdio::piped())
            .spawn()?;
        let stop_after = 5 + rng.below(60) as usize;
        let mut acked = Vec::new();
        if let Some(out) = c.stdout.take() {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if let Some(id) = line
                    .strip_prefix("ack ")
                    .and_then(|x| x.parse::<u64>().ok())
                {
                    acked.push(id);
                }
                if acked.len() >= stop_after {
                    break;
                }
            }
        }
        // Killed at once, mid-write for the other writers: SIGKILL, no clean-up.
        let _ = c.kill();
        let _ = c.wait();
        acked_total += acked.len();
        let store = match Store::open(&dir, 8 << 20) {
            Ok(s) => s,
            Err(e) => {
                false_alarms += 1;
                eprintln!("round {round}: refused after a plain crash: {e}");
                // Take it as it is, so later rounds can go on.
                drop(Store::open_for_repair(&dir, 8 << 20)?);
                continue;
            }
        };
        let v = vault(&store, &recovery)?;
        for id in &acked {
            let c: Option<kasefet::domain::Customer> =
                v.get(&store, Tree::Customers, &id.to_be_bytes())?;
            if c.is_none() {
                lost += 1;
            }
        }
        let report = kasefet::audit::verify(&store, &v)?;
        if !report.ok() {
            eprintln!("round {round}: audit chain: {:?}", report.problem);
            false_alarms += 1;
        }
        drop(store);
        std::thread::sleep(Duration::from_millis(30));
    }

    let kills = env_num("KASEFET_OPEN_KILLS", 40);
    let (open_refused, open_torn) = kills_from_start(&dir, &totp, &mut at, &mut rng, kills)?;

    // Flips of the sled files, each on a fresh copy.
    let baseline = {
        let store = Store::open(&dir, 8 << 20)?;
        hex(&dump(&store)?)
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            n == "db" || n.starts_with("snap.")
        })
        .collect();
    files.sort();
    let mut sled_tally = Tally::default();
    for i in 0..flips {
        at += 60;
        let copy = tmp.path().join(format!("flip{i}"));
        copy_dir(&dir, &copy)?;
        let f = &files[rng.below(files.len() as u64) as usize];
        let target = copy.join(f.file_name().ok_or("no name")?);
        let mut bytes = std::fs::read(&target)?;
        if bytes.is_empty() {
            continue;
        }
        let at_byte = rng.below(bytes.len() as u64) as usize;
        bytes[at_byte] ^= 1 << rng.below(8);
        std::fs::write(&target, &bytes)?;
        let what = format!("{} byte {at_byte}", target.display());
        judge(&copy, &totp, at, &baseline, &mut sled_tally, &what);
        let _ = std::fs::remove_dir_all(&copy);
    }

    // Flips of a backup, checked with the recovery key.
    let bk = tmp.path().join("bk");
    let written = {
        let store = Store::open(&dir, 8 << 20)?;
        kasefet::backup::write_snapshot(&store, &bk, at)?
    };
    let good = std::fs::read(&written.path)?;
    let mut backup_tally = Tally::default();
    for i in 0..flips {
        let mut b = good.clone();
        let at_byte = rng.below(b.len() as u64) as usize;
        b[at_byte] ^= 1 << rng.below(8);
        let p = tmp.path().join(format!("flip{i}.kbak"));
        std::fs::write(&p, &b)?;
        match kasefet::backup::check_full(&p, &kasefet::backup::Key::Recovery(&recovery)) {
            Err(_) => {
                backup_tally.detected += 1;
                *backup_tally
                    .how
                    .entry("refused (keyless checks)".into())
                    .or_default() += 1;
            }
            Ok(r) if !r.ok() => {
                backup_tally.detected += 1;
                *backup_tally
                    .how
                    .entry("failed the full check".into())
                    .or_default() += 1;
            }
            Ok(_) if b == good => backup_tally.harmless += 1,
            Ok(_) => {
                backup_tally.missed += 1;
                backup_tally
                    .examples
                    .push(format!("backup byte {at_byte}: passed verify --full"));
            }
        }
        let _ = std::fs::remove_file(&p);
    }

    println!("crash and damage (N = {rounds} SIGKILL rounds, M = {flips} flips each)");
    println!("  rounds                        {rounds}");
    println!("  acknowledged writes           {acked_total}");
    println!("  writes lost                   {lost}");
    println!("  refused after a plain crash   {false_alarms}");
    println!(
        "  kills from the start          {kills}: refused after {open_refused}, torn open-time snapshots left {open_torn}"
    );
    for (name, t) in [("sled files", &sled_tally), ("backup file", &backup_tally)] {
        println!(
            "  {name:<12} flips: damage detected {}, damage missed {}, harmless {}",
            t.detected, t.missed, t.harmless
        );
        for (how, n) in &t.how {
            println!("    {n} {how}");
        }
        for e in &t.examples {
            println!("    missed: {e}");
        }
        for e in &t.stopped {
            println!("    stopped: {e}");
        }
    }
    Ok(())
}
