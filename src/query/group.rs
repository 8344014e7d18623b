//! Group by rule: the same CVE in 40 pods is one line in a meeting.

use std::collections::HashMap;

use crate::model::{Finding, Severity};

#[derive(Debug, Clone)]
pub struct Group<'a> {
    pub rule_id: &'a str,
    /// Worst severity among the members.
    pub severity: Severity,
    pub members: Vec<&'a Finding>,
}

impl Group<'_> {
    /// Distinct resources affected.
    pub fn resource_count(&self) -> usize {
        let mut r: Vec<&str> = self.members.iter().map(|f| f.resource.display()).collect();
        r.sort_unstable();
        r.dedup();
        r.len()
    }

    pub fn title(&self) -> &str {
        self.members.first().map_or("", |f| f.title.display())
    }
}

/// Groups keep the order of their first member, so grouping a sorted list
/// gives sorted groups; a finding without a rule is a group of its own title.
pub fn group_by_rule<'a>(findings: &[&'a Finding]) -> Vec<Group<'a>> {
    let mut index: HashMap<(crate::model::Source, &str), usize> = HashMap::new();
    let mut groups: Vec<Group<'a>> = Vec::new();
    for f in findings {
        let key = if f.rule_id.is_empty() {
            f.title.display()
        } else {
            f.rule_id.display()
        };
        match index.get(&(f.source, key)) {
            Some(&i) => {
                let g = &mut groups[i];
                g.severity = g.severity.max(f.severity);
                g.members.push(f);
            }
            None => {
                index.insert((f.source, key), groups.len());
                groups.push(Group {
                    rule_id: key,
                    severity: f.severity,
                    members: vec![f],
                });
            }
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.severity));
    groups
}
