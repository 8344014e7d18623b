//! Live sources arriving while the dashboard runs: findings replace or join
//! their source's, the header shows progress, and the cursor, picks and
//! filters stay where the user left them.

use std::collections::HashSet;

use super::state::{App, FROM_FILE, SourceStatus};

/// The cursor's finding and the picked ones, while findings change.
#[derive(Debug, Default)]
pub struct Follow {
    selected: Option<Fingerprint>,
    picked: HashSet<Fingerprint>,
}
use super::view::Row;
use crate::model::{Finding, Fingerprint};
use crate::sources::live::{Event, Slot};

impl App {
    fn live_source(&mut self, slot: Slot) -> &mut SourceStatus {
        let i = match self.sources.iter().position(|s| s.live == Some(slot)) {
            Some(i) => i,
            None => {
                self.sources.push(SourceStatus {
                    label: format!("live {slot}"),
                    live: Some(slot),
                    busy: true,
                    ..SourceStatus::default()
                });
                self.sources.len() - 1
            }
        };
        &mut self.sources[i]
    }

    fn drop_slot(&mut self, slot: u32) {
        if !self.origins.contains(&slot) {
            return;
        }
        let mut keep = self.origins.iter().map(|&o| o != slot);
        self.findings.retain(|_| keep.next().unwrap_or(true));
        self.origins.retain(|&o| o != slot);
    }

    fn add(&mut self, slot: u32, findings: Vec<Finding>) {
        self.origins
            .extend(std::iter::repeat_n(slot, findings.len()));
        self.findings.extend(findings);
    }

    fn count_slot(&mut self, slot: Slot) {
        let n = self.origins.iter().filter(|&&o| o == slot as u32).count();
        self.live_source(slot).findings = n;
    }

    /// Applies one event; true when the findings changed (then call
    /// [`App::after_live`] once for a batch of events).
    pub fn on_live(&mut self, event: Event) -> bool {
        match event {
            Event::Source { slot, label } => {
                let s = self.live_source(slot);
                s.label = label;
                s.busy = true;
                s.note = "connecting…".into();
                false
            }
            Event::Replace {
                slot,
                findings,
                note,
            } => {
                let origin = slot as u32;
                self.remember();
                self.drop_slot(origin);
                self.add(origin, findings);
                self.count_slot(slot);
                if !note.is_empty() {
                    self.live_source(slot).note = note;
                }
                true
            }
            Event::Append { slot, findings } => {
                self.remember();
                self.add(slot as u32, findings);
                self.count_slot(slot);
                true
            }
            Event::Progress { slot, text } => {
                self.live_source(slot).note = text;
                false
            }
            Event::Done { slot, note } => {
                let s = self.live_source(slot);
                s.busy = false;
                s.note = note;
                false
            }
            Event::Warning { slot, message } => {
                let label = self.live_source(slot).label.clone();
                self.status = Some(format!("{label}: {message}"));
                false
            }
            Event::Failed { slot, error } => {
                let s = self.live_source(slot);
                s.busy = false;
                s.error_count += 1;
                if s.error.is_none() {
                    s.error = Some(format!("{}: {error}", s.label));
                }
                s.note.clear();
                false
            }
            Event::Finished => false,
        }
    }

    /// What to keep across a change of the findings: the finding under the
    /// cursor and the picked ones, by fingerprint (indices move).
    fn remember(&mut self) {
        if self.follow.is_some() {
            return;
        }
        let fp = |app: &App, i: usize| app.findings.get(i).map(|f| f.fingerprint.clone());
        // At the top the cursor stays at the top: the list is filling, the
        // user has not picked anything to follow yet.
        let selected = match self.view.selected_row().filter(|_| self.view.selected > 0) {
            Some(Row::Finding(i)) => fp(self, *i),
            Some(Row::Group(g)) => g.members.first().and_then(|&i| fp(self, i)),
            None => None,
        };
        let picked = self.picked.iter().filter_map(|&i| fp(self, i)).collect();
        self.follow = Some(Follow { selected, picked });
    }

