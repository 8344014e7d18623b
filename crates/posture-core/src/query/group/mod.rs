//! Group by rule: the same CVE in 40 pods is one line in a meeting.

use std::sync::Arc;

use crate::model::{Finding, Severity, Source};
use crate::query::Facts;

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// What the group is called: read from a member when drawn (a grouping
    /// can make a few hundred thousand groups, one per CVE, at every
    /// keystroke, and only a screenful is ever shown).
    pub label: Label,
    /// The rule's (or owner's) number among those of its grouping: the same
    /// group in the next grouping of the same findings has the same.
    pub key: u32,
    /// Worst severity among the members.
    pub severity: Severity,
    /// Indices into the findings, in the order given.
    pub members: Members,
    /// Distinct resources affected (the same name in two clusters is two).
    pub resources: usize,
    /// The members' source when they share one, `None` for several.
    pub source: Option<Source>,
    /// The members' 4C layer when they share one, `None` for several.
    pub layer: Option<crate::model::Layer>,
    /// Distinct scopes (clusters, account/region pairs) of the members.
    pub scopes: usize,
    /// A member whose scope is the group's, when there is one.
    pub scope_of: Option<usize>,
    /// The earliest first seen among the members.
    pub oldest: Option<crate::model::Timestamp>,
    /// A member's triage facts when every member has the same status (their
    /// owners and NEW flags may differ), `None` for mixed (a missing entry
    /// counts as untriaged).
    pub facts: Option<Facts>,
    /// A route whose owner all members share, `None` for several owners
    /// (or none).
    pub owner: Option<u32>,
}

/// A group's members: its part of one list shared by the groups of a
/// grouping (a grouping can make 200,000 groups; one list each cost more
/// than the grouping itself).
#[derive(Debug, Clone, Default)]
pub struct Members {
    all: Arc<[usize]>,
    range: std::ops::Range<usize>,
}

impl std::ops::Deref for Members {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        self.all.get(self.range.clone()).unwrap_or_default()
    }
}

impl<'a> IntoIterator for &'a Members {
    type Item = &'a usize;
    type IntoIter = std::slice::Iter<'a, usize>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl PartialEq for Members {
    fn eq(&self, other: &Members) -> bool {
        **self == **other
    }
}

impl From<Vec<usize>> for Members {
    fn from(list: Vec<usize>) -> Members {
        let range = 0..list.len();
        Members {
            all: Arc::from(list),
            range,
        }
    }
}

/// A group's name and title.
#[derive(Debug, Clone, PartialEq)]
pub enum Label {
    /// The rule (or title, for a finding without one) and title of this finding.
    Rule(usize),
    /// An owner's group: the owner, and a title.
    Named { name: Arc<str>, title: Arc<str> },
}

impl Group {
    /// The rule id (or the owner), read from `findings` for a rule's group.
    pub fn rule_id<'a>(&'a self, findings: &'a [Finding]) -> &'a str {
        match &self.label {
            Label::Rule(i) => findings.get(*i).map_or("", rule_key),
            Label::Named { name, .. } => name,
        }
    }

    pub fn title<'a>(&'a self, findings: &'a [Finding]) -> &'a str {
        match &self.label {
            Label::Rule(i) => findings.get(*i).map_or("", |f| f.title.display()),
            Label::Named { title, .. } => title,
        }
    }
}

/// What grouping reads of every finding, worked out once per list of
/// findings, on every core (the dashboard keeps it while only the filter
/// changes): each finding's rule and place (its cluster, account and
/// resource) as ranks among the distinct ones, and its severity. Grouping
/// then reads these 12 bytes per member, not the findings.
#[derive(Debug, Clone, Default)]
pub struct RuleKeys {
    keys: Vec<RuleKey>,
    rules: usize,
    places: usize,
    scopes: usize,
}

/// One finding's keys, together: a member costs one read from memory.
#[derive(Debug, Clone, Copy)]
struct RuleKey {
    first_seen: Option<crate::model::Timestamp>,
    rule: u32,
    /// Its place ([`place`]) as an id among the distinct places.
    place: u32,
    /// Its scope ([`scope`]) as an id among the distinct scopes.
    scope: u32,
    severity: Severity,
    source: Source,
    layer: crate::model::Layer,
}

