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
    pub members: Vec<usize>,
    /// Distinct resources affected (the same name in two clusters is two).
    pub resources: usize,
    /// The members' source when they share one, `None` for several.
    pub source: Option<Source>,
    /// Distinct scopes (clusters, account/region pairs) of the members.
    pub scopes: usize,
    /// A member whose scope is the group's, when there is one.
    pub scope_of: Option<usize>,
    /// The earliest first seen among the members.
    pub oldest: Option<crate::model::Timestamp>,
    /// The members' triage facts when they all have the same, `None` for
    /// mixed (see [`Group::set_facts`]).
    pub facts: Option<Facts>,
    /// A route whose owner all members share, `None` for several owners
    /// (see [`Group::set_owner`]).
    pub owner: Option<u32>,
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

    /// Works out [`Group::facts`] from every finding's facts (a missing
    /// entry counts as untriaged): once per grouping, not once per frame.
    pub fn set_facts(&mut self, facts: &[Facts]) {
        let of = |i: usize| facts.get(i).copied().unwrap_or_default();
        let first = self.members.first().map(|&i| of(i));
        self.facts = first.filter(|&f| self.members.iter().all(|&i| of(i) == f));
    }

    /// Works out [`Group::owner`] from the routes.
    pub fn set_owner(&mut self, routes: &crate::routing::RouteTable) {
        let route = |i: usize| routes.of.get(i).copied();
        let Some(&first) = self.members.first() else {
            self.owner = None;
            return;
        };
        let (first_route, first_owner) = (route(first), routes.owner(first));
        // Routes are compared first: their owners only when they differ.
        let shared = self
            .members
            .iter()
            .all(|&i| route(i) == first_route || routes.owner(i) == first_owner);
        self.owner = first_route.filter(|_| shared);
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

/// How many distinct `ids` a group's members have; `seen` (one slot per
/// id, shared by the groups counted one after another) remembers which
/// group counted an id last.
fn distinct(ids: impl Iterator<Item = u32>, group: u32, seen: &mut [u32]) -> usize {
    let mut n = 0;
    for id in ids {
        if let Some(slot) = seen.get_mut(id as usize)
            && *slot != group
        {
            *slot = group;
            n += 1;
        }
    }
    n
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
) -> Vec<Box<Group>> {
    let fresh;
    let keys = if keys.fits(findings) {
        keys
    } else {
        fresh = RuleKeys::of(findings);
        &fresh
    };
    group_by_key(
        order,
        keys,
        keys.rules,
        |_, k| k.rule,
        |first, _| Label::Rule(first),
    )
}

/// Groups the findings at `order` by `group_of(finding, key)` (below
/// `groups`). The members' keys are first gathered in the order given, on
/// every core (the one pass that reads memory out of order); every later
/// pass reads them front to back. `label` names a group from its first
/// member.
#[allow(
    clippy::vec_box,
    reason = "rows hold groups boxed; sorting moves pointers"
)]
fn group_by_key(
    order: &[usize],
    keys: &RuleKeys,
    groups: usize,
    group_of: impl Fn(usize, &RuleKey) -> u32 + Sync,
    label: impl Fn(usize, u32) -> Label + Sync,
) -> Vec<Box<Group>> {
    const NONE: u32 = u32::MAX;
    let gather = |part: &[usize]| -> Vec<(usize, u32, RuleKey)> {
        part.iter()
            .filter_map(|&i| keys.keys.get(i).map(|k| (i, group_of(i, k), *k)))
            .collect()
    };
    let gathered = crate::parallel::concat(crate::parallel::in_chunks(
        order,
        crate::parallel::MIN_ITEMS,
        |c| gather(c.items),
        // On one core, rather than members lost.
        |range| gather(&order[range]),
    ));
    // Rows in the order of their first member, each summed up in a small
    // record: a few megabytes however many members, where a group's full
    // record (or its list of members) at each member reached all over memory.
    struct Row {
        first: usize,
        key: u32,
        count: usize,
        severity: Severity,
        source: Option<Source>,
        oldest: Option<crate::model::Timestamp>,
    }
    let mut row_of = vec![NONE; groups];
    let mut rows: Vec<Row> = Vec::new();
    let mut row_of_member: Vec<u32> = Vec::with_capacity(gathered.len());
    for &(i, g, k) in &gathered {
        let slot = &mut row_of[g as usize];
        if *slot == NONE {
            *slot = rows.len() as u32;
            rows.push(Row {
                first: i,
                key: g,
                count: 0,
                severity: k.severity,
                source: Some(k.source),
                oldest: k.first_seen,
            });
        }
        let r = &mut rows[*slot as usize];
        r.count += 1;
        r.severity = r.severity.max(k.severity);
        r.oldest = match (r.oldest, k.first_seen) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if r.source != Some(k.source) {
            r.source = None;
        }
        row_of_member.push(*slot);
    }
    // The members laid out row after row, with their places and scopes.
    let mut start = Vec::with_capacity(rows.len());
    let mut at = 0;
    for r in &rows {
        start.push(at);
        at += r.count;
    }
    let mut next = start.clone();
    let mut laid = vec![(0usize, 0u32, 0u32); gathered.len()];
    for (&(i, _, k), &row) in gathered.iter().zip(&row_of_member) {
        let slot = &mut next[row as usize];
        laid[*slot] = (i, k.place, k.scope);
        *slot += 1;
    }
    // Each row's group, reading its members front to back, on every core
    // (each with its own marks of the places and scopes counted).
    let build = |rows_here: std::ops::Range<usize>| -> Vec<Box<Group>> {
        let mut place_seen = vec![NONE; keys.places];
        let mut scope_seen = vec![NONE; keys.scopes];
        rows_here
            .map(|row| {
                let (r, from) = (&rows[row], start[row]);
                let part = &laid[from..from + r.count];
                let row = row as u32;
                let scopes = distinct(part.iter().map(|m| m.2), row, &mut scope_seen);
                Box::new(Group {
                    label: label(r.first, r.key),
                    key: r.key,
                    severity: r.severity,
                    members: part.iter().map(|m| m.0).collect(),
                    resources: distinct(part.iter().map(|m| m.1), row, &mut place_seen),
                    source: r.source,
                    scopes,
                    scope_of: (scopes == 1).then_some(r.first),
                    oldest: r.oldest,
                    facts: None,
                    owner: None,
                })
            })
            .collect()
    };
    let mut out = crate::parallel::concat(crate::parallel::in_chunks(
        &rows,
        ROWS_PER_CORE_MIN,
        |c| build(c.range.clone()),
        // On one core, rather than groups lost.
        build,
    ));
    // Boxed as made: the table's rows hold them so, and sorting moves
    // pointers, not groups.
    out.sort_by_key(|g| std::cmp::Reverse(g.severity));
    out
}

