//! Ordering. The default is the product's promise: most severe first, then the
//! most recently seen.

use std::cmp::Ordering;

use crate::model::Finding;

use super::rank::{each, ranks};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    #[default]
    Severity,
    Source,
    Title,
    Resource,
    Scope,
    Age,
    /// What can actually hurt first; see [`risk_key`].
    Risk,
}

impl SortKey {
    pub const ALL: [SortKey; 7] = [
        SortKey::Severity,
        SortKey::Source,
        SortKey::Title,
        SortKey::Resource,
        SortKey::Scope,
        SortKey::Age,
        SortKey::Risk,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Severity => "severity",
            SortKey::Source => "source",
            SortKey::Title => "title",
            SortKey::Resource => "resource",
            SortKey::Scope => "scope",
            SortKey::Age => "age",
            SortKey::Risk => "risk",
        }
    }

    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }
}

/// Severity descending, then last seen newest first, then fingerprint so the
/// order is total and stable between runs.
pub fn default_order(a: &Finding, b: &Finding) -> Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| b.last_seen.cmp(&a.last_seen))
        .then_with(|| a.fingerprint.cmp(&b.fingerprint))
}

/// Sorts indices into `findings`, as the dashboard keeps them.
pub fn sort_indices(findings: &[Finding], order: &mut [usize], key: SortKey, reverse: bool) {
    // Every key is copied next to its index first, the sort key's own value
    // as a rank among the distinct values: a million comparisons that each
    // reach into two 328-byte findings (and for titles into two strings)
    // spread over memory cost most of a second; these keys sit together.
    let primary = primary_ranks(findings, order, key);
    let cmp = |(pa, ra, a): &Keyed, (pb, rb, b): &Keyed| {
        let o = pa
            .cmp(pb)
            .then_with(|| ra.cmp(rb))
            .then_with(|| findings[*a].fingerprint.cmp(&findings[*b].fingerprint));
        if reverse { o.reverse() } else { o }
    };
    let keyed = |part: &[usize], at: usize| -> Vec<Keyed> {
        part.iter()
            .zip(at..)
            .map(|(&i, pos)| {
                let p = primary.as_ref().map_or(0, |p| p[pos]);
                (p, Rank::of(&findings[i]), i)
            })
            .collect()
    };
    // Runs keyed and sorted on every core, then merged: still a stable sort,
    // as ties are taken from the earlier run first.
    let runs = crate::parallel::in_chunks(
        order,
        crate::parallel::MIN_ITEMS,
        |chunk| {
            let mut run = keyed(chunk.items, chunk.range.start);
            run.sort_by(cmp);
            run
        },
        // Unsorted rather than lost.
        |range| keyed(&order[range.clone()], range.start),
    );
    let sorted = merge_runs(runs, cmp);
    for (slot, (_, _, i)) in order.iter_mut().zip(sorted) {
        *slot = i;
    }
}

/// The sort key's rank, the default order's fields, the index.
type Keyed = (u32, Rank, usize);

/// Per position in `order`, the sort key's value as a rank (None for the
/// default order, which has no key of its own).
pub(super) fn primary_ranks(
    findings: &[Finding],
    order: &[usize],
    key: SortKey,
) -> Option<Vec<u32>> {
    let values = |of: &(dyn Fn(&Finding) -> &str + Sync)| -> Vec<u32> {
        ranks(&each(order, |i| of(&findings[i])))
    };
    Some(match key {
        SortKey::Severity => return None,
        SortKey::Source => ranks(&each(order, |i| findings[i].source)),
        SortKey::Title => values(&|f| f.title.display()),
        SortKey::Resource => values(&|f| f.resource.display()),
        SortKey::Scope => ranks(&each(order, |i| findings[i].scope())),
        // "Sort by age" reads as "oldest on top": earliest first_seen first.
        SortKey::Age => ranks(&each(order, |i| findings[i].first_seen)),
        SortKey::Risk => ranks(&each(order, |i| risk_key(&findings[i]))),
    })
}

/// The risk order, as one value that sorts most urgent first: in CISA's
/// KEV catalogue; then an exploit available; then the higher EPSS score
/// (none below any); then the higher severity; then the longer open (the
/// earliest first seen; unknown last). Ties keep the default order.
pub fn risk_key(f: &Finding) -> (std::cmp::Reverse<u64>, i64) {
    let s = &f.signals;
    // Scores from 0 to 1 order as their bits do; one more keeps 0 above none.
    let epss = s.epss.map_or(0, |p| u64::from(p.to_bits()) + 1);
    let packed = (u64::from(s.kev) << 63)
        | (u64::from(s.exploited()) << 62)
        | (epss << 8)
        | f.severity as u64;
    (
        std::cmp::Reverse(packed),
        f.first_seen.map_or(i64::MAX, |t| t.unix()),
    )
}

/// Sorted runs as one, merged in pairs so that each item is moved about
/// log2(runs) times however many cores there are.
pub(super) fn merge_runs<T>(
    mut runs: Vec<Vec<T>>,
    cmp: impl Fn(&T, &T) -> Ordering + Copy,
) -> Vec<T> {
    while runs.len() > 1 {
        let mut next = Vec::with_capacity(runs.len().div_ceil(2));
        let mut it = runs.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => merge_sorted(a, b, cmp),
                None => a,
            });
        }
        runs = next;
    }
    runs.pop().unwrap_or_default()
}

