//! One session: the findings posture shows and everything it knows about
//! them — where each came from, the triage store, routing, facts, the last
//! snapshot and the trend, and the clock. Both front-ends hold one; every
//! write to the user's data (triage file, exports, snapshots) goes through it.

pub mod export;
pub mod inputs;
pub mod live;
mod marks;
pub mod review;

use std::sync::Arc;

use crate::catalogue::Catalogues;
use crate::model::{Finding, FindingRecord, Signals, Timestamp};
use crate::query::{Facts, Filter, SortKey, compute_facts, sort_indices};
use crate::routing::{RouteTable, Router};
use crate::triage::{Mark, Marks, Store};

pub use live::{FROM_FILE, LiveEvent, Origin, SourceStatus};
pub use marks::SaveError;
pub use review::Baseline;

/// What a session starts from. Only `findings` is needed; the rest defaults
/// to no triage file, the built-in routing and no history.
#[derive(Default)]
pub struct SessionParts {
    pub findings: Vec<Finding>,
    /// One per input, for the source list.
    pub sources: Vec<SourceStatus>,
    /// The findings are the shipped demo data.
    pub demo: bool,
    /// Where marks are kept; `None`: nowhere (no home directory).
    pub store: Option<Store>,
    /// Who marks and exports are by.
    pub user: String,
    pub router: Router,
    pub baseline: Option<Baseline>,
    pub trend: Vec<crate::review::TrendPoint>,
    /// The clock; `None` reads the system clock.
    pub now: Option<Timestamp>,
    /// The KEV and EPSS catalogues the user gave, if any.
    pub catalogues: Arc<Catalogues>,
    /// The Jira site's vocabulary (`[jira]` in the config).
    pub jira: crate::config::jira::JiraSite,
}

/// How long a change to the findings waits for background work to let go
/// of them before it copies them instead.
const FINDINGS_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Session {
    /// Shared, read-only, with work the dashboard does in the background
    /// (see [`Session::findings_mut`]).
    pub findings: Arc<Vec<Finding>>,
    /// Which live source each finding came from ([`FROM_FILE`] for files and demo data).
    pub origins: Vec<Origin>,
    pub sources: Vec<SourceStatus>,
    pub demo: bool,
    store: Option<Store>,
    pub user: String,
    pub router: Router,
    /// Every finding's owner and JIRA routing (shared with the dashboard's
    /// grouping job while it runs).
    pub routes: Arc<RouteTable>,
    /// One per finding: triage status, owner and NEW flag, for filters and
    /// columns (shared likewise).
    pub facts: Arc<Vec<Facts>>,
    /// The last snapshot: what NEW is relative to.
    pub baseline: Option<Baseline>,
    /// Every saved snapshot's open counts, for the review's trend.
    pub trend: Vec<crate::review::TrendPoint>,
    /// The clock for ages, expiries and mark times.
    pub now: Timestamp,
    /// Marks carried to Security Hub's consolidated control findings, shown
    /// but not saved: the next save (or `posture triage carry`) writes them.
    carried: Vec<crate::triage::carry::Carry>,
    /// The KEV and EPSS catalogues, applied to every finding (live ones
    /// too) as routes are built.
    pub catalogues: Arc<Catalogues>,
    /// The Jira site's vocabulary, for tickets.
    pub jira: crate::config::jira::JiraSite,
    /// Findings changed since routes and facts were built.
    stale: bool,
}

impl Session {
    /// Routes and facts are built once, here, with every part in place.
    pub fn new(parts: SessionParts) -> Session {
        let mut s = Session::assemble(parts);
        s.settle();
        s
    }

    /// The parts put together without building routes and facts: for a
    /// caller that adds live findings first and then calls [`Session::settle`].
    pub fn assemble(parts: SessionParts) -> Session {
        let SessionParts {
            findings,
            sources,
            demo,
            store,
            user,
            router,
            baseline,
            trend,
            now,
            catalogues,
            jira,
        } = parts;
        Session {
            origins: vec![FROM_FILE; findings.len()],
            findings: Arc::new(findings),
            sources,
            demo,
            store,
            user: if user.is_empty() {
                "unknown".to_string()
            } else {
                user
            },
            router,
            routes: Arc::default(),
            facts: Arc::default(),
            baseline,
            trend,
            now: now.unwrap_or_else(Timestamp::now),
            carried: Vec::new(),
            catalogues,
            jira,
            stale: true,
        }
    }

    /// The findings to change. Work in the background may still hold them
    /// (it is cancelled before a change and lets go after the piece it is
    /// on): wait for it, boundedly, rather than copy every finding.
    pub fn findings_mut(&mut self) -> &mut Vec<Finding> {
        let deadline = std::time::Instant::now() + FINDINGS_WAIT;
        while Arc::strong_count(&self.findings) > 1 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        Arc::make_mut(&mut self.findings)
    }

    /// The findings, taken out of the session (copied only if background
    /// work still shares them).
    pub fn take_findings(&mut self) -> Vec<Finding> {
        let shared = std::mem::take(&mut self.findings);
        Arc::try_unwrap(shared).unwrap_or_else(|s| s.as_ref().clone())
    }

