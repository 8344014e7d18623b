//! Named actions and the keys bound to them. One table feeds the help overlay,
//! the `:` command line, the config file's `[keys]` overrides and the tests.
//! Pure data: the terminal layer translates its key events into [`Key`].

use std::collections::HashMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    Filter,
    ClearFilter,
    FloorCritical,
    FloorHigh,
    FloorMedium,
    FloorLow,
    FloorInfo,
    FloorNone,
    CycleSource,
    ToggleOpenOnly,
    CycleSort,
    ReverseSort,
    ToggleGroup,
    ToggleDetail,
    ToggleRaw,
    DetailDown,
    DetailUp,
    Help,
    Command,
    CycleTheme,
    TogglePick,
    PickAll,
    SetStatus,
    EditNote,
    EditJira,
    CycleStatusFilter,
    ShowGone,
    ToggleNewOnly,
    Review,
    SyncSecurityHub,
    ExportJira,
}

/// One row of the action table.
pub struct ActionInfo {
    pub action: Action,
    /// The `:` command and the `[keys]` config name.
    pub name: &'static str,
    pub help: &'static str,
    pub keys: &'static [&'static str],
}

pub const ACTIONS: &[ActionInfo] = &[
    ActionInfo {
        action: Action::Down,
        name: "down",
        help: "next row",
        keys: &["j", "down"],
    },
    ActionInfo {
        action: Action::Up,
        name: "up",
        help: "previous row",
        keys: &["k", "up"],
    },
    ActionInfo {
        action: Action::PageDown,
        name: "page-down",
        help: "next page",
        keys: &["pgdown", "ctrl-f", "ctrl-d"],
    },
    ActionInfo {
        action: Action::PageUp,
        name: "page-up",
        help: "previous page",
        keys: &["pgup", "ctrl-b", "ctrl-u"],
    },
    ActionInfo {
        action: Action::Top,
        name: "top",
        help: "first row",
        keys: &["home"],
    },
    ActionInfo {
        action: Action::Bottom,
        name: "bottom",
        help: "last row",
        keys: &["end", "G"],
    },
    ActionInfo {
        action: Action::Filter,
        name: "filter",
        help: "filter as you type (title, resource, rule, account, namespace)",
        keys: &["/"],
    },
    ActionInfo {
        action: Action::ClearFilter,
        name: "clear-filter",
        help: "clear the text filter",
        keys: &["esc"],
    },
    ActionInfo {
        action: Action::FloorCritical,
        name: "critical",
        help: "show critical only",
        keys: &["1"],
    },
    ActionInfo {
        action: Action::FloorHigh,
        name: "high",
        help: "show high and above",
        keys: &["2"],
    },
    ActionInfo {
        action: Action::FloorMedium,
        name: "medium",
        help: "show medium and above",
        keys: &["3"],
    },
    ActionInfo {
        action: Action::FloorLow,
        name: "low",
        help: "show low and above",
        keys: &["4"],
    },
    ActionInfo {
        action: Action::FloorInfo,
        name: "info",
        help: "show info and above",
        keys: &["5"],
    },
    ActionInfo {
        action: Action::FloorNone,
        name: "all-severities",
        help: "show every severity",
        keys: &["0"],
    },
    ActionInfo {
        action: Action::CycleSource,
        name: "source",
        help: "cycle source: all, securityhub, kubescape, starboard",
        keys: &["t"],
    },
    ActionInfo {
        action: Action::ToggleOpenOnly,
        name: "open-only",
        help: "toggle open only / include closed",
        keys: &["o"],
    },
    ActionInfo {
        action: Action::CycleSort,
        name: "sort",
        help: "sort by the next column",
        keys: &["s"],
    },
    ActionInfo {
        action: Action::ReverseSort,
        name: "reverse",
        help: "reverse the sort",
        keys: &["S"],
    },
    ActionInfo {
        action: Action::ToggleGroup,
        name: "group",
        help: "group: by rule (one row per CVE/control), by owner, off",
        keys: &["g"],
    },
    ActionInfo {
        action: Action::ToggleDetail,
        name: "detail",
        help: "show or hide the detail pane",
        keys: &["enter"],
    },
    ActionInfo {
        action: Action::ToggleRaw,
        name: "raw",
        help: "detail: show the raw input record",
        keys: &["r"],
    },
    ActionInfo {
        action: Action::DetailDown,
        name: "detail-down",
        help: "scroll the detail pane down",
        keys: &["J", "ctrl-n"],
    },
    ActionInfo {
        action: Action::DetailUp,
        name: "detail-up",
        help: "scroll the detail pane up",
        keys: &["K", "ctrl-p"],
    },
    ActionInfo {
        action: Action::CycleTheme,
        name: "next-theme",
        help: "switch to the next colour theme",
        keys: &["T"],
    },
    ActionInfo {
        action: Action::Command,
        name: "command",
        help: "command line (:sort title, :severity high, :theme light, ...)",
        keys: &[":"],
    },
    ActionInfo {
        action: Action::TogglePick,
        name: "pick",
        help: "pick / unpick the row for a bulk triage action",
        keys: &["space"],
    },
    ActionInfo {
        action: Action::PickAll,
        name: "pick-all",
        help: "pick every finding shown (again: unpick all)",
        keys: &["v"],
    },
    ActionInfo {
        action: Action::SetStatus,
        name: "mark",
        help: "set triage status of the picked findings or the row",
        keys: &["m"],
    },
    ActionInfo {
        action: Action::EditNote,
        name: "note",
        help: "edit the triage note",
        keys: &["n"],
    },
    ActionInfo {
        action: Action::EditJira,
        name: "jira",
        help: "set the JIRA issue key",
        keys: &["i"],
    },
    ActionInfo {
        action: Action::CycleStatusFilter,
        name: "status-filter",
        help: "cycle triage status filter: all, to do, each status",
        keys: &["x"],
    },
    ActionInfo {
        action: Action::ShowGone,
        name: "gone",
        help: "marks whose finding no longer appears",
        keys: &["X"],
    },
    ActionInfo {
        action: Action::ToggleNewOnly,
        name: "new-only",
        help: "only findings new since the last snapshot (marked NEW)",
        keys: &["N"],
    },
    ActionInfo {
        action: Action::Review,
        name: "review",
        help: "the weekly review: owners, new and resolved, oldest criticals, overdue, trend",
        keys: &["W"],
    },
    ActionInfo {
        action: Action::SyncSecurityHub,
        name: "sync-securityhub",
        help: "send triage marks to Security Hub as workflow status and note (asks first)",
        keys: &["U"],
    },
    ActionInfo {
        action: Action::ExportJira,
        name: "export-jira",
        help: "export the picked findings (or all shown) as JIRA-ready CSV",
        keys: &["E"],
    },
    ActionInfo {
        action: Action::Help,
        name: "help",
        help: "this help",
        keys: &["?", "f1"],
    },
    ActionInfo {
        action: Action::Quit,
        name: "quit",
        help: "quit",
        keys: &["q", "ctrl-c"],
    },
];

