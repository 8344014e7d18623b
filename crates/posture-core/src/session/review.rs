//! The weekly review through the session: the last snapshot (for NEW
//! markers and the period's new and resolved), the review built from the
//! current findings, and saving the current posture as a snapshot.

use std::collections::HashSet;
use std::path::Path;

use super::Session;
use crate::model::{Finding, Timestamp};
use crate::review::Review;
use crate::review::report::{self, Since};
use crate::sources::snapshot::SnapshotFile;
use crate::storage::write_atomic;

/// The snapshot the period starts at.
#[derive(Debug)]
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

    /// The baseline of a snapshot history, if it has one.
    pub fn from_history(baseline: Option<(Since, Vec<Finding>)>) -> Option<Baseline> {
        baseline.map(|(since, findings)| Baseline::new(since.name, since.taken_at, findings))
    }

    pub fn since(&self) -> Since {
        Since {
            name: self.name.clone(),
            taken_at: self.taken_at,
        }
    }
}

impl Session {
    /// What the review and the metrics are built from: the findings now.
    fn current(&self) -> report::Current<'_> {
        report::Current {
            findings: &self.findings,
            facts: &self.facts,
            routes: &self.routes,
            router: &self.router,
            now: self.now,
            marks: self.marks(),
        }
    }

    /// The review of what is loaded now against the baseline and the trend.
    pub fn review(&self) -> Review {
        let d = self
            .baseline
            .as_ref()
            .map(|b| crate::review::diff(&b.findings, &self.findings));
        let base = match (&self.baseline, &d) {
            (Some(b), Some(d)) => Some(report::Baseline {
                since: b.since(),
                findings: &b.findings,
                diff: d,
            }),
            _ => None,
        };
        report::build(&self.current(), base.as_ref(), &self.trend)
    }

    /// The open findings as OpenMetrics text (`posture metrics`), with what
    /// is new since the baseline when there is one.
    pub fn metrics(&self) -> String {
        let cur = self.current();
        let new = self
            .baseline
            .as_ref()
            .map(|b| crate::review::diff(&b.findings, &self.findings).new);
        crate::review::metrics::render(&cur, new.as_deref())
    }

    /// Keeps only what `query` passes, now and in the baseline (each with
    /// its own owners, and the triage marks of today): a review or a diff
    /// of one team's or one layer's findings. The trend, counted when each
    /// snapshot was saved, stays whole.
    pub fn keep_only(&mut self, query: &crate::query::Query) {
        self.settle();
        let today = self.today();
        let bound = query.clone().bind(&self.routes, &self.router.sla, today);
        let keep: Vec<bool> = self
            .findings
            .iter()
            .zip(self.facts.iter())
            .map(|(f, fx)| bound.matches(f, fx))
            .collect();
        let findings = self.take_findings();
        let mut kept = Vec::with_capacity(keep.iter().filter(|&&k| k).count());
        let mut origins = Vec::with_capacity(kept.capacity());
        for ((f, origin), k) in findings.into_iter().zip(&self.origins).zip(&keep) {
            if *k {
                kept.push(f);
                origins.push(*origin);
            }
        }
        self.findings = std::sync::Arc::new(kept);
        self.origins = origins;
        if let Some(b) = self.baseline.take() {
            let empty = crate::triage::Marks::new();
            let marks = self.marks().unwrap_or(&empty);
            let passing =
                crate::query::lang::passing(&b.findings, query, &self.router, marks, today);
            let mut findings = b.findings;
            let mut at = passing.into_iter().peekable();
            let mut i = 0;
            findings.retain(|_| {
                let k = at.peek() == Some(&i);
                if k {
                    at.next();
                }
                i += 1;
                k
            });
            self.baseline = Some(Baseline::new(b.name, b.taken_at, findings));
        }
        self.stale = true;
        self.settle();
    }

    /// Every finding with its triage status and owner, as a snapshot named `name`.
    pub fn snapshot(&self, name: &str) -> SnapshotFile {
        let mut file = SnapshotFile::new(name, self.now, &[]);
        file.findings = (0..self.findings.len())
            .map(|i| self.record(i, false))
            .collect();
        file
    }

    /// Saves the snapshot to `path`, creating its directory.
    pub fn save_snapshot(&self, name: &str, path: &Path) -> std::io::Result<SnapshotFile> {
        let file = self.snapshot(name);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        write_atomic(path, file.to_json().as_bytes())?;
        Ok(file)
    }
}
