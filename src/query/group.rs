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

/// Groups the findings at `order` (indices into `findings`). Groups keep the
/// order of their first member and are then ordered worst first, so grouping a
/// sorted list gives sorted groups. A finding without a rule groups by title.
pub fn group_by_rule(findings: &[Finding], order: &[usize]) -> Vec<Group> {
    let mut index: HashMap<(Source, &str), usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    for &i in order {
        let Some(f) = findings.get(i) else { continue };
        let key = if f.rule_id.is_empty() {
            f.title.display()
        } else {
            f.rule_id.display()
        };
        match index.get(&(f.source, key)) {
            Some(&g) => {
                let g = &mut groups[g];
                g.severity = g.severity.max(f.severity);
                g.members.push(i);
            }
            None => {
                index.insert((f.source, key), groups.len());
                groups.push(Group {
                    rule_id: key.to_string(),
                    title: f.title.display().to_string(),
                    severity: f.severity,
                    members: vec![i],
                    resources: 0,
                });
            }
        }
    }
    count_resources(findings, &mut groups);
    groups.sort_by_key(|g| std::cmp::Reverse(g.severity));
    groups
}

/// Groups by owner (the route's owner of each finding), worst first.
pub fn group_by_owner(
    findings: &[Finding],
    order: &[usize],
    owner_of: impl Fn(usize) -> String,
) -> Vec<Group> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    for &i in order {
        let Some(f) = findings.get(i) else { continue };
        let owner = owner_of(i);
        match index.get(&owner) {
            Some(&g) => {
                let g = &mut groups[g];
                g.severity = g.severity.max(f.severity);
                g.members.push(i);
            }
            None => {
                index.insert(owner.clone(), groups.len());
                groups.push(Group {
                    rule_id: owner,
                    title: String::new(),
                    severity: f.severity,
                    members: vec![i],
                    resources: 0,
                });
            }
        }
    }
    count_resources(findings, &mut groups);
    for g in &mut groups {
        g.title = format!(
            "{} finding{} owned",
            g.members.len(),
            if g.members.len() == 1 { "" } else { "s" }
        );
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.severity));
    groups
}

fn count_resources(findings: &[Finding], groups: &mut [Group]) {
    for g in groups.iter_mut() {
        let mut r: Vec<(&str, &str, &str)> = g
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
}
