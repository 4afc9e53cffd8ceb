//! Files an export or a list of refused rows is written to, for the CLI and the TUI alike:
//! created 0600, and an existing file only ever replaced whole, after the person said so.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// A new, empty file only its owner can read; `AlreadyExists` when one is there. Its
/// name is made durable at once, so a crash after [`fill`] cannot lose the file.
pub fn create_new(path: &Path) -> std::io::Result<std::fs::File> {
    let f = open_new(path)?;
    sync_parent(path).inspect_err(|_| {
        let _ = std::fs::remove_file(path);
    })?;
    Ok(f)
}

fn open_new(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Makes the names in `path`'s folder durable: a file created or renamed there is only
/// sure to be found after a crash once its folder is synced too.
fn sync_parent(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let fd = rustix::fs::open(
        dir,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    rustix::fs::fsync(&fd)?;
    Ok(())
}

/// Writes and syncs what a file from [`create_new`] is for.
pub fn fill(mut f: std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
    f.write_all(bytes).and_then(|_| f.sync_all())
}

/// [`create_new`] and [`fill`] in one; `AlreadyExists` leaves the existing file untouched.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    fill(create_new(path)?, bytes)
}

/// Over an existing file, once asked: a new 0600 file beside it renamed over it, so the old
/// one is whole or replaced, never half written or left readable by others.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut s = Staged::new(path)?;
    s.write(bytes)?;
    s.finish()
}

/// [`replace`] a part at a time, for an export that arrives in parts: they go to a 0600
/// temp file beside `path`, and `finish` renames it over `path`. Dropped before that, the
/// temp file is removed and `path` is as it was. A temp file left by a replace killed
/// midway is removed first.
pub struct Staged {
    tmp: std::path::PathBuf,
    path: std::path::PathBuf,
    file: Option<std::fs::File>,
}

impl Staged {
    pub fn new(path: &Path) -> std::io::Result<Staged> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        let tmp = path.with_file_name(format!(".{name}.kasefet-tmp"));
        let _ = std::fs::remove_file(&tmp);
        // The temp file's own name need not be durable: only the rename is synced.
        let file = open_new(&tmp)?;
        Ok(Staged {
            tmp,
            path: path.to_path_buf(),
            file: Some(file),
        })
    }

    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(bytes),
            None => Err(std::io::Error::other("the file was already finished")),
        }
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        let Some(f) = self.file.take() else {
            return Ok(());
        };
        f.sync_all()
            .and_then(|_| std::fs::rename(&self.tmp, &self.path))
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&self.tmp);
            })?;
        sync_parent(&self.path)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_are_0600_and_an_existing_one_is_only_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        write_new(&p, b"one").unwrap();
        assert_eq!(mode(&p), 0o600);
        let again = write_new(&p, b"two").unwrap_err();
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).unwrap(), b"one");

        // A file others could read is replaced by one they cannot.
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        replace(&p, b"three").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"three");
        assert_eq!(mode(&p), 0o600);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp left"
        );
    }

    #[test]
    fn a_temp_file_left_by_a_killed_replace_is_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        write_new(&p, b"old").unwrap();
        let stale = dir.path().join(".out.csv.kasefet-tmp");
        std::fs::write(&stale, b"half of an earlier repl").unwrap();
        std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o644)).unwrap();
        replace(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(mode(&p), 0o600);
        assert!(!stale.exists(), "the stale temp file is gone");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_bare_file_name_is_synced_in_the_current_folder() {
        // `sync_parent` of a name with no folder part opens ".", not "".
        sync_parent(Path::new("out.csv")).unwrap();
        sync_parent(&std::env::temp_dir().join("x")).unwrap();
    }
}
