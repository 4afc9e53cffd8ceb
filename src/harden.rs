//! Process hardening done first thing in `main`: nothing we write is readable by others,
//! and no core dump or ptrace-style read can carry a key out of memory.

use rustix::process::{
    DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit, umask,
};

pub fn harden_process() -> std::io::Result<()> {
    umask(rustix::fs::Mode::from_raw_mode(0o077));
    setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    )?;
    set_dumpable_behavior(DumpableBehavior::NotDumpable)?;
    Ok(())
}
