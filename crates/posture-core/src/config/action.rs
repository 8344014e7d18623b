//! What a key, a `:` command or a config override can ask the dashboard to
//! do: actions as data, with their arguments, and their one text form
//! (`floor high`, `sort title`, `mark false-positive`, `scroll page-down`).
//! The keymap, the command line and the help all go through [`Action::parse`]
//! and `Display`, so they cannot disagree.

use std::fmt;
use std::str::FromStr;

use crate::model::Severity;
use crate::query::SortKey;
use crate::query::grouping::GroupBy;
use crate::triage::Status;

/// A column of the table that can be shown or hidden (the others always
/// show, as far as the width allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Source,
    Layer,
    Scope,
    Owner,
    /// The priority badges: `KEV`, `EXP`, `FIX`.
    Risk,
}

impl Column {
    pub const ALL: [Column; 5] = [
        Column::Source,
        Column::Layer,
        Column::Scope,
        Column::Owner,
        Column::Risk,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Column::Source => "source",
            Column::Layer => "layer",
            Column::Scope => "scope",
            Column::Owner => "owner",
            Column::Risk => "risk",
        }
    }
}

/// How far a list or a pane moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Down,
        Step::Up,
        Step::PageDown,
        Step::PageUp,
        Step::Top,
        Step::Bottom,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Step::Down => "down",
            Step::Up => "up",
            Step::PageDown => "page-down",
            Step::PageUp => "page-up",
            Step::Top => "top",
            Step::Bottom => "bottom",
        }
    }

    /// Rows (or lines) to move with a page of `page` rows; top and bottom
    /// are "as far as it goes".
    pub fn delta(self, page: usize) -> isize {
        let page = isize::try_from(page.max(1)).unwrap_or(isize::MAX);
        match self {
            Step::Down => 1,
            Step::Up => -1,
            Step::PageDown => page,
            Step::PageUp => -page,
            Step::Top => isize::MIN / 2,
            Step::Bottom => isize::MAX / 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    /// Moves the cursor of the table, or scrolls the open popup.
    Scroll(Step),
    /// Scrolls the detail pane.
    ScrollDetail(Step),
    Filter,
    ClearFilter,
    /// Shows this severity and above; `None`: every severity.
    SetFloor(Option<Severity>),
    CycleSource,
    /// Cycles the layer filter: all, cloud, cluster, container, code.
    CycleLayer,
    /// Shows or hides a column.
    ToggleColumn(Column),
    /// Groups the rows by this; `None`: one row per finding.
    GroupBy(Option<GroupBy>),
    /// The next saved view (`[views.NAME]`).
    NextView,
    /// Opens the saved views' picker.
    PickView,
    /// Opens the column chooser.
    PickColumns,
    /// Copies the selected finding's fingerprint (OSC 52: over SSH and tmux too).
    CopyId,
    /// Copies the selected finding's resource (ARN, Kubernetes name).
    CopyResource,
    /// Opens the selected finding's remediation link in the browser.
    OpenLink,
    ToggleOpenOnly,
    CycleSort,
    Sort(SortKey),
    ReverseSort,
    ToggleGroup,
    ToggleDetail,
    ToggleRaw,
    Help,
    Command,
    CycleTheme,
    TogglePick,
    PickAll,
    /// Opens the status picker for the targets.
    PickStatus,
    /// Sets the targets' status (accepting a risk asks for a reason and expiry).
    Mark(Status),
    EditNote,
    EditJira,
    CycleStatusFilter,
    ShowGone,
    ToggleNewOnly,
    Review,
    SyncSecurityHub,
    ExportJira,
    /// Yes, in a question.
    Confirm,
    /// In the export question: push to Jira instead of writing a CSV.
    PushJira,
    /// Closes a popup or a prompt without doing anything.
    Cancel,
    /// In a prompt or the filter / command line: take what was typed.
    Submit,
    DeleteBack,
    ClearLine,
    /// In a note: a line break.
    NewLine,
    /// On the command line: the command typed before this one, and after.
    HistoryBack,
    HistoryForward,
    /// On the command line: complete the command or its value.
    Complete,
}

/// Actions without an argument, by name.
const PLAIN: &[(&str, Action)] = &[
    ("quit", Action::Quit),
    ("filter", Action::Filter),
    ("clear-filter", Action::ClearFilter),
    ("source", Action::CycleSource),
    ("layer", Action::CycleLayer),
    ("next-view", Action::NextView),
    ("views", Action::PickView),
    ("columns", Action::PickColumns),
    ("copy-id", Action::CopyId),
    ("copy-resource", Action::CopyResource),
    ("open-link", Action::OpenLink),
    ("open-only", Action::ToggleOpenOnly),
    ("sort", Action::CycleSort),
    ("reverse", Action::ReverseSort),
    ("group", Action::ToggleGroup),
    ("detail", Action::ToggleDetail),
    ("raw", Action::ToggleRaw),
    ("help", Action::Help),
    ("command", Action::Command),
    ("next-theme", Action::CycleTheme),
    ("pick", Action::TogglePick),
    ("pick-all", Action::PickAll),
    ("mark", Action::PickStatus),
    ("note", Action::EditNote),
    ("jira", Action::EditJira),
    ("status-filter", Action::CycleStatusFilter),
    ("gone", Action::ShowGone),
    ("new-only", Action::ToggleNewOnly),
    ("review", Action::Review),
    ("sync-securityhub", Action::SyncSecurityHub),
    ("export-jira", Action::ExportJira),
    ("confirm", Action::Confirm),
    ("push-jira", Action::PushJira),
    ("history-back", Action::HistoryBack),
    ("history-forward", Action::HistoryForward),
    ("complete", Action::Complete),
    ("cancel", Action::Cancel),
    ("submit", Action::Submit),
    ("delete-back", Action::DeleteBack),
    ("clear-line", Action::ClearLine),
    ("new-line", Action::NewLine),
];

/// Names of the first keymap, kept so that existing `[keys]` sections work.
const ALIASES: &[(&str, &str)] = &[
    ("down", "scroll down"),
    ("up", "scroll up"),
    ("page-down", "scroll page-down"),
    ("page-up", "scroll page-up"),
    ("top", "scroll top"),
    ("bottom", "scroll bottom"),
    ("detail-down", "scroll-detail down"),
    ("detail-up", "scroll-detail up"),
    ("critical", "floor critical"),
    ("high", "floor high"),
    ("medium", "floor medium"),
    ("low", "floor low"),
    ("info", "floor info"),
    ("all-severities", "floor all"),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("unknown action {0:?}: press ? for the list")]
    Unknown(String),
    #[error("{name} takes no argument")]
    NoArgument { name: String },
    #[error("{name} needs one of: {expected}")]
    BadArgument { name: String, expected: String },
}

