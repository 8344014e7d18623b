//! What the table shows: filter, sort, grouping, selection and scroll position.
//! Plain data over indices into the findings, tested without a terminal.

mod shown;
#[cfg(test)]
mod tests;

use posture_core::model::{Finding, Severity};
use posture_core::query::filter::{Brief, Needle};
use posture_core::query::group::RuleKeys;
use posture_core::query::grouping::{self, GroupBy, Grouping};
use posture_core::query::{Facts, Filter, Group, Orders, SortKey, TextIndex};
use posture_core::routing::RouteTable;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use posture_core::query::prepare::{Job, Piece};
use shown::{Pass, Shown};

/// Filter results kept for backspace (a few prefixes of what is typed).
const RECENT_FILTERS: usize = 8;

/// One table row: a finding, or a rule with every finding it covers. The
/// group is boxed: a row is 16 bytes, and a million finding rows are made
/// at every keystroke.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Finding(usize),
    Group(Box<Group>),
}

/// What the view works out once per list of findings and keeps while only
/// the filter, sort or grouping change. The briefs and the default order
/// are made when the findings arrive; the rest is prepared by a background
/// job after the first frame ([`View::preparation_job`]), or, without one,
/// when first needed.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// How many findings this was prepared for.
    len: usize,
    /// Per finding, what the filter and the counts read besides the text.
    briefs: Vec<Brief>,
    /// The searched text, lowercased side by side.
    text: Option<TextIndex>,
    /// Every sort order asked for or prepared.
    orders: Orders,
    /// What grouping reads (shared with grouping jobs).
    rule_keys: Option<Arc<RuleKeys>>,
    /// Which list of findings this was prepared for (pieces prepared in the
    /// background for another are dropped).
    generation: u64,
}

impl Prepared {
    fn new(findings: &[Finding], generation: u64) -> Prepared {
        Prepared {
            generation,
            len: findings.len(),
            briefs: posture_core::parallel::concat(posture_core::parallel::in_chunks(
                findings,
                posture_core::parallel::MIN_ITEMS,
                |c| c.items.iter().map(Brief::of).collect::<Vec<_>>(),
                |range| findings[range].iter().map(Brief::without_mask).collect(),
            )),
            text: None,
            orders: Orders::new(findings),
            rule_keys: None,
        }
    }

    fn fits(&self, findings: &[Finding]) -> bool {
        self.len == findings.len() && self.briefs.len() == self.len && self.orders.fits(findings)
    }

    fn rule_keys(&mut self, findings: &[Finding]) -> &Arc<RuleKeys> {
        if !self.rule_keys.as_ref().is_some_and(|k| k.fits(findings)) {
            self.rule_keys = Some(Arc::new(RuleKeys::of(findings)));
        }
        self.rule_keys.get_or_insert_default()
    }
}

#[derive(Debug, Clone, Default)]
pub struct View {
    pub filter: Filter,
    /// Why the typed query does not parse (the rows stay as they were).
    pub query_error: Option<posture_core::query::QueryError>,
    pub sort: SortKey,
    pub reverse: bool,
    pub grouped: bool,
    /// With `grouped`: by rule, owner or layer.
    pub group_by: GroupBy,
    pub rows: Vec<Row>,
    /// Findings behind the rows (all members when grouped), for the header counts.
    pub shown: Vec<usize>,
    pub selected: usize,
    pub offset: usize,
    /// Shown findings per severity, most severe first (drawn every frame, so
    /// counted once per change, not per frame).
    pub counts: [(Severity, usize); 6],
    prepared: Prepared,
    /// The order `shown` is in: another order filters again.
    shown_order: Option<(SortKey, bool)>,
    /// The filter `shown` was computed with: a narrower one filters `shown`.
    last_filter: Option<Filter>,
    /// Recent filters and what they showed: backspace returns to one of them.
    recent: Vec<(Filter, Shown)>,
    /// How many lists of findings the view was prepared for so far.
    generations: u64,
    /// The background job preparing the current list, once started: set to
    /// cancel it.
    job: Option<(u64, Arc<AtomicBool>)>,
    /// Work too long for a keystroke goes to background jobs (the
    /// dashboard); unset, the view works everything out at once (tests,
    /// benchmarks, one-off use).
    pub background: bool,
    /// A sort order asked for and not ready yet: the rows stay in the order
    /// shown until a background job delivers it.
    pub waiting: Option<(SortKey, bool)>,
    /// Orders asked of background jobs of their own, for this generation,
    /// with the flags that cancel them.
    asked: Vec<((SortKey, bool), Arc<AtomicBool>)>,
    /// Grouping asked for before its keys were ready: the rows stay one per
    /// finding until a background job delivers the keys.
    pub waiting_groups: bool,
    /// The job asked for the grouping keys, if any (its cancel flag).
    asked_keys: Option<Arc<AtomicBool>>,
    /// A grouping of the shown findings too long for a keystroke, being
    /// worked out in the background: the rows shown meanwhile are the last
    /// groups (or the shown findings), marked "grouping…".
    pending_groups: Option<PendingGroups>,
    /// How many groupings were asked of background jobs so far.
    group_requests: u64,
    /// Above this many shown findings a grouping goes to a background job
    /// (`None`: [`GROUP_INLINE_MAX`]).
    pub group_inline_max: Option<usize>,
}

