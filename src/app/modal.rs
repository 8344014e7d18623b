//! What may sit over the table, each with its own data: help, the filter and
//! command lines, the status picker, the triage prompts, the gone marks, the
//! sync question and the review. At most one is open.

use posture_core::config::keymap::{Context, Step};
use posture_core::review::Review;
use posture_core::triage::sync::Batch;

/// A scroll position in lines, for every pane and popup that scrolls.
/// The drawing clamps it to what there is to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub offset: u16,
}

impl Scroll {
    /// Moves by `step`, a page being `page` lines.
    pub fn apply(&mut self, step: Step, page: usize) {
        let delta = step.delta(page);
        let next = (self.offset as isize).saturating_add(delta);
        self.offset = u16::try_from(next.max(0)).unwrap_or(u16::MAX);
    }
}

/// What a triage prompt asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    Note,
    Jira,
    /// Accepting a risk: the reason first…
    RiskReason,
    /// …then the expiry date.
    RiskExpiry {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    /// What has been typed.
    pub text: String,
}

#[derive(Debug)]
pub enum Modal {
    Help(Scroll),
    /// Typing the live text filter (the text is the view's filter).
    Filter,
    /// Typing a `:` command.
    Command(String),
    /// Choosing a triage status for the targets.
    StatusPicker,
    Prompt(Prompt),
    /// Marks whose finding is no longer in the inputs.
    Gone(Scroll),
    /// Sending these triage marks to Security Hub: yes or no.
    ConfirmSync(Vec<Batch>),
    /// Writing these JIRA tickets: yes or no.
    ConfirmExport(ExportPlan),
    /// The weekly review screen.
    Review {
        review: Box<Review>,
        scroll: Scroll,
    },
    /// Choosing a saved view; the one marked, by its place in name order.
    ViewPicker {
        marked: usize,
    },
    /// Choosing which columns show.
    ColumnPicker,
}

/// What `E` would write, shown before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPlan {
    /// The findings to ticket (those without a ticket or a decision).
    pub findings: Vec<usize>,
    pub by_rule: bool,
    pub tickets: usize,
    pub out: std::path::PathBuf,
    /// Files of at most this many tickets (Jira's importer takes 250).
    pub split: Option<usize>,
}

impl ExportPlan {
    /// The files it writes: FILE.csv, or FILE-1.csv … FILE-K.csv.
    pub fn files(&self) -> usize {
        self.split
            .map_or(1, |n| self.tickets.div_ceil(n.max(1)).max(1))
    }
}

/// Which popup is open, without its data: for drawing and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Command,
    Help,
    StatusPick,
    Note,
    Jira,
    RiskReason,
    RiskExpiry,
    Gone,
    ConfirmSync,
    ConfirmExport,
    Review,
    ViewPick,
    ColumnPick,
}

impl Modal {
    pub fn mode(&self) -> Mode {
        match self {
            Modal::Help(_) => Mode::Help,
            Modal::Filter => Mode::Filter,
            Modal::Command(_) => Mode::Command,
            Modal::StatusPicker => Mode::StatusPick,
            Modal::Prompt(p) => match p.kind {
                PromptKind::Note => Mode::Note,
                PromptKind::Jira => Mode::Jira,
                PromptKind::RiskReason => Mode::RiskReason,
                PromptKind::RiskExpiry { .. } => Mode::RiskExpiry,
            },
            Modal::Gone(_) => Mode::Gone,
            Modal::ConfirmSync(_) => Mode::ConfirmSync,
            Modal::ConfirmExport(_) => Mode::ConfirmExport,
            Modal::Review { .. } => Mode::Review,
            Modal::ViewPicker { .. } => Mode::ViewPick,
            Modal::ColumnPicker => Mode::ColumnPick,
        }
    }

    /// Where its keys are looked up.
    pub fn context(&self) -> Context {
        match self {
            Modal::Help(_)
            | Modal::Gone(_)
            | Modal::Review { .. }
            | Modal::ViewPicker { .. }
            | Modal::ColumnPicker => Context::Popup,
            Modal::Filter | Modal::Command(_) | Modal::Prompt(_) => Context::Input,
            Modal::StatusPicker => Context::Picker,
            Modal::ConfirmSync(_) | Modal::ConfirmExport(_) => Context::Confirm,
        }
    }
}