fn bad(name: &str, expected: &[&str]) -> ActionError {
    ActionError::BadArgument {
        name: name.to_string(),
        expected: expected.join(", "),
    }
}

impl Action {
    /// `name` or `name argument`, e.g. `floor high`; old single-word names too.
    pub fn parse(text: &str) -> Result<Action, ActionError> {
        let text = text.trim();
        if let Some((_, canonical)) = ALIASES.iter().find(|(old, _)| *old == text) {
            return Action::parse(canonical);
        }
        let (name, arg) = match text.split_once(char::is_whitespace) {
            Some((n, a)) => (n, a.trim()),
            None => (text, ""),
        };
        let steps: Vec<&str> = Step::ALL.iter().map(|s| s.name()).collect();
        let step = |arg: &str| Step::ALL.iter().copied().find(|s| s.name() == arg);
        match name {
            "scroll" => step(arg)
                .map(Action::Scroll)
                .ok_or_else(|| bad(name, &steps)),
            "scroll-detail" => step(arg)
                .map(Action::ScrollDetail)
                .ok_or_else(|| bad(name, &steps)),
            "floor" | "severity" => match arg {
                "all" => Ok(Action::SetFloor(None)),
                a => a
                    .parse::<Severity>()
                    .map(|s| Action::SetFloor(Some(s)))
                    .map_err(|_| bad(name, &["critical", "high", "medium", "low", "info", "all"])),
            },
            "sort" if !arg.is_empty() => SortKey::ALL
                .iter()
                .copied()
                .find(|k| k.name() == arg)
                .map(Action::Sort)
                .ok_or_else(|| {
                    let names: Vec<&str> = SortKey::ALL.iter().map(|k| k.name()).collect();
                    bad(name, &names)
                }),
            "column" => Column::ALL
                .iter()
                .copied()
                .find(|c| c.name() == arg)
                .map(Action::ToggleColumn)
                .ok_or_else(|| {
                    let names: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
                    bad(name, &names)
                }),
            "group" if !arg.is_empty() => match arg {
                "off" => Ok(Action::GroupBy(None)),
                "rule" => Ok(Action::GroupBy(Some(GroupBy::Rule))),
                "owner" => Ok(Action::GroupBy(Some(GroupBy::Owner))),
                "layer" => Ok(Action::GroupBy(Some(GroupBy::Layer))),
                _ => Err(bad(name, &["rule", "owner", "layer", "off"])),
            },
            "mark" if !arg.is_empty() => arg.parse::<Status>().map(Action::Mark).map_err(|_| {
                let names: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
                bad(name, &names)
            }),
            _ => match PLAIN.iter().find(|(n, _)| *n == name) {
                Some((_, a)) if arg.is_empty() => Ok(*a),
                Some(_) => Err(ActionError::NoArgument {
                    name: name.to_string(),
                }),
                None => Err(ActionError::Unknown(text.to_string())),
            },
        }
    }
}

