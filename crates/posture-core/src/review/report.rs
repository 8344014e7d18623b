//! The weekly review's numbers: who owns what is open, what is new and what
//! got fixed since the last snapshot, the oldest criticals, what is overdue
//! by SLA, and the trend across snapshots. Plain data: the dashboard, the
//! table, JSON and Markdown all draw the same [`Review`].

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;

use super::diff::Diff;
use crate::model::date::{day_of, format_date};
use crate::model::{Finding, Severity, Timestamp};
use crate::query::Facts;
use crate::routing::{RouteTable, Router};

/// How many findings each list shows; the counts are always complete.
pub const LIST_LIMIT: usize = 10;

/// Counts in the review's column order (most severe first), 0 where absent.
pub fn in_columns(counts: &BTreeMap<Severity, usize>) -> [usize; 6] {
    Severity::ALL_DESC.map(|s| counts.get(&s).copied().unwrap_or(0))
}

/// Open findings per severity at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    pub name: String,
    pub taken_at: Timestamp,
    pub open: BTreeMap<Severity, usize>,
}

impl TrendPoint {
    pub fn of(name: &str, taken_at: Timestamp, findings: &[Finding]) -> TrendPoint {
        let open = findings
            .iter()
            .filter(|f| f.open)
            .map(|f| (f.fingerprint.as_str(), f.severity));
        TrendPoint::from_open(name, taken_at, open)
    }

    /// From the (fingerprint, severity) of each open finding; a fingerprint
    /// counts once, as in the diff.
    pub fn from_open<'a>(
        name: &str,
        taken_at: Timestamp,
        open_findings: impl IntoIterator<Item = (&'a str, Severity)>,
    ) -> TrendPoint {
        let mut open: BTreeMap<Severity, usize> =
            Severity::ALL_DESC.iter().map(|&s| (s, 0)).collect();
        let mut seen = std::collections::HashSet::new();
        for (fp, severity) in open_findings {
            if seen.insert(fp) {
                *open.entry(severity).or_default() += 1;
            }
        }
        TrendPoint {
            name: name.to_string(),
            taken_at,
            open,
        }
    }

    pub fn total(&self) -> usize {
        self.open.values().sum()
    }
}

/// One finding in a review list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub fingerprint: String,
    pub severity: Severity,
    pub title: String,
    pub resource: String,
    pub owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<Timestamp>,
    /// Days since first seen.
    pub age_days: i64,
    /// Due by the owner's SLA (YYYY-MM-DD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue_days: Option<i64>,
    /// For severity changes: what it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_severity: Option<Severity>,
    /// For accepted risks: the last day the acceptance holds, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The snapshot the period starts at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Since {
    pub name: String,
    pub taken_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted {
    pub count: usize,
    /// The first [`LIST_LIMIT`], most severe first.
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub taken_at: Timestamp,
    /// Open findings (as `posture summary` counts them).
    pub open: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    /// Severity × owner of the open findings.
    pub by_owner: BTreeMap<String, BTreeMap<Severity, usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Since>,
    pub new: Counted,
    pub resolved: Counted,
    pub severity_changed: Counted,
    /// Open critical findings still to act on, oldest first.
    pub oldest_criticals: Counted,
    /// Open findings past their SLA due date that nobody has closed or
    /// accepted, most overdue first.
    pub overdue: Counted,
    pub overdue_by_owner: BTreeMap<String, usize>,
    /// Severity × 4C layer of the open findings.
    pub by_layer: BTreeMap<crate::model::Layer, BTreeMap<Severity, usize>>,
    /// Severity × account/region or cluster of the open findings.
    pub by_scope: BTreeMap<String, BTreeMap<Severity, usize>>,
    /// Accepted risks whose acceptance ends in the next
    /// [`EXPIRING_DAYS`] days, soonest first.
    pub expiring: Counted,
    /// Every snapshot, oldest first, then now. Empty for a review of part
    /// of the findings: snapshots keep the counts of all of them.
    pub trend: Vec<TrendPoint>,
    /// The query the review was narrowed to (`--query`, `--view`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The one team the review is for (`--owner`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// The current posture, as the dashboard and the CLI hold it.
pub struct Current<'a> {
    pub findings: &'a [Finding],
    pub facts: &'a [Facts],
    pub routes: &'a RouteTable,
    pub router: &'a Router,
    pub now: Timestamp,
    /// The triage marks, for the accepted risks about to expire.
    pub marks: Option<&'a crate::triage::Marks>,
}

/// How far ahead the review looks for risk acceptances that end.
pub const EXPIRING_DAYS: i64 = 14;

/// The snapshot the period starts at, and the diff against it.
pub struct Baseline<'a> {
    pub since: Since,
    pub findings: &'a [Finding],
    pub diff: &'a Diff,
}

fn item(f: &Finding, owner: &str, router: &Router, today: Date) -> Item {
    let age_days = f
        .first_seen
        .map_or(0, |t| (today - day_of(t)).whole_days().max(0));
    let due = crate::routing::due_date(&router.sla, f.severity, f.first_seen, today);
    Item {
        fingerprint: f.fingerprint.to_string(),
        severity: f.severity,
        title: f.title.original().to_string(),
        resource: f.resource.original().to_string(),
        owner: owner.to_string(),
        first_seen: f.first_seen,
        age_days,
        due: due.map(format_date),
        overdue_days: due.map(|d| (today - d).whole_days()).filter(|&d| d > 0),
        previous_severity: None,
        expires: None,
        reason: None,
    }
}

