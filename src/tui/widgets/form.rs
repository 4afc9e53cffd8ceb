//! A column of labelled fields with inline, field-named errors under each field.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub use super::field::{Field, Kind, Outcome};
use crate::domain::{FieldError, Invalid};
use crate::tui::text::{clean, pad};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Default)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Errors that belong to no field.
    pub message: Option<String>,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        let mut f = Form {
            fields,
            focus: 0,
            message: None,
        };
        if !f.fields.first().is_some_and(Field::editable) {
            f.next();
        }
        f.arrive();
        f
    }

    /// Focus has come to a field: what is typed first replaces its value.
    fn arrive(&mut self) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.input.arrive();
        }
    }

    pub fn value(&self, key: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.input.value())
            .unwrap_or_default()
    }

    pub fn checked(&self, key: &str) -> bool {
        self.value(key) == "yes"
    }

    /// The value, or `None` when the field is empty.
    pub fn opt(&self, key: &str) -> Option<String> {
        Some(self.value(key).trim().to_string()).filter(|s| !s.is_empty())
    }

    /// A comma-separated field as a list.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.value(key)
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn field_mut(&mut self, key: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.key == key)
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    pub fn focused_key(&self) -> &'static str {
        self.focused().map(|f| f.key).unwrap_or("")
    }

    pub fn on_last(&self) -> bool {
        !self.fields.iter().skip(self.focus + 1).any(Field::editable)
    }

    pub fn next(&mut self) {
        if let Some(i) = self
            .fields
            .iter()
            .enumerate()
            .skip(self.focus + 1)
            .find(|(_, f)| f.editable())
            .map(|(i, _)| i)
        {
            self.focus = i;
            self.arrive();
        }
    }

    pub fn prev(&mut self) {
        if let Some(i) = self
            .fields
            .iter()
            .enumerate()
            .take(self.focus)
            .rev()
            .find(|(_, f)| f.editable())
            .map(|(i, _)| i)
        {
            self.focus = i;
            self.arrive();
        }
    }

    /// Space on a check box or choice; false on a text field (Space is then text).
    pub fn toggle(&mut self) -> bool {
        let Some(f) = self.fields.get_mut(self.focus) else {
            return false;
        };
        match f.kind {
            Kind::Check => {
                let on = f.input.value() == "yes";
                f.input.set(if on { "no" } else { "yes" });
                true
            }
            Kind::Choice(_) => {
                f.step(1);
                true
            }
            _ => false,
        }
    }

    /// Typing into the focused field.
    pub fn input(&mut self, key: &KeyEvent) -> bool {
        let Some(f) = self.fields.get_mut(self.focus) else {
            return false;
        };
        match (&f.kind, key.code) {
            (Kind::Choice(_), KeyCode::Right) => f.step(1),
            (Kind::Choice(_), KeyCode::Left) => f.step(-1),
            (Kind::Choice(options), KeyCode::Char(c)) => {
                // Typing the first letter picks the choice.
                if let Some(v) = options.iter().find(|o| o.starts_with(c)) {
                    f.input.set(v);
                }
            }
            (Kind::Check, KeyCode::Char('y')) => f.input.set("yes"),
            (Kind::Check, KeyCode::Char('n')) => f.input.set("no"),
            (Kind::Text | Kind::Secret, _) => {
                let done = f.input.handle(key);
                if done {
                    f.error = None;
                }
                return done;
            }
            _ => return false,
        }
        true
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(f) = self
            .fields
            .get_mut(self.focus)
            .filter(|f| matches!(f.kind, Kind::Text | Kind::Secret))
        {
            f.input.insert_str(text);
        }
    }

    pub fn changed(&self) -> bool {
        self.fields.iter().any(|f| f.input.value() != f.initial)
    }

    pub fn clear_errors(&mut self) {
        self.message = None;
        for f in &mut self.fields {
            f.error = None;
        }
    }

    /// Puts each error next to its field ("email 2" goes to "email"); the rest above the form.
    /// Focus moves to the first field with an error.
    pub fn set_errors(&mut self, errors: &[FieldError]) {
        self.clear_errors();
        let mut rest = Vec::new();
        for e in errors {
            // "email 2" belongs to "email"; "password again" does not belong to "password".
            let numbered = |key: &str| {
                e.field
                    .strip_prefix(key)
                    .and_then(|r| r.strip_prefix(' '))
                    .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
            };
            let field = self
                .fields
                .iter_mut()
                .find(|f| e.field == f.key || numbered(f.key));
            match field {
                Some(f) if f.error.is_none() => f.error = Some(e.to_string()),
                Some(f) => f.error = f.error.take().map(|x| format!("{x}; {e}")),
                None => rest.push(e.to_string()),
            }
        }
        if !rest.is_empty() {
            self.message = Some(rest.join("; "));
        }
        if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = i;
        }
    }

    pub fn set_invalid(&mut self, invalid: &Invalid) {
        self.set_errors(&invalid.0);
    }

    /// Rows the form wants: one per field, one more per hint or error, one for the message.
    pub fn height(&self) -> u16 {
        let extra = self
            .fields
            .iter()
            .filter(|f| f.error.is_some() || !f.hint.is_empty())
            .count();
        u16::try_from(self.fields.len() + extra + usize::from(self.message.is_some()))
            .unwrap_or(u16::MAX)
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme, active: bool) {
        let label_w = self
            .fields
            .iter()
            .map(|x| x.label.chars().count())
            .max()
            .unwrap_or(0)
            .min(24)
            + 2;
        let mut rows: Vec<(Option<usize>, Line)> = Vec::new();
        if let Some(m) = &self.message {
            rows.push((
                None,
                Line::from(Span::styled(format!("✗ {}", clean(m)), theme.error())),
            ));
        }
        for (i, field) in self.fields.iter().enumerate() {
            rows.push((Some(i), Line::default()));
            if let Some(e) = &field.error {
                let room = usize::from(area.width).saturating_sub(label_w + 2).max(10);
                for (n, part) in crate::tui::text::wrap(&clean(e), room)
                    .into_iter()
                    .enumerate()
                {
                    let mark = if n == 0 { "✗ " } else { "  " };
                    let text = format!("{}{mark}{part}", " ".repeat(label_w));
                    rows.push((None, Line::from(Span::styled(text, theme.error()))));
                }
            } else if !field.hint.is_empty() {
                let room = usize::from(area.width).saturating_sub(label_w).max(10);
                for part in crate::tui::text::wrap(&clean(&field.hint), room) {
                    let text = format!("{}{part}", " ".repeat(label_w));
                    rows.push((None, Line::from(Span::styled(text, theme.dim()))));
                }
            }
        }
        // Scroll so the focused field is visible.
        let h = usize::from(area.height);
        let focus_row = rows
            .iter()
            .position(|(i, _)| *i == Some(self.focus))
            .unwrap_or(0);
        let start = (focus_row + 2)
            .saturating_sub(h)
            .min(rows.len().saturating_sub(h));
        for (n, (idx, line)) in rows.into_iter().skip(start).take(h).enumerate() {
            let row = Rect {
                y: area.y + n as u16,
                height: 1,
                ..area
            };
            let Some(i) = idx else {
                f.render_widget(line, row);
                continue;
            };
            let field = &self.fields[i];
            let focused = active && i == self.focus;
            let label_style = if focused {
                theme.focus()
            } else {
                theme.label()
            };
            let marker = if focused { "▸" } else { " " };
            let label = Line::from(vec![
                Span::styled(marker, theme.focus()),
                Span::styled(pad(field.label, label_w - 1), label_style),
            ]);
            f.render_widget(label, row);
            let value_area = Rect {
                x: row.x + label_w as u16,
                width: row.width.saturating_sub(label_w as u16),
                ..row
            };
            match &field.kind {
                Kind::Check => {
                    let on = field.input.value() == "yes";
                    let text = if on { "[x] yes" } else { "[ ] no" };
                    f.render_widget(
                        Span::styled(text, if focused { theme.focus() } else { theme.text() }),
                        value_area,
                    );
                }
                Kind::Choice(_) => {
                    let text = format!("‹ {} ›", field.input.value());
                    f.render_widget(
                        Span::styled(text, if focused { theme.focus() } else { theme.text() }),
                        value_area,
                    );
                }
                Kind::Fixed => f.render_widget(
                    Span::styled(clean(&field.input.value()), theme.dim()),
                    value_area,
                ),
                Kind::Text | Kind::Secret => {
                    // Shown selected while the next key would replace it.
                    let style = if focused && field.input.is_fresh() {
                        theme
                            .text()
                            .add_modifier(ratatui::style::Modifier::REVERSED)
                    } else {
                        theme.text()
                    };
                    field.input.draw(f, value_area, style, focused)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_go_to_their_fields() {
        let mut form = Form::new(vec![
            Field::text("name", "Name", ""),
            Field::text("email", "Emails", "a, b"),
            Field::text("phone", "Phones", ""),
        ]);
        form.set_errors(&[
            FieldError::new("email 2", "is not an email address"),
            FieldError::new("owner", "no user with id 9"),
        ]);
        assert_eq!(
            form.fields[1].error.as_deref(),
            Some("email 2: is not an email address")
        );
        assert_eq!(form.message.as_deref(), Some("owner: no user with id 9"));
        assert_eq!(form.focus, 1);
        let mut form = Form::new(vec![
            Field::secret("password", "Password"),
            Field::secret("password again", "Again"),
        ]);
        form.set_errors(&[FieldError::new("password again", "differs")]);
        assert_eq!((form.focus, form.fields[0].error.is_none()), (1, true));
    }

    #[test]
    fn fixed_fields_are_skipped() {
        let mut form = Form::new(vec![
            Field::fixed("id", "Id", "4"),
            Field::text("a", "A", ""),
            Field::text("b", "B", ""),
        ]);
        assert_eq!(form.focus, 1);
        form.prev();
        assert_eq!(form.focus, 1);
        form.next();
        assert!(form.on_last());
    }
}
