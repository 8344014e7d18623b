//! Every sort order of one list of findings, each worked out once and kept.
//!
//! The default order (severity, last seen, fingerprint) is sorted once;
//! every other order is then "the key's rank, then the place in the default
//! order", one integer per finding, so sorting by another key sorts
//! integers instead of comparing findings. The orders are exactly those of
//! [`sort_indices`](super::sort_indices), ties included (a test holds them to it).

use crate::model::Finding;

use super::SortKey;
use super::sort::{Rank, merge_runs, primary_ranks, sort_indices};

/// What every other order is sorted by after its key: shared with a
/// background job that prepares orders (see [`Basis::sorted`]).
#[derive(Debug, Clone, Default)]
pub struct Basis {
    /// Per finding, its place in the default order.
    forward: std::sync::Arc<[u32]>,
    /// The default order itself.
    default: std::sync::Arc<[u32]>,
    /// Per finding, its place in the default order reversed, with findings
    /// that tie on every key kept in their own order (as a stable sort does):
    /// worked out when a reversed order is first sorted, not at start-up.
    backward: std::sync::Arc<std::sync::OnceLock<Box<[u32]>>>,
}

/// The orders of one list of findings, kept as they are asked for.
#[derive(Debug, Clone, Default)]
pub struct Orders {
    len: usize,
    basis: Basis,
    kept: Vec<((SortKey, bool), Vec<u32>)>,
}

impl Orders {
    /// Sorts `findings` in the default order (the one always needed).
    pub fn new(findings: &[Finding]) -> Orders {
        let n = findings.len();
        let mut default: Vec<usize> = (0..n).collect();
        sort_indices(findings, &mut default, SortKey::Severity, false);
        let mut forward = vec![0u32; n];
        for (pos, &i) in default.iter().enumerate() {
            forward[i] = pos as u32;
        }
        let default = to_u32(&default);
        Orders {
            len: n,
            basis: Basis {
                forward: forward.into(),
                default: default.clone().into(),
                backward: Default::default(),
            },
            kept: vec![((SortKey::Severity, false), default)],
        }
    }

    /// Whether these orders were worked out for `findings`.
    pub fn fits(&self, findings: &[Finding]) -> bool {
        self.len == findings.len()
    }

    /// The findings in the order of `key` (reversed if asked), worked out
    /// now if it was not before.
    pub fn get(&mut self, findings: &[Finding], key: SortKey, reverse: bool) -> &[u32] {
        let at = match self.kept.iter().position(|(k, _)| *k == (key, reverse)) {
            Some(at) => at,
            None => {
                let order = self.basis.sorted(findings, key, reverse);
                self.kept.push(((key, reverse), order));
                self.kept.len() - 1
            }
        };
        &self.kept[at].1
    }

    /// The order of `key`, if worked out before.
    pub fn kept(&self, key: SortKey, reverse: bool) -> Option<&[u32]> {
        self.kept
            .iter()
            .find(|(k, _)| *k == (key, reverse))
            .map(|(_, o)| o.as_slice())
    }

    /// Every order but the default one dropped, as when the findings
    /// have just arrived (for measuring the first press of a sort key).
    pub fn forget_prepared(&mut self) {
        self.kept.truncate(1);
    }

    /// Whether the order of `key` is at hand.
    pub fn has(&self, key: SortKey, reverse: bool) -> bool {
        self.kept.iter().any(|(k, _)| *k == (key, reverse))
    }

    /// Works out one order not asked for yet (every key, both ways), so that
    /// pressing the sort key later finds it ready; `false` once all are.
    pub fn prepare_one(&mut self, findings: &[Finding]) -> bool {
        match self.missing().first().copied() {
            Some((k, r)) => {
                self.get(findings, k, r);
                true
            }
            None => false,
        }
    }

    /// What sorting by another key needs, to share with a background job.
    pub fn basis(&self) -> Basis {
        self.basis.clone()
    }

    /// Keeps an order worked out elsewhere from this [`Orders::basis`]
    /// (ignored if it does not fit).
    pub fn keep(&mut self, key: SortKey, reverse: bool, order: Vec<u32>) {
        if order.len() == self.len && !self.has(key, reverse) {
            self.kept.push(((key, reverse), order));
        }
    }

    /// The orders not worked out yet (every key, both ways).
    pub fn missing(&self) -> Vec<(SortKey, bool)> {
        SortKey::ALL
            .iter()
            .flat_map(|&k| [(k, false), (k, true)])
            .filter(|&(k, r)| !self.has(k, r))
            .collect()
    }
}

