//! What the dashboard works out once per list of findings beyond what the
//! first frame needs: the search text, the grouping keys and every sort
//! order. A [`Job`] works them out on a thread of its own, one [`Piece`] at a
//! time, so that no key waits for them; the dashboard keeps each piece that
//! still fits its findings.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::Finding;

use super::group::RuleKeys;
use super::orders::Basis;
use super::{SortKey, TextIndex};

/// One thing prepared.
pub enum Piece {
    Text(TextIndex),
    RuleKeys(RuleKeys),
    Order {
        key: SortKey,
        reverse: bool,
        order: Vec<u32>,
    },
}

impl std::fmt::Debug for Piece {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Piece::Text(t) => write!(f, "Text({} bytes)", t.bytes()),
            Piece::RuleKeys(_) => f.write_str("RuleKeys"),
            Piece::Order { key, reverse, .. } => write!(f, "Order({key:?}, reverse={reverse})"),
        }
    }
}

/// What is left to prepare for one list of findings.
pub struct Job {
    /// Shared with the session: the job reads them while the dashboard runs.
    pub findings: Arc<Vec<Finding>>,
    /// Which list of findings this is for: pieces of an older one are dropped.
    pub generation: u64,
    pub text: bool,
    pub rule_keys: bool,
    pub orders: Vec<(SortKey, bool)>,
    pub basis: Basis,
    /// Set when the findings are about to change: the job stops after the
    /// piece it is working on and lets go of them.
    pub cancel: Arc<AtomicBool>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("generation", &self.generation)
            .field("findings", &self.findings.len())
            .field("text", &self.text)
            .field("rule_keys", &self.rule_keys)
            .field("orders", &self.orders)
            .finish()
    }
}

impl PartialEq for Job {
    fn eq(&self, other: &Job) -> bool {
        self.generation == other.generation
    }
}

impl Job {
    /// Works out each piece in turn, the most wanted first (the search text,
    /// then grouping, then the orders), and hands it to `deliver`; stops when
    /// `deliver` says so (`false`) or the job is cancelled.
    pub fn run(self, mut deliver: impl FnMut(Piece) -> bool) {
        let findings = self.findings.as_slice();
        let cancelled = || self.cancel.load(Ordering::Relaxed);
        if self.text && (cancelled() || !deliver(Piece::Text(TextIndex::build(findings)))) {
            return;
        }
        if self.rule_keys && (cancelled() || !deliver(Piece::RuleKeys(RuleKeys::of(findings)))) {
            return;
        }
        for &(key, reverse) in &self.orders {
            if cancelled() {
                return;
            }
            let order = self.basis.sorted(findings, key, reverse);
            if !deliver(Piece::Order {
                key,
                reverse,
                order,
            }) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Orders;

    #[test]
    fn a_job_delivers_every_piece_and_stops_when_cancelled() {
        let findings = Arc::new(crate::demo::load_current().findings);
        let orders = Orders::new(&findings);
        let job = |cancel: bool| Job {
            findings: findings.clone(),
            generation: 1,
            text: true,
            rule_keys: true,
            orders: orders.missing(),
            basis: orders.basis(),
            cancel: Arc::new(AtomicBool::new(cancel)),
        };
        let mut pieces = Vec::new();
        job(false).run(|p| {
            pieces.push(p);
            true
        });
        // The text, the rule keys, and every order but the default one.
        assert_eq!(pieces.len(), 2 + 2 * SortKey::ALL.len() - 1, "{pieces:?}");
        let mut kept = orders.clone();
        for p in pieces {
            if let Piece::Order {
                key,
                reverse,
                order,
            } = p
            {
                kept.keep(key, reverse, order);
            }
        }
        assert!(kept.missing().is_empty());
        let mut none = 0;
        job(true).run(|_| {
            none += 1;
            true
        });
        assert_eq!(none, 0);
        let mut one = 0;
        job(false).run(|_| {
            one += 1;
            false
        });
        assert_eq!(one, 1);
    }
}
