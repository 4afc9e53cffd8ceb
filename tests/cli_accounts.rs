//! Every account command of issue 3 through the real binary: `user ...`, `account ...`,
//! `recover`. A TOTP step is accepted once per account, so each sign-in takes the next step
//! (waiting for it when three have been used within one window) and admins use `batch`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kasefet::auth::totp::TotpSecret;
use kasefet::service::{AUTH_FAILED, exit};

const DANA_PW: &str = "wistful magnets orbit the quiet harbour";
const EVE_PW: &str = "amber lanterns drift past noon quietly";
const BOB_PW: &str = "seven copper kettles hum in the rain";
const BOB_PW2: &str = "a heron waits by the cold canal";
const CONFIG: &str =
    "[security]\nargon2_memory_kib = 8192\nargon2_iterations = 1\nargon2_parallelism = 1\n";

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An account's authenticator: hands out each 30-second step once, in order.
struct Totp {
    secret: TotpSecret,
    last: Option<u64>,
}

impl Totp {
    fn from_file(path: &Path) -> Totp {
        let text = std::fs::read_to_string(path).unwrap();
        Totp {
            secret: TotpSecret::from_base32(text.trim()).unwrap(),
            last: None,
        }
    }

    /// The next unused step the server will accept (it takes the previous, current and next).
    fn next(&mut self) -> String {
        loop {
            let now = unix_now();
            let step = now / 30;
            // The previous step only early in the current one, so it is still valid on arrival.
            let earliest = if now % 30 < 20 { step - 1 } else { step };
            let candidate = self.last.map_or(earliest, |l| (l + 1).max(earliest));
            if candidate <= step + 1 {
                self.last = Some(candidate);
                return self.secret.code_at(candidate * 30);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Records that enrolment used the current step.
    fn used_now(&mut self) {
        self.last = Some(unix_now() / 30);
    }
}

struct Cli {
    dir: tempfile::TempDir,
    config: PathBuf,
    data: PathBuf,
}

impl Cli {
    fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("kasefet.toml");
        std::fs::write(&config, CONFIG).unwrap();
        let data = dir.path().join("data");
        Cli { dir, config, data }
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kasefet"));
        for var in [
            "KASEFET_USER",
            "KASEFET_PASSWORD_FILE",
            "KASEFET_TOTP",
            "KASEFET_DATA_DIR",
            "KASEFET_CONFIG",
        ] {
            c.env_remove(var);
        }
        c.arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .args(args);
        c
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Signs in as `user` (password file `pw`, the next code) and runs `args`.
    fn signed_in(
        &self,
        user: &str,
        pw: &Path,
        totp: &mut Totp,
        args: &[&str],
        stdin: &str,
    ) -> Output {
        let code = totp.next();
        let mut all = vec![
            "--user",
            user,
            "--password-file",
            pw.to_str().unwrap(),
            "--totp",
            &code,
        ];
        all.extend_from_slice(args);
        self.run(&all, stdin)
    }

    /// `init` with dana as the first admin; returns her authenticator and password file.
    fn init(&self) -> (Totp, PathBuf) {
        let pw = self.file("dana.pw", &format!("{DANA_PW}\n"));
        let out = self.run(
            &[
                "--password-file",
                pw.to_str().unwrap(),
                "init",
                "--admin",
                "dana",
                "--totp-secret-file",
                self.path("dana.totp").to_str().unwrap(),
                "--recovery-key-file",
                self.path("rk").to_str().unwrap(),
            ],
            "",
        );
        ok(&out);
        (Totp::from_file(&self.path("dana.totp")), pw)
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[track_caller]
fn fails(out: &Output, code: i32, message: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains(message),
        "stderr: {}",
        text(&out.stderr)
    );
}

fn one_time_password(stdout: &str) -> String {
    let lines: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("one-time password: "))
        .collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    lines[0].to_string()
}

/// `account setup` on a plain terminal, answered the way a person would: the code for the
/// secret it shows, then "yes" to the policy. Returns (stdout, stderr, the secret).
fn account_setup(cli: &Cli, user: &str, pw: &Path, new_pw: &Path) -> (Output, TotpSecret) {
    let mut child = cli
        .command(&[
            "--user",
            user,
            "--password-file",
            pw.to_str().unwrap(),
            "account",
            "setup",
            "--new-password-file",
            new_pw.to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut BufReader::new(stdout), &mut s).unwrap();
        s
    });
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut stderr = String::new();
    let mut secret = None;
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 {
        stderr.push_str(&line);
        if let Some(s) = line.trim().strip_prefix("secret: ") {
            let t = TotpSecret::from_base32(s).unwrap();
            writeln!(stdin, "{}", t.code_at(unix_now())).unwrap();
            writeln!(stdin, "yes").unwrap();
            secret = Some(t);
        }
        line.clear();
    }
    drop(stdin);
    let status = child.wait().unwrap();
    let out = Output {
        status,
        stdout: reader.join().unwrap().into_bytes(),
        stderr: stderr.into_bytes(),
    };
    (out, secret.expect("account setup showed no secret"))
}

#[test]
fn user_commands_provisioning_and_first_sign_in_setup() {
    let cli = Cli::new();
    let (mut dana, dana_pw) = cli.init();
    let eve_pw = cli.file("eve.pw", &format!("{EVE_PW}\n"));
    let eve_totp = TotpSecret::generate().unwrap();
    let eve_totp_file = cli.file("eve.totp", &format!("{}\n", eve_totp.to_base32().as_str()));

    let batch = format!(
        "user add bob --role staff\n\
         user add eve --role hr --initial-password-file {} --totp-secret-file {}\n\
         user add carol --role auditor --json\n\
         user set-role bob manager\n\
         employee add --name 'Bob Stone'\n\
         user link bob --employee 1\n\
         user list\n",
        eve_pw.display(),
        eve_totp_file.display()
    );
    let out = cli.signed_in("dana", &dana_pw, &mut dana, &["batch"], &batch);
    let stdout = ok(&out);
    assert!(stdout.contains("created user bob (id 2)"), "{stdout}");
    let bob_otp = one_time_password(&stdout);
    assert_eq!(bob_otp.len(), 24);
    assert!(
        // batch prints JSON Lines: one compact document per command.
        stdout.contains("\"one_time_password\":\""),
        "carol's JSON: {stdout}"
    );
    assert!(stdout.contains("\"username\":\"carol\""), "{stdout}");
    let list = stdout
        .lines()
        .skip_while(|l| !l.starts_with("ID"))
        .collect::<Vec<_>>()
        .join("\n");
    for (name, role, state) in [
        ("bob", "manager", "pending"),
        ("eve", "hr", "active"),
        ("carol", "auditor", "pending"),
    ] {
        assert!(
            list.lines()
                .any(|l| l.contains(name) && l.contains(role) && l.contains(state)),
            "{name} {role} {state} in\n{list}"
        );
    }
    assert!(
        list.lines().any(|l| l.contains("bob") && l.contains(" 1 ")),
        "bob linked to employee 1:\n{list}"
    );

    // Provisioned: signs in at once.
    let mut eve = Totp {
        secret: eve_totp,
        last: None,
    };
    ok(&cli.signed_in("eve", &eve_pw, &mut eve, &["employee", "list"], ""));

    // One-time password: nothing but setup, and no code needed before enrolment.
    let bob_otp_file = cli.file("bob.otp", &format!("{bob_otp}\n"));
    let out = cli.run(
        &[
            "--user",
            "bob",
            "--password-file",
            bob_otp_file.to_str().unwrap(),
            "--totp",
            "",
            "task",
            "list",
        ],
        "",
    );
    fails(&out, exit::AUTH, "finish setting up your account first");

    let bob_pw = cli.file("bob.pw", &format!("{BOB_PW}\n"));
    let (out, bob_secret) = account_setup(&cli, "bob", &bob_otp_file, &bob_pw);
    let stdout = ok(&out);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("█"), "a QR code is drawn: {stderr}");
    assert!(
        stderr.contains("otpauth://totp/Kasefet:bob?secret="),
        "{stderr}"
    );
    assert!(
        stderr.contains("passphrase"),
        "the policy is shown: {stderr}"
    );
    let codes: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.len() == 14 && l.matches('-').count() == 2)
        .collect();
    assert_eq!(codes.len(), 10, "{stdout}");
    assert!(stdout.contains("Setup complete"), "{stdout}");
    let mut bob = Totp {
        secret: bob_secret,
        last: None,
    };
    bob.used_now();