impl Basis {
    /// The findings in the order of `key` (reversed if asked): the key's
    /// rank, then the place in the default order.
    pub fn sorted(&self, findings: &[Finding], key: SortKey, reverse: bool) -> Vec<u32> {
        let len = findings.len();
        if self.forward.len() != len {
            // Not this list's basis: sorted the plain way.
            let mut order: Vec<usize> = (0..len).collect();
            sort_indices(findings, &mut order, key, reverse);
            return to_u32(&order);
        }
        let all: Vec<usize> = (0..len).collect();
        let primary = primary_ranks(findings, &all, key);
        let tie: &[u32] = if reverse {
            self.backward
                .get_or_init(|| backward(findings, &self.default))
        } else {
            &self.forward
        };
        // One unique integer per finding: the key's rank (turned round when
        // reversed), then its place among findings of equal rank.
        let keyed = |i: usize| -> u64 {
            let p = primary.as_ref().map_or(0, |p| p[i]);
            let p = if reverse { u32::MAX - p } else { p };
            (u64::from(p) << 32) | u64::from(tie[i])
        };
        let runs = crate::parallel::in_chunks(
            &all,
            crate::parallel::MIN_ITEMS,
            |c| {
                let mut run: Vec<u64> = c.items.iter().map(|&i| keyed(i)).collect();
                run.sort_unstable();
                run
            },
            |range| {
                let mut run: Vec<u64> = all[range].iter().map(|&i| keyed(i)).collect();
                run.sort_unstable();
                run
            },
        );
        // The place says which finding it is: `tie` is a permutation.
        let mut finding_at = vec![0u32; len];
        for (i, &t) in tie.iter().enumerate() {
            finding_at[t as usize] = i as u32;
        }
        merge_runs(runs, u64::cmp)
            .into_iter()
            .map(|k| finding_at[(k & u64::from(u32::MAX)) as usize])
            .collect()
    }
}

/// Per finding, its place in the default order reversed: runs of findings
/// equal on every key of the default order are reversed as runs, the
/// findings inside one keep their order.
fn backward(findings: &[Finding], default: &[u32]) -> Box<[u32]> {
    let same = |a: u32, b: u32| {
        let (fa, fb) = (&findings[a as usize], &findings[b as usize]);
        Rank::of(fa) == Rank::of(fb) && fa.fingerprint == fb.fingerprint
    };
    let mut backward = vec![0u32; default.len()];
    let mut pos = 0u32;
    let mut end = default.len();
    while end > 0 {
        let mut start = end - 1;
        while start > 0 && same(default[start - 1], default[end - 1]) {
            start -= 1;
        }
        for &i in &default[start..end] {
            backward[i as usize] = pos;
            pos += 1;
        }
        end = start;
    }
    backward.into()
}

fn to_u32(order: &[usize]) -> Vec<u32> {
    order.iter().map(|&i| i as u32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Fingerprint, Severity, Timestamp};

    /// Many ties: severities, times and fingerprints repeat, some
    /// fingerprints equal whole, titles and resources repeat.
    fn findings() -> Vec<Finding> {
        let demo = crate::demo::load_current().findings;
        demo.iter()
            .cycle()
            .take(3 * crate::parallel::MIN_ITEMS + 5)
            .enumerate()
            .map(|(i, f)| {
                let mut f = f.clone();
                f.severity = Severity::ALL_DESC[i % 3];
                f.last_seen = (i % 4 != 0).then(|| Timestamp::from_unix((i % 5) as i64 * 3600));
                f.fingerprint = Fingerprint::from_stored(&format!("abcdefgh{:03}", (i * 7) % 250));
                f
            })
            .collect()
    }

    #[test]
    fn every_kept_order_is_the_sort_of_sort_indices() {
        let findings = findings();
        let mut orders = Orders::new(&findings);
        let mut prepared = orders.clone();
        while prepared.prepare_one(&findings) {}
        for key in SortKey::ALL {
            for reverse in [false, true] {
                let mut want: Vec<usize> = (0..findings.len()).collect();
                sort_indices(&findings, &mut want, key, reverse);
                let want = to_u32(&want);
                assert_eq!(
                    orders.get(&findings, key, reverse),
                    want,
                    "{key:?} {reverse}"
                );
                assert!(prepared.has(key, reverse));
                assert_eq!(prepared.get(&findings, key, reverse), want);
            }
        }
        assert!(orders.fits(&findings) && !orders.fits(&findings[1..]));
        assert!(Orders::new(&[]).get(&[], SortKey::Title, true).is_empty());
    }
}
