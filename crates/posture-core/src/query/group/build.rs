//! The groups of one grouping, built in passes over compact records: each
//! core sums up its share of the members into rows of its own (the one pass
//! that reads memory out of order), the shares' rows are joined, the
//! members laid out row after row, and each row's group built reading its
//! members front to back.

use std::sync::Arc;

use crate::model::{Layer, Severity, Source, Timestamp};
use crate::query::Facts;

use super::{Group, Label, Members, RuleKey, RuleKeys, Triage};

/// Groups the findings at `order` by `group_of(finding, key, owner)` (below
/// `groups`), each group's row summed up with its members' triage. `label`
/// names a group from its first member.
#[allow(
    clippy::vec_box,
    reason = "rows hold groups boxed; sorting moves pointers"
)]
pub(super) fn group_by_key(
    order: &[usize],
    keys: &RuleKeys,
    triage: &Triage,
    groups: usize,
    group_of: impl Fn(usize, &RuleKey, u32) -> u32 + Sync,
    label: impl Fn(usize, u32) -> Label + Sync,
) -> Vec<Box<Group>> {
    let share = |part: &[usize]| Share::of(part, keys, triage, groups, &group_of);
    let shares = crate::parallel::in_chunks(
        order,
        crate::parallel::MIN_ITEMS,
        |c| share(c.items),
        // On one core, rather than members lost.
        |range| share(&order[range]),
    );
    let (rows, to_row) = join(&shares, groups);
    // The members laid out row after row (in the order given within a
    // row), with their places and scopes.
    let mut next = Vec::with_capacity(rows.len());
    let mut at = 0;
    for r in &rows {
        next.push(at);
        at += r.count;
    }
    let start = next.clone();
    let mut laid_members = vec![0usize; at];
    let mut laid_keys = vec![(0u32, 0u32); at];
    for (share, here) in shares.iter().zip(&to_row) {
        for m in &share.members {
            let slot = &mut next[here[m.row as usize] as usize];
            laid_members[*slot] = m.finding as usize;
            laid_keys[*slot] = (m.place, m.scope);
            *slot += 1;
        }
    }
    drop(shares);
    let laid_members: Arc<[usize]> = Arc::from(laid_members);
    // Each row's group, reading its members front to back, on every core
    // (each with its own marks of the places and scopes counted).
    let build = |rows_here: std::ops::Range<usize>| -> Vec<Box<Group>> {
        let mut place_seen = vec![NONE; keys.places];
        let mut scope_seen = vec![NONE; keys.scopes];
        rows_here
            .map(|row| {
                let (r, from) = (&rows[row], start[row]);
                let part = &laid_keys[from..from + r.count];
                let row = row as u32;
                let scopes = distinct(part.iter().map(|m| m.1), row, &mut scope_seen);
                Box::new(Group {
                    label: label(r.first, r.key),
                    key: r.key,
                    severity: r.severity,
                    members: Members {
                        all: Arc::clone(&laid_members),
                        range: from..from + r.count,
                    },
                    resources: distinct(part.iter().map(|m| m.0), row, &mut place_seen),
                    source: r.source,
                    layer: r.layer,
                    scopes,
                    scope_of: (scopes == 1).then_some(r.first),
                    oldest: r.oldest,
                    facts: r.same_facts.then_some(r.facts),
                    owner: r.route.filter(|_| r.same_owner),
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
pub(super) const ROWS_PER_CORE_MIN: usize = 4096;

const NONE: u32 = u32::MAX;

/// The shares' rows joined in order (a row keeps its first member from the
/// earliest share that has one), and per share its rows' places among them.
fn join(shares: &[Share], groups: usize) -> (Vec<Row>, Vec<Vec<u32>>) {
    let mut row_of = vec![NONE; groups];
    let mut rows: Vec<Row> = Vec::new();
    let mut to_row = Vec::with_capacity(shares.len());
    for share in shares {
        let mut here = Vec::with_capacity(share.rows.len());
        for r in &share.rows {
            let slot = &mut row_of[r.key as usize];
            if *slot == NONE {
                *slot = rows.len() as u32;
                rows.push(r.clone());
            } else {
                rows[*slot as usize].join(r);
            }
            here.push(*slot);
        }
        to_row.push(here);
    }
    (rows, to_row)
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

/// A group's row summed up in a small record: a few megabytes however many
/// members, where a group's full record (or its list of members) at each
/// member reached all over memory.
#[derive(Clone)]
struct Row {
    first: usize,
    key: u32,
    count: usize,
    severity: Severity,
    source: Option<Source>,
    layer: Option<Layer>,
    oldest: Option<Timestamp>,
    /// The first member's facts, and whether every member has the same.
    facts: Facts,
    same_facts: bool,
    /// The first member's route and owner, and whether every member has
    /// that owner.
    route: Option<u32>,
    owner: u32,
    same_owner: bool,
}

/// What a member adds to its row.
struct Seen<'k> {
    key: &'k RuleKey,
    facts: Facts,
    route: Option<u32>,
    owner: u32,
}

impl Row {
    fn new(first: usize, key: u32, m: &Seen) -> Row {
        Row {
            first,
            key,
            count: 0,
            severity: m.key.severity,
            source: Some(m.key.source),
            layer: Some(m.key.layer),
            oldest: m.key.first_seen,
            facts: m.facts,
            same_facts: true,
            route: m.route,
            owner: m.owner,
            same_owner: true,
        }
    }

    fn add(&mut self, m: &Seen) {
        self.count += 1;
        self.severity = self.severity.max(m.key.severity);
        self.oldest = earliest(self.oldest, m.key.first_seen);
        if self.source != Some(m.key.source) {
            self.source = None;
        }
        if self.layer != Some(m.key.layer) {
            self.layer = None;
        }
        self.same_facts &= same_decision(&m.facts, &self.facts);
        self.same_owner &= m.owner == self.owner;
    }

    /// Takes in the same group's row from a later share.
    fn join(&mut self, later: &Row) {
        self.count += later.count;
        self.severity = self.severity.max(later.severity);
        self.oldest = earliest(self.oldest, later.oldest);
        if self.source != later.source {
            self.source = None;
        }
        if self.layer != later.layer {
            self.layer = None;
        }
        self.same_facts &= later.same_facts && same_decision(&later.facts, &self.facts);
        self.same_owner &= later.same_owner && later.owner == self.owner;
    }
}

/// Whether two members show the same triage status: their routes (and
/// whether each is new since the snapshot) may differ, the status column
/// says the same for both.
fn same_decision(a: &Facts, b: &Facts) -> bool {
    a.status == b.status && a.expired == b.expired
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// One core's share of the members: its rows, and per member (in the order
/// given) the finding, its row among them, place and scope (as `u32`s, as
/// the keys' ids are: four billion findings would be five terabytes).
struct Share {
    rows: Vec<Row>,
    members: Vec<Member>,
}

#[derive(Clone, Copy)]
struct Member {
    finding: u32,
    row: u32,
    place: u32,
    scope: u32,
}

/// How many members ahead of the one summed up its keys are asked for:
/// the members' keys lie all over memory, and a core waits for one read at
/// a time unless told what comes next.
const AHEAD: usize = 16;

impl Share {
    fn of(
        order: &[usize],
        keys: &RuleKeys,
        triage: &Triage,
        groups: usize,
        group_of: &(impl Fn(usize, &RuleKey, u32) -> u32 + Sync),
    ) -> Share {
        let mut row_of = vec![NONE; groups];
        let mut rows: Vec<Row> = Vec::new();
        let mut members = Vec::with_capacity(order.len());
        for (n, &i) in order.iter().enumerate() {
            if let Some(&ahead) = order.get(n + AHEAD) {
                crate::parallel::prefetch(keys.keys.as_ptr().wrapping_add(ahead));
                crate::parallel::prefetch(triage.facts.as_ptr().wrapping_add(ahead));
                crate::parallel::prefetch(triage.route_of.as_ptr().wrapping_add(ahead));
            }
            // A finding the keys do not know (not one of these findings) is
            // in no group.
            let Some(key) = keys.keys.get(i) else {
                continue;
            };
            let route = triage.route(i);
            let seen = Seen {
                key,
                facts: triage.facts(i),
                route,
                owner: triage.owner(route),
            };
            let g = group_of(i, key, seen.owner);
            let Some(slot) = row_of.get_mut(g as usize) else {
                continue;
            };
            if *slot == NONE {
                *slot = rows.len() as u32;
                rows.push(Row::new(i, g, &seen));
            }
            rows[*slot as usize].add(&seen);
            members.push(Member {
                finding: i as u32,
                row: *slot,
                place: key.place,
                scope: key.scope,
            });
        }
        Share { rows, members }
    }
}
