//! The process hardening `main` applies first: no core dumps, not dumpable, umask 077.
//! Its own test binary, since it changes the whole process.
#![allow(clippy::unwrap_used)]

#[test]
fn hardening_applies() {
    kasefet::harden::harden_process().unwrap();
    let core = rustix::process::getrlimit(rustix::process::Resource::Core);
    assert_eq!(core.current, Some(0));
    assert_eq!(core.maximum, Some(0));
    assert_eq!(
        rustix::process::dumpable_behavior().unwrap(),
        rustix::process::DumpableBehavior::NotDumpable
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x");
    std::fs::write(&f, "x").unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
