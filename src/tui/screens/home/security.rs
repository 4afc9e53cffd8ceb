//! The admin's part of Home: accounts that need attention, failed sign-ins, the backup,
//! and a line across the top when the backup is failing or stale.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Security;
use crate::domain::Permission;
use crate::tui::screens::BackupSeen;
use crate::tui::screens::backups::ago;
use crate::tui::text::{clean, fit};
use crate::tui::ui::Ui;
use crate::tui::widgets::pane;

/// The security pane, or why the summary could not be read.
pub(super) fn draw(s: &Result<Security, String>, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    let inner = pane(f, area, "Security", t, false);
    let s = match s {
        Ok(s) => s,
        Err(why) => {
            let text = Paragraph::new(Line::from(Span::styled(clean(why), t.error())))
                .wrap(ratatui::widgets::Wrap { trim: true });
            f.render_widget(text, inner);
            return;
        }
    };
    let room = usize::from(inner.width).saturating_sub(10);
    // The names, and how many there are when not all of them fit.
    let list = |v: &[String], none: &str, lead: &str| {
        let names = v.iter().map(|x| clean(x)).collect::<Vec<_>>().join(", ");
        let all = format!("{lead}{names}");
        if v.is_empty() {
            none.to_string()
        } else if crate::tui::text::width(&all) <= room {
            all
        } else {
            fit(&format!("{lead}{} ({names})", v.len()), room)
        }
    };
    let style = |bad: bool| if bad { t.warn() } else { t.ok() };
    let row = |label: &'static str, value: String, bad: bool| {
        Line::from(vec![
            Span::styled(format!("{label:<10}"), t.label()),
            Span::styled(value, style(bad)),
        ])
    };
    let mut lines = vec![
        row("Locked", list(&s.locked, "none", ""), !s.locked.is_empty()),
        row(
            "Disabled",
            list(&s.disabled, "none", ""),
            !s.disabled.is_empty(),
        ),
        row(
            "Policy",
            list(&s.policy_not_accepted, "all accepted", "pending: "),
            !s.policy_not_accepted.is_empty(),
        ),
        Line::from(vec![
            Span::styled("Failed sign-ins, 24 h  ", t.label()),
            Span::styled(s.failed_24h.to_string(), style(s.failed_24h > 0)),
        ]),
    ];
    if let Some((text, bad)) = backup_short(ui) {
        lines.push(row("Backup", text, bad));
    }
    if let Some(n) = s.retention_due {
        let text = match n {
            0 => "nothing due".to_string(),
            n => fit(&format!("{n} due at the next run"), room),
        };
        lines.push(row("Retention", text, n > 0));
    }
    if !s.quarantined.is_empty() {
        // First: a damaged record matters more than the rest of the pane.
        lines.insert(
            0,
            row("Damaged", list(&s.quarantined, "", "quarantined: "), true),
        );
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The backup in a few words, and whether it needs attention.
fn backup_short(ui: &Ui) -> Option<(String, bool)> {
    match ui.backups {
        BackupSeen::Unknown => None,
        BackupSeen::Unavailable(_) if ui.backups.off() => Some(("! not set up".into(), true)),
        BackupSeen::Unavailable(_) => Some(("! failing".into(), true)),
        BackupSeen::Known(s) if s.failing() => Some(("! last attempt failed".into(), true)),
        BackupSeen::Known(s) => Some(match s.last_success_at {
            None => ("! none yet".into(), true),
            Some(at) if s.stale(ui.now) => (format!("! {} old", ago(ui.now - at)), true),
            Some(at) => (format!("{} ago", ago(ui.now - at)), false),
        }),
    }
}

/// A line across the top of Home for admins when the last backup failed, the newest is
/// over 26 hours old, or backups cannot be taken at all; nothing when all is well.
pub(super) fn backup_warning(ui: &Ui) -> Option<Line<'static>> {
    let t = ui.theme;
    if !ui.me.is_some_and(|m| m.can(Permission::Backup)) {
        return None;
    }
    let (text, style) = match ui.backups {
        BackupSeen::Unknown => return None,
        BackupSeen::Unavailable(why) => (why.clone(), t.error()),
        BackupSeen::Known(s) if s.failing() => (s.describe(ui.now), t.error()),
        BackupSeen::Known(s) if s.stale(ui.now) => (s.describe(ui.now), t.warn()),
        BackupSeen::Known(_) => return None,
    };
    // Cut to one line where it is drawn; the Backups tab has the whole story.
    let text = format!(" ! Backups: {}", clean(&text));
    Some(Line::from(Span::styled(text, style)))
}