    // Signed in for real now (a recovery code stands in for a TOTP code, once, and the
    // sign-in says how many remain); status says all is done; no policy reminder.
    let with_code = |pw: &Path, code: &str, args: &[&str]| {
        let mut all = vec![
            "--user",
            "bob",
            "--password-file",
            pw.to_str().unwrap(),
            "--totp",
            code,
        ];
        all.extend_from_slice(args);
        cli.run(&all, "")
    };
    let out = with_code(&bob_pw, codes[0], &["account", "status"]);
    let status = ok(&out);
    assert!(status.contains("own password:         done"), "{status}");
    assert!(status.contains("authenticator (TOTP): done"), "{status}");
    assert!(status.contains("security policy:      done"), "{status}");
    assert!(status.contains("recovery codes left:  9"), "{status}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("a recovery code was used; 9 left"),
        "{stderr}"
    );
    assert!(!stderr.contains("reminder"), "{stderr}");
    fails(
        &with_code(&bob_pw, codes[0], &["account", "status"]),
        exit::AUTH,
        AUTH_FAILED,
    );

    // A weak new password is refused with its reason.
    let weak = cli.file("weak.pw", "passwordpassword\n");
    let out = cli.signed_in(
        "bob",
        &bob_pw,
        &mut bob,
        &[
            "account",
            "password",
            "--new-password-file",
            weak.to_str().unwrap(),
        ],
        "",
    );
    fails(&out, exit::INVALID, "too easy to guess");

