//! One grouping of the shown findings, worked out away from the keystroke
//! that asked for it: at a million findings a grouping takes longer than a
//! frame, so the dashboard draws the filtered rows at once, marked
//! "grouping…", and swaps the groups in when they arrive.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::Finding;
use crate::routing::RouteTable;

use super::Facts;
use super::group::{
    Group, RuleKeys, Triage, group_by_layer_with, group_by_owner_with, group_by_rule_with,
};

/// What to group and how.
#[derive(Clone)]
pub struct Grouping {
    pub findings: Arc<Vec<Finding>>,
    pub keys: Arc<RuleKeys>,
    /// The shown findings, in the order shown.
    pub shown: Arc<Vec<usize>>,
    pub by: GroupBy,
    /// What each group's summary reads (shared with the view, not copied
    /// per keystroke).
    pub facts: Arc<Vec<Facts>>,
    pub routes: Arc<RouteTable>,
    /// Which list of findings this is for.
    pub generation: u64,
    /// Which request of that list this answers: only the newest is shown.
    pub request: u64,
    /// Set when a newer request (or new findings) makes this one moot.
    pub cancel: Arc<AtomicBool>,
}

impl std::fmt::Debug for Grouping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grouping")
            .field("generation", &self.generation)
            .field("request", &self.request)
            .field("shown", &self.shown.len())
            .field("by", &self.by)
            .finish()
    }
}

impl PartialEq for Grouping {
    fn eq(&self, other: &Grouping) -> bool {
        (self.generation, self.request) == (other.generation, other.request)
    }
}

impl Grouping {
    /// The groups with their summaries, or `None` when cancelled first.
    #[allow(
        clippy::vec_box,
        reason = "rows hold groups boxed; sorting moves pointers"
    )]
    pub fn run(&self) -> Option<Vec<Box<Group>>> {
        let cancelled = || self.cancel.load(Ordering::Relaxed);
        if cancelled() {
            return None;
        }
        let groups = group(
            &self.findings,
            &self.shown,
            &self.keys,
            &self.facts,
            &self.routes,
            self.by,
        );
        (!cancelled()).then_some(groups)
    }
}

/// What the rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GroupBy {
    /// One row per rule (a CVE, a control) and source.
    #[default]
    Rule,
    /// One row per owner (routes sharing an owner are one).
    Owner,
    /// One row per 4C layer.
    Layer,
}

impl GroupBy {
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Rule => "rule",
            GroupBy::Owner => "owner",
            GroupBy::Layer => "layer",
        }
    }
}

/// The findings at `shown` grouped by rule, owner or layer, each group's
/// row summed up with its members' triage facts and owners.
#[allow(
    clippy::vec_box,
    reason = "rows hold groups boxed; sorting moves pointers"
)]
pub fn group(
    findings: &[Finding],
    shown: &[usize],
    keys: &RuleKeys,
    facts: &[Facts],
    routes: &RouteTable,
    by: GroupBy,
) -> Vec<Box<Group>> {
    let owners: Vec<&str> = routes.routes.iter().map(|r| r.owner.as_str()).collect();
    let triage = Triage::new(facts, &routes.of, &owners);
    match by {
        GroupBy::Rule => group_by_rule_with(findings, shown, keys, &triage),
        GroupBy::Owner => group_by_owner_with(findings, shown, keys, &triage),
        GroupBy::Layer => group_by_layer_with(findings, shown, keys, &triage),
    }
}
