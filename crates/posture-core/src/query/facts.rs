//! What posture knows about a finding beyond its input file: the triage
//! decision (and, with routing, its owner). Kept beside the findings, one per
//! finding, so that filters and tables read it without lookups.

use time::Date;

use crate::model::Finding;
use crate::routing::RouteTable;
use crate::triage::{Marks, Status};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// The status today (an expired risk acceptance is `new` again).
    pub status: Status,
    /// A risk acceptance that has run out: flagged until someone decides again.
    pub expired: bool,
    /// Index into the [`RouteTable`]'s routes: who owns it.
    pub route: u32,
    /// Open now and not open in the last snapshot.
    pub new: bool,
}

impl Facts {
    /// The status as lists and sheets show it: `accepted-risk (expired)`
    /// once a risk acceptance has run out.
    pub fn status_label(&self) -> String {
        if self.expired {
            format!("{} (expired)", self.status)
        } else {
            self.status.as_str().to_string()
        }
    }
}

/// One `Facts` per finding, in the same order.
pub fn compute_facts(
    findings: &[Finding],
    marks: &Marks,
    routes: &RouteTable,
    today: Date,
) -> Vec<Facts> {
    let mut facts = triage_facts(findings, marks, today);
    for (f, r) in facts.iter_mut().zip(&routes.of) {
        f.route = *r;
    }
    facts
}

fn triage_facts(findings: &[Finding], marks: &Marks, today: Date) -> Vec<Facts> {
    findings
        .iter()
        .map(|f| match marks.get(f.fingerprint.as_str()) {
            Some(m) => {
                let e = m.effective(today);
                Facts {
                    status: e.status,
                    expired: e.expired,
                    route: 0,
                    new: false,
                }
            }
            None => Facts::default(),
        })
        .collect()
}