    // Own password change: the current one is the sign-in password.
    let bob_pw2 = cli.file("bob2.pw", &format!("{BOB_PW2}\n"));
    let out = cli.signed_in(
        "bob",
        &bob_pw,
        &mut bob,
        &[
            "account",
            "password",
            "--new-password-file",
            bob_pw2.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok(&out).contains("Password changed"));
    fails(
        &with_code(&bob_pw, codes[1], &["task", "list"]),
        exit::AUTH,
        AUTH_FAILED,
    );
    ok(&with_code(&bob_pw2, codes[1], &["task", "list"]));
}

#[test]
fn admin_lock_unlock_disable_resets_and_the_last_admin() {
    let cli = Cli::new();
    let (mut dana, dana_pw) = cli.init();
    let bob_pw = cli.file("bob.pw", &format!("{BOB_PW}\n"));
    let bob_totp = TotpSecret::generate().unwrap();
    let bob_totp_file = cli.file("bob.totp", &format!("{}\n", bob_totp.to_base32().as_str()));
    let mut bob = Totp {
        secret: bob_totp,
        last: None,
    };
    let add = format!(
        "user add bob --role staff --initial-password-file {} --totp-secret-file {}\nuser lock bob\n",
        bob_pw.display(),
        bob_totp_file.display()
    );
    let stdout = ok(&cli.signed_in("dana", &dana_pw, &mut dana, &["batch"], &add));
    assert!(!stdout.contains("one-time password"), "{stdout}");
    assert!(stdout.contains("locked bob"), "{stdout}");
    fails(
        &cli.signed_in("bob", &bob_pw, &mut bob, &["task", "list"], ""),
        exit::AUTH,
        AUTH_FAILED,
    );

    let batch = "user unlock bob\n\
                 user disable bob\n\
                 user unlock bob\n\
                 user reset-totp bob\n\
                 user revoke-recovery-codes bob\n\
                 user link bob --none\n\
                 user reset-password bob --json\n\
                 user policy-pending\n\
                 user security\n\
                 user security --json\n";
    let stdout = ok(&cli.signed_in("dana", &dana_pw, &mut dana, &["batch"], batch));
    for expect in [
        "unlocked bob",
        "disabled bob",
        "bob enrols an authenticator again",
        "revoked the recovery codes of bob",
        "unlinked bob",
        "\"one_time_password\"",
        "failed sign-ins, last 24 h: 1",
        "\"failed_last_24h\":1",
    ] {
        assert!(stdout.contains(expect), "{expect:?} in {stdout}");
    }
    // Everyone is behind on the policy: dana and bob never accepted it.
    let pending: Vec<&str> = stdout
        .lines()
        .filter(|l| *l == "dana" || *l == "bob")
        .collect();
    assert_eq!(pending, vec!["dana", "bob"], "{stdout}");
    let bob_otp = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v["one_time_password"].as_str().map(str::to_string))
        .expect("a one-time password in the JSON");

