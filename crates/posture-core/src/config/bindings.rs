//! The default key bindings: one table for the keymap, the help overlay,
//! the config file's `[keys]` overrides and the tests. Every key is here,
//! popup keys included.

use super::action::{Action, Step};
use crate::model::Severity;
use crate::triage::Status;

/// Where a key is read: each popup has its own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// The table, with or without the detail pane.
    Table,
    /// The status picker.
    Picker,
    /// A yes / no question.
    Confirm,
    /// Typing: the filter, the command line, the triage prompts.
    Input,
    /// Help, the gone marks and the review: scroll, anything else closes.
    Popup,
}

impl Context {
    pub const ALL: [Context; 5] = [
        Context::Table,
        Context::Picker,
        Context::Confirm,
        Context::Input,
        Context::Popup,
    ];

    /// The prefix of a `[keys]` name for this context (`popup: scroll down`);
    /// the table's names have none.
    pub fn name(self) -> &'static str {
        match self {
            Context::Table => "table",
            Context::Picker => "picker",
            Context::Confirm => "confirm",
            Context::Input => "input",
            Context::Popup => "popup",
        }
    }
}

/// One row of the table.
pub struct Binding {
    pub context: Context,
    pub action: Action,
    pub help: &'static str,
    pub keys: &'static [&'static str],
}

