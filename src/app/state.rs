//! Everything the dashboard shows, as plain data. The UI draws it; `update`
//! changes it; neither knows about the other.

use std::collections::BTreeSet;

use posture_core::config::keymap::Keymap;
use posture_core::config::theme::Theme;
use posture_core::model::Finding;
use posture_core::session::Session;

use super::view::{Row, View};

pub use posture_core::session::{FROM_FILE, SourceStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing the live text filter.
    Filter,
    /// Typing a `:` command.
    Command,
    Help,
    /// Choosing a triage status for the targets.
    StatusPick,
    /// Editing the note of the targets.
    Note,
    /// Accepting a risk: the reason, then the expiry date.
    RiskReason,
    RiskExpiry,
    /// Setting the JIRA key of the targets.
    Jira,
    /// Marks whose finding is no longer in the inputs.
    Gone,
    /// Sending triage marks to Security Hub: yes or no.
    ConfirmSync,
    /// The weekly review screen.
    Review,
}

/// Where the table was drawn last, so that mouse clicks and page keys match
/// what the user sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableLayout {
    /// The first row drawn (the view may have scrolled to fit the height).
    pub offset: usize,
    pub first_row_y: u16,
    pub rows: u16,
    pub x: u16,
    pub width: u16,
}

pub struct App {
    /// The findings and everything known about them, shared with the CLI.
    pub session: Session,
    pub view: View,
    pub mode: Mode,
    /// The command line being typed.
    pub command: String,
    pub detail: bool,
    pub raw: bool,
    pub detail_scroll: u16,
    pub help_scroll: u16,
    pub status: Option<String>,
    pub quit: bool,
    /// The event loop advances the session's clock unless it is fixed
    /// (tests, POSTURE_NOW).
    pub clock_fixed: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Themes can be switched unless NO_COLOR asked for none.
    pub color_allowed: bool,
    pub user_theme_dir: Option<std::path::PathBuf>,
    pub layout: TableLayout,
    /// Findings picked with space / `v` for a bulk triage action.
    pub picked: BTreeSet<usize>,
    /// The text being typed in a triage prompt (note, reason, expiry, JIRA key).
    pub input: String,
    /// The reason typed before the expiry date, while accepting a risk.
    pub risk_reason: String,
    pub gone_scroll: u16,
    /// Where `E` writes JIRA CSVs (default: the current directory).
    pub export_dir: std::path::PathBuf,
    pub sync: super::sync::SyncState,
    /// Set while live findings change, until the view is rebuilt.
    pub follow: Option<super::live::Follow>,
    /// The review screen's content while it is open.
    pub review: Option<posture_core::review::Review>,
    pub review_scroll: u16,
}

impl App {
    /// The session's routes and facts are built already: only the view is
    /// computed here.
    pub fn new(session: Session, theme: Theme, keymap: Keymap) -> App {
        let mut app = App {
            session,
            view: View::default(),
            mode: Mode::Normal,
            command: String::new(),
            detail: false,
            raw: false,
            detail_scroll: 0,
            help_scroll: 0,
            status: None,
            quit: false,
            clock_fixed: false,
            color_allowed: !theme.monochrome,
            theme,
            keymap,
            user_theme_dir: None,
            layout: TableLayout {
                offset: 0,
                first_row_y: 0,
                rows: 20,
                x: 0,
                width: 80,
            },
            picked: BTreeSet::new(),
            input: String::new(),
            risk_reason: String::new(),
            gone_scroll: 0,
            export_dir: std::path::PathBuf::from("."),
            sync: super::sync::SyncState::default(),
            follow: None,
            review: None,
            review_scroll: 0,
        };
        app.refresh_view();
        app
    }

    /// After marks changed: the session's facts, then the view.
    pub fn refresh_facts(&mut self) {
        self.session.refresh_facts();
        self.view.facts_changed();
        self.refresh_view();
    }

    pub fn refresh_view(&mut self) {
        let s = &self.session;
        self.view.recompute(&s.findings, &s.facts, &s.routes);
        self.detail_scroll = 0;
    }

    /// The finding under the cursor (a group's first, most severe member).
    pub fn selected_finding(&self) -> Option<&Finding> {
        let findings = &self.session.findings;
        match self.view.selected_row()? {
            Row::Finding(i) => findings.get(*i),
            Row::Group(g) => g.members.first().and_then(|i| findings.get(*i)),
        }
    }

    pub fn page_size(&self) -> usize {
        usize::from(self.layout.rows.max(1))
    }
}