    let batch =
        "user set-role dana staff\nuser lock dana\nuser disable dana\nuser reset-password nobody\n";
    let out = cli.signed_in("dana", &dana_pw, &mut dana, &["batch"], batch);
    fails(
        &out,
        exit::INVALID,
        "dana is the last active admin and cannot be demoted",
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot be locked") && stderr.contains("cannot be disabled"),
        "{stderr}"
    );
    assert!(stderr.contains("not found: user nobody"), "{stderr}");
    assert!(stderr.contains("batch: 0 succeeded, 4 failed"), "{stderr}");
    // The scripted sign-in reminded dana of the policy on stderr.
    assert!(
        stderr.contains("reminder: read and accept the security policy"),
        "{stderr}"
    );

    // Permission denied has its own exit code: bob (after setup with the reset password and
    // a new authenticator) is staff.
    let otp_file = cli.file("bob.otp", &format!("{bob_otp}\n"));
    let new_pw = cli.file("bob.new", &format!("{BOB_PW2}\n"));
    let (out, secret) = account_setup(&cli, "bob", &otp_file, &new_pw);
    ok(&out);
    let mut bob = Totp { secret, last: None };
    bob.used_now();
    fails(
        &cli.signed_in("bob", &new_pw, &mut bob, &["user", "list"], ""),
        exit::DENIED,
        "permission denied",
    );
}

#[test]
fn account_policy_and_recovery_codes_commands() {
    let cli = Cli::new();
    let (mut dana, dana_pw) = cli.init();
    let out = cli.signed_in("dana", &dana_pw, &mut dana, &["account", "policy"], "");
    let policy = ok(&out);
    assert!(
        policy.contains("Information security policy") && policy.contains("not accepted yet"),
        "{policy}"
    );
    assert!(
        text(&out.stderr).contains("reminder"),
        "{}",
        text(&out.stderr)
    );
    let out = cli.signed_in(
        "dana",
        &dana_pw,
        &mut dana,
        &["batch"],
        "account policy --accept --json\n",
    );
    let stdout = ok(&out);
    assert!(
        stdout.contains("\"accepted_at\":1") || stdout.contains("\"accepted_at\":2"),
        "{stdout}"
    );
    // New recovery codes ask for the password again, so they need their own sign-in.
    let out = cli.signed_in(
        "dana",
        &dana_pw,
        &mut dana,
        &["account", "recovery-codes"],
        "",
    );
    let stdout = ok(&out);
    let codes: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.len() == 14 && l.matches('-').count() == 2)
        .collect();
    assert_eq!(codes.len(), 10, "{stdout}");
    let out = cli.run(
        &[
            "--user",
            "dana",
            "--password-file",
            dana_pw.to_str().unwrap(),
            "--totp",
            codes[3],
            "user",
            "policy-pending",
        ],
        "",
    );
    assert_eq!(ok(&out), "", "nobody is behind on the policy now");
    assert!(!text(&out.stderr).contains("reminder"));
    assert!(text(&out.stderr).contains("9 left"));
    // account setup / password need their own sign-in, not a batch.
    let out = cli.signed_in(
        "dana",
        &dana_pw,
        &mut dana,
        &["batch"],
        "account password\n",
    );
    fails(
        &out,
        exit::INVALID,
        "run `kasefet account password` on its own",
    );
}