fn counted(mut items: Vec<Item>, order: impl Fn(&Item, &Item) -> std::cmp::Ordering) -> Counted {
    items.sort_by(order);
    let count = items.len();
    items.truncate(LIST_LIMIT);
    Counted { count, items }
}

fn by_severity_then_age(a: &Item, b: &Item) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then(b.age_days.cmp(&a.age_days))
        .then(a.fingerprint.cmp(&b.fingerprint))
}

pub fn build(cur: &Current, baseline: Option<&Baseline>, history: &[TrendPoint]) -> Review {
    let today = day_of(cur.now);
    let mut by_severity: BTreeMap<Severity, usize> = BTreeMap::new();
    let mut by_owner: BTreeMap<String, BTreeMap<Severity, usize>> = BTreeMap::new();
    let mut open = 0;
    let mut criticals = Vec::new();
    let mut overdue = Vec::new();
    let mut overdue_by_owner: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_layer: BTreeMap<crate::model::Layer, BTreeMap<Severity, usize>> = BTreeMap::new();
    let mut by_scope: BTreeMap<String, BTreeMap<Severity, usize>> = BTreeMap::new();
    let mut expiring = Vec::new();
    for (i, f) in cur.findings.iter().enumerate() {
        if !f.open {
            continue;
        }
        open += 1;
        let owner = cur.routes.owner(i);
        *by_severity.entry(f.severity).or_default() += 1;
        *by_owner
            .entry(owner.to_string())
            .or_default()
            .entry(f.severity)
            .or_default() += 1;
        *by_layer
            .entry(f.layer)
            .or_default()
            .entry(f.severity)
            .or_default() += 1;
        *by_scope
            .entry(f.scope())
            .or_default()
            .entry(f.severity)
            .or_default() += 1;
        if let Some(it) = expiring_item(cur, i, f, owner, today) {
            expiring.push(it);
        }
        let active = cur.facts.get(i).is_none_or(|x| x.status.is_active());
        if !active {
            continue;
        }
        let it = item(f, owner, cur.router, today);
        if f.severity == Severity::Critical {
            criticals.push(it.clone());
        }
        if it.overdue_days.is_some() {
            *overdue_by_owner.entry(owner.to_string()).or_default() += 1;
            overdue.push(it);
        }
    }
    let oldest_criticals = counted(criticals, |a, b| {
        b.age_days
            .cmp(&a.age_days)
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
    let overdue = counted(overdue, |a, b| {
        b.overdue_days
            .cmp(&a.overdue_days)
            .then(b.severity.cmp(&a.severity))
            .then(a.fingerprint.cmp(&b.fingerprint))
    });

    let empty = || Counted {
        count: 0,
        items: Vec::new(),
    };
    let (new, resolved, severity_changed, since) = match baseline {
        None => (empty(), empty(), empty(), None),
        Some(b) => {
            let d = b.diff;
            let new = d
                .new
                .iter()
                .map(|&i| item(&cur.findings[i], cur.routes.owner(i), cur.router, today))
                .collect();
            let old_routes = RouteTable::build(cur.router, b.findings);
            let resolved = d
                .resolved
                .iter()
                .map(|r| {
                    item(
                        &b.findings[r.old],
                        old_routes.owner(r.old),
                        cur.router,
                        today,
                    )
                })
                .map(|mut it| {
                    // Fixed items are not due any more.
                    it.due = None;
                    it.overdue_days = None;
                    it
                })
                .collect();
            let changed = d
                .severity_changed
                .iter()
                .map(|&(i, j)| {
                    let mut it = item(&cur.findings[i], cur.routes.owner(i), cur.router, today);
                    it.previous_severity = Some(b.findings[j].severity);
                    it
                })
                .collect();
            (
                counted(new, by_severity_then_age),
                counted(resolved, by_severity_then_age),
                counted(changed, by_severity_then_age),
                Some(b.since.clone()),
            )
        }
    };
    let mut trend = history.to_vec();
    trend.sort_by_key(|p| p.taken_at);
    trend.push(TrendPoint::of("now", cur.now, cur.findings));
    Review {
        taken_at: cur.now,
        open,
        by_severity,
        by_owner,
        since,
        new,
        resolved,
        severity_changed,
        oldest_criticals,
        overdue,
        overdue_by_owner,
        by_layer,
        by_scope,
        expiring: counted(expiring, |a, b| {
            a.expires
                .cmp(&b.expires)
                .then(b.severity.cmp(&a.severity))
                .then(a.fingerprint.cmp(&b.fingerprint))
        }),
        trend,
        query: None,
        owner: None,
    }
}

/// Finding `i` as an accepted risk whose acceptance ends within
/// [`EXPIRING_DAYS`] (today included), if it is one.
fn expiring_item(cur: &Current, i: usize, f: &Finding, owner: &str, today: Date) -> Option<Item> {
    if cur.facts.get(i).map(|x| x.status) != Some(crate::triage::Status::AcceptedRisk) {
        return None;
    }
    let mark = cur.marks?.get(f.fingerprint.as_str())?;
    let ends = mark.expires?;
    let left = (ends - today).whole_days();
    if !(0..=EXPIRING_DAYS).contains(&left) {
        return None;
    }
    let mut it = item(f, owner, cur.router, today);
    it.expires = Some(format_date(ends));
    it.reason = Some(mark.reason.clone());
    Some(it)
}