pub fn info(action: Action) -> &'static ActionInfo {
    ACTIONS
        .iter()
        .find(|a| a.action == action)
        .unwrap_or(&ACTIONS[0])
}

pub fn by_name(name: &str) -> Option<Action> {
    ACTIONS.iter().find(|a| a.name == name).map(|a| a.action)
}

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
    #[error("[keys]: unknown action {0:?}")]
    UnknownAction(String),
    #[error("[keys] {action}: {source}")]
    BadKey { action: String, source: BadKey },
}

/// Key → action, built from the table and the user's overrides.
#[derive(Debug, Clone)]
pub struct Keymap {
    map: HashMap<Key, Action>,
    bound: HashMap<Action, Vec<Key>>,
}

impl Keymap {
    pub fn defaults() -> Keymap {
        let mut km = Keymap {
            map: HashMap::new(),
            bound: HashMap::new(),
        };
        for a in ACTIONS {
            let keys: Vec<Key> = a.keys.iter().filter_map(|k| k.parse().ok()).collect();
            km.bind(a.action, keys);
        }
        km
    }

    /// `overrides`: action name → keys, replacing that action's default keys.
    pub fn with_overrides<'a, I>(overrides: I) -> Result<Keymap, KeymapError>
    where
        I: IntoIterator<Item = (&'a str, &'a [String])>,
    {
        let mut km = Keymap::defaults();
        for (name, keys) in overrides {
            let action =
                by_name(name).ok_or_else(|| KeymapError::UnknownAction(name.to_string()))?;
            let parsed = keys
                .iter()
                .map(|k| k.parse::<Key>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|source| KeymapError::BadKey {
                    action: name.to_string(),
                    source,
                })?;
            if let Some(old) = km.bound.remove(&action) {
                for k in old {
                    km.map.remove(&k);
                }
            }
            km.bind(action, parsed);
        }
        Ok(km)
    }

    fn bind(&mut self, action: Action, keys: Vec<Key>) {
        for k in &keys {
            // A key taken from another action is no longer listed there.
            if let Some(prev) = self.map.insert(*k, action)
                && let Some(list) = self.bound.get_mut(&prev)
            {
                list.retain(|x| x != k);
            }
        }
        self.bound.entry(action).or_default().extend(keys);
    }

    pub fn action(&self, key: &Key) -> Option<Action> {
        self.map.get(key).copied()
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.bound.get(&action).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_key_parses_and_no_two_actions_share_one() {
        let mut seen = HashMap::new();
        for a in ACTIONS {
            for k in a.keys {
                let key: Key = k.parse().unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(key.to_string(), *k);
                assert!(seen.insert(key, a.name).is_none(), "{k} bound twice");
            }
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = ACTIONS.iter().map(|a| a.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
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
}
