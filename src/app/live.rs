//! Live sources arriving while the dashboard runs: findings replace or join
//! their source's, the header shows progress, and the cursor, picks and
//! filters stay where the user left them.

use std::collections::HashSet;

use super::effect::Effect;
use super::state::App;

/// The cursor's finding and the picked ones, while findings change.
#[derive(Debug, Default)]
pub struct Follow {
    selected: Option<Fingerprint>,
    picked: HashSet<Fingerprint>,
}
use super::view::Row;
use posture_core::model::Fingerprint;
use posture_core::session::LiveEvent as Event;

impl App {
    /// What live sources sent since the last frame: one rebuild of routes,
    /// facts and view however many pages arrived. Once every source is in,
    /// marks follow Security Hub's consolidated control findings.
    pub fn on_live_batch(&mut self, events: Vec<Event>) -> Vec<Effect> {
        let mut changed = false;
        let mut finished = false;
        for e in events {
            finished |= matches!(e, Event::Finished);
            changed |= self.on_live(e);
        }
        if changed || finished {
            self.after_live();
        }
        if finished {
            self.carry_marks();
        }
        Vec::new()
    }

    /// The input files, read in the background, join what is shown (the
    /// cursor stays on its finding).
    pub fn on_inputs(
        &mut self,
        findings: std::sync::Arc<Vec<posture_core::model::Finding>>,
        sources: Vec<posture_core::session::SourceStatus>,
    ) {
        self.remember();
        // The job preparing the old findings lets go of them first.
        self.view.cancel_preparation();
        self.session.add_inputs(findings, sources);
        self.after_live();
    }

    /// Applies one event; true when the findings changed (then call
    /// [`App::after_live`] once for a batch of events).
    pub fn on_live(&mut self, event: Event) -> bool {
        let changes_findings = matches!(event, Event::Replace { .. } | Event::Append { .. });
        if changes_findings {
            self.remember();
            self.view.cancel_preparation();
        }
        let change = self.session.apply_live(event);
        if let Some(w) = change.warning {
            self.status = Some(w);
        }
        change.findings
    }

    /// Marks carried to consolidated control findings show at once and are
    /// saved with the user's next triage change (nothing is written here).
    fn carry_marks(&mut self) {
        let n = self.session.carry_marks();
        if n > 0 {
            self.view.facts_changed();
            self.refresh_view();
            self.status = Some(format!(
                "{n} triage mark{} follow Security Hub's consolidated control findings \
                 (saved with your next triage change)",
                if n == 1 { "" } else { "s" }
            ));
        }
    }

    /// What to keep across a change of the findings: the finding under the
    /// cursor and the picked ones, by fingerprint (indices move).
    fn remember(&mut self) {
        if self.follow.is_some() {
            return;
        }
        let fp = |app: &App, i: usize| app.session.findings.get(i).map(|f| f.fingerprint.clone());
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
        self.session.settle();
        self.view.invalidate();
        self.view.facts_changed();
        self.refresh_view();
        let findings = &self.session.findings;
        if !self.picked.is_empty() {
            self.picked = (0..findings.len())
                .filter(|&i| picked.contains(&findings[i].fingerprint))
                .collect();
        }
        if let Some(want) = selected {
            let at = self.view.rows.iter().position(|r| match r {
                Row::Finding(i) => findings[*i].fingerprint == want,
                Row::Group(g) => g
                    .members
                    .first()
                    .is_some_and(|&i| findings[i].fingerprint == want),
            });
            if let Some(at) = at {
                self.view.select(at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use posture_core::config::keymap::Keymap;
    use posture_core::config::theme::Theme;
    use posture_core::model::Finding;
    use posture_core::session::{Session, SessionParts};

    fn app_of(findings: Vec<Finding>) -> App {
        let session = Session::new(SessionParts {
            findings,
            ..SessionParts::default()
        });
        App::new(session, Theme::monochrome(), Keymap::defaults())
    }

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
        posture_core::sources::parse_values(std::path::Path::new("t"), records).findings
    }

    #[test]
    fn pages_fill_the_table_and_the_final_replace_does_not_duplicate() {
        let mut app = app_of(findings("file", 2));
        assert!(!app.on_live(Event::Source {
            slot: 0,
            label: "securityhub 1/eu-west-1".into()
        }));
        assert!(app.session.loading());
        for page in 0..3 {
            app.on_live(Event::Append {
                slot: 0,
                findings: findings(&format!("p{page}"), 100),
            });
            app.on_live(Event::Progress {
                slot: 0,
                progress: posture_core::session::live::Progress {
                    pages: page + 1,
                    ..Default::default()
                },
            });
            app.after_live();
            assert_eq!(app.view.shown.len(), 2 + 100 * (page + 1));
        }
        assert!(app.session.sources[0].note.starts_with("page 3 "));
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
        assert_eq!(app.session.findings.len(), 302);
        assert_eq!(app.session.sources[0].findings, 300);
        assert!(!app.session.loading());
        assert_eq!(app.selected_finding().unwrap().fingerprint, before);
    }

    #[test]
    fn a_failed_source_keeps_what_arrived_and_shows_its_error() {
        let mut app = app_of(vec![]);
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
        let s = &app.session.sources[0];
        assert_eq!(
            s.error.as_deref(),
            Some("securityhub 1/us-east-1: cannot reach")
        );
        assert!(!s.busy);
    }
}
