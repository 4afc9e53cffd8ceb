//! Reading an import's source file: whole, but bounded, and only a regular file.

use std::io::Read;
use std::path::Path;

/// Far past a 100,000-row export with notes; a bigger file is not a contact list.
pub const MAX_IMPORT_FILE: u64 = 512 * 1024 * 1024;

pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let meta = f
        .metadata()
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if meta.is_dir() {
        return Err(format!("{shown} is a folder; name a file in it"));
    }
    // A device or a pipe (`/dev/zero`, a FIFO) would be read until the limit: not a file.
    if !meta.is_file() {
        return Err(format!("{shown} is not a regular file"));
    }
    if meta.len() > MAX_IMPORT_FILE {
        return Err(format!(
            "{shown} is {} MiB; an import file is at most {} MiB",
            meta.len() / (1024 * 1024),
            MAX_IMPORT_FILE / (1024 * 1024)
        ));
    }
    let mut bytes = Vec::new();
    f.take(MAX_IMPORT_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_IMPORT_FILE {
        return Err(format!(
            "{shown} grew past {} MiB while being read",
            MAX_IMPORT_FILE / (1024 * 1024)
        ));
    }
    Ok(bytes)
}
