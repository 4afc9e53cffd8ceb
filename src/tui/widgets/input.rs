//! A one-line text field: cursor movement, editing, paste, and a horizontal scroll that
//! keeps the cursor in view (measured in cells, so wide characters behave).
//!
//! Editing keys are fixed, as in a shell: ← → Home End (Ctrl-A, Ctrl-E), Backspace, Del,
//! Ctrl-U (delete to start), Ctrl-W (delete a word).

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;
use zeroize::Zeroize;

use crate::domain::text::sanitize_line;

#[derive(Clone, Default)]
pub struct Input {
    chars: Vec<char>,
    cursor: usize,
    /// Shown as dots, and wiped on drop.
    pub secret: bool,
    /// Just arrived at with a value in it: the first key typed replaces the value, as in
    /// other forms; an arrow (or Home, End) first edits it in place.
    fresh: bool,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.secret {
            f.write_str("Input(****)")
        } else {
            write!(f, "Input({:?})", self.value())
        }
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        if self.secret {
            self.chars.zeroize();
        }
    }
}

impl Input {
    pub fn new(value: &str) -> Input {
        let chars: Vec<char> = value.chars().collect();
        Input {
            cursor: chars.len(),
            chars,
            secret: false,
            fresh: false,
        }
    }

    pub fn secret() -> Input {
        Input {
            chars: Vec::new(),
            cursor: 0,
            secret: true,
            fresh: false,
        }
    }

    /// The field has just been reached: typing replaces what is in it.
    pub fn arrive(&mut self) {
        self.fresh = !self.chars.is_empty();
    }

    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    pub fn value(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn set(&mut self, value: &str) {
        self.clear();
        self.insert_str(value);
    }

    pub fn clear(&mut self) {
        self.fresh = false;
        self.chars.zeroize();
        self.chars.clear();
        self.cursor = 0;
    }

    /// Pasted or typed text, cleaned of anything that could drive the terminal.
    pub fn insert_str(&mut self, s: &str) {
        if self.fresh {
            self.clear();
        }
        let flat = s.replace(['\r', '\n'], " ");
        for c in sanitize_line(&flat).chars() {
            self.chars.insert(self.cursor, c);
            self.cursor += 1;
        }
    }

    /// Handles an editing key; false when the key is not one.
    pub fn handle(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if std::mem::take(&mut self.fresh) {
            match key.code {
                KeyCode::Char(_) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                    self.clear();
                }
                KeyCode::Backspace | KeyCode::Delete => {
                    self.clear();
                    return true;
                }
                _ => {}
            }
        }
        match key.code {
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.chars.len(),
            KeyCode::Char('u') if ctrl => {
                self.chars.drain(..self.cursor);
                self.cursor = 0;
            }
            KeyCode::Char('w') if ctrl => self.delete_word(),
            KeyCode::Char(_) if ctrl || key.modifiers.contains(KeyModifiers::ALT) => return false,
            KeyCode::Char(c) => {
                if sanitize_line(&c.to_string()).is_empty() && c != ' ' {
                    return true;
                }
                self.chars.insert(self.cursor, c);
                self.cursor += 1;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                self.chars.remove(self.cursor);
            }
            KeyCode::Delete if self.cursor < self.chars.len() => {
                self.chars.remove(self.cursor);
            }
            KeyCode::Backspace | KeyCode::Delete => {}
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.chars.len()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.chars.len(),
            _ => return false,
        }
        true
    }

    fn delete_word(&mut self) {
        let mut start = self.cursor;
        while start > 0 && self.chars[start - 1] == ' ' {
            start -= 1;
        }
        while start > 0 && self.chars[start - 1] != ' ' {
            start -= 1;
        }
        self.chars.drain(start..self.cursor);
        self.cursor = start;
    }

    fn shown(&self) -> Vec<char> {
        if self.secret {
            vec!['•'; self.chars.len()]
        } else {
            self.chars.clone()
        }
    }

    /// Draws the field into one row; with `focused`, places the terminal cursor.
    pub fn draw(&self, f: &mut Frame, area: Rect, style: Style, focused: bool) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let shown = self.shown();
        let w = |c: &char| c.width().unwrap_or(0);
        let room = usize::from(area.width).saturating_sub(1).max(1);
        // Scroll so the cursor stays visible: drop characters from the left.
        let mut start = 0;
        while shown[start..self.cursor].iter().map(w).sum::<usize>() > room {
            start += 1;
        }
        let mut text = String::new();
        let mut used = 0;
        for c in &shown[start..] {
            if used + w(c) > usize::from(area.width) {
                break;
            }
            used += w(c);
            text.push(*c);
        }
        // Under `[display] bidi = "reorder"`, what is visible goes out in visual order and
        // the cursor sits by the character it is before.
        let visible: Vec<char> = text.chars().collect();
        let reordered = crate::tui::bidi::input(&visible, self.cursor - start);
        let before = match &reordered {
            Some((_, x)) => *x,
            None => shown[start..self.cursor].iter().map(w).sum(),
        };
        let text = reordered.map_or(text, |(t, _)| t);
        f.render_widget(Line::from(Span::styled(text, style)), area);
        if focused {
            let x = area
                .x
                .saturating_add(u16::try_from(before).unwrap_or(u16::MAX))
                .min(area.right().saturating_sub(1));
            f.set_cursor_position(Position::new(x, area.y));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyEventKind, KeyEventState};

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    fn typed(s: &str) -> Input {
        let mut i = Input::default();
        for c in s.chars() {
            i.handle(&key(KeyCode::Char(c), KeyModifiers::NONE));
        }
        i
    }

    #[test]
    fn edits_at_the_cursor() {
        let mut i = typed("helo");
        i.handle(&key(KeyCode::Left, KeyModifiers::NONE));
        i.handle(&key(KeyCode::Char('l'), KeyModifiers::NONE));
        assert_eq!(i.value(), "hello");
        i.handle(&key(KeyCode::Home, KeyModifiers::NONE));
        i.handle(&key(KeyCode::Delete, KeyModifiers::NONE));
        assert_eq!(i.value(), "ello");
        i.handle(&key(KeyCode::End, KeyModifiers::NONE));
        i.handle(&key(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(i.value(), "ell");
    }

    #[test]
    fn deletes_words_and_lines() {
        let mut i = typed("dana cohen");
        i.handle(&key(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(i.value(), "dana ");
        i.handle(&key(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(i.value(), "");
    }

    #[test]
    fn pasted_escapes_are_dropped() {
        let mut i = Input::default();
        i.insert_str("a\x1b[2Jb\u{202e}c\nd");
        assert_eq!(i.value(), "a[2Jbc d");
    }

    #[test]
    fn ctrl_keys_are_not_text() {
        let mut i = Input::default();
        assert!(!i.handle(&key(KeyCode::Char('l'), KeyModifiers::CONTROL)));
        assert!(i.is_empty());
    }
}