    /// Builds routes and facts if the findings changed since they were built.
    /// True when it did.
    pub fn settle(&mut self) -> bool {
        if !self.stale {
            return false;
        }
        debug_assert_eq!(self.origins.len(), self.findings.len());
        self.override_layers();
        self.apply_catalogues();
        self.routes = Arc::new(RouteTable::build(&self.router, &self.findings));
        self.stale = false;
        self.refresh_facts();
        true
    }

    /// Puts findings in the layer `[layers]` names for their source, before
    /// routes (which may match on the layer) are built. The findings are
    /// only changed when one needs it.
    fn override_layers(&mut self) {
        let router = &self.router;
        let wrong = |f: &Finding| router.layer_of(f.source).is_some_and(|l| l != f.layer);
        if !self.findings.iter().any(wrong) {
            return;
        }
        let overrides = self.router.layer_overrides().to_vec();
        for f in self.findings_mut().iter_mut() {
            if let Some((_, l)) = overrides.iter().find(|(s, _)| *s == f.source) {
                f.layer = *l;
            }
        }
    }

    /// Marks the findings the catalogues know (KEV, EPSS). Worked out on
    /// every core; the findings are only changed where one differs.
    fn apply_catalogues(&mut self) {
        if self.catalogues.is_empty() {
            return;
        }
        let catalogues = &self.catalogues;
        let changed: Vec<(usize, Signals)> = crate::parallel::concat(crate::parallel::in_chunks(
            &self.findings,
            crate::parallel::MIN_ITEMS,
            |chunk| {
                let mut cves = Vec::new();
                let items = chunk.items;
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(k, f)| {
                        // The texts lie all over memory: ask for those of a
                        // finding a few ahead while this one is looked at.
                        if let Some(ahead) = items.get(k + 8) {
                            crate::parallel::prefetch(ahead.rule_id.original().as_ptr());
                            crate::parallel::prefetch(ahead.title.original().as_ptr());
                        }
                        let s = catalogues.signals_of(f, &mut cves);
                        (s != f.signals).then_some((chunk.range.start + k, s))
                    })
                    .collect()
            },
            |_| Vec::new(),
        ));
        if changed.is_empty() {
            return;
        }
        let findings = self.findings_mut();
        for (i, s) in changed {
            findings[i].signals = s;
        }
    }

    /// Recomputes each finding's facts (after marks, the clock or the
    /// baseline changed). Routes stay.
    pub fn refresh_facts(&mut self) {
        let empty = Marks::new();
        let marks = self.store.as_ref().map_or(&empty, Store::marks);
        let mut facts = compute_facts(&self.findings, marks, &self.routes, self.today());
        if !self.carried.is_empty() {
            let today = self.today();
            let at: std::collections::HashMap<&str, usize> = self
                .findings
                .iter()
                .enumerate()
                .map(|(i, f)| (f.fingerprint.as_str(), i))
                .collect();
            for c in &self.carried {
                if let Some(fx) = at.get(c.to.as_str()).and_then(|&i| facts.get_mut(i)) {
                    let e = c.mark.effective(today);
                    (fx.status, fx.expired) = (e.status, e.expired);
                }
            }
        }
        if let Some(b) = &self.baseline {
            for (f, fx) in self.findings.iter().zip(facts.iter_mut()) {
                fx.new = f.open && !b.open.contains(f.fingerprint.as_str());
            }
        }
        self.facts = Arc::new(facts);
    }

    pub fn today(&self) -> time::Date {
        crate::model::date::day_of(self.now)
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// Every mark in the triage file (none without one).
    pub fn marks(&self) -> Option<&Marks> {
        self.store.as_ref().map(Store::marks)
    }

    /// The mark of finding `i`, if it has one (a carried one included).
    pub fn mark(&self, i: usize) -> Option<&Mark> {
        let fp = self.findings.get(i)?.fingerprint.as_str();
        self.store
            .as_ref()?
            .get(fp)
            .or_else(|| self.carried.iter().find(|c| c.to == fp).map(|c| &c.mark))
    }

    pub fn facts_of(&self, i: usize) -> Facts {
        self.facts.get(i).copied().unwrap_or_default()
    }

    /// Whether a finding came from a file rather than a live source.
    pub fn from_file(&self, i: usize) -> bool {
        self.origins.get(i).is_none_or(|&o| o == FROM_FILE)
    }

    /// True when an input could not be read in full.
    pub fn input_failed(&self) -> bool {
        self.sources.iter().any(|s| s.error_count > 0)
    }

    /// Indices of the findings the filter passes, most severe first, then most recent.
    pub fn select(&self, filter: &Filter) -> Vec<usize> {
        let f = &self.findings;
        let mut idx: Vec<usize> = (0..f.len())
            .filter(|&i| filter.matches(&f[i], &self.facts[i]))
            .collect();
        sort_indices(f, &mut idx, SortKey::Severity, false);
        idx
    }

    /// The finding's JSON record with triage status, note and owner.
    pub fn record(&self, i: usize, raw: bool) -> FindingRecord {
        let f = &self.findings[i];
        let mut rec = FindingRecord::from_finding(f, raw).with_triage(&self.facts[i], self.mark(i));
        rec.owner = Some(self.routes.owner(i).to_string());
        rec
    }
}
