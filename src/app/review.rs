//! The review screen's state: the last snapshot (for NEW markers and the
//! period's new/resolved) and the review built from the current findings.

use std::collections::HashSet;

use super::state::{App, Mode};
use crate::config::keymap::{Action, Key};
use crate::model::{Finding, Timestamp};
use crate::review::report::{self, Since};

/// The snapshot the period starts at.
pub struct Baseline {
    pub name: String,
    pub taken_at: Timestamp,
    pub findings: Vec<Finding>,
    /// Fingerprints open in it.
    pub open: HashSet<String>,
}

impl Baseline {
    pub fn new(name: String, taken_at: Timestamp, findings: Vec<Finding>) -> Baseline {
        let open = findings
            .iter()
            .filter(|f| f.open)
            .map(|f| f.fingerprint.to_string())
            .collect();
        Baseline {
            name,
            taken_at,
            findings,
            open,
        }
    }
}

impl App {
    /// Sets the last snapshot and the trend; NEW markers follow.
    pub fn attach_history(
        &mut self,
        baseline: Option<Baseline>,
        trend: Vec<crate::review::TrendPoint>,
    ) {
        self.baseline = baseline;
        self.trend = trend;
        self.refresh_facts();
    }
}

/// `W`: builds the review from what is loaded now.
pub fn open(app: &mut App) {
    let d = app
        .baseline
        .as_ref()
        .map(|b| crate::review::diff(&b.findings, &app.findings));
    let base = match (&app.baseline, &d) {
        (Some(b), Some(d)) => Some(report::Baseline {
            since: Since {
                name: b.name.clone(),
                taken_at: b.taken_at,
            },
            findings: &b.findings,
            diff: d,
        }),
        _ => None,
    };
    let cur = report::Current {
        findings: &app.findings,
        facts: &app.facts,
        routes: &app.routes,
        router: &app.router,
        now: app.now,
    };
    app.review = Some(report::build(&cur, base.as_ref(), &app.trend));
    app.review_scroll = 0;
    app.mode = Mode::Review;
}

pub fn on_key(app: &mut App, key: Key) {
    match app.keymap.action(&key) {
        Some(Action::Down | Action::DetailDown) => {
            app.review_scroll = app.review_scroll.saturating_add(1)
        }
        Some(Action::Up | Action::DetailUp) => {
            app.review_scroll = app.review_scroll.saturating_sub(1)
        }
        Some(Action::PageDown) => app.review_scroll = app.review_scroll.saturating_add(10),
        Some(Action::PageUp) => app.review_scroll = app.review_scroll.saturating_sub(10),
        Some(Action::Quit) if key == Key::ctrl('c') => app.quit = true,
        _ => {
            app.mode = Mode::Normal;
            app.review = None;
        }
    }
}
