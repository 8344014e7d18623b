//! Keys and the keymap: which action a key asks for where it is pressed.
//! Built from [`BINDINGS`] and the config file's `[keys]` overrides.
//! Pure data: the terminal layer translates its key events into [`Key`].

use std::collections::HashMap;
use std::fmt;

pub use super::action::{Action, ActionError, Column, Step};
pub use super::bindings::{BINDINGS, Binding, Context};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Tab,
    BackTab,
    Backspace,
    Delete,
    F(u8),
}

/// A key press. Shift is part of the character (`G`, `?`), as users write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }

    pub const fn char(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown key {0:?} (examples: \"j\", \"G\", \"ctrl-c\", \"pgdown\", \"f1\")")]
pub struct BadKey(pub String);

impl std::str::FromStr for Key {
    type Err = BadKey;
    fn from_str(s: &str) -> Result<Key, BadKey> {
        let bad = || BadKey(s.to_string());
        let mut key = Key::plain(KeyCode::Esc);
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                key.ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                key.alt = true;
                rest = r;
            } else {
                break;
            }
        }
        key.code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            "space" => KeyCode::Char(' '),
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().map_err(|_| bad())?)
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        Ok(key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdown"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("backtab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::F(n) => write!(f, "f{n}"),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeymapError {
    #[error("[keys]: {0}")]
    UnknownAction(ActionError),
    #[error("[keys] {action}: {source}")]
    BadKey { action: String, source: BadKey },
}

/// Key → action in each context, built from the table and the user's overrides.
#[derive(Debug, Clone)]
pub struct Keymap {
    map: HashMap<(Context, Key), Action>,
    bound: HashMap<(Context, Action), Vec<Key>>,
}

/// `popup: scroll down` → the popup context; no prefix → the table.
fn split_context(name: &str) -> (Context, &str) {
    if let Some((prefix, rest)) = name.split_once(':')
        && let Some(c) = Context::ALL.iter().find(|c| c.name() == prefix.trim())
    {
        return (*c, rest.trim());
    }
    (Context::Table, name.trim())
}

impl Keymap {
    pub fn defaults() -> Keymap {
        let mut km = Keymap {
            map: HashMap::new(),
            bound: HashMap::new(),
        };
        for b in BINDINGS {
            let keys: Vec<Key> = b.keys.iter().filter_map(|k| k.parse().ok()).collect();
            km.bind(b.context, b.action, keys);
        }
        km
    }

    /// `overrides`: action (`quit`, `floor high`, `popup: scroll down`) →
    /// keys, replacing that action's default keys in its context.
    pub fn with_overrides<'a, I>(overrides: I) -> Result<Keymap, KeymapError>
    where
        I: IntoIterator<Item = (&'a str, &'a [String])>,
    {
        let mut km = Keymap::defaults();
        for (name, keys) in overrides {
            let (context, text) = split_context(name);
            let action = Action::parse(text).map_err(KeymapError::UnknownAction)?;
            let parsed = keys
                .iter()
                .map(|k| k.parse::<Key>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|source| KeymapError::BadKey {
                    action: name.to_string(),
                    source,
                })?;
            if let Some(old) = km.bound.remove(&(context, action)) {
                for k in old {
                    km.map.remove(&(context, k));
                }
            }
            km.bind(context, action, parsed);
        }
        Ok(km)
    }

    fn bind(&mut self, context: Context, action: Action, keys: Vec<Key>) {
        for k in &keys {
            // A key taken from another action is no longer listed there.
            if let Some(prev) = self.map.insert((context, *k), action)
                && let Some(list) = self.bound.get_mut(&(context, prev))
            {
                list.retain(|x| x != k);
            }
        }
        self.bound
            .entry((context, action))
            .or_default()
            .extend(keys);
    }

    /// The action of a key in the table.
    pub fn action(&self, key: &Key) -> Option<Action> {
        self.action_in(Context::Table, key)
    }

    pub fn action_in(&self, context: Context, key: &Key) -> Option<Action> {
        self.map.get(&(context, *key)).copied()
    }

    /// The keys of a table action.
    pub fn keys(&self, action: Action) -> &[Key] {
        self.keys_in(Context::Table, action)
    }

    pub fn keys_in(&self, context: Context, action: Action) -> &[Key] {
        self.bound
            .get(&(context, action))
            .map_or(&[], Vec::as_slice)
    }

    /// Every binding the user can see, in table order, with its keys now;
    /// overrides of actions the table does not list come last.
    pub fn listed(&self) -> Vec<(Context, Action, &'static str, &[Key])> {
        let mut out: Vec<(Context, Action, &'static str, &[Key])> = BINDINGS
            .iter()
            .map(|b| {
                (
                    b.context,
                    b.action,
                    b.help,
                    self.keys_in(b.context, b.action),
                )
            })
            .collect();
        let mut extra: Vec<(Context, Action)> = self
            .bound
            .keys()
            .filter(|(c, a)| !BINDINGS.iter().any(|b| b.context == *c && b.action == *a))
            .copied()
            .collect();
        extra.sort_by_key(|(c, a)| (*c, a.to_string()));
        for (c, a) in extra {
            out.push((c, a, "", self.keys_in(c, a)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_key_parses_and_no_two_actions_share_one_in_a_context() {
        let mut seen = HashMap::new();
        for b in BINDINGS {
            for k in b.keys {
                let key: Key = k.parse().unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(key.to_string(), *k);
                assert!(
                    seen.insert((b.context, key), b.action).is_none(),
                    "{k} bound twice in {:?}",
                    b.context
                );
            }
        }
    }

    #[test]
    fn every_binding_is_listed_once_and_its_text_parses() {
        let mut seen = std::collections::HashSet::new();
        for b in BINDINGS {
            assert!(seen.insert((b.context, b.action)), "{} twice", b.action);
            assert_eq!(Action::parse(&b.action.to_string()), Ok(b.action));
        }
    }

    #[test]
    fn overrides_replace_defaults() {
        let keys = vec!["x".to_string()];
        let km = Keymap::with_overrides([("quit", keys.as_slice())]).unwrap();
        assert_eq!(km.action(&Key::char('x')), Some(Action::Quit));
        assert_eq!(km.action(&Key::char('q')), None);
        assert_eq!(km.action(&Key::ctrl('c')), None);
        let bad = Keymap::with_overrides([("fly", keys.as_slice())]);
        assert!(matches!(bad, Err(KeymapError::UnknownAction(_))));
    }

    #[test]
    fn popup_keys_and_actions_with_arguments_are_remappable() {
        let f = vec!["F".to_string()];
        let y = vec!["o".to_string()];
        let km = Keymap::with_overrides([
            ("mark false-positive", f.as_slice()),
            ("confirm: confirm", y.as_slice()),
            ("picker: mark false-positive", f.as_slice()),
        ])
        .unwrap();
        let fp = Action::Mark(crate::triage::Status::FalsePositive);
        assert_eq!(km.action(&Key::char('F')), Some(fp));
        assert_eq!(km.action_in(Context::Picker, &Key::char('F')), Some(fp));
        assert_eq!(km.action_in(Context::Picker, &Key::char('f')), None);
        assert_eq!(
            km.action_in(Context::Confirm, &Key::char('o')),
            Some(Action::Confirm)
        );
        assert_eq!(km.action_in(Context::Confirm, &Key::char('y')), None);
        assert!(
            km.listed()
                .iter()
                .any(|(c, a, _, keys)| *c == Context::Table
                    && *a == fp
                    && keys == &[Key::char('F')])
        );
    }
}
