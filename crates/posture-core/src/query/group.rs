//! Group by rule: the same CVE in 40 pods is one line in a meeting.

use foldhash::{HashMap, HashMapExt};

use crate::model::{Finding, Severity, Source};

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
}

/// What grouping by rule reads of every finding, worked out once per list
/// of findings, on every core (the dashboard keeps it while only the filter
/// changes): each finding's rule as a rank among the rules, its severity and
/// the hash of its place. Grouping then reads these, not the findings.
#[derive(Debug, Clone, Default)]
pub struct RuleKeys(Vec<RuleKey>);

/// One finding's keys, together: a member costs one read from memory.
#[derive(Debug, Clone, Copy)]
struct RuleKey {
    place: u64,
    rule: u32,
    severity: Severity,
}

impl RuleKeys {
    pub fn of(findings: &[Finding]) -> RuleKeys {
        let all: Vec<usize> = (0..findings.len()).collect();
        let read = super::rank::each(&all, |i| {
            let f = &findings[i];
            ((f.source, rule_key(f)), f.severity, Place::hash_of(f))
        });
        let keys: Vec<(Source, &str)> = read.iter().map(|(k, _, _)| *k).collect();
        let rules = super::rank::ranks(&keys);
        RuleKeys(
            rules
                .iter()
                .zip(&read)
                .map(|(&rule, &(_, severity, place))| RuleKey {
                    place,
                    rule,
                    severity,
                })
                .collect(),
        )
    }

    /// Whether these keys were worked out for `findings` (the same length:
    /// the dashboard replaces them whenever its findings change).
    pub fn fits(&self, findings: &[Finding]) -> bool {
        self.0.len() == findings.len()
    }
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
    // How many members each rule has, first: each group's lists are then
    // made at their size instead of growing by copies.
    let mut size = vec![0u32; findings.len()];
    for &i in order {
        if let Some(k) = keys.0.get(i) {
            size[k.rule as usize] += 1;
        }
    }
    const NONE: u32 = u32::MAX;
    let mut group_of_rule = vec![NONE; findings.len()];
    let mut groups: Vec<Group> = Vec::new();
    let mut places: Vec<Vec<Place>> = Vec::new();
    for &i in order {
        let Some(&RuleKey {
            place,
            rule,
            severity,
        }) = keys.0.get(i)
        else {
            continue;
        };
        let g = &mut group_of_rule[rule as usize];
        if *g == NONE {
            *g = groups.len() as u32;
            let f = &findings[i];
            let n = size[rule as usize] as usize;
            groups.push(Group {
                rule_id: rule_key(f).to_string(),
                title: f.title.display().to_string(),
                severity,
                members: Vec::with_capacity(n),
                resources: 0,
            });
            places.push(Vec::with_capacity(n));
        }
        let g = *g as usize;
        groups[g].severity = groups[g].severity.max(severity);
        groups[g].members.push(i);
        places[g].push(Place {
            hash: place,
            finding: i,
        });
    }
    for (g, mut p) in groups.iter_mut().zip(places) {
        g.resources = Place::distinct(&mut p, findings);
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.severity));
    groups
}

/// What a finding groups by: its rule, or its title when it has none.
fn rule_key(f: &Finding) -> &str {
    if f.rule_id.is_empty() {
        f.title.display()
    } else {
        f.rule_id.display()
    }
}

/// Where a finding is: its (cluster, account, resource), hashed, and the
/// finding, to compare the texts of two places whose hashes are equal.
#[derive(Debug, Clone, Copy)]
struct Place {
    hash: u64,
    finding: usize,
}

impl Place {
    fn texts(f: &Finding) -> (&str, &str, &str) {
        (
            f.cluster.display(),
            f.account.display(),
            f.resource.display(),
        )
    }

    fn of(findings: &[Finding], i: usize) -> Place {
        Place {
            hash: Place::hash_of(&findings[i]),
            finding: i,
        }
    }

    fn hash_of(f: &Finding) -> u64 {
        use std::hash::BuildHasher;
        // A fixed seed: equal places must hash equal in every chunk.
        foldhash::fast::FixedState::with_seed(0).hash_one(Place::texts(f))
    }

    /// How many distinct places: sorted by hash, then only places with
    /// equal hashes (nearly always the same place) compare their texts.
    fn distinct(places: &mut [Place], findings: &[Finding]) -> usize {
        places.sort_unstable_by_key(|p| p.hash);
        places
            .chunk_by_mut(|a, b| a.hash == b.hash)
            .map(|same| {
                if same.len() == 1 {
                    return 1;
                }
                let mut texts: Vec<_> = same
                    .iter()
                    .map(|p| Place::texts(&findings[p.finding]))
                    .collect();
                texts.sort_unstable();
                texts.dedup();
                texts.len()
            })
            .sum()
    }
}

/// Groups by owner (the route's owner of each finding), worst first.
pub fn group_by_owner<'o>(
    findings: &[Finding],
    order: &[usize],
    owner_of: impl Fn(usize) -> &'o str,
) -> Vec<Group> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut places: Vec<Vec<Place>> = Vec::new();
    for &i in order {
        let Some(f) = findings.get(i) else { continue };
        let owner = owner_of(i);
        let g = *index.entry(owner).or_insert_with(|| {
            groups.push(Group {
                rule_id: owner.to_string(),
                title: String::new(),
                severity: f.severity,
                members: Vec::new(),
                resources: 0,
            });
            places.push(Vec::new());
            groups.len() - 1
        });
        groups[g].severity = groups[g].severity.max(f.severity);
        groups[g].members.push(i);
        places[g].push(Place::of(findings, i));
    }
    for (g, mut p) in groups.iter_mut().zip(places) {
        g.resources = Place::distinct(&mut p, findings);
        g.title = format!(
            "{} finding{} owned",
            g.members.len(),
            if g.members.len() == 1 { "" } else { "s" }
        );
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.severity));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SafeText;

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
                });
                groups.len() - 1
            });
            groups[g].severity = groups[g].severity.max(f.severity);
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
        }
        groups.sort_by_key(|g| std::cmp::Reverse(g.severity));
        groups
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
    fn equal_places_count_once_and_hash_ties_are_told_apart() {
        let mut demo = crate::demo::load_current().findings;
        demo.truncate(3);
        for (f, r) in demo.iter_mut().zip(["a", "a", "c"]) {
            f.resource = SafeText::line(r);
        }
        // Places sharing a hash (as a collision would) still count apart.
        let place = |hash, finding| Place { hash, finding };
        let mut p = vec![place(1, 0), place(2, 1), place(1, 1), place(1, 2)];
        assert_eq!(Place::distinct(&mut p, &demo), 3);
    }
}
