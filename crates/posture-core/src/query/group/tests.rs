use super::*;
use crate::model::SafeText;
use crate::triage::Status;
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
    let mut lists: Vec<Vec<usize>> = Vec::new();
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
                members: Members::default(),
                resources: 0,
                source: Some(f.source),
                layer: Some(f.layer),
                scopes: 0,
                scope_of: None,
                oldest: None,
                facts: None,
                owner: None,
            });
            lists.push(Vec::new());
            groups.len() - 1
        });
        groups[g].severity = groups[g].severity.max(f.severity);
        if groups[g].source != Some(f.source) {
            groups[g].source = None;
        }
        if groups[g].layer != Some(f.layer) {
            groups[g].layer = None;
        }
        lists[g].push(i);
    }
    for (g, list) in groups.iter_mut().zip(lists) {
        g.members = Members::from(list);
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
    Option<crate::model::Layer>,
    usize,
    Option<usize>,
    Option<crate::model::Timestamp>,
    Option<Facts>,
    Option<u32>,
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
                g.members.to_vec(),
                g.resources,
                g.source,
                g.layer,
                g.scopes,
                g.scope_of,
                g.oldest,
                g.facts,
                g.owner,
            )
        })
        .collect()
}

/// The members' shared facts and owner as first written: every member
/// compared with the first (a missing entry is untriaged, a missing route
/// has the owner "").
fn triage_plainly(g: &mut Group, facts: &[Facts], route_of: &[u32], owners: &[&str]) {
    let of = |i: usize| facts.get(i).copied().unwrap_or_default();
    let first = g.members.first().map(|&i| of(i));
    // The same status is the same row, whoever owns each and whichever is new.
    g.facts = first.filter(|&f| {
        g.members
            .iter()
            .all(|&i| of(i).status == f.status && of(i).expired == f.expired)
    });
    let route = |i: usize| route_of.get(i).copied();
    let owner = |i: usize| route(i).map_or("", |r| owners[r as usize]);
    g.owner = g.members.first().and_then(|&first| {
        let shared = g.members.iter().all(|&i| owner(i) == owner(first));
        route(first).filter(|_| shared)
    });
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
    // Decisions on a few findings; three routes (two share an owner) and
    // the last findings without a route or facts.
    let facts: Vec<Facts> = (0..n - 7)
        .map(|i| Facts {
            status: if i % 13 == 0 {
                Status::Resolved
            } else {
                Status::New
            },
            route: (i % 3) as u32,
            new: i % 5 == 0,
            ..Facts::default()
        })
        .collect();
    let owners = ["sre", "payments", "sre"];
    let route_of: Vec<u32> = (0..n - 5).map(|i| ((i / 3) % 3) as u32).collect();
    let triage = Triage::new(&facts, &route_of, &owners);
    let mut order: Vec<usize> = (0..n).rev().collect();
    order.push(n + 5);
    let got = group_by_rule_with(&findings, &order, &RuleKeys::of(&findings), &triage);
    order.pop();
    let got: Vec<Group> = got.into_iter().map(|g| *g).collect();
    // A rule's group: the same rule (or title) from the same source.
    let mut want = plain(&findings, &order, |i| {
        let f = &findings[i];
        let rule = rule_key(f).to_string();
        (
            format!("{}/{rule}", f.source),
            rule,
            f.title.display().to_string(),
        )
    });
    for g in &mut want {
        triage_plainly(g, &facts, &route_of, &owners);
    }
    assert_eq!(seen(&got, &findings), seen(&want, &findings));
    assert!(got.iter().any(|g| g.resources > 1));
    assert!(got.len() > build::ROWS_PER_CORE_MIN, "{} groups", got.len());
    // Every kind of row: shared and mixed facts, shared and mixed owners.
    for (f, o) in [(true, true), (true, false), (false, true), (false, false)] {
        assert!(
            got.iter()
                .any(|g| g.facts.is_some() == f && g.owner.is_some() == o),
            "{f} {o}"
        );
    }
    let none = Triage::none();
    assert!(group_by_rule_with(&findings, &[], &RuleKeys::of(&findings), &none).is_empty());
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
    let triage = Triage::new(&[], &route_of, &owners);
    let got = group_by_owner_with(&findings, &order, &RuleKeys::of(&findings), &triage);
    let mut want = plain(&findings, &order, |i| {
        (owner(i).to_string(), owner(i).to_string(), String::new())
    });
    for g in &mut want {
        triage_plainly(g, &[], &route_of, &owners);
        let title = format!("{} findings owned", g.members.len());
        if let Label::Named { title: t, .. } = &mut g.label {
            *t = Arc::from(title);
        }
    }
    let got: Vec<Group> = got.into_iter().map(|g| *g).collect();
    assert_eq!(seen(&got, &findings), seen(&want, &findings));
    assert_eq!(got.len(), 3);
}
