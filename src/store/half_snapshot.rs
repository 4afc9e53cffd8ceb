//! sled 0.34.7 writes its snapshot at open to `snap.<lsn>.generating`, then renames it, but
//! picks the snapshot to read from every `snap.*` name, `.generating` included. A process
//! killed while writing one leaves a torn file that sorts last, and every later open fails
//! with "Read corrupted data at file offset None" (spacejam/sled #1527): a crash during open
//! would read as a damaged database. A `.generating` file is never a finished snapshot (the
//! rename is what finishes it), and the log it summarises is still there, so removing it
//! gives exactly the disk of a process killed before it began writing.

use std::fs::File;
use std::path::Path;

use super::Result;

/// sled's data file, which it locks while the database is open.
const DATA_FILE: &str = "db";

/// Removes torn snapshots, but only while no process holds the database: a process that
/// is opening it right now may be writing its own, and would fail at the rename.
pub(super) fn remove_torn(dir: &Path) -> Result<()> {
    let data = match File::open(dir.join(DATA_FILE)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    // flock, as sled's own lock (fs2) is; std's File::try_lock is newer than our MSRV.
    if rustix::fs::flock(&data, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
        // In use (sled will say so) or locks unsupported: leave the files alone.
        return Ok(());
    }
    let mut removed = false;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            std::fs::remove_file(dir.join(&*name))?;
            removed = true;
        }
    }
    if removed {
        File::open(dir)?.sync_all()?;
    }
    // The lock goes with `data`, before sled takes its own.
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// sled's lock outlives a `drop` by a few milliseconds (see `open::sled_open`).
    fn raw(dir: &Path) -> sled::Result<sled::Db> {
        for _ in 0..40 {
            match sled::Config::new().path(dir).open() {
                Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                    std::thread::sleep(std::time::Duration::from_millis(25));
                }
                other => return other,
            }
        }
        panic!("{} stayed locked", dir.display())
    }

    /// Until no sled holds the database, so `remove_torn` is free to act.
    fn wait_unlocked(dir: &Path) {
        let data = File::open(dir.join(DATA_FILE)).unwrap();
        for _ in 0..80 {
            if rustix::fs::flock(&data, rustix::fs::FlockOperation::NonBlockingLockExclusive)
                .is_ok()
            {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("{} stayed locked", dir.display())
    }

    fn db_with_records(dir: &Path) {
        let db = raw(dir).unwrap();
        for i in 0u32..2000 {
            db.insert(i.to_be_bytes(), vec![7u8; 100]).unwrap();
        }
        db.flush().unwrap();
    }

    #[test]
    fn a_torn_snapshot_no_longer_stops_the_open_and_nothing_is_lost() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("db");
        db_with_records(&dir);
        let torn = dir.join("snap.7FFFFFFFFFFFFFFF.generating");
        std::fs::write(&torn, b"half of a snapshot, cut short").unwrap();
        let err = raw(&dir).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            err.contains("corrupt"),
            "sled itself should still trip on the torn file; if it no longer does, this module can go"
        );
        wait_unlocked(&dir);
        remove_torn(&dir).unwrap();
        assert!(!torn.exists());
        let db = raw(&dir).unwrap();
        assert_eq!(db.len(), 2000);
        assert_eq!(db.get(1999u32.to_be_bytes()).unwrap().unwrap().len(), 100);
    }

    #[test]
    fn a_database_in_use_is_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("db");
        db_with_records(&dir);
        let _open = raw(&dir).unwrap();
        let torn = dir.join("snap.7FFFFFFFFFFFFFFF.generating");
        std::fs::write(&torn, b"not ours to remove").unwrap();
        remove_torn(&dir).unwrap();
        assert!(torn.exists());
    }

    #[test]
    fn finished_snapshots_and_a_missing_database_are_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        remove_torn(&tmp.path().join("nothing-here")).unwrap();
        let dir = tmp.path().join("db");
        db_with_records(&dir);
        drop(raw(&dir).unwrap());
        wait_unlocked(&dir);
        let before: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        remove_torn(&dir).unwrap();
        let after: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(before.len(), after.len());
    }
}
