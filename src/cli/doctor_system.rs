//! `kasefet doctor --system`: checks a system install (the Debian package or
//! `install.sh --system`) end to end, from outside the database: the service user and group,
//! who owns what under /etc, /var/lib and /run and with which mode, the unit, the socket, and
//! whether the backup folder has room for the next backup. Each problem comes with its fix.
//!
//! Everything is read under a root directory (`/` in use) so the tests can build a whole
//! fake system in a temporary directory.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::doctor::Report;
use super::{CliError, print};
use crate::config::{Config, SYSTEM_CONFIG, SYSTEM_DATA_DIR, SYSTEM_SOCKET};

const SERVICE: &str = "kasefet";
const RUN_DIR: &str = "/run/kasefet";

/// Users and groups by name, read from `passwd` and `group` under the root (local accounts:
/// a system user made by adduser or useradd is always there).
struct Accounts {
    users: Vec<(String, u32, u32)>,
    groups: Vec<(String, u32, Vec<String>)>,
}

impl Accounts {
    fn read(root: &Path) -> Accounts {
        let fields = |file: &str| -> Vec<Vec<String>> {
            std::fs::read_to_string(root.join(file))
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
                .filter(|f| f.len() >= 4)
                .collect()
        };
        let users = fields("etc/passwd")
            .into_iter()
            .filter_map(|f| Some((f[0].clone(), f[2].parse().ok()?, f[3].parse().ok()?)))
            .collect();
        let groups = fields("etc/group")
            .into_iter()
            .filter_map(|f| {
                let members = f[3]
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect();
                Some((f[0].clone(), f[2].parse().ok()?, members))
            })
            .collect();
        Accounts { users, groups }
    }
    fn uid(&self, name: &str) -> Option<u32> {
        self.users.iter().find(|u| u.0 == name).map(|u| u.1)
    }
    fn gid(&self, name: &str) -> Option<u32> {
        self.groups.iter().find(|g| g.0 == name).map(|g| g.1)
    }
    fn user_name(&self, uid: u32) -> String {
        self.users
            .iter()
            .find(|u| u.1 == uid)
            .map_or_else(|| uid.to_string(), |u| u.0.clone())
    }
    fn group_name(&self, gid: u32) -> String {
        self.groups
            .iter()
            .find(|g| g.1 == gid)
            .map_or_else(|| gid.to_string(), |g| g.0.clone())
    }
}

/// What a path should look like: owner, group and the mode bits it may have at most
/// (`exact` when fewer bits are a problem too, as for a directory the group must enter).
struct Want<'a> {
    path: &'a str,
    user: &'a str,
    group: &'a str,
    mode: u32,
    exact: bool,
}

fn check_path(r: &mut Report, root: &Path, acc: &Accounts, w: &Want) -> bool {
    let p = root.join(w.path.trim_start_matches('/'));
    let Ok(meta) = std::fs::symlink_metadata(&p) else {
        r.fail(
            format!("{} is missing", w.path),
            "reinstall the package (dpkg -i kasefet_*.deb) or run `install.sh --system`",
        );
        return false;
    };
    let mode = meta.permissions().mode() & 0o7777;
    let (uid, gid) = (meta.uid(), meta.gid());
    let owner_ok = acc.uid(w.user) == Some(uid) && acc.gid(w.group) == Some(gid);
    let mode_ok = if w.exact {
        mode == w.mode
    } else {
        mode & !w.mode == 0
    };
    if owner_ok && mode_ok {
        r.ok(format!("{} is {mode:04o} {}:{}", w.path, w.user, w.group));
        return true;
    }
    let mut fix = Vec::new();
    if !owner_ok {
        fix.push(format!("chown {}:{} {}", w.user, w.group, w.path));
    }
    if !mode_ok {
        fix.push(format!("chmod {:04o} {}", w.mode, w.path));
    }
    r.fail(
        format!(
            "{} is {mode:04o} {}:{}, should be {:04o} {}:{}",
            w.path,
            acc.user_name(uid),
            acc.group_name(gid),
            w.mode,
            w.user,
            w.group
        ),
        fix.join(" && "),
    );
    false
}