/// Groupings of up to this many findings take less than a frame's budget
/// (a few milliseconds at 50k) and are worked out in the keystroke.
pub const GROUP_INLINE_MAX: usize = 50_000;

/// A grouping asked of a background job.
#[derive(Debug, Clone)]
struct PendingGroups {
    request: u64,
    cancel: Arc<AtomicBool>,
    /// Whether its job has been handed out.
    started: bool,
}

impl View {
    /// The findings changed (not just their facts): everything prepared
    /// for them is made again.
    pub fn invalidate(&mut self) {
        self.cancel_preparation();
        self.prepared = Prepared::default();
        self.facts_changed();
    }

    /// Triage facts changed: earlier results may be stale.
    pub fn facts_changed(&mut self) {
        self.last_filter = None;
        self.recent.clear();
    }

    /// Prepares one more thing a later key may need (the search text, the
    /// grouping keys, one sort order) here and now, as the background job
    /// would (benchmarks, tests); `false` once everything is ready.
    pub fn prepare_one(&mut self, findings: &[Finding]) -> bool {
        let p = &mut self.prepared;
        if !p.fits(findings) {
            return false;
        }
        if p.text.is_none() {
            p.text = Some(TextIndex::build(findings));
            return true;
        }
        if p.rule_keys.is_none() {
            p.rule_keys(findings);
            return true;
        }
        p.orders.prepare_one(findings)
    }

