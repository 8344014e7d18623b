//! What reaches the dashboard (events, all on one queue) and what it asks
//! the terminal layer to do (effects). `update` turns one into the other;
//! only the effect runner touches files, threads and the network.

use std::path::PathBuf;

use posture_core::config::keymap::Key;
use posture_core::config::theme::Theme;
use posture_core::model::Timestamp;
use posture_core::session::LiveEvent;
use posture_core::session::export::JiraExported;
use posture_core::triage::sync::{Batch, Report};
use posture_core::triage::{Mark, Status};

use super::TableLayout;

/// Mouse input, already translated from the terminal's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mouse {
    ScrollUp,
    ScrollDown,
    Click { x: u16, y: u16 },
}

#[derive(Debug)]
pub enum Event {
    Key(Key),
    Mouse(Mouse),
    /// The terminal changed size (the next frame redraws).
    Resize,
    /// Time passed; `now` is the clock unless it is fixed.
    Tick {
        now: Option<Timestamp>,
    },
    /// What live sources sent since the last frame.
    Live(Vec<LiveEvent>),
    /// How far the reading of the input files has come, and how long it
    /// has taken so far (sent a few times a second while they load).
    LoadProgress {
        counts: posture_core::sources::progress::LoadCounts,
        elapsed: std::time::Duration,
    },
    /// A piece of what the view prepares in the background.
    Prepared {
        generation: u64,
        piece: posture_core::query::prepare::Piece,
    },
    /// A grouping worked out in the background.
    Grouped {
        generation: u64,
        request: u64,
        groups: Vec<Box<posture_core::query::Group>>,
    },
    /// The input files, read in the background.
    InputsLoaded {
        findings: std::sync::Arc<Vec<posture_core::model::Finding>>,
        sources: Vec<posture_core::session::SourceStatus>,
    },
    /// Where the last frame drew the table, for clicks and page sizes.
    Layout(TableLayout),
    /// Answers to effects.
    MarksSaved {
        result: Result<usize, String>,
        done: String,
    },
    Exported {
        path: PathBuf,
        result: Result<JiraExported, String>,
    },
    SyncStarted(Result<usize, String>),
    SyncDone(Report),
    /// What a push to Jira did (the keys still to be saved on the marks).
    Pushed(Result<posture_live::jira::Pushed, String>),
    /// What an effect has to say (the status line).
    Said(String),
    ThemeLoaded(Result<Theme, String>),
}

/// A change to the targets' marks, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkChange {
    Status(Status),
    Note(String),
    Jira(String),
    AcceptRisk { reason: String, expires: time::Date },
}

impl MarkChange {
    pub fn apply(&self, m: &mut Mark) {
        match self {
            MarkChange::Status(status) => {
                m.status = *status;
                m.reason.clear();
                m.expires = None;
            }
            MarkChange::Note(text) => m.note = text.clone(),
            MarkChange::Jira(key) => m.jira = key.clone(),
            MarkChange::AcceptRisk { reason, expires } => {
                m.status = Status::AcceptedRisk;
                m.reason = reason.clone();
                m.expires = Some(*expires);
            }
        }
    }
}

#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Change and save the marks of these findings; `done` is said on success.
    SaveMarks {
        targets: Vec<usize>,
        change: MarkChange,
        done: String,
    },
    /// Write JIRA CSV for these findings to `out` and record the export.
    ExportJira {
        findings: Vec<usize>,
        by_rule: bool,
        out: PathBuf,
        split: Option<usize>,
    },
    /// Create these findings' issues in Jira, in the background.
    PushJira {
        findings: Vec<usize>,
        by_rule: bool,
    },
    /// Save on the marks the keys a push created or found.
    RecordPushed(posture_live::jira::Pushed),
    /// Put this text on the clipboard (OSC 52 through the terminal).
    Copy(String),
    /// Open this http(s) link with the platform's opener.
    Open(String),
    /// Send these updates to Security Hub in the background.
    StartSync(Vec<Batch>),
    LoadTheme(String),
    /// Prepare what the view still lacks for its findings (search text,
    /// grouping keys, sort orders) on a thread of its own.
    Prepare(posture_core::query::prepare::Job),
    /// Group the shown findings on a thread of its own.
    Group(posture_core::query::grouping::Grouping),
}
