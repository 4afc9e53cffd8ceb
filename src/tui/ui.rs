//! What drawing needs besides the state: the theme, and the keymap for key hints.

use ratatui::text::{Line, Span};

use super::action::Action;
use super::keymap::{Context, Keymap};
use super::screens::{BackupSeen, Me, People};
use super::theme::Theme;
use crate::domain::UnixTime;

#[derive(Clone, Copy)]
pub struct Ui<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    /// The signed-in person, once there is one.
    pub me: Option<&'a Me>,
    /// Account names, for owners, authors and assignees.
    pub people: &'a People,
    /// For the backup age in the status line and on Home (admins).
    pub backups: &'a BackupSeen,
    /// The time of this drawing, for ages ("3 h ago").
    pub now: UnixTime,
}

impl Ui<'_> {
    /// The first key of `action` in `chain`, as people read it ("Ctrl-S").
    pub fn key(&self, chain: &[Context], action: Action) -> String {
        self.keymap
            .keys_for(chain, action)
            .and_then(|k| k.split(' ').next().map(str::to_string))
            .unwrap_or_else(|| "?".into())
    }

    /// "key word  key word …" for the given actions; unbound actions are left out.
    pub fn hints(&self, chain: &[Context], actions: &[Action]) -> Line<'static> {
        let mut spans = Vec::new();
        for a in actions {
            let Some(keys) = self.keymap.keys_for(chain, *a) else {
                continue;
            };
            let first = keys.split(' ').next().unwrap_or("").to_string();
            if !spans.is_empty() {
                spans.push(Span::raw("  "));
            }
            spans.push(Span::styled(first, self.theme.key()));
            spans.push(Span::styled(format!(" {}", a.short()), self.theme.dim()));
        }
        Line::from(spans)
    }
}
