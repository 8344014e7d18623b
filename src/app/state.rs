//! Everything the dashboard shows, as plain data. The UI draws it; `update`
//! changes it; neither knows about the other.

use std::collections::BTreeSet;

use posture_core::config::keymap::Keymap;
use posture_core::config::theme::Theme;
use posture_core::model::Finding;
use posture_core::session::Session;

use super::modal::{Modal, Mode, Scroll};
use super::view::{Row, View};

pub use posture_core::session::{FROM_FILE, SourceStatus};

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
    /// How far the detail pane and the open popup (help, review, gone) can
    /// scroll: their scrolling stops at their last line.
    pub detail_max: u16,
    pub popup_max: u16,
}

/// Sending triage marks to Security Hub: whether the dashboard pulls from
/// it (so there is somewhere to send), and whether a sync is under way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub available: bool,
    pub running: bool,
}

pub struct App {
    /// The findings and everything known about them, shared with the CLI.
    pub session: Session,
    pub view: View,
    /// The popup or input line open over the table, with its data.
    pub modal: Option<Modal>,
    pub detail: bool,
    pub raw: bool,
    pub detail_scroll: Scroll,
    pub status: Option<String>,
    pub quit: bool,
    /// The event loop advances the session's clock unless it is fixed
    /// (tests, POSTURE_NOW).
    pub clock_fixed: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Themes can be switched unless NO_COLOR asked for none.
    pub color_allowed: bool,
    pub layout: TableLayout,
    /// Findings picked with space / `v` for a bulk triage action.
    pub picked: BTreeSet<usize>,
    /// Columns shown (`true`) or hidden (`false`) by choice; the others as
    /// the width allows.
    pub columns: std::collections::BTreeMap<posture_core::config::keymap::Column, bool>,
    /// Saved views from the config (`[views.NAME]`), and the one shown.
    pub views: std::collections::BTreeMap<String, posture_core::config::views::ViewSpec>,
    pub current_view: Option<String>,
    /// Where `E` writes JIRA CSVs (default: the current directory).
    pub export_dir: std::path::PathBuf,
    /// Jira is set up (`jira_url` and credentials): `E` may push instead.
    pub jira_push: bool,
    /// `?`'s filter (`/` in help), and whether it is being typed.
    pub help_filter: Option<String>,
    pub help_typing: bool,
    /// The `:` commands run, oldest first, and where Up/Down stand in them.
    pub command_history: Vec<String>,
    pub history_at: Option<usize>,
    /// The status message as the last tick saw it, and for how many ticks.
    pub status_shown: Option<String>,
    pub status_ticks: u32,
    /// The row a decision was made on, and its finding: once saved, the
    /// cursor moves on from it.
    pub advance_from: Option<usize>,
    pub advance_fingerprint: Option<String>,
    pub sync: SyncStatus,
    /// Set while live findings change, until the view is rebuilt.
    pub follow: Option<super::live::Follow>,
    /// While the input files load: how far they have come, and since when.
    pub load_progress: Option<(
        posture_core::sources::progress::LoadCounts,
        std::time::Duration,
    )>,
}

impl App {
    /// The session's routes and facts are built already: only the view is
    /// computed here.
    pub fn new(session: Session, theme: Theme, keymap: Keymap) -> App {
        App::with_view(session, theme, keymap, View::default())
    }

    /// Starts from `view`'s filter, sort and grouping (e.g. the config's
    /// `include_closed`): the view is computed once, here.
    pub fn with_view(session: Session, theme: Theme, keymap: Keymap, view: View) -> App {
        let mut app = App {
            session,
            view,
            modal: None,
            detail: false,
            raw: false,
            detail_scroll: Scroll::default(),
            status: None,
            quit: false,
            clock_fixed: false,
            color_allowed: !theme.monochrome,
            theme,
            keymap,
            layout: TableLayout {
                offset: 0,
                first_row_y: 0,
                rows: 20,
                x: 0,
                width: 80,
                ..TableLayout::default()
            },
            picked: BTreeSet::new(),
            columns: Default::default(),
            views: Default::default(),
            current_view: None,
            export_dir: std::path::PathBuf::from("."),
            jira_push: false,
            help_filter: None,
            help_typing: false,
            command_history: Vec::new(),
            history_at: None,
            status_shown: None,
            status_ticks: 0,
            advance_from: None,
            advance_fingerprint: None,
            sync: SyncStatus::default(),
            follow: None,
            load_progress: None,
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

    /// Prepares one more thing a later key may need (see
    /// [`View::prepare_one`]); `false` once everything is ready.
    pub fn prepare_one(&mut self) -> bool {
        self.view.prepare_one(&self.session.findings)
    }

    pub fn refresh_view(&mut self) {
        let s = &self.session;
        // A query that does not parse leaves the rows as they were; the
        // error shows where the query is typed.
        if self.view.bind_query(&s.routes, &s.router.sla, s.today()) {
            self.view.recompute(&s.findings, &s.facts, &s.routes);
        }
        self.detail_scroll = Scroll::default();
    }

    /// The finding under the cursor (a group's first, most severe member).
    pub fn selected_finding(&self) -> Option<&Finding> {
        let findings = &self.session.findings;
        match self.view.selected_row()? {
            Row::Finding(i) => findings.get(*i),
            Row::Group(g) => g.members.first().and_then(|i| findings.get(*i)),
        }
    }

    /// Which popup is open, if any.
    pub fn mode(&self) -> Mode {
        self.modal.as_ref().map_or(Mode::Normal, Modal::mode)
    }

    pub fn page_size(&self) -> usize {
        usize::from(self.layout.rows.max(1))
    }
}

/// Whether `column` is drawn at `width`: as chosen (`c`, `:column NAME`),
/// else when the width allows it.
pub fn column_shown(
    column: posture_core::config::keymap::Column,
    width: u16,
    chosen: &std::collections::BTreeMap<posture_core::config::keymap::Column, bool>,
) -> bool {
    use posture_core::config::keymap::Column;
    chosen.get(&column).copied().unwrap_or(
        width
            >= match column {
                // Who owns it and where it is say the most once the
                // title and resource are in: they go last.
                Column::Owner => 90,
                Column::Scope => 100,
                Column::Risk => 110,
                Column::Source => 120,
                Column::Layer => 140,
            },
    )
}
