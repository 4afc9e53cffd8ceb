//! Files the screens write (an export, the refused rows of an import): the path as typed,
//! then `transfer::target`, which the CLI uses too (an import's source is read by
//! `transfer::source::read`).

use std::path::{Path, PathBuf};

/// The typed path with `~/` expanded; a folder or an empty path is refused, in words.
pub fn resolve(typed: &str) -> Result<PathBuf, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err("Type the path of the file to write".into());
    }
    let path = match typed.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(rest))
            .unwrap_or_else(|| PathBuf::from(typed)),
        None => PathBuf::from(typed),
    };
    if path.is_dir() {
        return Err(format!("{} is a folder; name a file in it", path.display()));
    }
    Ok(path)
}

/// A new 0600 file, or over an existing one when `replace` (after a yes). A file that
/// appeared between the question and the write is left alone.
pub fn write(path: &Path, bytes: &[u8], replace: bool) -> Result<(), String> {
    let done = if replace {
        crate::transfer::target::replace(path, bytes)
    } else {
        crate::transfer::target::write_new(path, bytes)
    };
    done.map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            format!("{} appeared meanwhile; not replaced", path.display())
        }
        _ => format!("cannot write {}: {e}", path.display()),
    })
}

/// Where a file went, as the status line says it: the full path when there is one.
pub fn shown(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