fn accounts(r: &mut Report, acc: &Accounts) -> bool {
    let user = acc.uid(SERVICE);
    let group = acc.gid(SERVICE);
    match (user, group) {
        (Some(_), Some(gid)) => {
            let primary = acc
                .users
                .iter()
                .find(|u| u.0 == SERVICE)
                .is_some_and(|u| u.2 == gid);
            if primary {
                r.ok("system user and group kasefet exist");
            } else {
                r.fail(
                    "user kasefet's primary group is not kasefet (the socket would get the wrong group)",
                    "usermod -g kasefet kasefet",
                );
            }
        }
        (None, _) => r.fail(
            "no kasefet user",
            "adduser --system --group --home /var/lib/kasefet --no-create-home kasefet",
        ),
        (Some(_), None) => r.fail("no kasefet group", "addgroup --system kasefet"),
    }
    let mut members: Vec<String> = acc
        .groups
        .iter()
        .find(|g| g.0 == SERVICE)
        .map(|g| g.2.clone())
        .unwrap_or_default();
    members.extend(
        acc.users
            .iter()
            .filter(|u| Some(u.2) == group && u.0 != SERVICE)
            .map(|u| u.0.clone()),
    );
    if members.is_empty() {
        r.warn(
            "nobody is in group kasefet, so nobody can reach the server",
            "adduser NAME kasefet (they sign in again to pick it up)",
        );
    } else {
        r.ok(format!("group kasefet: {}", members.join(", ")));
    }
    user.is_some() && group.is_some()
}

