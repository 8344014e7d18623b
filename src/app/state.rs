//! Everything the dashboard shows, as plain data. The UI draws it; `update`
//! changes it; neither knows about the other.

use std::collections::BTreeSet;

use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::model::{Finding, Timestamp};
use crate::query::{Facts, compute_facts};
use crate::routing::{RouteTable, Router};
use crate::triage::{Marks, Store};

use super::view::{Row, View};

/// The origin of findings read from files or the demo data.
pub const FROM_FILE: u32 = u32::MAX;

/// One loaded input, for the header's source list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceStatus {
    pub label: String,
    pub findings: usize,
    /// The first error, display-safe, when the input failed.
    pub error: Option<String>,
    pub error_count: usize,
    /// A live source: its slot, and what it is doing (progress, cache age).
    pub live: Option<crate::sources::live::Slot>,
    pub note: String,
    pub busy: bool,
}

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

/// Where triage marks are kept, and what went wrong with them.
pub struct Triage {
    pub store: Option<Store>,
    /// Who marks are by.
    pub user: String,
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
    pub findings: Vec<Finding>,
    /// Which live source each finding came from ([`FROM_FILE`] for files and demo data).
    pub origins: Vec<u32>,
    pub sources: Vec<SourceStatus>,
    pub demo: bool,
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
    /// The clock for ages, expiries and mark times; the event loop advances
    /// it unless it is fixed (tests, POSTURE_NOW).
    pub now: Timestamp,
    pub clock_fixed: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Themes can be switched unless NO_COLOR asked for none.
    pub color_allowed: bool,
    pub user_theme_dir: Option<std::path::PathBuf>,
    pub layout: TableLayout,
    /// One per finding: triage status (and later owner), for filters and columns.
    pub facts: Vec<Facts>,
    pub triage: Triage,
    /// Findings picked with space / `v` for a bulk triage action.
    pub picked: BTreeSet<usize>,
    /// The text being typed in a triage prompt (note, reason, expiry, JIRA key).
    pub input: String,
    /// The reason typed before the expiry date, while accepting a risk.
    pub risk_reason: String,
    pub gone_scroll: u16,
    pub router: Router,
    /// Every finding's owner and JIRA routing.
    pub routes: RouteTable,
    /// Where `E` writes JIRA CSVs (default: the current directory).
    pub export_dir: std::path::PathBuf,
    pub sync: super::sync::SyncState,
    /// Set while live findings change, until the view is rebuilt.
    pub follow: Option<super::live::Follow>,
    /// The last snapshot: what NEW is relative to.
    pub baseline: Option<super::review::Baseline>,
    /// Every saved snapshot's open counts, for the review's trend.
    pub trend: Vec<crate::review::TrendPoint>,
    /// The review screen's content while it is open.
    pub review: Option<crate::review::Review>,
    pub review_scroll: u16,
}

impl App {
    pub fn new(
        findings: Vec<Finding>,
        sources: Vec<SourceStatus>,
        theme: Theme,
        keymap: Keymap,
    ) -> App {
        let mut app = App {
            origins: vec![FROM_FILE; findings.len()],
            findings,
            sources,
            demo: false,
            view: View::default(),
            mode: Mode::Normal,
            command: String::new(),
            detail: false,
            raw: false,
            detail_scroll: 0,
            help_scroll: 0,
            status: None,
            quit: false,
            now: Timestamp::now(),
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
            facts: Vec::new(),
            triage: Triage {
                store: None,
                user: "unknown".to_string(),
            },
            picked: BTreeSet::new(),
            input: String::new(),
            risk_reason: String::new(),
            gone_scroll: 0,
            router: Router::default(),
            routes: RouteTable::default(),
            export_dir: std::path::PathBuf::from("."),
            sync: super::sync::SyncState::default(),
            follow: None,
            baseline: None,
            trend: Vec::new(),
            review: None,
            review_scroll: 0,
        };
        app.routes = RouteTable::build(&app.router, &app.findings);
        app.refresh_facts();
        app
    }

    /// Connects the triage file (None: nowhere to save, e.g. no home directory).
    pub fn attach_triage(&mut self, store: Option<Store>, user: String) {
        self.triage = Triage { store, user };
        self.refresh_facts();
    }

    /// Routing rules and the triage file together: one recomputation of the
    /// facts and the view instead of one per part.
    pub fn attach(&mut self, router: Router, store: Option<Store>, user: String) {
        self.routes = RouteTable::build(&router, &self.findings);
        self.router = router;
        self.attach_triage(store, user);
    }

    pub fn marks(&self) -> Option<&Marks> {
        self.triage.store.as_ref().map(Store::marks)
    }

    /// Recomputes each finding's triage facts (after marks change) and the view.
    pub fn refresh_facts(&mut self) {
        let today = crate::triage::mark::day_of(self.now);
        let empty = Marks::new();
        let marks = self.triage.store.as_ref().map_or(&empty, Store::marks);
        self.facts = compute_facts(&self.findings, marks, &self.routes, today);
        self.view.facts_changed();
        if let Some(b) = &self.baseline {
            for (f, fx) in self.findings.iter().zip(self.facts.iter_mut()) {
                fx.new = f.open && !b.open.contains(f.fingerprint.as_str());
            }
        }
        self.view
            .recompute(&self.findings, &self.facts, &self.routes);
    }

    pub fn refresh_view(&mut self) {
        self.view
            .recompute(&self.findings, &self.facts, &self.routes);
        self.detail_scroll = 0;
    }

    pub fn facts_of(&self, i: usize) -> Facts {
        self.facts.get(i).copied().unwrap_or_default()
    }

    /// The finding under the cursor (a group's first, most severe member).
    pub fn selected_finding(&self) -> Option<&Finding> {
        match self.view.selected_row()? {
            Row::Finding(i) => self.findings.get(*i),
            Row::Group(g) => g.members.first().and_then(|i| self.findings.get(*i)),
        }
    }

    pub fn page_size(&self) -> usize {
        usize::from(self.layout.rows.max(1))
    }
}