impl RuleKeys {
    pub fn of(findings: &[Finding]) -> RuleKeys {
        let all: Vec<usize> = (0..findings.len()).collect();
        let rule_of: Vec<(Source, &str)> =
            super::rank::each(&all, |i| (findings[i].source, rule_key(&findings[i])));
        let rules = super::rank::ranks(&rule_of);
        drop(rule_of);
        let scope_of: Vec<(&str, &str, &str)> = super::rank::each(&all, |i| scope(&findings[i]));
        let scopes = super::rank::ranks(&scope_of);
        drop(scope_of);
        let places = place_ids(findings, &all);
        let count = |ids: &[u32]| ids.iter().max().map_or(0, |&m| m as usize + 1);
        RuleKeys {
            rules: count(&rules),
            places: count(&places),
            scopes: count(&scopes),
            keys: (0..findings.len())
                .map(|i| {
                    let f = &findings[i];
                    RuleKey {
                        first_seen: f.first_seen,
                        rule: rules[i],
                        place: places[i],
                        scope: scopes[i],
                        severity: f.severity,
                        source: f.source,
                        layer: f.layer,
                    }
                })
                .collect(),
        }
    }

    /// Whether these keys were worked out for `findings` (the same length:
    /// the dashboard replaces them whenever its findings change).
    pub fn fits(&self, findings: &[Finding]) -> bool {
        self.keys.len() == findings.len()
    }
}

/// Where a finding is: the same resource name in two clusters is two places.
fn place(f: &Finding) -> (&str, &str, &str) {
    (
        f.cluster.display(),
        f.account.display(),
        f.resource.display(),
    )
}

/// What [`Finding::scope`] is made of (without making its string).
fn scope(f: &Finding) -> (&str, &str, &str) {
    (f.cluster.display(), f.account.display(), f.region.display())
}

/// Each finding's place as an id among the distinct places. Places are told
/// apart by a 128-bit hash of their texts (hashed on every core): a
/// collision among even a billion places has odds below 10^-20, and ranking
/// the texts themselves (a million distinct resource names) took a second.
fn place_ids(findings: &[Finding], all: &[usize]) -> Vec<u32> {
    use std::hash::BuildHasher;
    let hashes: Vec<u128> = super::rank::each(all, |i| {
        let texts = place(&findings[i]);
        // Two fixed seeds: equal places must hash equal on every core.
        let a = foldhash::quality::FixedState::with_seed(1).hash_one(texts);
        let b = foldhash::quality::FixedState::with_seed(2).hash_one(texts);
        (u128::from(a) << 64) | u128::from(b)
    });
    // Sorted on every core (hash, finding), then numbered in one walk.
    let runs = crate::parallel::in_chunks(
        &hashes,
        crate::parallel::MIN_ITEMS,
        |c| {
            let mut run: Vec<(u128, u32)> = c
                .items
                .iter()
                .zip(c.range.clone())
                .map(|(&h, i)| (h, i as u32))
                .collect();
            run.sort_unstable();
            run
        },
        |range| {
            let mut run: Vec<(u128, u32)> = range.map(|i| (hashes[i], i as u32)).collect();
            run.sort_unstable();
            run
        },
    );
    let sorted = super::sort::merge_runs(runs, |a: &(u128, u32), b| a.cmp(b));
    let mut ids = vec![0u32; hashes.len()];
    let mut next = 0u32;
    for (k, &(h, i)) in sorted.iter().enumerate() {
        if k > 0 && sorted[k - 1].0 != h {
            next += 1;
        }
        ids[i as usize] = next;
    }
    ids
}

/// Each member's triage as a group's row shows it: its facts, its route and
/// its owner (as an id among the distinct owners, routes sharing an owner
/// sharing the id).
pub struct Triage<'a> {
    facts: &'a [Facts],
    route_of: &'a [u32],
    owner_of_route: Vec<u32>,
    /// The distinct owners, sorted: an owner's id is its place here.
    owners: Vec<&'a str>,
}

