//! install.sh --user into a temporary prefix, twice, then a changed config, then uninstall.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn run(pkg: &Path, home: &Path, args: &[&str]) -> String {
    let out = Command::new("bash")
        .arg(pkg.join("install.sh"))
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    text
}

#[test]
fn user_install_is_idempotent_and_keeps_a_changed_config() {
    let root = env!("CARGO_MANIFEST_DIR");
    let t = tempfile::tempdir().unwrap();
    let pkg = t.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::copy(Path::new(root).join("install.sh"), pkg.join("install.sh")).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_kasefet"), pkg.join("kasefet")).unwrap();
    copy_dir(&Path::new(root).join("man"), &pkg.join("man"));
    copy_dir(&Path::new(root).join("assets"), &pkg.join("assets"));
    let home = t.path().join("home");
    let prefix = t.path().join("prefix");
    let p = prefix.to_str().unwrap();

    let first = run(&pkg, &home, &["--user", "--prefix", p]);
    assert!(first.contains("binary"), "{first}");
    let bin = prefix.join("bin/kasefet");
    assert!(bin.exists());
    assert!(prefix.join("share/man/man1/kasefet.1").exists());
    let conf = home.join(".config/kasefet/kasefet.toml");
    assert!(conf.exists());
    let v = Command::new(&bin).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("kasefet "));

    let second = run(&pkg, &home, &["--user", "--prefix", p]);
    assert!(second.contains("(unchanged)"), "{second}");

    std::fs::write(&conf, "[security]\nmin_password_chars = 20\n").unwrap();
    let third = run(&pkg, &home, &["--user", "--prefix", p]);
    assert!(third.contains("kept as you changed it"), "{third}");
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        "[security]\nmin_password_chars = 20\n"
    );
    assert!(home.join(".config/kasefet/kasefet.toml.new").exists());

    let gone = run(&pkg, &home, &["--uninstall", "--user", "--prefix", p]);
    assert!(gone.contains("kept the data"), "{gone}");
    assert!(!bin.exists());
    assert!(conf.exists());
}