pub const BINDINGS: &[Binding] = &[
    Binding {
        context: Context::Table,
        action: Action::Scroll(Step::Down),
        help: "next row",
        keys: &["j", "down"],
    },
    Binding {
        context: Context::Table,
        action: Action::Scroll(Step::Up),
        help: "previous row",
        keys: &["k", "up"],
    },
    Binding {
        context: Context::Table,
        action: Action::Scroll(Step::PageDown),
        help: "next page",
        keys: &["pgdown", "ctrl-f", "ctrl-d"],
    },
    Binding {
        context: Context::Table,
        action: Action::Scroll(Step::PageUp),
        help: "previous page",
        keys: &["pgup", "ctrl-b", "ctrl-u"],
    },
    Binding {
        context: Context::Table,
        action: Action::Scroll(Step::Top),
        help: "first row",
        keys: &["home"],
    },
    Binding {
        context: Context::Table,
        action: Action::Scroll(Step::Bottom),
        help: "last row",
        keys: &["end", "G"],
    },
    Binding {
        context: Context::Table,
        action: Action::Filter,
        help: "filter as you type (title, resource, rule, account, namespace)",
        keys: &["/"],
    },
    Binding {
        context: Context::Table,
        action: Action::ClearFilter,
        help: "clear the text filter",
        keys: &["esc"],
    },
    Binding {
        context: Context::Table,
        action: Action::SetFloor(Some(Severity::Critical)),
        help: "show critical only",
        keys: &["1"],
    },
    Binding {
        context: Context::Table,
        action: Action::SetFloor(Some(Severity::High)),
        help: "show high and above",
        keys: &["2"],
    },
    Binding {
        context: Context::Table,
        action: Action::SetFloor(Some(Severity::Medium)),
        help: "show medium and above",
        keys: &["3"],
    },
    Binding {
        context: Context::Table,
        action: Action::SetFloor(Some(Severity::Low)),
        help: "show low and above",
        keys: &["4"],
    },
    Binding {
        context: Context::Table,
        action: Action::SetFloor(Some(Severity::Info)),
        help: "show info and above",
        keys: &["5"],
    },
    Binding {
        context: Context::Table,
        action: Action::SetFloor(None),
        help: "show every severity",
        keys: &["0"],
    },
    Binding {
        context: Context::Table,
        action: Action::CycleSource,
        help: "cycle source: all, then each source the findings come from",
        keys: &["t"],
    },
    Binding {
        context: Context::Table,
        action: Action::CycleLayer,
        help: "cycle 4C layer: all, cloud, cluster, container, code",
        keys: &["L"],
    },
    Binding {
        context: Context::Table,
        action: Action::PickView,
        help: "saved views: 1-9 shows one ([views.NAME] in config.toml; `:view NAME`)",
        keys: &["V"],
    },
    Binding {
        context: Context::Table,
        action: Action::CopyId,
        help: "copy the finding's id (fingerprint) to the clipboard (OSC 52: works over SSH and tmux)",
        keys: &["y"],
    },
    Binding {
        context: Context::Table,
        action: Action::CopyResource,
        help: "copy the finding's resource (ARN, Kubernetes name)",
        keys: &["Y"],
    },
    Binding {
        context: Context::Table,
        action: Action::OpenLink,
        help: "open the remediation link in the browser (or show it)",
        keys: &["O"],
    },
    Binding {
        context: Context::Table,
        action: Action::NextView,
        help: "the next saved view",
        keys: &["ctrl-v"],
    },
    Binding {
        context: Context::Table,
        action: Action::PickColumns,
        help: "choose the columns: 1-5 show or hide one (`:column source|layer|scope|owner|risk`)",
        keys: &["c"],
    },
    Binding {
        context: Context::Table,
        action: Action::ToggleOpenOnly,
        help: "toggle open only / include closed",
        keys: &["o"],
    },
    Binding {
        context: Context::Table,
        action: Action::CycleSort,
        help: "sort by the next column",
        keys: &["s"],
    },
    Binding {
        context: Context::Table,
        action: Action::ReverseSort,
        help: "reverse the sort",
        keys: &["S"],
    },
    Binding {
        context: Context::Table,
        action: Action::ToggleGroup,
        help: "group: by rule (one row per CVE/control), by owner, by layer, off (`:group layer`)",
        keys: &["g"],
    },
    Binding {
        context: Context::Table,
        action: Action::ToggleDetail,
        help: "show or hide the detail pane",
        keys: &["enter"],
    },
    Binding {
        context: Context::Table,
        action: Action::ToggleRaw,
        help: "detail: show the raw input record",
        keys: &["r"],
    },
    Binding {
        context: Context::Table,
        action: Action::ScrollDetail(Step::Down),
        help: "scroll the detail pane down",
        keys: &["J", "ctrl-n"],
    },
    Binding {
        context: Context::Table,
        action: Action::ScrollDetail(Step::Up),
        help: "scroll the detail pane up",
        keys: &["K", "ctrl-p"],
    },
    Binding {
        context: Context::Table,
        action: Action::CycleTheme,
        help: "switch to the next colour theme",
        keys: &["T"],
    },
    Binding {
        context: Context::Table,
        action: Action::Command,
        help: "command line (:sort title, :severity high, :theme light, ...)",
        keys: &[":"],
    },
    Binding {
        context: Context::Table,
        action: Action::TogglePick,
        help: "pick / unpick the row for a bulk triage action",
        keys: &["space"],
    },
    Binding {
        context: Context::Table,
        action: Action::PickAll,
        help: "pick every finding shown (again: unpick all)",
        keys: &["v"],
    },
    Binding {
        context: Context::Table,
        action: Action::PickStatus,
        help: "set triage status of the picked findings or the row (the cursor moves on)",
        keys: &["m"],
    },
    Binding {
        context: Context::Table,
        action: Action::EditNote,
        help: "edit the triage note",
        keys: &["n"],
    },
    Binding {
        context: Context::Table,
        action: Action::EditJira,
        help: "set the JIRA issue key",
        keys: &["i"],
    },
    Binding {
        context: Context::Table,
        action: Action::CycleStatusFilter,
        help: "cycle triage status filter: all, to do, each status",
        keys: &["x"],
    },
    Binding {
        context: Context::Table,
        action: Action::ShowGone,
        help: "marks whose finding no longer appears",
        keys: &["X"],
    },
    Binding {
        context: Context::Table,
        action: Action::ToggleNewOnly,
        help: "only findings new since the last snapshot (marked NEW)",
        keys: &["N"],
    },
    Binding {
        context: Context::Table,
        action: Action::Review,
        help: "the weekly review: owners, new and resolved, oldest criticals, overdue, trend",
        keys: &["W"],
    },
    Binding {
        context: Context::Table,
        action: Action::SyncSecurityHub,
        help: "send triage marks to Security Hub as workflow status and note (asks first)",
        keys: &["U"],
    },
    Binding {
        context: Context::Table,
        action: Action::ExportJira,
        help: "export the picked findings (or all shown) as JIRA-ready CSV",
        keys: &["E"],
    },
    Binding {
        context: Context::Table,
        action: Action::Help,
        help: "this help",
        keys: &["?", "f1"],
    },
    Binding {
        context: Context::Table,
        action: Action::Quit,
        help: "quit",
        keys: &["q", "ctrl-c"],
    },
    Binding {
        context: Context::Picker,
        action: Action::Mark(Status::New),
        help: "new: nobody has looked yet",
        keys: &["n", "1"],
    },
    Binding {
        context: Context::Picker,
        action: Action::Mark(Status::Acknowledged),
        help: "acknowledged: seen, not started",
        keys: &["a", "2"],
    },
    Binding {
        context: Context::Picker,
        action: Action::Mark(Status::InProgress),
        help: "in progress: someone is on it",
        keys: &["p", "3"],
    },
    Binding {
        context: Context::Picker,
        action: Action::Mark(Status::AcceptedRisk),
        help: "accepted risk: asks a reason and an expiry",
        keys: &["r", "4"],
    },
    Binding {
        context: Context::Picker,
        action: Action::Mark(Status::FalsePositive),
        help: "false positive",
        keys: &["f", "5"],
    },
    Binding {
        context: Context::Picker,
        action: Action::Mark(Status::Resolved),
        help: "resolved (done)",
        keys: &["d", "6"],
    },
    Binding {
        context: Context::Picker,
        action: Action::Cancel,
        help: "leave the status unchanged",
        keys: &["esc"],
    },
    Binding {
        context: Context::Confirm,
        action: Action::Confirm,
        help: "yes: do it",
        keys: &["y"],
    },
    Binding {
        context: Context::Confirm,
        action: Action::PushJira,
        help: "export: push to Jira instead of a CSV (jira_url and Jira credentials set)",
        keys: &["p"],
    },
    Binding {
        context: Context::Confirm,
        action: Action::Cancel,
        help: "no: nothing happens (any other key too)",
        keys: &["n", "esc"],
    },
    Binding {
        context: Context::Input,
        action: Action::Submit,
        help: "take what was typed",
        keys: &["enter"],
    },
    Binding {
        context: Context::Input,
        action: Action::Cancel,
        help: "leave without it",
        keys: &["esc"],
    },
    Binding {
        context: Context::Input,
        action: Action::DeleteBack,
        help: "delete the last character",
        keys: &["backspace"],
    },
    Binding {
        context: Context::Input,
        action: Action::ClearLine,
        help: "clear the line",
        keys: &["ctrl-u"],
    },
    Binding {
        context: Context::Input,
        action: Action::HistoryBack,
        help: "command line: the command before (history)",
        keys: &["up"],
    },
    Binding {
        context: Context::Input,
        action: Action::HistoryForward,
        help: "command line: the command after",
        keys: &["down"],
    },
    Binding {
        context: Context::Input,
        action: Action::Complete,
        help: "command line: complete the command or its value",
        keys: &["tab"],
    },
    Binding {
        context: Context::Input,
        action: Action::NewLine,
        help: "a line break (notes)",
        keys: &["alt-enter", "ctrl-j"],
    },
    Binding {
        context: Context::Popup,
        action: Action::Scroll(Step::Down),
        help: "scroll down",
        keys: &["j", "down", "J", "ctrl-n"],
    },
    Binding {
        context: Context::Popup,
        action: Action::Scroll(Step::Up),
        help: "scroll up",
        keys: &["k", "up", "K", "ctrl-p"],
    },
    Binding {
        context: Context::Popup,
        action: Action::Scroll(Step::PageDown),
        help: "next page",
        keys: &["pgdown", "ctrl-f", "ctrl-d"],
    },
    Binding {
        context: Context::Popup,
        action: Action::Scroll(Step::PageUp),
        help: "previous page",
        keys: &["pgup", "ctrl-b", "ctrl-u"],
    },
    Binding {
        context: Context::Popup,
        action: Action::Scroll(Step::Top),
        help: "top",
        keys: &["home"],
    },
    Binding {
        context: Context::Popup,
        action: Action::Scroll(Step::Bottom),
        help: "bottom",
        keys: &["end", "G"],
    },
    Binding {
        context: Context::Popup,
        action: Action::Submit,
        help: "in a list (saved views): take the one marked",
        keys: &["enter"],
    },
    Binding {
        context: Context::Popup,
        action: Action::Cancel,
        help: "close (any other key too)",
        keys: &["esc", "q"],
    },
];
