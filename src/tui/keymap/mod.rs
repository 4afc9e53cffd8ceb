//! Key bindings: the shipped `assets/keymap.toml`, overridden per action by the user's file.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::crossterm::event::KeyEvent;
use serde::Deserialize;

use super::action::Action;

mod key;
pub use key::Key;

pub const DEFAULT_KEYMAP: &str = include_str!("../../../assets/keymap.toml");

/// Where a binding applies. `Global` is consulted last, everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    Main,
    List,
    Customers,
    Tasks,
    Employees,
    Users,
    Sessions,
    Audit,
    Backups,
    Search,
    Form,
    Confirm,
    Conflict,
    Popup,
    Trash,
    History,
    Import,
}

impl Context {
    pub const ALL: [Context; 18] = [
        Context::Global,
        Context::Main,
        Context::List,
        Context::Customers,
        Context::Tasks,
        Context::Employees,
        Context::Users,
        Context::Sessions,
        Context::Audit,
        Context::Backups,
        Context::Search,
        Context::Form,
        Context::Confirm,
        Context::Conflict,
        Context::Popup,
        Context::Trash,
        Context::History,
        Context::Import,
    ];
}

/// The context chains the screens use, innermost first (`Global` is always last).
pub mod chain {
    use super::Context::{self, *};

    pub const HOME: &[Context] = &[List, Main];
    pub const CUSTOMERS: &[Context] = &[Customers, List, Main];
    pub const TASKS: &[Context] = &[Tasks, List, Main];
    pub const EMPLOYEES: &[Context] = &[Employees, List, Main];
    pub const USERS: &[Context] = &[Users, List, Main];
    pub const SESSIONS: &[Context] = &[Sessions, List, Main];
    pub const AUDIT: &[Context] = &[Audit, List, Main];
    pub const BACKUPS: &[Context] = &[Backups, List, Main];
    pub const SEARCH: &[Context] = &[Search];
    pub const FORM: &[Context] = &[Form];
    pub const CONFIRM: &[Context] = &[Confirm];
    pub const CONFLICT: &[Context] = &[Conflict];
    pub const POPUP: &[Context] = &[Popup];
    pub const TRASH: &[Context] = &[Trash, List, Main];
    pub const HISTORY: &[Context] = &[History, List, Main];
    pub const IMPORT: &[Context] = &[Import, List, Main];

    pub const ALL: [&[Context]; 16] = [
        HOME, CUSTOMERS, TASKS, EMPLOYEES, USERS, SESSIONS, AUDIT, BACKUPS, SEARCH, FORM, CONFIRM,
        CONFLICT, POPUP, TRASH, HISTORY, IMPORT,
    ];
}

#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error("keymap {path}: {message}")]
    Invalid { path: String, message: String },
    #[error("cannot read keymap {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Keys {
    One(String),
    Many(Vec<String>),
}

type RawKeymap = BTreeMap<Context, BTreeMap<Action, Keys>>;

/// Bindings by context, each action with its keys in the order written.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: BTreeMap<Context, Vec<(Action, Vec<Key>)>>,
}

impl Keymap {
    /// The shipped defaults.
    pub fn defaults() -> Keymap {
        let mut k = Keymap {
            bindings: BTreeMap::new(),
        };
        // The shipped file is tested to parse; an empty map would only be reached by a
        // broken build, and every screen still has Esc and Ctrl-C through the app.
        let _ = k.merge(DEFAULT_KEYMAP, "assets/keymap.toml");
        k
    }