/// Two sorted runs as one; on ties `a`'s items come first.
fn merge_sorted<T>(a: Vec<T>, b: Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        let next = if cmp(y, x) == Ordering::Less {
            b.next()
        } else {
            a.next()
        };
        out.extend(next);
    }
    out.extend(a);
    out.extend(b);
    out
}

/// [`default_order`] as a value: severity descending, last seen newest
/// first, then the fingerprint's first bytes (equal ones are compared whole).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Rank {
    severity: std::cmp::Reverse<crate::model::Severity>,
    last_seen: std::cmp::Reverse<Option<crate::model::Timestamp>>,
    fingerprint: u64,
}

impl Rank {
    pub(super) fn of(f: &Finding) -> Rank {
        let mut prefix = [0u8; 8];
        let fp = f.fingerprint.as_str().as_bytes();
        let n = fp.len().min(8);
        prefix[..n].copy_from_slice(&fp[..n]);
        Rank {
            severity: std::cmp::Reverse(f.severity),
            last_seen: std::cmp::Reverse(f.last_seen),
            fingerprint: u64::from_be_bytes(prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order by `key`, one pair at a time: what [`sort_indices`] gives,
    /// written plainly (the reference the test holds it to).
    fn compare(key: SortKey, a: &Finding, b: &Finding) -> Ordering {
        compare_primary(key, a, b).then_with(|| default_order(a, b))
    }

    /// The sort key's own comparison, before the default order breaks ties.
    fn compare_primary(key: SortKey, a: &Finding, b: &Finding) -> Ordering {
        match key {
            SortKey::Severity => Ordering::Equal,
            SortKey::Source => a.source.cmp(&b.source),
            SortKey::Title => a.title.display().cmp(b.title.display()),
            SortKey::Resource => a.resource.display().cmp(b.resource.display()),
            SortKey::Scope => a.scope().cmp(&b.scope()),
            // "Sort by age" reads as "oldest on top": earliest first_seen first.
            SortKey::Age => a.first_seen.cmp(&b.first_seen),
            SortKey::Risk => {
                let known = |f: &Finding| (f.signals.kev, f.signals.exploited());
                known(b)
                    .cmp(&known(a))
                    .then_with(|| match (a.signals.epss, b.signals.epss) {
                        (Some(x), Some(y)) => y.total_cmp(&x),
                        (x, y) => y.is_some().cmp(&x.is_some()),
                    })
                    .then_with(|| b.severity.cmp(&a.severity))
                    .then_with(|| match (a.first_seen, b.first_seen) {
                        (Some(x), Some(y)) => x.cmp(&y),
                        (x, y) => x.is_none().cmp(&y.is_none()),
                    })
            }
        }
    }
    use crate::model::{Fingerprint, Severity, Timestamp};

    /// Demo findings with their severities, times and fingerprints shuffled
    /// into many ties, including fingerprints equal in their first 8 bytes
    /// and fingerprints equal whole.
    fn findings() -> Vec<Finding> {
        let demo = crate::demo::load_current().findings;
        let mut out = Vec::new();
        for (i, f) in demo
            .iter()
            .cycle()
            .take(3 * crate::parallel::MIN_ITEMS)
            .enumerate()
        {
            let mut f = f.clone();
            f.severity = Severity::ALL_DESC[i % 3];
            f.last_seen = (i % 4 != 0).then(|| Timestamp::from_unix((i % 5) as i64 * 3600));
            f.fingerprint = Fingerprint::from_stored(&format!("abcdefgh{:03}", (i * 7) % 250));
            f.first_seen = (i % 6 != 0).then(|| Timestamp::from_unix((i % 7) as i64 * 86_400));
            f.signals = crate::model::Signals {
                kev: i % 11 == 0,
                exploit: [None, Some(true), Some(false)][i % 3],
                fix: None,
                epss: (i % 5 != 0).then(|| (i % 4) as f32 / 4.0),
            };
            out.push(f);
        }
        out
    }

    #[test]
    fn keyed_sort_is_the_comparison_sort() {
        let findings = findings();
        for key in SortKey::ALL {
            for reverse in [false, true] {
                let mut fast: Vec<usize> = (0..findings.len()).collect();
                sort_indices(&findings, &mut fast, key, reverse);
                let mut plain: Vec<usize> = (0..findings.len()).collect();
                plain.sort_by(|&a, &b| {
                    let o = compare(key, &findings[a], &findings[b]);
                    if reverse { o.reverse() } else { o }
                });
                assert_eq!(fast, plain, "{key:?} reverse={reverse}");
            }
        }
    }

    /// Machines with more cores give more runs; merging them must still be
    /// a stable sort whatever their number.
    #[test]
    fn merged_runs_are_a_stable_sort() {
        let items: Vec<(u8, usize)> = (0..500).map(|i| (((i * 37) % 11) as u8, i)).collect();
        let by_key = |a: &(u8, usize), b: &(u8, usize)| a.0.cmp(&b.0);
        let mut expected = items.clone();
        expected.sort_by(by_key);
        for runs in [1, 2, 3, 5, 8] {
            let split: Vec<Vec<(u8, usize)>> = items
                .chunks(items.len().div_ceil(runs))
                .map(|c| {
                    let mut c = c.to_vec();
                    c.sort_by(by_key);
                    c
                })
                .collect();
            assert_eq!(merge_runs(split, by_key), expected, "{runs} runs");
        }
        assert!(merge_runs(Vec::<Vec<u8>>::new(), u8::cmp).is_empty());
    }
}