impl Action {
    /// Every command name the `:` line takes as an action (`quit`, `sort`, …).
    pub fn command_names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = PLAIN.iter().map(|(n, _)| *n).collect();
        names.extend([
            "sort",
            "floor",
            "mark",
            "column",
            "group",
            "scroll",
            "scroll-detail",
        ]);
        names
    }
}

impl FromStr for Action {
    type Err = ActionError;
    fn from_str(s: &str) -> Result<Action, ActionError> {
        Action::parse(s)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Scroll(s) => write!(f, "scroll {}", s.name()),
            Action::ScrollDetail(s) => write!(f, "scroll-detail {}", s.name()),
            Action::SetFloor(Some(s)) => write!(f, "floor {}", s.as_str()),
            Action::SetFloor(None) => f.write_str("floor all"),
            Action::Sort(k) => write!(f, "sort {}", k.name()),
            Action::Mark(s) => write!(f, "mark {}", s.as_str()),
            Action::ToggleColumn(c) => write!(f, "column {}", c.name()),
            Action::GroupBy(None) => f.write_str("group off"),
            Action::GroupBy(Some(g)) => write!(f, "group {}", g.name()),
            plain => {
                let name = PLAIN
                    .iter()
                    .find(|(_, a)| a == plain)
                    .map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_text_parses_back_to_itself() {
        let mut all: Vec<Action> = PLAIN.iter().map(|(_, a)| *a).collect();
        all.extend(Step::ALL.iter().map(|&s| Action::Scroll(s)));
        all.extend(Step::ALL.iter().map(|&s| Action::ScrollDetail(s)));
        all.extend(
            Severity::ALL_DESC
                .iter()
                .map(|&s| Action::SetFloor(Some(s))),
        );
        all.push(Action::SetFloor(None));
        all.extend(SortKey::ALL.iter().map(|&k| Action::Sort(k)));
        all.extend(Status::ALL.iter().map(|&s| Action::Mark(s)));
        all.extend(Column::ALL.iter().map(|&c| Action::ToggleColumn(c)));
        all.push(Action::GroupBy(None));
        all.extend(
            [GroupBy::Rule, GroupBy::Owner, GroupBy::Layer]
                .iter()
                .map(|&g| Action::GroupBy(Some(g))),
        );
        for a in all {
            assert_eq!(Action::parse(&a.to_string()), Ok(a), "{a}");
        }
    }

    #[test]
    fn old_names_and_arguments() {
        assert_eq!(Action::parse("down"), Ok(Action::Scroll(Step::Down)));
        assert_eq!(
            Action::parse("critical"),
            Ok(Action::SetFloor(Some(Severity::Critical)))
        );
        assert_eq!(
            Action::parse("severity high"),
            Ok(Action::SetFloor(Some(Severity::High)))
        );
        assert_eq!(Action::parse("sort"), Ok(Action::CycleSort));
        assert_eq!(
            Action::parse("sort title"),
            Ok(Action::Sort(SortKey::Title))
        );
        assert!(matches!(
            Action::parse("sort colour"),
            Err(ActionError::BadArgument { .. })
        ));
        assert!(matches!(
            Action::parse("quit now"),
            Err(ActionError::NoArgument { .. })
        ));
        assert!(matches!(Action::parse("fly"), Err(ActionError::Unknown(_))));
    }
}
