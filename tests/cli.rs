//! The command-line contract through the real binary: init, customers, tasks, employees,
//! batch, audit, JSON output and exit codes.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use kasefet::auth::totp::TotpSecret;
use kasefet::service::exit;

struct Office {
    dir: tempfile::TempDir,
    /// The last TOTP step a sign-in of this test used; each sign-in needs a later one.
    last_step: std::cell::Cell<i64>,
}

impl Office {
    fn new() -> Office {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("kasefet.toml"),
            "[security]\nargon2_memory_kib = 8192\nargon2_iterations = 1\nargon2_parallelism = 1\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("pw"), "correct horse battery staple 42\n").unwrap();
        let o = Office {
            dir,
            last_step: std::cell::Cell::new(0),
        };
        let out = o.run_raw(
            &[
                "init",
                "--admin",
                "dana",
                "--password-file",
                "pw",
                "--totp-secret-file",
                "dana.totp",
                "--recovery-key-file",
                "rk",
            ],
            None,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        o
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run_raw(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kasefet"));
        cmd.current_dir(self.dir.path())
            .arg("--data-dir")
            .arg(self.p("db"))
            .arg("--config")
            .arg(self.p("kasefet.toml"))
            .args(args)
            .env_remove("KASEFET_USER")
            .env_remove("KASEFET_TOTP")
            .env_remove("KASEFET_PASSWORD_FILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    }

    /// A code for a step no earlier sign-in of this test used, taken from the current and
    /// next step (both stay valid across a step boundary); waits when both are used.
    fn code(&self) -> String {
        let secret =
            TotpSecret::from_base32(&std::fs::read_to_string(self.p("dana.totp")).unwrap())
                .unwrap();
        loop {
            let cur = jiff::Timestamp::now().as_second() / 30;
            let step = (self.last_step.get() + 1).max(cur);
            if step <= cur + 1 {
                self.last_step.set(step);
                return secret.code_at((step * 30) as u64);
            }
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
    }

    fn signed_in(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let code = self.code();
        let mut all = vec!["--user", "dana", "--password-file", "pw", "--totp", &code];
        all.extend_from_slice(args);
        self.run_raw(&all, stdin)
    }
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn init_writes_private_files_and_refuses_to_run_twice() {
    use std::os::unix::fs::PermissionsExt;
    let o = Office::new();
    for f in ["dana.totp", "rk", "db"] {
        let mode = std::fs::metadata(o.p(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{f} is {mode:o}");
    }
    let rk = std::fs::read_to_string(o.p("rk")).unwrap();
    assert!(kasefet::crypto::recovery::parse(&rk).is_ok());
    let again = o.run_raw(&["init", "--admin", "x", "--password-file", "pw"], None);
    assert_eq!(again.status.code(), Some(exit::INVALID));
    assert!(err(&again).contains("already exists"));
}

#[test]
fn init_refuses_a_weak_password_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pw"), "password\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(dir.path())
        .args([
            "--data-dir",
            "db",
            "init",
            "--admin",
            "dana",
            "--password-file",
            "pw",
            "--totp-secret-file",
            "t",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(exit::INVALID), "{}", err(&out));
    assert!(err(&out).contains("password refused"), "{}", err(&out));
    assert!(!dir.path().join("db").exists());
    assert!(!dir.path().join("t").exists());
}

#[test]
fn the_issue_walkthrough_works_through_the_binary() {
    let o = Office::new();
    let add = o.signed_in(
        &[
            "customer",
            "add",
            "--name",
            "Noa Levi",
            "--company",
            "Levi Optics",
            "--email",
            "noa@levi.example",
            "--phone",
            "+972-50-123-4567",
            "--tag",
            "vip",
        ],
        None,
    );
    assert!(add.status.success(), "{}", err(&add));
    assert_eq!(text(&add).trim(), "created customer 1");

    let search = o.signed_in(&["customer", "search", "levi", "--json"], None);
    assert!(search.status.success(), "{}", err(&search));
    let v: serde_json::Value = serde_json::from_str(&text(&search)).unwrap();
    assert_eq!(v[0]["name"], "Noa Levi");
    assert_eq!(v[0]["phone"], "+972-50-123-4567");

    let script = "\
# a comment, then a blank line

customer add --name 'José Ñúñez' --phone '050 765 4321' --status active
customer search 0501234567
customer show 1
customer note 1 'Called about the new frames' --kind call
task add --title 'Call Noa back' --due 2026-11-20 --customer 1 --priority high
task list --all
task done 1
task show 1
employee add --name 'Avi Cohen' --title Engineer --salary 1000
employee show 1 --reveal
customer add --name ''
customer show 77
customer edit 1 --status active --tag vip --tag optics
customer list --tag optics --json
audit verify
audit list --limit 3 --json
customer show 1
";
    let batch = o.signed_in(&["batch"], Some(script));
    let out = text(&batch);
    let e = err(&batch);
    assert_eq!(batch.status.code(), Some(exit::INVALID), "stderr: {e}");
    assert!(e.contains("line 13: invalid input: name"), "{e}");
    assert!(e.contains("line 14: not found: customer 77"), "{e}");
    assert!(e.contains("batch: 15 succeeded, 2 failed"), "{e}");
    assert!(out.contains("created customer 2"));
    assert!(out.contains("Noa Levi"), "phone digits search: {out}");
    assert!(out.contains("logged call for customer 1"));
    assert!(out.contains("finished task 1"));
    assert!(out.contains("salary:") && out.contains("1000"));
    assert!(out.contains("audit log intact"), "{out}");
    assert!(out.contains("Called about the new frames"));

    let verify = o.signed_in(&["audit", "verify", "--json"], None);
    assert!(verify.status.success(), "{}", err(&verify));
    let r: serde_json::Value = serde_json::from_str(&text(&verify)).unwrap();
    assert!(r["problem"].is_null());
}

#[test]
fn exit_codes_are_distinct_and_documented() {
    let o = Office::new();
    let help = o.run_raw(&["--help"], None);
    let h = text(&help);
    for code in [
        "2  invalid",
        "3  authentication",
        "4  permission",
        "5  not found",
        "6  conflict",
    ] {
        assert!(h.contains(code), "--help lacks {code:?}");
    }
    let bad_code = o.run_raw(
        &[
            "--user",
            "dana",
            "--password-file",
            "pw",
            "--totp",
            "000000",
            "customer",
            "list",
        ],
        None,
    );
    assert_eq!(bad_code.status.code(), Some(exit::AUTH));
    assert!(err(&bad_code).contains("sign-in failed"));
    let unknown = o.run_raw(
        &[
            "--user",
            "nobody",
            "--password-file",
            "pw",
            "--totp",
            "000000",
            "customer",
            "list",
        ],
        None,
    );
    assert_eq!(unknown.status.code(), Some(exit::AUTH));
    assert_eq!(
        err(&unknown),
        err(&bad_code),
        "unknown user and wrong code must read the same"
    );
    let missing = o.signed_in(&["customer", "show", "42"], None);
    assert_eq!(
        missing.status.code(),
        Some(exit::NOT_FOUND),
        "{}",
        err(&missing)
    );
    let invalid = o.signed_in(
        &["customer", "add", "--name", "X", "--email", "not-an-email"],
        None,
    );
    assert_eq!(
        invalid.status.code(),
        Some(exit::INVALID),
        "{}",
        err(&invalid)
    );
    assert!(err(&invalid).contains("email"), "{}", err(&invalid));
    let no_db = Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .args([
            "--data-dir",
            "/nonexistent/kasefet-test",
            "--user",
            "a",
            "--totp",
            "1",
            "customer",
            "list",
        ])
        .env("KASEFET_PASSWORD_FILE", "/dev/null")
        .output()
        .unwrap();
    assert_eq!(
        no_db.status.code(),
        Some(exit::UNAVAILABLE),
        "{}",
        err(&no_db)
    );
    assert!(err(&no_db).contains("kasefet init"));
}

#[test]
fn scripted_sign_in_reads_the_environment() {
    let o = Office::new();
    let code = o.code();
    let out = Command::new(env!("CARGO_BIN_EXE_kasefet"))
        .current_dir(o.dir.path())
        .args(["customer", "list", "--json"])
        .env("KASEFET_DATA_DIR", o.p("db"))
        .env("KASEFET_CONFIG", o.p("kasefet.toml"))
        .env("KASEFET_USER", "dana")
        .env("KASEFET_PASSWORD_FILE", o.p("pw"))
        .env("KASEFET_TOTP", code)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(text(&out).trim(), "[]");
}

#[test]
fn nothing_without_credentials_off_a_terminal() {
    let o = Office::new();
    let out = o.run_raw(&["customer", "list"], None);
    assert_eq!(out.status.code(), Some(exit::AUTH));
    assert!(err(&out).contains("--user"), "{}", err(&out));
}

#[test]
fn customer_search_understands_filters_spaced_phones_and_typos() {
    // One sign-in for all of it: each sign-in spends a TOTP step, and steps are 30 s apart.
    let o = Office::new();
    let queries = [
        "050 123 4567",
        "+972 50 123 4567",
        "levy",
        "tag:vip",
        "company:\"levi optics\"",
    ];
    let mut script = String::from(
        "customer add --name 'Noa Levi' --company 'Levi Optics' --phone +972-50-123-4567 --tag vip\n\
         customer add --name 'Avi Cohen'\n",
    );
    for q in queries {
        script.push_str(&format!("customer search '{q}'\n"));
    }
    let out = o.signed_in(&["batch", "--json"], Some(&script));
    assert!(out.status.success(), "{}", err(&out));
    let docs: Vec<serde_json::Value> = text(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2 + queries.len(), "{}", text(&out));
    for (q, v) in queries.iter().zip(&docs[2..]) {
        assert_eq!(v.as_array().map(Vec::len), Some(1), "{q}: {v}");
        assert_eq!(v[0]["name"], "Noa Levi", "{q}");
    }
}

/// More customers than one page (5,000): `customer list` prints each page as it comes, and
/// the output is one table or one JSON array all the same.
#[test]
fn a_list_longer_than_a_page_is_printed_whole_as_it_comes() {
    let o = Office::new();
    let n = 12_000;
    let mut csv = String::from("Name,Email\n");
    for i in 0..n {
        csv.push_str(&format!("Person {i:05},p{i}@example.org\n"));
    }
    std::fs::write(o.p("many.csv"), csv).unwrap();
    let out = o.signed_in(&["import", "customers", "many.csv"], None);
    assert!(out.status.success(), "{}", err(&out));
    let out = o.signed_in(&["customer", "list", "--json"], None);
    assert!(out.status.success(), "{}", err(&out));
    let list: serde_json::Value = serde_json::from_str(&text(&out)).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let want: Vec<String> = (0..n).map(|i| format!("Person {i:05}")).collect();
    assert_eq!(names, want);
    let out = o.signed_in(
        &["customer", "list", "--offset", "3", "--limit", "7001"],
        None,
    );
    assert!(out.status.success(), "{}", err(&out));
    let table = text(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1 + 7001);
    assert!(lines[0].starts_with("ID "), "{}", lines[0]);
    assert!(lines[1].contains("Person 00003") && lines[7001].contains("Person 07003"));
    // No cell of a later page is wider than the first page's widest, so all lines line up.
    let at = lines[1].find("Person").unwrap();
    assert!(lines[1..].iter().all(|l| l.find("Person") == Some(at)));
}