    /// After findings arrived: routes, facts and view again, with the cursor
    /// on the same finding and the same findings picked.
    pub fn after_live(&mut self) {
        let Follow { selected, picked } = self.follow.take().unwrap_or_default();
        debug_assert_eq!(self.origins.len(), self.findings.len());
        self.routes = crate::routing::RouteTable::build(&self.router, &self.findings);
        self.view.invalidate();
        self.refresh_facts();
        if !self.picked.is_empty() {
            self.picked = (0..self.findings.len())
                .filter(|&i| picked.contains(&self.findings[i].fingerprint))
                .collect();
        }
        if let Some(want) = selected {
            let at = self.view.rows.iter().position(|r| match r {
                Row::Finding(i) => self.findings[*i].fingerprint == want,
                Row::Group(g) => g
                    .members
                    .first()
                    .is_some_and(|&i| self.findings[i].fingerprint == want),
            });
            if let Some(at) = at {
                self.view.select(at);
            }
        }
    }

    /// Once every source is in: marks follow Security Hub's consolidated
    /// control findings (see `triage::carry`).
    pub fn carry_marks(&mut self) {
        let Some(store) = self.triage.store.as_mut() else {
            return;
        };
        if store.broken().is_some() {
            return;
        }
        if let Some(msg) = crate::triage::carry::apply(&self.findings, store) {
            self.status = Some(msg);
            self.remember();
        }
    }

    /// True while some live source is still pulling.
    pub fn loading(&self) -> bool {
        self.sources.iter().any(|s| s.busy)
    }

    /// Whether a finding came from a file rather than a live source.
    pub fn from_file(&self, i: usize) -> bool {
        self.origins.get(i).is_none_or(|&o| o == FROM_FILE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keymap::Keymap;
    use crate::config::theme::Theme;

    fn findings(prefix: &str, n: usize) -> Vec<Finding> {
        let records: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                serde_json::json!({
                    "SchemaVersion": "2018-10-08",
                    "Id": format!("{prefix}-{i}"),
                    "ProductArn": "arn:p",
                    "AwsAccountId": "1",
                    "Region": "eu-west-1",
                    "Title": format!("{prefix} {i}"),
                    "Severity": {"Label": "HIGH"},
                    "Resources": [{"Id": format!("r-{prefix}-{i}")}]
                })
            })
            .collect();
        crate::sources::parse_values(std::path::Path::new("t"), records).findings
    }

    #[test]
    fn pages_fill_the_table_and_the_final_replace_does_not_duplicate() {
        let mut app = App::new(
            findings("file", 2),
            vec![],
            Theme::monochrome(),
            Keymap::defaults(),
        );
        assert!(!app.on_live(Event::Source {
            slot: 0,
            label: "securityhub 1/eu-west-1".into()
        }));
        assert!(app.loading());
        for page in 0..3 {
            app.on_live(Event::Append {
                slot: 0,
                findings: findings(&format!("p{page}"), 100),
            });
            app.on_live(Event::Progress {
                slot: 0,
                text: format!("page {}", page + 1),
            });
            app.after_live();
            assert_eq!(app.view.shown.len(), 2 + 100 * (page + 1));
        }
        assert_eq!(app.sources[0].note, "page 3");
        // The selection follows its finding across the refresh.
        app.view.select(5);
        let before = app.selected_finding().unwrap().fingerprint.clone();
        let all: Vec<Finding> = (0..3)
            .flat_map(|p| findings(&format!("p{p}"), 100))
            .collect();
        app.on_live(Event::Replace {
            slot: 0,
            findings: all.into_iter().rev().collect(),
            note: String::new(),
        });
        app.on_live(Event::Done {
            slot: 0,
            note: "300 findings".into(),
        });
        app.after_live();
        assert_eq!(app.findings.len(), 302);
        assert_eq!(app.sources[0].findings, 300);
        assert!(!app.loading());
        assert_eq!(app.selected_finding().unwrap().fingerprint, before);
    }

    #[test]
    fn a_failed_source_keeps_what_arrived_and_shows_its_error() {
        let mut app = App::new(vec![], vec![], Theme::monochrome(), Keymap::defaults());
        app.on_live(Event::Source {
            slot: 3,
            label: "securityhub 1/us-east-1".into(),
        });
        app.on_live(Event::Append {
            slot: 3,
            findings: findings("a", 10),
        });
        app.on_live(Event::Failed {
            slot: 3,
            error: "cannot reach".into(),
        });
        app.after_live();
        assert_eq!(app.view.shown.len(), 10);
        let s = &app.sources[0];
        assert_eq!(
            s.error.as_deref(),
            Some("securityhub 1/us-east-1: cannot reach")
        );
        assert!(!s.busy);
    }
}
