//! One field of a form: its kind, value, hint and error.

use super::input::Input;

/// What a form did with an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    /// Not a form action: the key may be text.
    Ignored,
    Cancel,
    /// Saved the record with this id.
    Saved(crate::domain::Id),
}

#[derive(Debug, Clone)]
pub enum Kind {
    Text,
    Secret,
    /// One of a fixed list; ← → or Space step through it.
    Choice(Vec<&'static str>),
    /// A yes/no box; Space toggles.
    Check,
    /// Shown, not editable.
    Fixed,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The name validation errors use for this field ("email" also matches "email 2").
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub input: Input,
    /// A hint shown under the field while it has no error.
    pub hint: String,
    pub error: Option<String>,
    pub(super) initial: String,
}

impl Field {
    pub fn text(key: &'static str, label: &'static str, value: &str) -> Field {
        Field {
            key,
            label,
            kind: Kind::Text,
            input: Input::new(value),
            hint: String::new(),
            error: None,
            initial: value.into(),
        }
    }

    pub fn secret(key: &'static str, label: &'static str) -> Field {
        Field {
            kind: Kind::Secret,
            input: Input::secret(),
            ..Field::text(key, label, "")
        }
    }

    pub fn choice(
        key: &'static str,
        label: &'static str,
        options: Vec<&'static str>,
        value: &str,
    ) -> Field {
        let value = if options.contains(&value) {
            value
        } else {
            options.first().copied().unwrap_or("")
        };
        Field {
            kind: Kind::Choice(options),
            ..Field::text(key, label, value)
        }
    }

    pub fn check(key: &'static str, label: &'static str, on: bool) -> Field {
        Field {
            kind: Kind::Check,
            ..Field::text(key, label, if on { "yes" } else { "no" })
        }
    }

    pub fn fixed(key: &'static str, label: &'static str, value: &str) -> Field {
        Field {
            kind: Kind::Fixed,
            ..Field::text(key, label, value)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Field {
        self.hint = hint.into();
        self
    }

    pub(super) fn editable(&self) -> bool {
        !matches!(self.kind, Kind::Fixed)
    }

    pub(super) fn step(&mut self, by: isize) {
        if let Kind::Choice(options) = &self.kind {
            let now = options
                .iter()
                .position(|o| *o == self.input.value())
                .unwrap_or(0);
            let n = options.len() as isize;
            let next = (now as isize + by).rem_euclid(n.max(1)) as usize;
            if let Some(v) = options.get(next) {
                self.input.set(v);
            }
        }
    }
}
