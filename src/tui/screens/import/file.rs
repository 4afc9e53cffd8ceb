//! Files the screens write: an export, created 0600 and never over an existing file unless
//! asked (an import's source is read by `transfer::source::read`).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// A new file, 0600; `Err(None)` when one is there already (the screen asks first).
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Option<String>> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => None,
            _ => Some(format!("cannot write {}: {e}", path.display())),
        })?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| Some(format!("cannot write {}: {e}", path.display())))
}

/// Over an existing file, after a yes: a new 0600 file beside it renamed over it, so the
/// old one is whole or replaced, never half written or left readable by others.
pub fn replace(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let tmp = path.with_file_name(format!(".{name}.kasefet-tmp"));
    let _ = std::fs::remove_file(&tmp);
    let fail = |e: std::io::Error| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(fail)?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(fail)
}