/// Below this many groups one core builds them quicker than two.
const ROWS_PER_CORE_MIN: usize = 4096;

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

/// Groups by owner (the route's owner of each finding), worst first:
/// `route_of` is each finding's route and `owners[route]` its owner.
#[allow(
    clippy::vec_box,
    reason = "rows hold groups boxed; sorting moves pointers"
)]
pub fn group_by_owner_with(
    findings: &[Finding],
    order: &[usize],
    keys: &RuleKeys,
    route_of: &[u32],
    owners: &[&str],
) -> Vec<Box<Group>> {
    let fresh;
    let keys = if keys.fits(findings) {
        keys
    } else {
        fresh = RuleKeys::of(findings);
        &fresh
    };
    // Routes that share an owner are one group.
    let mut names: Vec<&str> = owners.to_vec();
    names.sort_unstable();
    names.dedup();
    let group_of_name = |o: &str| {
        names
            .binary_search(&o)
            .map_or(names.len() as u32, |g| g as u32)
    };
    let group_of_route: Vec<u32> = owners.iter().map(|o| group_of_name(o)).collect();
    // A finding without a route has no owner: the owner "" as a route's.
    let unowned = group_of_name("");
    let group = |i: usize| {
        route_of
            .get(i)
            .and_then(|&r| group_of_route.get(r as usize))
            .copied()
            .unwrap_or(unowned)
    };
    let mut groups = group_by_key(
        order,
        keys,
        names.len() + 1,
        |i, _| group(i),
        |_, key| Label::Named {
            name: Arc::from(names.get(key as usize).copied().unwrap_or("")),
            title: Arc::from(""),
        },
    );
    for g in &mut groups {
        if let Label::Named { title, .. } = &mut g.label {
            *title = Arc::from(format!(
                "{} finding{} owned",
                g.members.len(),
                if g.members.len() == 1 { "" } else { "s" }
            ));
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SafeText;
    use foldhash::{HashMap, HashMapExt};

    /// Grouping as first written: one pass with a map by `key_of`'s first
    /// text (then the group's name and title, from its first member), and
    /// resources and scopes counted by sorting their texts.
    fn plain(
        findings: &[Finding],
        order: &[usize],
        key_of: impl Fn(usize) -> (String, String, String),
    ) -> Vec<Group> {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        for &i in order {
            let f = &findings[i];
            let (key, name, title) = key_of(i);
            let g = *index.entry(key).or_insert_with(|| {
                groups.push(Group {
                    label: Label::Named {
                        name: Arc::from(name),
                        title: Arc::from(title),
                    },
                    key: 0,
                    severity: f.severity,
                    members: Vec::new(),
                    resources: 0,
                    source: Some(f.source),
                    scopes: 0,
                    scope_of: None,
                    oldest: None,
                    facts: None,
                    owner: None,
                });
                groups.len() - 1
            });
            groups[g].severity = groups[g].severity.max(f.severity);
            if groups[g].source != Some(f.source) {
                groups[g].source = None;
            }
            groups[g].members.push(i);
        }
        for g in &mut groups {
            let mut r: Vec<_> = g.members.iter().map(|&i| place(&findings[i])).collect();
            r.sort_unstable();
            r.dedup();
            g.resources = r.len();
            summarize_plainly(g, findings);
        }
        groups.sort_by_key(|g| std::cmp::Reverse(g.severity));
        groups
    }

    type Seen = (
        String,
        String,
        Severity,
        Vec<usize>,
        usize,
        Option<Source>,
        usize,
        Option<usize>,
        Option<crate::model::Timestamp>,
    );

    /// What a group shows, its labels read as drawn.
    fn seen(groups: &[Group], findings: &[Finding]) -> Vec<Seen> {
        groups
            .iter()
            .map(|g| {
                (
                    g.rule_id(findings).to_string(),
                    g.title(findings).to_string(),
                    g.severity,
                    g.members.clone(),
                    g.resources,
                    g.source,
                    g.scopes,
                    g.scope_of,
                    g.oldest,
                )
            })
            .collect()
    }

    /// Scopes and the oldest first seen, from the findings' own values.
    fn summarize_plainly(g: &mut Group, findings: &[Finding]) {
        let mut scopes: Vec<String> = g.members.iter().map(|&i| findings[i].scope()).collect();
        scopes.sort();
        scopes.dedup();
        g.scopes = scopes.len();
        g.scope_of = if scopes.len() == 1 {
            g.members.first().copied()
        } else {
            None
        };
        g.oldest = g
            .members
            .iter()
            .filter_map(|&i| findings[i].first_seen)
            .min();
    }

    #[test]
    fn grouping_on_every_core_is_the_plain_grouping() {
        let demo = crate::demo::load_current().findings;
        let n = 6 * crate::parallel::MIN_ITEMS;
        let findings: Vec<Finding> = (0..n)
            .map(|i| {
                let mut f = demo[i % demo.len()].clone();
                // Rules and resources repeat within and across the cores'
                // shares; some findings have no rule and group by title;
                // enough rules that the groups are built on every core.
                if i % 11 == 0 {
                    f.rule_id = SafeText::line("");
                } else if i % 2 == 0 {
                    f.rule_id = SafeText::line(&format!("CVE-{}", (i / 2) % 4500));
                }
                f.resource = SafeText::line(&format!("res-{}", (i * 31) % 97));
                f.severity = crate::model::Severity::ALL_DESC[i % 6];
                f
            })
            .collect();
        let mut order: Vec<usize> = (0..n).rev().collect();
        order.push(n + 5);
        let got = group_by_rule_with(&findings, &order, &RuleKeys::of(&findings));
        order.pop();
        let got: Vec<Group> = got.into_iter().map(|g| *g).collect();
        // A rule's group: the same rule (or title) from the same source.
        let want = plain(&findings, &order, |i| {
            let f = &findings[i];
            let rule = rule_key(f).to_string();
            (
                format!("{}/{rule}", f.source),
                rule,
                f.title.display().to_string(),
            )
        });
        assert_eq!(seen(&got, &findings), seen(&want, &findings));
        assert!(got.iter().any(|g| g.resources > 1));
        assert!(got.len() > ROWS_PER_CORE_MIN, "{} groups", got.len());
        assert!(group_by_rule_with(&findings, &[], &RuleKeys::of(&findings)).is_empty());
    }

    #[test]
    fn grouping_by_owner_is_the_plain_grouping_by_owner() {
        let demo = crate::demo::load_current().findings;
        let n = 3 * crate::parallel::MIN_ITEMS + 3;
        let findings: Vec<Finding> = (0..n).map(|i| demo[i % demo.len()].clone()).collect();
        // Two routes share an owner; the last findings have no route.
        let owners = ["sre", "payments", "sre", ""];
        let route_of: Vec<u32> = (0..n - 3).map(|i| ((i * 7) % 4) as u32).collect();
        let owner = |i: usize| route_of.get(i).map_or("", |&r| owners[r as usize]);
        let order: Vec<usize> = (0..n).rev().collect();
        let got = group_by_owner_with(
            &findings,
            &order,
            &RuleKeys::of(&findings),
            &route_of,
            &owners,
        );
        let mut want = plain(&findings, &order, |i| {
            (owner(i).to_string(), owner(i).to_string(), String::new())
        });
        for g in &mut want {
            let title = format!("{} findings owned", g.members.len());
            if let Label::Named { title: t, .. } = &mut g.label {
                *t = Arc::from(title);
            }
        }
        let got: Vec<Group> = got.into_iter().map(|g| *g).collect();
        assert_eq!(seen(&got, &findings), seen(&want, &findings));
        assert_eq!(got.len(), 3);
    }
}
