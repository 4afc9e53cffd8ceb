//! Issue 13 through the real binary: a closed pipe (bug 8), overdue tasks in "this week"
//! (bug 10), a local open while a server owns the database (bug 6), and the friction items:
//! JSON Lines from `batch --json`, the renamed TOTP secret options, the one-time password
//! message and the address order.
#![allow(clippy::unwrap_used)]

mod office_common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use office_common::{Office, err, text};

fn kasefet() -> &'static str {
    env!("CARGO_BIN_EXE_kasefet")
}

/// Runs `batch` signed in, its output through `| head -n 2` in a real shell; returns what
/// the shell printed and kasefet's own exit code. `merge` sends stderr into the pipe too.
fn batch_into_head(o: &Office, script: &str, merge: bool) -> (String, i32) {
    std::fs::write(o.p("script"), script).unwrap();
    let code = o.code("db");
    let redirect = if merge { "2>&1" } else { "2>stderr" };
    let line = format!(
        "'{}' --data-dir db --config kasefet.toml --user dana --password-file pw --totp {code} batch < script {redirect} | head -n 2; echo \"rc=${{PIPESTATUS[0]}}\"",
        kasefet()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(line)
        .current_dir(o.path())
        .output()
        .unwrap();
    let s = text(&out);
    let rc = s
        .lines()
        .find_map(|l| l.strip_prefix("rc="))
        .unwrap()
        .parse()
        .unwrap();
    (s, rc)
}

#[test]
fn a_closed_pipe_ends_batch_quietly_with_the_usual_code() {
    let o = Office::new("");
    // Far more than a pipe holds, so writes go on after `head` has gone.
    let mut script = String::from("customer add --name 'Noa Levi' --company 'Levi Optics'\n");
    script.push_str(&"customer list\n".repeat(3000));
    let (shown, rc) = batch_into_head(&o, &script, false);
    assert_eq!(rc, 0, "{shown}");
    let stderr = std::fs::read_to_string(o.p("stderr")).unwrap();
    assert!(
        !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
        "{stderr}"
    );
    // With stderr in the pipe as well, messages must not panic either (it was 101).
    let (shown, rc) = batch_into_head(&o, &script, true);
    assert_eq!(rc, 0, "{shown}");
    assert!(!shown.contains("panicked"), "{shown}");
}

fn day(offset: i64) -> String {
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    today
        .checked_add(jiff::Span::new().days(offset))
        .unwrap()
        .to_string()
}

#[test]
fn batch_json_is_json_lines_overdue_is_not_this_week_and_addresses_read_alike() {
    let o = Office::new("");
    let script = format!(
        "task add --title Late --due {}\n\
         task add --title Soon --due {}\n\
         task list --week\n\
         task list --overdue\n\
         customer add --name Noa --street 'Herzl 1' --city 'Tel Aviv' --postal-code 6100000 --country Israel\n\
         customer show 1\n",
        day(-3),
        day(3)
    );
    let out = o.signed_in(&["--json", "batch"], Some(&script));
    assert!(out.status.success(), "{}", err(&out));
    let lines: Vec<serde_json::Value> = text(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON Lines: {l:?}: {e}")))
        .collect();
    assert_eq!(lines.len(), 6, "one document per command: {}", text(&out));
    let titles = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["data"]["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(titles(&lines[2]), ["Soon"], "due this week");
    assert_eq!(titles(&lines[3]), ["Late"], "overdue");

    let show = o.signed_in(&["customer", "show", "1"], None);
    let shown = text(&show);
    assert!(
        shown.contains("Herzl 1, Tel Aviv, 6100000, Israel"),
        "the TUI's order (street, city, postal code, country): {shown}"
    );
    let addr = kasefet::domain::customer::Address {
        street: Some("Herzl 1".into()),
        city: Some("Tel Aviv".into()),
        postal_code: Some("6100000".into()),
        country: Some("Israel".into()),
    };
    assert!(shown.contains(&addr.one_line()));
}

#[test]
fn totp_secret_options_say_their_direction_and_the_old_spelling_still_works() {
    let o = Office::new("");
    let init = o.run_in(
        "d3",
        &[
            "init",
            "--admin",
            "dana",
            "--password-file",
            "pw",
            "--totp-secret-out",
            "d3.totp",
            "--recovery-key-file",
            "d3.rk",
        ],
        None,
    );
    assert!(init.status.success(), "{}", err(&init));
    assert!(!err(&init).contains("note:"), "{}", err(&init));
    assert!(
        std::fs::read_to_string(o.p("d3.totp"))
            .unwrap()
            .trim()
            .len()
            >= 32
    );
    // Office::new used the old spelling: it worked, with a note.
    let old = o.run_in(
        "d4",
        &[
            "init",
            "--admin",
            "dana",
            "--password-file",
            "pw",
            "--totp-secret-file",
            "d4.totp",
            "--recovery-key-file",
            "d4.rk",
        ],
        None,
    );
    assert!(old.status.success(), "{}", err(&old));
    assert!(
        err(&old).contains("--totp-secret-file is now --totp-secret-out"),
        "{}",
        err(&old)
    );

    let secret = kasefet::auth::totp::TotpSecret::generate().unwrap();
    std::fs::write(o.p("eve.totp"), secret.to_base32().as_str()).unwrap();
    let script = "user add eve --role hr --initial-password-file pw --totp-secret-from eve.totp\n\
                  user add ann --role hr --initial-password-file pw --totp-secret-file eve.totp\n\
                  user add bob --role staff\n";
    let out = o.signed_in(&["batch"], Some(script));
    let e = err(&out);
    assert!(out.status.success(), "{e}");
    assert!(
        e.contains("--totp-secret-file is now --totp-secret-from"),
        "{e}"
    );
    assert_eq!(e.matches("note:").count(), 1, "{e}");
    assert!(text(&out).contains("one-time password: "), "{}", text(&out));
    assert!(e.contains("in the TUI: leave the code empty"), "{e}");
    assert!(!e.contains("works only"), "{e}");
}

#[test]
fn a_local_open_while_a_server_runs_says_the_server_owns_the_database() {
    let o = Office::new("[server]\nsocket = \"k.sock\"\n");
    let mut server = Command::new(kasefet())
        .current_dir(o.path())
        .args(["--data-dir", "db", "--config", "kasefet.toml", "serve"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while std::os::unix::net::UnixStream::connect(o.p("k.sock")).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    for extra in [&["--local"][..], &[][..]] {
        let mut args = extra.to_vec();
        args.extend(["customer", "list"]);
        let out = o.signed_in(&args, None);
        let e = err(&out);
        assert!(!out.status.success());
        assert!(
            e.contains("owned by a running `kasefet serve`"),
            "{extra:?}: {e}"
        );
        assert!(
            e.contains("k.sock") && !e.contains("no kasefet server answers"),
            "{e}"
        );
    }
    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_raw(server.id() as i32).unwrap(),
        rustix::process::Signal::TERM,
    );
    let _ = server.wait();
}
