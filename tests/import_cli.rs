//! `kasefet import` and `kasefet export` through the real binary, under one sign-in (batch):
//! dry run with --json, rejects file, export files 0600 and --force, and a killed import.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

use kasefet::auth::totp::TotpSecret;

struct Office {
    dir: tempfile::TempDir,
    totp: TotpSecret,
}

impl Office {
    fn new() -> Office {
        let dir = tempfile::tempdir().unwrap();
        let totp = common::init_with_binary(dir.path(), "");
        Office { dir, totp }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kasefet"));
        c.current_dir(self.dir.path())
            .args([
                "--config",
                "kasefet.toml",
                "--data-dir",
                "db",
                "--user",
                "dana",
            ])
            .args(["--password-file", "pw"])
            .env_remove("KASEFET_USER")
            .env_remove("KASEFET_TOTP")
            .env_remove("KASEFET_PASSWORD_FILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Runs batch lines; `step` picks a distinct TOTP step per sign-in of a test.
    fn batch(&self, step: i64, lines: &str) -> Output {
        let now = jiff::Timestamp::now().as_second() / 30 - 1 + step;
        let code = self.totp.code_at((now * 30) as u64);
        let mut child = self.cmd().args(["--totp", &code, "batch"]).spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(lines.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

fn out(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn dry_run_rejects_file_and_export_files() {
    let o = Office::new();
    let p = |n: &str| o.dir.path().join(n);
    std::fs::write(
        p("in.csv"),
        "Name,E-mail,Telefon\nNoa Levi,noa@example.org,054-1234567\nBad,not-mail,\nAvi,avi@example.org,\n=cmd(),=bad,\n",
    )
    .unwrap();
    std::fs::write(p("existing.csv"), "old").unwrap();
    let r = o.batch(
        0,
        "import customers in.csv --dry-run --json --map 'Telefon=phone'\n\
         import customers in.csv --rejects rej.csv --map Telefon=phone\n\
         export customers --to out.csv\n\
         export customers --to existing.csv\n\
         export customers --to existing.csv --force --format json\n\
         import list\n",
    );
    let text = out(&r);
    assert!(
        !r.status.success(),
        "the refused overwrite fails the batch: {text}"
    );
    // batch --json prints JSON Lines: the dry run's report is the first line.
    let first = text.lines().next().unwrap();
    let dry: serde_json::Value = serde_json::from_str(first).unwrap();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["created"], 2);
    assert_eq!(dry["rejected"][0][0], 3);
    assert!(text.contains("created 2"), "{text}");
    assert!(text.contains("already exists"), "{text}");
    let rej = std::fs::read_to_string(p("rej.csv")).unwrap();
    assert!(rej.starts_with("line,Name,E-mail,Telefon,reason"), "{rej}");
    assert!(rej.contains("3,Bad,not-mail,,"), "{rej}");
    assert!(
        rej.contains("5,'=cmd(),'=bad,,"),
        "rejects are inert too: {rej}"
    );
    for f in ["out.csv", "existing.csv", "rej.csv"] {
        let mode = std::fs::metadata(p(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }
    let csv = std::fs::read_to_string(p("out.csv")).unwrap();
    assert!(
        csv.starts_with("kasefet id,kind,name,company,emails,phones"),
        "{csv}"
    );
    assert!(csv.contains("Noa Levi"));
    let replaced = std::fs::read_to_string(p("existing.csv")).unwrap();
    assert!(
        replaced.trim_start().starts_with('['),
        "--force replaced it: {replaced}"
    );
    assert!(
        text.contains("in.csv"),
        "import list names the file: {text}"
    );
}

/// A large import killed before it finishes leaves no customer behind: the commit is one
/// sled transaction, written after every row was validated.
#[test]
fn a_killed_import_leaves_nothing_half_written() {
    let o = Office::new();
    let mut csv = String::from("Name,Email\n");
    for i in 0..60_000 {
        csv.push_str(&format!("Person {i},p{i}@example.org\n"));
    }
    std::fs::write(o.dir.path().join("big.csv"), csv).unwrap();
    let now = jiff::Timestamp::now().as_second() / 30;
    let code = o.totp.code_at((now * 30) as u64);
    let mut child = o
        .cmd()
        .args(["--totp", &code, "import", "customers", "big.csv"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(900));
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    child.wait().unwrap();
    let r = o.batch(1, "customer list --json\n");
    let list: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap_or_default();
    let n = list.as_array().map_or(0, Vec::len);
    if finished {
        assert_eq!(n, 60_000, "{}", out(&r));
    } else {
        assert_eq!(n, 0, "killed mid-import: {}", out(&r));
    }
}

#[test]
fn add_refuses_a_duplicate_unless_allowed() {
    let o = Office::new();
    let r = o.batch(
        0,
        "customer add --name 'Noa Levi' --email noa@example.org\n\
         customer add --name 'Noa L' --email NOA@example.org\n\
         customer add --name 'Noa L' --email NOA@example.org --allow-duplicate\n\
         customer duplicates\n",
    );
    let text = out(&r);
    assert_eq!(
        r.status.code(),
        Some(kasefet::service::exit::CONFLICT),
        "{text}"
    );
    assert!(
        text.contains("possible duplicate of customer 1 (Noa Levi, same email)"),
        "{text}"
    );
    assert!(text.contains("created customer 2"), "{text}");
    assert!(text.contains("same email"), "{text}");
}

#[test]
fn edit_refuses_a_phone_another_customer_has_in_another_form_unless_allowed() {
    let o = Office::new();
    let r = o.batch(
        0,
        "customer add --name 'Noa Levi' --phone 054-1234567\n\
         customer add --name 'Avi Ben' --phone 052-1112223\n\
         customer edit 2 --phone '+972 54 123 4567'\n\
         customer edit 2 --name 'Avi B'\n\
         customer edit 2 --phone '+972 54 123 4567' --allow-duplicate\n\
         customer show 2\n",
    );
    let text = out(&r);
    assert_eq!(
        r.status.code(),
        Some(kasefet::service::exit::CONFLICT),
        "{text}"
    );
    assert!(
        text.contains("possible duplicate of customer 1 (Noa Levi, same phone)"),
        "{text}"
    );
    // Its own number is no duplicate of itself; the allowed edit went through.
    assert!(text.contains("line 3: possible duplicate"), "{text}");
    assert!(text.contains("5 succeeded, 1 failed"), "{text}");
    assert!(
        text.contains("Avi B") && text.contains("+972 54 123 4567"),
        "{text}"
    );
}

#[test]
fn a_device_or_a_folder_is_refused_plainly() {
    let o = Office::new();
    let r = o.batch(
        0,
        "import customers /dev/zero --dry-run\nimport customers . --dry-run\n",
    );
    let text = out(&r);
    assert_eq!(
        r.status.code(),
        Some(kasefet::service::exit::INVALID),
        "{text}"
    );
    assert!(text.contains("/dev/zero is not a regular file"), "{text}");
    assert!(text.contains(". is a folder"), "{text}");
}