#[test]
fn recover_with_the_recovery_key_and_without_it() {
    let cli = Cli::new();
    let (_dana, _) = cli.init();
    let new_pw = cli.file("new.pw", "fresh keys for the lighthouse keeper\n");
    let new_totp = cli.path("new.totp");
    let recover = |rk: &Path, totp: &Path| {
        cli.run(
            &[
                "recover",
                "--recovery-key-file",
                rk.to_str().unwrap(),
                "--admin",
                "dana",
                "--password-file",
                new_pw.to_str().unwrap(),
                "--totp-secret-file",
                totp.to_str().unwrap(),
            ],
            "",
        )
    };
    // Without the right key: refused, and no secret file is left behind.
    let other_key = kasefet::crypto::SecretKey::generate().unwrap();
    let wrong = cli.file(
        "wrong.rk",
        &format!(
            "{}\n",
            kasefet::crypto::recovery::format(&other_key).as_str()
        ),
    );
    fails(
        &recover(&wrong, &new_totp),
        exit::INVALID,
        "that recovery key does not open this database",
    );
    assert!(!new_totp.exists());
    fails(
        &recover(&cli.path("no-such-file"), &new_totp),
        exit::INVALID,
        "cannot read",
    );
    let garbage = cli.file("garbage.rk", "not a key\n");
    fails(
        &recover(&garbage, &new_totp),
        exit::INVALID,
        "does not hold a recovery key",
    );

    let out = recover(&cli.path("rk"), &new_totp);
    assert!(
        ok(&out).contains("Admin access for dana restored"),
        "{}",
        text(&out.stdout)
    );
    let mode = std::fs::metadata(&new_totp).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let before = std::fs::read_to_string(&new_totp).unwrap();
    fails(
        &recover(&cli.path("rk"), &new_totp),
        exit::INVALID,
        "already exists; refusing to overwrite it",
    );
    assert_eq!(std::fs::read_to_string(&new_totp).unwrap(), before);

    let mut dana = Totp::from_file(&new_totp);
    let out = cli.signed_in("dana", &new_pw, &mut dana, &["audit", "list", "--json"], "");
    let log = ok(&out);
    assert!(log.contains("BREAK-GLASS: admin access restored"), "{log}");
    assert!(
        log.contains("BREAK-GLASS: refused, the recovery key does not open"),
        "{log}"
    );
    fails(
        &cli.signed_in(
            "dana",
            &cli.path("dana.pw"),
            &mut Totp::from_file(&cli.path("dana.totp")),
            &["task", "list"],
            "",
        ),
        exit::AUTH,
        AUTH_FAILED,
    );
}

#[test]
fn unknown_user_and_wrong_password_exit_alike() {
    let cli = Cli::new();
    let (mut dana, _) = cli.init();
    let wrong = cli.file("wrong.pw", "this is not the password at all\n");
    let a = cli.signed_in("nobody", &wrong, &mut dana, &["task", "list"], "");
    let b = cli.signed_in("dana", &wrong, &mut dana, &["task", "list"], "");
    fails(&a, exit::AUTH, AUTH_FAILED);
    fails(&b, exit::AUTH, AUTH_FAILED);
    assert_eq!(a.stderr, b.stderr);
}