    /// The job that prepares in the background what this list of findings
    /// still lacks, once per list (`None` when started already or nothing
    /// is missing).
    pub fn preparation_job(&mut self, findings: &Arc<Vec<Finding>>) -> Option<Job> {
        let p = &self.prepared;
        if !p.fits(findings) || self.job.as_ref().is_some_and(|(g, _)| *g == p.generation) {
            return None;
        }
        let orders = p.orders.missing();
        if p.text.is_some() && p.rule_keys.is_some() && orders.is_empty() {
            return None;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.job = Some((p.generation, cancel.clone()));
        Some(Job {
            findings: findings.clone(),
            generation: p.generation,
            text: p.text.is_none(),
            rule_keys: p.rule_keys.is_none(),
            orders,
            basis: p.orders.basis(),
            cancel,
        })
    }

    /// A job for the sort order the view waits for, once per order.
    pub fn order_job(&mut self, findings: &Arc<Vec<Finding>>) -> Option<Job> {
        let wanted = self.waiting?;
        let p = &self.prepared;
        if !p.fits(findings) || self.asked.iter().any(|(o, _)| *o == wanted) {
            return None;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.asked.push((wanted, cancel.clone()));
        Some(Job {
            findings: findings.clone(),
            generation: p.generation,
            text: false,
            rule_keys: false,
            orders: vec![wanted],
            basis: p.orders.basis(),
            cancel,
        })
    }

    /// A job for the grouping keys the view waits for, once.
    pub fn keys_job(&mut self, findings: &Arc<Vec<Finding>>) -> Option<Job> {
        let p = &self.prepared;
        if !self.waiting_groups || self.asked_keys.is_some() || !p.fits(findings) {
            return None;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.asked_keys = Some(cancel.clone());
        Some(Job {
            findings: findings.clone(),
            generation: p.generation,
            text: false,
            rule_keys: true,
            orders: Vec::new(),
            basis: p.orders.basis(),
            cancel,
        })
    }

    /// Keeps a piece prepared in the background, if it is for these
    /// findings; `true` when it is what the view waits for (an order, the
    /// grouping keys: then recompute).
    pub fn accept(&mut self, generation: u64, piece: Piece, findings: &[Finding]) -> bool {
        let p = &mut self.prepared;
        if generation != p.generation || !p.fits(findings) {
            return false;
        }
        let awaited = match &piece {
            Piece::Order { key, reverse, .. } => self.waiting == Some((*key, *reverse)),
            Piece::RuleKeys(_) => self.waiting_groups,
            Piece::Text(_) => false,
        };
        match piece {
            Piece::Text(t) if t.fits(findings) => p.text = Some(t),
            Piece::RuleKeys(k) if k.fits(findings) && p.rule_keys.is_none() => {
                p.rule_keys = Some(Arc::new(k))
            }
            Piece::Order {
                key,
                reverse,
                order,
            } => p.orders.keep(key, reverse, order),
            _ => {}
        }
        awaited
    }

    /// Stops the background job (the findings are about to change).
    pub fn cancel_preparation(&mut self) {
        if let Some((_, cancel)) = self.job.take() {
            cancel.store(true, Ordering::Relaxed);
        }
        for (_, cancel) in self.asked.drain(..) {
            cancel.store(true, Ordering::Relaxed);
        }
        if let Some(cancel) = self.asked_keys.take() {
            cancel.store(true, Ordering::Relaxed);
        }
        self.cancel_grouping();
    }

    /// Drops the grouping being worked out in the background, if any.
    fn cancel_grouping(&mut self) {
        if let Some(p) = self.pending_groups.take() {
            p.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Whether the rows are the last grouping while a new one is worked
    /// out: a group row's members may not be what the filter shows now, so
    /// nothing acts on them until it arrives.
    pub fn groups_pending(&self) -> bool {
        self.pending_groups.is_some()
    }

    /// The job for the grouping the view waits for, once.
    pub fn grouping_job(
        &mut self,
        findings: &Arc<Vec<Finding>>,
        facts: &Arc<Vec<Facts>>,
        routes: &Arc<RouteTable>,
    ) -> Option<Grouping> {
        let pending = self.pending_groups.as_mut().filter(|p| !p.started)?;
        let keys = self.prepared.rule_keys.clone()?;
        pending.started = true;
        Some(Grouping {
            findings: findings.clone(),
            keys,
            shown: Arc::new(self.shown.clone()),
            by: self.group_by,
            facts: facts.clone(),
            routes: routes.clone(),
            generation: self.prepared.generation,
            request: pending.request,
            cancel: pending.cancel.clone(),
        })
    }

    /// Shows the groups a background job worked out, if they answer the
    /// grouping the view waits for; `true` when they do.
    #[allow(
        clippy::vec_box,
        reason = "rows hold groups boxed; sorting moves pointers"
    )]
    pub fn accept_groups(
        &mut self,
        generation: u64,
        request: u64,
        groups: Vec<Box<Group>>,
    ) -> bool {
        let answers = self
            .pending_groups
            .as_ref()
            .is_some_and(|p| p.request == request && generation == self.prepared.generation);
        if !answers {
            return false;
        }
        self.pending_groups = None;
        let keep = self.rows.get(self.selected).map(RowKey::of);
        self.rows = groups.into_iter().map(Row::Group).collect();
        self.selected = keep
            .and_then(|k| self.rows.iter().position(|r| k.is(r)))
            .unwrap_or(0)
            .min(self.rows.len().saturating_sub(1));
        true
    }

    /// Everything prepared while waiting dropped, as when the findings have
    /// just arrived: what the first press of a key meets (benchmarks).
    pub fn forget_prepared(&mut self) {
        let p = &mut self.prepared;
        p.text = None;
        p.rule_keys = None;
        p.orders.forget_prepared();
        if self.shown_order != Some((SortKey::Severity, false)) {
            self.shown_order = None;
        }
        self.facts_changed();
    }

    /// Reads the typed text as a query for these routes, today and the SLA;
    /// `false` (and the error kept) when it does not parse.
    pub fn bind_query(
        &mut self,
        routes: &RouteTable,
        sla: &posture_core::routing::spec::SlaSpec,
        today: time::Date,
    ) -> bool {
        let text = self.filter.text.trim();
        if text.is_empty() {
            self.filter.query = None;
            self.query_error = None;
            return true;
        }
        match posture_core::query::Query::parse(text) {
            Ok(q) => {
                self.filter.query = Some(q.bind(routes, sla, today));
                self.query_error = None;
                true
            }
            Err(e) => {
                self.query_error = Some(e);
                false
            }
        }
    }

    /// Whether `new` keeps a subset of what `old` kept: the same filter with
    /// a text that contains the old one (typing one more character).
    fn narrows(old: &Filter, new: &Filter) -> bool {
        let (a, b) = (
            old.text.trim().to_lowercase(),
            new.text.trim().to_lowercase(),
        );
        // The same text is not a keystroke: facts may have changed, filter all.
        // Only words: each word typed further holds in fewer findings.
        let words = |f: &Filter| f.query.as_ref().is_none_or(|q| q.only_words());
        b != a
            && b.contains(&a)
            && words(old)
            && words(new)
            && Filter {
                text: String::new(),
                query: None,
                ..old.clone()
            } == Filter {
                text: String::new(),
                query: None,
                ..new.clone()
            }
    }

    /// Recomputes the rows, keeping the selection on the same finding or group
    /// when it is still shown.
    pub fn recompute(&mut self, findings: &[Finding], facts: &[Facts], routes: &RouteTable) {
        let keep = self.rows.get(self.selected).map(RowKey::of);
        if !self.prepared.fits(findings) {
            self.cancel_preparation();
            self.generations += 1;
            self.prepared = Prepared::new(findings, self.generations);
            self.shown_order = None;
        }
        let wanted = (self.sort, self.reverse);
        let ready = self.prepared.orders.has(wanted.0, wanted.1);
        // An order that is not ready is not worked out here, in a keystroke:
        // the rows stay in the order shown, a job brings the new one.
        let order = match self.shown_order {
            Some(shown) if !ready && self.background => shown,
            _ => wanted,
        };
        self.waiting = (order != wanted).then_some(wanted);
        if self.shown_order != Some(order) {
            self.prepared.orders.get(findings, order.0, order.1);
            self.shown_order = Some(order);
            self.facts_changed();
        }
        let recent = self.recent.iter().position(|(f, _)| *f == self.filter);
        let Shown { indices, counts } = match recent {
            Some(i) => self.recent[i].1.clone(),
            None => self.filtered(findings, facts),
        };
        self.last_filter = Some(self.filter.clone());
        if recent.is_none() {
            if self.recent.len() >= RECENT_FILTERS {
                self.recent.remove(0);
            }
            self.recent.push((
                self.filter.clone(),
                Shown {
                    indices: indices.clone(),
                    counts,
                },
            ));
        }
        self.shown = indices;
        self.counts = std::array::from_fn(|r| (Severity::ALL_DESC[r], counts[r]));
        self.rows = self.rows_of_shown(findings, facts, routes);
        self.selected = keep
            .and_then(|k| self.rows.iter().position(|r| k.is(r)))
            .unwrap_or(0)
            .min(self.rows.len().saturating_sub(1));
    }

    /// What passes the filter: the last result filtered further when the
    /// filter narrowed it and it is small, else every finding.
    fn filtered(&mut self, findings: &[Finding], facts: &[Facts]) -> Shown {
        let needle = Needle::new(&self.filter);
        let (sort, reverse) = self.shown_order.unwrap_or((self.sort, self.reverse));
        let narrowed = self
            .last_filter
            .as_ref()
            .is_some_and(|old| Self::narrows(old, &self.filter));
        self.prepared.orders.get(findings, sort, reverse);
        let order = self.prepared.orders.kept(sort, reverse).unwrap_or_default();
        let pass = Pass {
            filter: &self.filter,
            needle: &needle,
            findings,
            facts,
            prepared: &self.prepared,
        };
        if narrowed && pass.few(self.shown.len()) {
            pass.candidates(&self.shown)
        } else {
            pass.all(order)
        }
    }

    fn rows_of_shown(
        &mut self,
        findings: &[Finding],
        facts: &[Facts],
        routes: &RouteTable,
    ) -> Vec<Row> {
        let keys_ready = self
            .prepared
            .rule_keys
            .as_ref()
            .is_some_and(|k| k.fits(findings));
        // Whatever grouping was being worked out is for other rows.
        self.cancel_grouping();
        // Grouping keys are not worked out in a keystroke: a job brings them.
        self.waiting_groups = self.grouped && !keys_ready && self.background;
        if !self.grouped || self.waiting_groups {
            return self.shown.iter().map(|&i| Row::Finding(i)).collect();
        }
        let inline_max = self.group_inline_max.unwrap_or(GROUP_INLINE_MAX);
        if self.background && self.shown.len() > inline_max {
            self.group_requests += 1;
            self.pending_groups = Some(PendingGroups {
                request: self.group_requests,
                cancel: Arc::new(AtomicBool::new(false)),
                started: false,
            });
            // The last groups stay on screen until the new ones arrive.
            if matches!(self.rows.first(), Some(Row::Group(_))) {
                return std::mem::take(&mut self.rows);
            }
            return self.shown.iter().map(|&i| Row::Finding(i)).collect();
        }
        let keys = self.prepared.rule_keys(findings).clone();
        grouping::group(findings, &self.shown, &keys, facts, routes, self.group_by)
            .into_iter()
            .map(Row::Group)
            .collect()
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }

    /// Moves the selection by `delta` rows, clamped.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.rows.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn select(&mut self, index: usize) {
        self.selected = index.min(self.rows.len().saturating_sub(1));
    }

    /// Scrolls so the selection is inside a window of `height` rows.
    pub fn ensure_visible(&mut self, height: usize) {
        let mut w = self.clone_window();
        w.ensure_visible(height);
        self.offset = w.offset;
    }

    /// The rows in the window: only these are rendered.
    pub fn visible(&self, height: usize) -> &[Row] {
        self.clone_window().visible(height)
    }

    /// The scroll position without the rows, for drawing a window without
    /// cloning every row.
    pub fn clone_window(&self) -> Window<'_> {
        Window {
            rows: &self.rows,
            selected: self.selected,
            offset: self.offset,
        }
    }

    /// Counts of the shown findings per severity, most severe first.
    pub fn severity_counts(&self) -> [(Severity, usize); 6] {
        self.counts
    }
}

fn is_owners(g: &Group) -> bool {
    matches!(g.label, posture_core::query::group::Label::Named { .. })
}

/// Which row the selection is on, without copying a group's members.
enum RowKey {
    Finding(usize),
    /// A group's key and whether it is an owner's.
    Group(u32, bool),
}

impl RowKey {
    fn of(row: &Row) -> RowKey {
        match row {
            Row::Finding(i) => RowKey::Finding(*i),
            Row::Group(g) => RowKey::Group(g.key, is_owners(g)),
        }
    }

    fn is(&self, row: &Row) -> bool {
        match (self, row) {
            (RowKey::Finding(x), Row::Finding(y)) => x == y,
            (RowKey::Group(key, owners), Row::Group(g)) => *key == g.key && *owners == is_owners(g),
            _ => false,
        }
    }
}

/// A borrowed view of the rows with its own scroll position: drawing adjusts
/// it to the real height without mutating the state.
pub struct Window<'a> {
    rows: &'a [Row],
    selected: usize,
    pub offset: usize,
}

impl<'a> Window<'a> {
    pub fn ensure_visible(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(height));
    }

    pub fn visible(&self, height: usize) -> &'a [Row] {
        let start = self.offset.min(self.rows.len());
        let end = (start + height).min(self.rows.len());
        &self.rows[start..end]
    }
}
