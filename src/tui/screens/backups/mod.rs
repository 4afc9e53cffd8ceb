//! Backups (admin): the snapshots in the backup folder with their time, size, record counts
//! and whether they were verified; take one now; verify the highlighted one in full.
//! State and keys here, drawing in `draw.rs`.

mod draw;

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{BackupSeen, Ctx, Me, Note, Screen, unexpected};
use crate::backup::Listed;
use crate::domain::{Permission, UnixTime};
use crate::service::{Request, Response};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::ui::Ui;
use crate::tui::widgets::table::Selection;

/// The outcome of checking one backup.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verified {
    ok: bool,
    /// Every record opened with the key, not just the checksum.
    full: bool,
    at: UnixTime,
    detail: String,
}

/// What the last key asked for, done once the screen says it has started.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Work {
    Run,
    Verify(String),
}

#[derive(Default)]
pub struct Backups {
    waiting: Option<Work>,
    items: Vec<Listed>,
    /// Why the list could not be read, said as the service said it.
    problem: Option<String>,
    sel: Selection,
    /// Checks by file name: this session's, and the last one the database remembers (it
    /// keeps only the newest).
    verified: BTreeMap<String, Verified>,
}

impl Backups {
    fn reload(&mut self, ctx: &mut Ctx) {
        let keep = self.selected().map(|b| b.name.clone());
        match ctx.load_backups() {
            Some(items) => {
                self.items = items;
                self.problem = None;
            }
            None => {
                self.items.clear();
                if let BackupSeen::Unavailable(why) = &*ctx.backups {
                    self.problem = Some(why.clone());
                }
            }
        }
        if let BackupSeen::Known(status) = &*ctx.backups {
            if let Some(v) = &status.last_verify {
                self.verified.insert(
                    v.file.clone(),
                    Verified {
                        ok: v.ok,
                        full: v.full,
                        at: v.at,
                        detail: v.detail.clone(),
                    },
                );
            }
        }
        // The same backup stays highlighted when a new one appears above it.
        if let Some(i) = keep.and_then(|n| self.items.iter().position(|b| b.name == n)) {
            self.sel.index = i;
        }
        self.sel.clamp(self.items.len());
    }

    fn selected(&self) -> Option<&Listed> {
        self.items.get(self.sel.index)
    }

    fn run(&mut self, ctx: &mut Ctx) {
        match ctx.call(Request::BackupRun) {
            Ok(Response::BackupDone {
                file,
                bytes,
                // The counts are in the list; what retention did is nowhere else, so it
                // gets the room in the note.
                summary: _,
                deleted,
            }) => {
                let mut text = format!("Backup taken: {file}, {}", size(bytes));
                if !deleted.is_empty() {
                    text.push_str(&format!(
                        "; {} old backup{} removed by retention",
                        deleted.len(),
                        if deleted.len() == 1 { "" } else { "s" }
                    ));
                }
                ctx.ok(text);
                self.sel.index = 0;
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
        // A failure is recorded in the status too: the list shows it either way.
        self.reload(ctx);
    }

    fn verify(&mut self, file: String, ctx: &mut Ctx) {
        match ctx.call(Request::BackupVerify {
            file: file.clone(),
            full: true,
        }) {
            Ok(Response::BackupVerified {
                file,
                ok,
                summary,
                problem,
            }) => {
                let detail = match problem {
                    Some(p) if !summary.contains(&p) => format!("{summary}; {p}"),
                    _ => summary,
                };
                ctx.note = Some(if ok {
                    Note::ok(format!("Verified in full: {detail}"))
                } else {
                    Note::error(format!("{file} FAILED verification: {detail}"))
                });
                let at = ctx.clock.now();
                self.verified.insert(
                    file,
                    Verified {
                        ok,
                        full: true,
                        at,
                        detail,
                    },
                );
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
        // The status record now holds this check (or the failure).
        self.reload(ctx);
    }
}

impl Screen for Backups {
    fn chain(&self) -> &'static [Context] {
        chain::BACKUPS
    }

    /// Both take a while on a large database: the note says what is happening first.
    fn update(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        if self.waiting.is_some() {
            return matches!(action, Action::RunBackup | Action::VerifyBackup);
        }
        match action {
            Action::RunBackup => {
                self.waiting = Some(Work::Run);
                ctx.note = Some(Note::info("Taking a backup…"));
            }
            Action::VerifyBackup => match self.selected() {
                Some(b) => {
                    ctx.note = Some(Note::info(format!(
                        "Verifying {}: opening every record and walking the audit chain…",
                        b.name
                    )));
                    self.waiting = Some(Work::Verify(b.name.clone()));
                }
                None => ctx.note = Some(Note::info("There is no backup to verify yet.")),
            },
            other => return self.sel.apply(other, self.items.len()),
        }
        true
    }

    fn busy(&self) -> bool {
        self.waiting.is_some()
    }

    fn work(&mut self, ctx: &mut Ctx) {
        match self.waiting.take() {
            Some(Work::Run) => self.run(ctx),
            Some(Work::Verify(file)) => self.verify(file, ctx),
            None => {}
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        self.reload(ctx);
    }

    /// Work asked for and not begun is dropped with the tab, rather than started unseen.
    fn leave(&mut self) {
        self.waiting = None;
    }

    /// Listing is not audited, so a nightly backup taken meanwhile shows up by itself.
    fn refresh(&mut self, ctx: &mut Ctx) {
        self.reload(ctx);
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::RunBackup, Action::VerifyBackup, Action::Help]
    }

    fn offers(&self, me: &Me, _action: Action) -> bool {
        me.can(Permission::Backup)
    }

    fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        self.draw_screen(f, area, ui);
    }
}

/// A size as people read it: bytes, KiB, MiB or GiB with one decimal.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// An age in the largest unit that reads naturally.
pub fn ago(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 3600 {
        format!("{} min", secs / 60)
    } else if secs < 48 * 3600 {
        format!("{} h", secs / 3600)
    } else {
        format!("{} days", secs / 86400)
    }
}

#[cfg(test)]
mod tests {
    use super::{ago, size};

    #[test]
    fn sizes_read_like_people_say_them() {
        assert_eq!(size(0), "0 bytes");
        assert_eq!(size(1023), "1023 bytes");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(size(3 << 30), "3.0 GiB");
        assert_eq!(ago(-5), "0 min");
        assert_eq!(ago(3 * 3600 + 59), "3 h");
        assert_eq!(ago(27 * 3600), "27 h");
        assert_eq!(ago(3 * 86400), "3 days");
    }
}