    /// Defaults with the user's file on top, if it exists.
    pub fn load(user_file: Option<&Path>) -> Result<Keymap, KeymapError> {
        let mut k = Keymap::defaults();
        if let Some(p) = user_file.filter(|p| p.exists()) {
            let path = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|source| KeymapError::Read {
                path: path.clone(),
                source,
            })?;
            k.merge(&text, &path)?;
        }
        Ok(k)
    }

    /// Applies a keymap file: every action it names gets exactly the keys it lists.
    pub fn merge(&mut self, text: &str, path: &str) -> Result<(), KeymapError> {
        let invalid = |message: String| KeymapError::Invalid {
            path: path.to_string(),
            message,
        };
        let raw: RawKeymap = toml::from_str(text).map_err(|e| invalid(e.message().to_string()))?;
        for (ctx, actions) in raw {
            let list = self.bindings.entry(ctx).or_default();
            for (action, keys) in actions {
                let names = match keys {
                    Keys::One(k) => vec![k],
                    Keys::Many(ks) => ks,
                };
                let keys = names
                    .iter()
                    .map(|n| Key::parse(n))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(invalid)?;
                match list.iter_mut().find(|(a, _)| *a == action) {
                    Some(entry) => entry.1 = keys,
                    None => list.push((action, keys)),
                }
            }
        }
        Ok(())
    }

    /// The action `ev` means in `chain` (innermost first), then in `Global`.
    pub fn action(&self, chain: &[Context], ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev)?;
        chain
            .iter()
            .chain(std::iter::once(&Context::Global))
            .find_map(|c| self.lookup(*c, key))
    }

    fn lookup(&self, ctx: Context, key: Key) -> Option<Action> {
        self.bindings
            .get(&ctx)?
            .iter()
            .find(|(_, ks)| ks.contains(&key))
            .map(|(a, _)| *a)
    }

    /// Bindings of one context, in file order.
    pub fn context(&self, ctx: Context) -> &[(Action, Vec<Key>)] {
        self.bindings.get(&ctx).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The keys of `action` as the help shows them ("↑ k"), looking through `chain`.
    pub fn keys_for(&self, chain: &[Context], action: Action) -> Option<String> {
        chain
            .iter()
            .chain(std::iter::once(&Context::Global))
            .find_map(|c| {
                let (_, keys) = self.context(*c).iter().find(|(a, _)| *a == action)?;
                let reachable: Vec<String> = keys
                    .iter()
                    .filter(|k| self.reaches(chain, **k, action))
                    .map(Key::to_string)
                    .collect();
                (!reachable.is_empty()).then(|| reachable.join(" "))
            })
    }

    /// The keys `ctx` itself binds to `action` that still reach it in `chain`.
    pub fn keys_in(&self, ctx: Context, chain: &[Context], action: Action) -> Option<String> {
        let (_, keys) = self.context(ctx).iter().find(|(a, _)| *a == action)?;
        let reachable: Vec<String> = keys
            .iter()
            .filter(|k| self.reaches(chain, **k, action))
            .map(Key::to_string)
            .collect();
        (!reachable.is_empty()).then(|| reachable.join(" "))
    }

    fn reaches(&self, chain: &[Context], key: Key, action: Action) -> bool {
        chain
            .iter()
            .chain(std::iter::once(&Context::Global))
            .find_map(|c| self.lookup(*c, key))
            == Some(action)
    }

    /// Problems in one chain: a key bound twice in one context, a key that shadows a
    /// `Global` binding, or an action left with no reachable key because of shadowing.
    pub fn clashes(&self, chain: &[Context]) -> Vec<String> {
        let mut out = Vec::new();
        let full: Vec<Context> = chain
            .iter()
            .copied()
            .chain(std::iter::once(Context::Global))
            .collect();
        for ctx in &full {
            let mut seen: BTreeMap<Key, Action> = BTreeMap::new();
            for (action, keys) in self.context(*ctx) {
                for k in keys {
                    if let Some(other) = seen.insert(*k, *action) {
                        out.push(format!(
                            "[{ctx:?}] {k} is bound to both {other:?} and {action:?}"
                        ));
                    }
                    if *ctx != Context::Global && self.lookup(Context::Global, *k).is_some() {
                        out.push(format!("[{ctx:?}] {k} shadows a global key"));
                    }
                }
            }
            for (action, keys) in self.context(*ctx) {
                if !keys.is_empty() && !keys.iter().any(|k| self.reaches(chain, *k, *action)) {
                    out.push(format!(
                        "[{ctx:?}] {action:?} cannot be reached: every key of it is taken"
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};

    fn ev(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: ratatui::crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn shipped_keymap_parses() {
        let mut k = Keymap {
            bindings: BTreeMap::new(),
        };
        k.merge(DEFAULT_KEYMAP, "assets/keymap.toml").unwrap();
        assert!(k.context(Context::Main).len() > 5);
    }

    #[test]
    fn user_file_overrides_only_what_it_names() {
        let mut k = Keymap::defaults();
        k.merge("[customers]\nnew = [\"a\"]\n", "user").unwrap();
        let chain = [Context::Customers, Context::List, Context::Main];
        assert_eq!(
            k.action(&chain, &ev(KeyCode::Char('a'), KeyModifiers::NONE)),
            Some(Action::New)
        );
        assert_eq!(
            k.action(&chain, &ev(KeyCode::Char('n'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            k.action(&chain, &ev(KeyCode::Char('e'), KeyModifiers::NONE)),
            Some(Action::Edit)
        );
    }

    #[test]
    fn unknown_names_are_refused() {
        let mut k = Keymap::defaults();
        assert!(k.merge("[customers]\nfly = \"f\"\n", "user").is_err());
        assert!(k.merge("[nowhere]\nnew = \"f\"\n", "user").is_err());
        assert!(k.merge("[customers]\nnew = \"hyper-q\"\n", "user").is_err());
    }

    #[test]
    fn arrows_and_vim_keys_both_move() {
        let k = Keymap::defaults();
        let chain = [Context::List, Context::Main];
        assert_eq!(
            k.action(&chain, &ev(KeyCode::Down, KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            k.action(&chain, &ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            k.action(&chain, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Last)
        );
        assert_eq!(
            k.action(&chain, &ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevTab)
        );
        assert_eq!(
            k.action(&chain, &ev(KeyCode::Char('l'), KeyModifiers::CONTROL)),
            Some(Action::Lock)
        );
    }

    #[test]
    fn shipped_keymap_has_no_clashes_in_any_context() {
        let k = Keymap::defaults();
        let problems: Vec<String> = chain::ALL.iter().flat_map(|c| k.clashes(c)).collect();
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn a_clash_is_found() {
        let mut k = Keymap::defaults();
        k.merge("[customers]\nedit = \"n\"\n", "user").unwrap();
        assert!(!k.clashes(chain::CUSTOMERS).is_empty());
        let mut k = Keymap::defaults();
        k.merge("[main]\nlookup = \"/\"\n", "user").unwrap();
        assert!(
            k.clashes(chain::CUSTOMERS)
                .iter()
                .any(|p| p.contains("cannot be reached"))
        );
    }

    #[test]
    fn keys_print_as_people_read_them() {
        assert_eq!(Key::parse("ctrl-l").unwrap().to_string(), "Ctrl-L");
        assert_eq!(Key::parse("backtab").unwrap().to_string(), "Shift-Tab");
        assert_eq!(Key::parse("space").unwrap().to_string(), "Space");
        assert_eq!(Key::parse("f5").unwrap().to_string(), "F5");
    }
}
