//! Everything the dashboard shows, as plain data. The UI draws it; `update`
//! changes it; neither knows about the other.

use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::model::{Finding, Timestamp};

use super::view::{Row, View};

/// One loaded input, for the header's source list.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceStatus {
    pub label: String,
    pub findings: usize,
    /// The first error, display-safe, when the input failed.
    pub error: Option<String>,
    pub error_count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing the live text filter.
    Filter,
    /// Typing a `:` command.
    Command,
    Help,
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
    /// The clock for ages; fixed in tests.
    pub now: Timestamp,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Themes can be switched unless NO_COLOR asked for none.
    pub color_allowed: bool,
    pub user_theme_dir: Option<std::path::PathBuf>,
    pub layout: TableLayout,
}

impl App {
    pub fn new(
        findings: Vec<Finding>,
        sources: Vec<SourceStatus>,
        theme: Theme,
        keymap: Keymap,
    ) -> App {
        let mut app = App {
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
        };
        app.view.recompute(&app.findings);
        app
    }

    pub fn refresh_view(&mut self) {
        self.view.recompute(&self.findings);
        self.detail_scroll = 0;
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