/// The unit's state, when systemd runs (asked with `systemctl`).
fn unit(r: &mut Report, root: &Path, server_answers: bool) {
    if !root.join("run/systemd/system").is_dir() {
        if server_answers {
            r.ok("systemd is not running here; a server answers all the same");
        } else {
            r.warn(
                "systemd is not running here and no server answers",
                "start `kasefet --config /etc/kasefet/kasefet.toml serve` as user kasefet under your supervisor",
            );
        }
        return;
    }
    let ask = |what: &str| -> String {
        std::process::Command::new("systemctl")
            .args([what, "kasefet.service"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|e| format!("unknown ({e})"))
    };
    let (active, enabled) = (ask("is-active"), ask("is-enabled"));
    match (active.as_str(), enabled.as_str()) {
        ("active", "enabled") => r.ok("kasefet.service is active and enabled"),
        ("active", e) => r.warn(
            format!("kasefet.service is active but {e}: it will not start at boot"),
            "systemctl enable kasefet",
        ),
        (a, _) => r.fail(
            format!("kasefet.service is {a}"),
            "systemctl enable --now kasefet; if it fails, journalctl -u kasefet says why",
        ),
    }
}

fn socket(r: &mut Report, root: &Path, acc: &Accounts, socket: &Path) -> bool {
    let shown = socket.display();
    let at = root.join(socket.strip_prefix("/").unwrap_or(socket));
    let Ok(meta) = std::fs::symlink_metadata(&at) else {
        r.fail(
            format!("no socket at {shown}: the server is not running"),
            "systemctl start kasefet (after `kasefet init`)",
        );
        return false;
    };
    let mode = meta.permissions().mode() & 0o777;
    if acc.gid(SERVICE) != Some(meta.gid()) || mode != 0o660 {
        r.fail(
            format!(
                "socket {shown} is {mode:04o} group {}, should be 0660 group kasefet",
                acc.group_name(meta.gid())
            ),
            "run the server as user kasefet with primary group kasefet (the unit does), then restart it",
        );
    }
    let answers = crate::client::remote::Remote::connect(&at).is_ok();
    if answers {
        r.ok(format!("server answers on {shown} (0660, group kasefet)"));
    } else {
        r.fail(
            format!("socket {shown} exists but no server answers"),
            "systemctl restart kasefet (a new server replaces a stale socket)",
        );
    }
    answers
}

/// The backup folder: owned by the service, private, with room for the next backup (written
/// beside the last under a temporary name, so the newest size is the size to expect).
fn backups(r: &mut Report, root: &Path, acc: &Accounts, config: &Config) {
    let Some(cfg) = config.backup_config() else {
        r.warn(
            "no backup folder configured",
            "set [backup] dir = \"/srv/backups/kasefet\" in /etc/kasefet/kasefet.toml",
        );
        return;
    };
    let dir = cfg.dir.display().to_string();
    let want = Want {
        path: &dir,
        user: SERVICE,
        group: SERVICE,
        mode: 0o700,
        exact: false,
    };
    if !check_path(r, root, acc, &want) {
        return;
    }
    let at = root.join(cfg.dir.strip_prefix("/").unwrap_or(&cfg.dir));
    let newest = match crate::backup::list(&at) {
        Ok(items) => items.into_iter().next(),
        Err(e) => {
            r.fail(
                format!("cannot read {dir}: {e}"),
                "run `kasefet doctor --system` as root",
            );
            return;
        }
    };
    let free = match rustix::fs::statvfs(&at) {
        Ok(s) => s.f_bavail.saturating_mul(s.f_frsize),
        Err(e) => {
            r.fail(
                format!("cannot see the free space of {dir}: {e}"),
                "check the mount",
            );
            return;
        }
    };
    let Some(last) = newest else {
        r.warn(
            format!("no backups in {dir} yet ({} free)", size(free)),
            "sudo -u kasefet kasefet --config /etc/kasefet/kasefet.toml backup run",
        );
        return;
    };
    let line = format!(
        "{dir} has {} free; the last backup {} is {}",
        size(free),
        last.name,
        size(last.bytes)
    );
    match room(free, last.bytes) {
        Room::Short => r.fail(
            format!("{line}: the next one may not fit"),
            format!(
                "free space in {dir} or lower [backup] keep_daily/keep_monthly; move old backups off the machine"
            ),
        ),
        Room::Tight => r.warn(
            format!("{line}: room for fewer than ten more"),
            format!("free space in {dir} soon"),
        ),
        Room::Plenty => r.ok(line),
    }
}

#[derive(Debug, PartialEq)]
enum Room {
    Short,
    Tight,
    Plenty,
}

/// The next backup is written whole beside the others before retention removes any, and a
/// database only grows: less than twice the last size is a problem now, less than ten soon.
fn room(free: u64, last: u64) -> Room {
    if free < last.saturating_mul(2) {
        Room::Short
    } else if free < last.saturating_mul(10) {
        Room::Tight
    } else {
        Room::Plenty
    }
}

fn size(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= 10 * MIB * 1024 {
        format!("{} GiB", bytes / (MIB * 1024))
    } else if bytes >= MIB {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// All the checks, under `root`; returns the report's text and how many problems it found.
fn check(root: &Path) -> (String, usize) {
    let mut r = Report::default();
    let acc = Accounts::read(root);
    let accounts_ok = accounts(&mut r, &acc);
    let config_path = root.join(SYSTEM_CONFIG.trim_start_matches('/'));
    let config = match Config::load(&config_path) {
        Ok(c) => {
            r.ok(format!("config {SYSTEM_CONFIG} is valid"));
            c
        }
        Err(e) => {
            r.fail(
                format!("config {SYSTEM_CONFIG}: {e}"),
                "fix the file, or restore the package's with: dpkg -i --force-confmiss kasefet_*.deb",
            );
            Config::default()
        }
    };
    if accounts_ok {
        let data_dir = config
            .storage
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(SYSTEM_DATA_DIR));
        let data = data_dir.display().to_string();
        let wants = [
            Want {
                path: "/etc/kasefet",
                user: "root",
                group: SERVICE,
                mode: 0o750,
                exact: true,
            },
            Want {
                path: SYSTEM_CONFIG,
                user: "root",
                group: SERVICE,
                mode: 0o640,
                exact: false,
            },
            Want {
                path: &data,
                user: SERVICE,
                group: SERVICE,
                mode: 0o700,
                exact: true,
            },
        ];
        for w in &wants {
            check_path(&mut r, root, &acc, w);
        }
        let at = root.join(data_dir.strip_prefix("/").unwrap_or(&data_dir));
        if at.is_dir() && !crate::store::open::exists(&at) && is_root() {
            r.fail(
                format!("{data} holds no database yet"),
                "sudo -u kasefet kasefet --config /etc/kasefet/kasefet.toml init --admin NAME",
            );
        }
        let socket_path = config
            .server
            .socket
            .clone()
            .unwrap_or_else(|| PathBuf::from(SYSTEM_SOCKET));
        let answers = if root.join(RUN_DIR.trim_start_matches('/')).exists() {
            let run = Want {
                path: RUN_DIR,
                user: SERVICE,
                group: SERVICE,
                mode: 0o750,
                exact: true,
            };
            check_path(&mut r, root, &acc, &run);
            socket(&mut r, root, &acc, &socket_path)
        } else {
            r.fail(
                format!("{RUN_DIR} is missing: the server is not running"),
                "systemctl enable --now kasefet (its unit makes the directory)",
            );
            false
        };
        unit(&mut r, root, answers);
        backups(&mut r, root, &acc, &config);
    }
    let mut out = r.lines.join("\n");
    out.push('\n');
    (out, r.failures)
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

pub fn run() -> Result<(), CliError> {
    let (out, failures) = check(Path::new("/"));
    print(&out)?;
    if !is_root() {
        eprintln!(
            "kasefet: not run as root: some folders could not be looked into (sudo kasefet doctor --system)"
        );
    }
    if failures > 0 {
        return Err(CliError::failure(format!("{failures} problem(s) to fix")));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn set(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A system as the package leaves it, under a temporary root, with every file owned by
    /// the test's own uid: so the fake passwd maps both root and kasefet to that uid.
    fn installed(backup_dir: Option<&str>) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let uid = rustix::process::getuid().as_raw();
        let gid = rustix::process::getgid().as_raw();
        std::fs::create_dir_all(root.join("etc/kasefet")).unwrap();
        std::fs::write(
            root.join("etc/passwd"),
            format!("root:x:{uid}:4242::/root:/bin/sh\nkasefet:x:{uid}:{gid}::/var/lib/kasefet:/usr/sbin/nologin\n"),
        )
        .unwrap();
        std::fs::write(
            root.join("etc/group"),
            format!("kasefet:x:{gid}:alice,bob\n"),
        )
        .unwrap();
        let mut toml = String::new();
        if let Some(d) = backup_dir {
            toml.push_str(&format!("[backup]\ndir = \"/{d}\"\n"));
            std::fs::create_dir_all(root.join(d)).unwrap();
            set(&root.join(d), 0o700);
        }
        std::fs::write(root.join("etc/kasefet/kasefet.toml"), toml).unwrap();
        set(&root.join("etc/kasefet"), 0o750);
        set(&root.join("etc/kasefet/kasefet.toml"), 0o640);
        std::fs::create_dir_all(root.join("var/lib/kasefet")).unwrap();
        set(&root.join("var/lib/kasefet"), 0o700);
        t
    }

    #[test]
    fn a_fresh_install_passes_the_file_checks_and_says_the_server_is_not_running() {
        let t = installed(None);
        let (out, failures) = check(t.path());
        assert!(
            out.contains("ok    system user and group kasefet exist"),
            "{out}"
        );
        assert!(out.contains("ok    group kasefet: alice, bob"), "{out}");
        assert!(
            out.contains("ok    /etc/kasefet is 0750 root:kasefet"),
            "{out}"
        );
        assert!(
            out.contains("ok    /var/lib/kasefet is 0700 kasefet:kasefet"),
            "{out}"
        );
        assert!(out.contains("FAIL  /run/kasefet is missing"), "{out}");
        assert!(out.contains("warn  no backup folder configured"), "{out}");
        assert!(
            out.contains("FAIL  /var/lib/kasefet holds no database yet"),
            "{out}"
        );
        assert!(!out.contains("FAIL  /etc"), "{out}");
        assert!(!out.contains("FAIL  /var/lib/kasefet is"), "{out}");
        assert!(failures >= 1);
    }

    #[test]
    fn loose_modes_and_a_missing_user_are_named_with_their_fix() {
        let t = installed(None);
        set(&t.path().join("var/lib/kasefet"), 0o755);
        set(&t.path().join("etc/kasefet/kasefet.toml"), 0o644);
        let (out, _) = check(t.path());
        assert!(
            out.contains("FAIL  /var/lib/kasefet is 0755 ")
                && out.contains("should be 0700 kasefet:kasefet"),
            "{out}"
        );
        assert!(out.contains("fix: chmod 0700 /var/lib/kasefet"), "{out}");
        assert!(
            out.contains("fix: chmod 0640 /etc/kasefet/kasefet.toml"),
            "{out}"
        );

        std::fs::write(t.path().join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        let (out, failures) = check(t.path());
        assert!(out.contains("FAIL  no kasefet user"), "{out}");
        assert!(out.contains("fix: adduser --system"), "{out}");
        assert!(failures >= 1);
    }

    #[test]
    fn the_backup_folder_is_weighed_against_the_last_backup() {
        let t = installed(Some("srv/backups/kasefet"));
        let dir = t.path().join("srv/backups/kasefet");
        let (out, _) = check(t.path());
        assert!(out.contains("warn  no backups in"), "{out}");

        let name = "kasefet-20261201T020000Z.kbak";
        std::fs::write(dir.join(name), [0u8; 4096]).unwrap();
        set(&dir.join(name), 0o600);
        let (out, _) = check(t.path());
        assert!(
            out.contains(&format!("free; the last backup {name} is 4 KiB")),
            "{out}"
        );
        assert!(out.contains("ok    /srv/backups/kasefet is 0700"), "{out}");

        set(&dir, 0o755);
        let (out, _) = check(t.path());
        assert!(
            out.contains("fix: chmod 0700 /srv/backups/kasefet"),
            "{out}"
        );
    }

    #[test]
    fn room_for_the_next_backup_is_twice_the_last_and_ten_times_is_comfortable() {
        assert_eq!(room(100, 60), Room::Short);
        assert_eq!(room(120, 60), Room::Tight);
        assert_eq!(room(599, 60), Room::Tight);
        assert_eq!(room(600, 60), Room::Plenty);
        assert_eq!(room(0, 0), Room::Plenty);
    }
}
