//! Files the wizard writes: the recovery key (if asked) and the settings it collected.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Writes `text` to a new file readable by its owner only; never overwrites.
pub fn write_private(path: &Path, text: &str) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Creates the backup folder and records it and the organisation name in the config file:
/// a new file is written whole; an existing one gets the sections it lacks appended (its
/// comments stay). Returns a sentence for the person when something is left to them.
/// `None` records nothing of that kind (it was recorded already).
pub fn record_settings(
    config: Option<&Path>,
    org: Option<&str>,
    backup_dir: Option<&Path>,
) -> Result<String, String> {
    if let Some(dir) = backup_dir {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let Some(path) = config else {
        return Ok("No config file to record the organisation and backup folder in.".into());
    };
    let existing = match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let table: toml::Table = existing
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or_default();
    let mut add = String::new();
    let mut left = Vec::new();
    match org {
        Some(org) if !table.contains_key("organisation") => {
            add.push_str(&format!("\n[organisation]\nname = {}\n", toml_string(org)));
        }
        Some(org) => left.push(format!("[organisation] name = {}", toml_string(org))),
        None => {}
    }
    if let Some(dir) = backup_dir {
        let d = toml_string(&dir.display().to_string());
        if !table.contains_key("backup") {
            add.push_str(&format!("\n[backup]\ndir = {d}\n"));
        } else {
            left.push(format!("[backup] dir = {d}"));
        }
    }
    match existing {
        None => {
            if let Some(parent) = path.parent() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)
                    .map_err(|e| e.to_string())?;
            }
            write_private(
                path,
                &format!("# Written by the Kasefet setup wizard.\n{add}"),
            )?;
        }
        Some(text) if !add.is_empty() => {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot update {}: {e}", path.display()))?;
            let sep = if text.ends_with('\n') { "" } else { "\n" };
            f.write_all(format!("{sep}{add}").as_bytes())
                .map_err(|e| format!("cannot update {}: {e}", path.display()))?;
        }
        Some(_) => {}
    }
    if left.is_empty() {
        Ok(String::new())
    } else {
        Ok(format!("Add to {}: {}.", path.display(), left.join("; ")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn new_config_is_private_and_parses() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("conf/kasefet.toml");
        let backups = d.path().join("backups");
        let note = record_settings(Some(&path), Some("Levi & \"Sons\""), Some(&backups)).unwrap();
        assert_eq!(note, "");
        let c = crate::config::Config::load(&path).unwrap();
        assert_eq!(c.organisation.name, "Levi & \"Sons\"");
        assert_eq!(c.backup.dir.as_deref(), Some(backups.as_path()));
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(backups.is_dir());
    }

    #[test]
    fn existing_config_keeps_its_text() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("kasefet.toml");
        std::fs::write(&path, "# mine\n[security]\nargon2_memory_kib = 8192\n").unwrap();
        record_settings(Some(&path), Some("Acme"), None).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# mine\n"));
        assert_eq!(
            crate::config::Config::load(&path)
                .unwrap()
                .organisation
                .name,
            "Acme"
        );
        let note = record_settings(Some(&path), Some("Other"), None).unwrap();
        assert!(note.contains("Other"));
    }

    #[test]
    fn never_overwrites() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("key");
        write_private(&p, "a").unwrap();
        assert!(write_private(&p, "b").is_err());
    }
}