impl<'a> Triage<'a> {
    /// `facts` and `route_of` per finding, `owners[route]` each route's owner.
    pub fn new(facts: &'a [Facts], route_of: &'a [u32], owners: &[&'a str]) -> Triage<'a> {
        let mut names: Vec<&str> = owners.to_vec();
        names.sort_unstable();
        names.dedup();
        let mut t = Triage {
            facts,
            route_of,
            owner_of_route: Vec::new(),
            owners: names,
        };
        t.owner_of_route = owners.iter().map(|o| t.owner_id(o)).collect();
        t
    }

    /// The routes' triage without any routes or decisions (tests, tools).
    pub fn none() -> Triage<'static> {
        Triage::new(&[], &[], &[])
    }

    fn owner_id(&self, owner: &str) -> u32 {
        self.owners
            .binary_search(&owner)
            .map_or(self.owners.len() as u32, |g| g as u32)
    }

    fn route(&self, finding: usize) -> Option<u32> {
        self.route_of.get(finding).copied()
    }

    /// A finding without a route has no owner: the owner "" as a route's.
    fn owner(&self, route: Option<u32>) -> u32 {
        route
            .and_then(|r| self.owner_of_route.get(r as usize).copied())
            .unwrap_or_else(|| self.owner_id(""))
    }

    fn facts(&self, finding: usize) -> Facts {
        self.facts.get(finding).copied().unwrap_or_default()
    }
}

/// Groups the findings at `order` (indices into `findings`), with each
/// finding's rule keys worked out before (see [`RuleKeys`]); keys that do not
/// fit `findings` are worked out again. Groups keep the order of their first
/// member and are then ordered worst first, so grouping a sorted list gives
/// sorted groups. A finding without a rule groups by title.
#[allow(
    clippy::vec_box,
    reason = "rows hold groups boxed; sorting moves pointers"
)]
pub fn group_by_rule_with(
    findings: &[Finding],
    order: &[usize],
    keys: &RuleKeys,
    triage: &Triage,
) -> Vec<Box<Group>> {
    let keys = fitting(findings, keys);
    let keys = keys.as_ref();
    build::group_by_key(
        order,
        keys,
        triage,
        keys.rules,
        |_, k, _| k.rule,
        |first, _| Label::Rule(first),
    )
}

/// Groups by owner (the route's owner of each finding), worst first.
#[allow(
    clippy::vec_box,
    reason = "rows hold groups boxed; sorting moves pointers"
)]
pub fn group_by_owner_with(
    findings: &[Finding],
    order: &[usize],
    keys: &RuleKeys,
    triage: &Triage,
) -> Vec<Box<Group>> {
    let keys = fitting(findings, keys);
    let keys = keys.as_ref();
    let mut groups = build::group_by_key(
        order,
        keys,
        triage,
        triage.owners.len() + 1,
        |_, _, owner| owner,
        |_, key| Label::Named {
            name: Arc::from(triage.owners.get(key as usize).copied().unwrap_or("")),
            title: Arc::from(""),
        },
    );
    title_each(&mut groups, |_, count| format!("{count} owned"));
    groups
}

/// Groups by 4C layer (cloud, cluster, container, code), worst first.
#[allow(
    clippy::vec_box,
    reason = "rows hold groups boxed; sorting moves pointers"
)]
pub fn group_by_layer_with(
    findings: &[Finding],
    order: &[usize],
    keys: &RuleKeys,
    triage: &Triage,
) -> Vec<Box<Group>> {
    use crate::model::Layer;
    let keys = fitting(findings, keys);
    let keys = keys.as_ref();
    let mut groups = build::group_by_key(
        order,
        keys,
        triage,
        Layer::ALL.len(),
        |_, k, _| k.layer as u32,
        |_, key| Label::Named {
            name: Arc::from(Layer::ALL.get(key as usize).map_or("", |l| l.as_str())),
            title: Arc::from(""),
        },
    );
    title_each(&mut groups, |name, count| {
        format!("{count} in the {name} layer")
    });
    groups
}

/// `keys` when they were worked out for `findings`, else keys worked out
/// now (a caller whose findings changed since).
fn fitting<'a>(findings: &[Finding], keys: &'a RuleKeys) -> std::borrow::Cow<'a, RuleKeys> {
    if keys.fits(findings) {
        std::borrow::Cow::Borrowed(keys)
    } else {
        std::borrow::Cow::Owned(RuleKeys::of(findings))
    }
}

/// Titles each named group from its name and "N finding(s)".
fn title_each(groups: &mut [Box<Group>], title: impl Fn(&str, &str) -> String) {
    for g in groups {
        let n = g.members.len();
        let count = format!("{n} finding{}", if n == 1 { "" } else { "s" });
        if let Label::Named { name, title: t } = &mut g.label {
            *t = Arc::from(title(name, &count));
        }
    }
}

/// What a finding groups by: its rule, or its title when it has none.
fn rule_key(f: &Finding) -> &str {
    rule_text(f).display()
}

fn rule_text(f: &Finding) -> &crate::model::SafeText {
    if f.rule_id.is_empty() {
        &f.title
    } else {
        &f.rule_id
    }
}

mod build;
#[cfg(test)]
mod tests;
