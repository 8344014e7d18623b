//! Group by rule: the same CVE in 40 pods is one line in a meeting.

use crate::model::{Finding, Severity, Source};
use crate::query::Facts;

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub rule_id: String,
    pub title: String,
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
    /// The scope when there is one.
    pub scope: String,
    /// The earliest first seen among the members.
    pub oldest: Option<crate::model::Timestamp>,
    /// The members' triage facts when they all have the same, `None` for
    /// mixed (see [`Group::set_facts`]).
    pub facts: Option<Facts>,
    /// The members' owner when they share one, `None` for several (see
    /// [`Group::set_owner`]).
    pub owner: Option<String>,
}

impl Group {
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
        self.owner = shared.then(|| first_owner.to_string());
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
}

/// One finding's keys, together: a member costs one read from memory.
#[derive(Debug, Clone, Copy)]
struct RuleKey {
    /// The hash of its scope ([`Finding::scope`]'s parts), told apart as places are.
    scope: u64,
    first_seen: Option<crate::model::Timestamp>,
    /// The hash of its place ([`place`]): equal places hash equal, and the
    /// texts of unequal places with equal hashes are told apart when counted.
    place: u64,
    rule: u32,
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
        let count = rules.iter().max().map_or(0, |&m| m as usize + 1);
        let places = super::rank::each(&all, |i| {
            let f = &findings[i];
            (hash_of(place(f)), hash_of(scope(f)))
        });
        RuleKeys {
            rules: count,
            keys: rules
                .iter()
                .zip(&places)
                .zip(findings)
                .map(|((&rule, &(place, scope)), f)| RuleKey {
                    scope,
                    first_seen: f.first_seen,
                    rule,
                    place,
                    severity: f.severity,
                    source: f.source,
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

fn hash_of(texts: (&str, &str, &str)) -> u64 {
    use std::hash::BuildHasher;
    // A fixed seed: equal texts must hash equal on every core.
    foldhash::fast::FixedState::with_seed(0).hash_one(texts)
}

/// How many distinct `texts` the members have, by their hashes `hash`:
/// the hashes sorted, and only members whose hashes are equal (nearly
/// always the same texts) compare their texts.
fn distinct<'f>(
    members: &[usize],
    hash: impl Fn(usize) -> u64,
    texts: impl Fn(usize) -> (&'f str, &'f str, &'f str),
) -> usize {
    let mut hashed: Vec<(u64, usize)> = members.iter().map(|&i| (hash(i), i)).collect();
    hashed.sort_unstable_by_key(|&(h, _)| h);
    hashed
        .chunk_by(|a, b| a.0 == b.0)
        .map(|same| {
            if same.len() == 1 {
                return 1;
            }
            let mut seen: Vec<_> = same.iter().map(|&(_, i)| texts(i)).collect();
            seen.sort_unstable();
            seen.dedup();
            seen.len()
        })
        .sum()
}

/// Groups the findings at `order` (indices into `findings`), with each
/// finding's rule keys worked out before (see [`RuleKeys`]); keys that do not
/// fit `findings` are worked out again. Groups keep the order of their first
/// member and are then ordered worst first, so grouping a sorted list gives
/// sorted groups. A finding without a rule groups by title.
pub fn group_by_rule_with(findings: &[Finding], order: &[usize], keys: &RuleKeys) -> Vec<Group> {
    let fresh;
    let keys = if keys.fits(findings) {
        keys
    } else {
        fresh = RuleKeys::of(findings);
        &fresh
    };
    group_by_key(
        findings,
        order,
        keys,
        keys.rules,
        |_, k| k.rule,
        |i| {
            let f = &findings[i];
            (rule_key(f).to_string(), f.title.display().to_string())
        },
    )
}

/// Groups the findings at `order` by `group_of(finding, key)` (below
/// `groups`): each member is one read of its keys, and its place is
/// counted when first met in its group. `label` names a group from its
/// first member.
fn group_by_key(
    findings: &[Finding],
    order: &[usize],
    keys: &RuleKeys,
    groups: usize,
    group_of: impl Fn(usize, &RuleKey) -> u32,
    label: impl Fn(usize) -> (String, String),
) -> Vec<Group> {
    const NONE: u32 = u32::MAX;
    // How many members each group has, first: each group's list is then
    // made at its size instead of growing by copies.
    let mut size = vec![0u32; groups];
    for &i in order {
        if let Some(k) = keys.keys.get(i) {
            size[group_of(i, k) as usize] += 1;
        }
    }
    let mut row_of = vec![NONE; groups];
    let mut out: Vec<Group> = Vec::new();
    for &i in order {
        let Some(k) = keys.keys.get(i) else { continue };
        let g = group_of(i, k) as usize;
        if row_of[g] == NONE {
            row_of[g] = out.len() as u32;
            let (rule_id, title) = label(i);
            out.push(Group {
                rule_id,
                title,
                severity: k.severity,
                members: Vec::with_capacity(size[g] as usize),
                resources: 0,
                source: Some(k.source),
                scopes: 0,
                scope: String::new(),
                oldest: k.first_seen,
                facts: None,
                owner: None,
            });
        }
        let group = &mut out[row_of[g] as usize];
        group.severity = group.severity.max(k.severity);
        group.oldest = match (group.oldest, k.first_seen) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if group.source != Some(k.source) {
            group.source = None;
        }
        group.members.push(i);
    }
    for group in &mut out {
        let key = |i: usize| &keys.keys[i];
        group.resources = distinct(&group.members, |i| key(i).place, |i| place(&findings[i]));
        group.scopes = distinct(&group.members, |i| key(i).scope, |i| scope(&findings[i]));
        if group.scopes == 1
            && let Some(&first) = group.members.first()
        {
            group.scope = findings[first].scope();
        }
    }
    out.sort_by_key(|g| std::cmp::Reverse(g.severity));
    out
}

/// What a finding groups by: its rule, or its title when it has none.
fn rule_key(f: &Finding) -> &str {
    if f.rule_id.is_empty() {
        f.title.display()
    } else {
        f.rule_id.display()
    }
}

/// Groups by owner (the route's owner of each finding), worst first:
/// `route_of` is each finding's route and `owners[route]` its owner.
pub fn group_by_owner_with(
    findings: &[Finding],
    order: &[usize],
    keys: &RuleKeys,
    route_of: &[u32],
    owners: &[&str],
) -> Vec<Group> {
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
        findings,
        order,
        keys,
        names.len() + 1,
        |i, _| group(i),
        |i| {
            let name = names.get(group(i) as usize).copied().unwrap_or("");
            (name.to_string(), String::new())
        },
    );
    for g in &mut groups {
        g.title = format!(
            "{} finding{} owned",
            g.members.len(),
            if g.members.len() == 1 { "" } else { "s" }
        );
    }
    groups
}

/// Groups by owner, the keys worked out here (for one-off grouping).
pub fn group_by_owner(
    findings: &[Finding],
    order: &[usize],
    routes: &crate::routing::RouteTable,
) -> Vec<Group> {
    let owners: Vec<&str> = routes.routes.iter().map(|r| r.owner.as_str()).collect();
    group_by_owner_with(
        findings,
        order,
        &RuleKeys::of(findings),
        &routes.of,
        &owners,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SafeText;
    use foldhash::{HashMap, HashMapExt};

    /// Grouping as first written: one pass with a map by rule, and resources
    /// counted by sorting their texts.
    fn plain(findings: &[Finding], order: &[usize]) -> Vec<Group> {
        let mut index: HashMap<(Source, &str), usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        for &i in order {
            let f = &findings[i];
            let key = if f.rule_id.is_empty() {
                f.title.display()
            } else {
                f.rule_id.display()
            };
            let g = *index.entry((f.source, key)).or_insert_with(|| {
                groups.push(Group {
                    rule_id: key.to_string(),
                    title: f.title.display().to_string(),
                    severity: f.severity,
                    members: Vec::new(),
                    resources: 0,
                    source: Some(f.source),
                    scopes: 0,
                    scope: String::new(),
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
            let mut r: Vec<_> = g
                .members
                .iter()
                .map(|&i| {
                    let f = &findings[i];
                    (
                        f.cluster.display(),
                        f.account.display(),
                        f.resource.display(),
                    )
                })
                .collect();
            r.sort_unstable();
            r.dedup();
            g.resources = r.len();
            summarize_plainly(g, findings);
        }
        groups.sort_by_key(|g| std::cmp::Reverse(g.severity));
        groups
    }

    /// Scopes and the oldest first seen, from the findings' own values.
    fn summarize_plainly(g: &mut Group, findings: &[Finding]) {
        let mut scopes: Vec<String> = g.members.iter().map(|&i| findings[i].scope()).collect();
        scopes.sort();
        scopes.dedup();
        g.scopes = scopes.len();
        g.scope = if scopes.len() == 1 {
            scopes.remove(0)
        } else {
            String::new()
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
        let n = 3 * crate::parallel::MIN_ITEMS;
        let findings: Vec<Finding> = (0..n)
            .map(|i| {
                let mut f = demo[i % demo.len()].clone();
                // Rules and resources repeat within and across the cores'
                // shares; some findings have no rule and group by title.
                if i % 11 == 0 {
                    f.rule_id = SafeText::line("");
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
        assert_eq!(got, plain(&findings, &order));
        assert!(got.iter().any(|g| g.resources > 1));
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
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut want: Vec<Group> = Vec::new();
        for &i in &order {
            let f = &findings[i];
            let g = *index.entry(owner(i)).or_insert_with(|| {
                want.push(Group {
                    rule_id: owner(i).to_string(),
                    title: String::new(),
                    severity: f.severity,
                    members: Vec::new(),
                    resources: 0,
                    source: Some(f.source),
                    scopes: 0,
                    scope: String::new(),
                    oldest: None,
                    facts: None,
                    owner: None,
                });
                want.len() - 1
            });
            want[g].severity = want[g].severity.max(f.severity);
            if want[g].source != Some(f.source) {
                want[g].source = None;
            }
            want[g].members.push(i);
        }
        for g in &mut want {
            let mut r: Vec<_> = g.members.iter().map(|&i| place(&findings[i])).collect();
            r.sort_unstable();
            r.dedup();
            g.resources = r.len();
            summarize_plainly(g, &findings);
            g.title = format!("{} findings owned", g.members.len());
        }
        want.sort_by_key(|g| std::cmp::Reverse(g.severity));
        assert_eq!(got, want);
        assert_eq!(got.len(), 3);
    }
}
