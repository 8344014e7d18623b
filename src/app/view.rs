//! What the table shows: filter, sort, grouping, selection and scroll position.
//! Plain data over indices into the findings, tested without a terminal.

use posture_core::model::{Finding, Severity};
use posture_core::query::filter::{Brief, Needle};
use posture_core::query::group::{RuleKeys, group_by_rule_with};
use posture_core::query::{Facts, Filter, Group, SortKey, group_by_owner, sort_indices};
use posture_core::routing::RouteTable;

/// Below this many candidates one thread filters faster than two.
const PARALLEL_FILTER_MIN: usize = 50_000;
/// Filter results kept for backspace (a few prefixes of what is typed).
const RECENT_FILTERS: usize = 8;

/// A filter's result: the findings that passed, in order, and how many of
/// each severity (counted as they are tested, while each is in cache).
#[derive(Debug, Clone, Default)]
struct Shown {
    indices: Vec<usize>,
    /// Per rank in [`Severity::ALL_DESC`].
    counts: [usize; 6],
}

impl Shown {
    fn push(&mut self, i: usize, severity: Severity) {
        self.indices.push(i);
        self.counts[rank(severity)] += 1;
    }

    /// `indices` as they are, counted.
    fn of(indices: &[usize], findings: &[Finding]) -> Shown {
        let mut out = Shown::default();
        for &i in indices {
            out.push(i, findings[i].severity);
        }
        out
    }

    fn join(parts: Vec<Shown>) -> Shown {
        let mut counts = [0; 6];
        for p in &parts {
            add_counts(&mut counts, &p.counts);
        }
        let indices =
            posture_core::parallel::concat(parts.into_iter().map(|p| p.indices).collect());
        Shown { indices, counts }
    }
}

fn add_counts(into: &mut [usize; 6], more: &[usize; 6]) {
    for (a, b) in into.iter_mut().zip(more) {
        *a += b;
    }
}

/// Where `s` sits in [`Severity::ALL_DESC`].
fn rank(s: Severity) -> usize {
    Severity::ALL_DESC
        .iter()
        .position(|&d| d == s)
        .unwrap_or(Severity::ALL_DESC.len() - 1)
}

/// One table row: a finding, or a rule with every finding it covers. The
/// group is boxed: a row is 16 bytes, and a million finding rows are made
/// at every keystroke.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Finding(usize),
    Group(Box<Group>),
}

#[derive(Debug, Clone, Default)]
pub struct View {
    pub filter: Filter,
    pub sort: SortKey,
    pub reverse: bool,
    pub grouped: bool,
    /// With `grouped`: by owner instead of by rule.
    pub by_owner: bool,
    pub rows: Vec<Row>,
    /// Findings behind the rows (all members when grouped), for the header counts.
    pub shown: Vec<usize>,
    pub selected: usize,
    pub offset: usize,
    /// Shown findings per severity, most severe first (drawn every frame, so
    /// counted once per change, not per frame).
    pub counts: [(Severity, usize); 6],
    /// Every finding in the current sort order: a keystroke filters it
    /// instead of sorting again.
    order: Vec<usize>,
    order_for: Option<(SortKey, bool, usize)>,
    /// The filter `shown` was computed with: a narrower one filters `shown`.
    last_filter: Option<Filter>,
    /// Recent filters and what they showed: backspace returns to one of them.
    recent: Vec<(Filter, Shown)>,
    /// Per finding, what the filter and the counts read besides the text.
    briefs: Vec<Brief>,
    briefs_stale: bool,
    /// What grouping by rule reads, worked out when first grouped.
    rule_keys: Option<RuleKeys>,
}

impl View {
    /// Recomputes the rows, keeping the selection on the same finding or group
    /// when it is still shown.
    /// The findings changed (not just their facts): sort them again.
    pub fn invalidate(&mut self) {
        self.order_for = None;
        self.briefs_stale = true;
        self.rule_keys = None;
        self.facts_changed();
    }

    /// Triage facts changed: earlier results may be stale.
    pub fn facts_changed(&mut self) {
        self.last_filter = None;
        self.recent.clear();
    }

    /// Whether `new` keeps a subset of what `old` kept: the same filter with
    /// a text that contains the old one (typing one more character).
    fn narrows(old: &Filter, new: &Filter) -> bool {
        let (a, b) = (
            old.text.trim().to_lowercase(),
            new.text.trim().to_lowercase(),
        );
        // The same text is not a keystroke: facts may have changed, filter all.
        b != a
            && b.contains(&a)
            && Filter {
                text: String::new(),
                ..old.clone()
            } == Filter {
                text: String::new(),
                ..new.clone()
            }
    }

    /// Whether finding `i` passes, and its severity (for the counts) if so.
    fn passes(
        &self,
        i: usize,
        findings: &[Finding],
        facts: &[Facts],
        needle: &Needle,
    ) -> Option<Severity> {
        let fx = facts.get(i).copied().unwrap_or_default();
        let f = &findings[i];
        let pass = |b: &Brief| {
            self.filter
                .matches_brief(f, b, &fx, needle)
                .then_some(b.severity)
        };
        match self.briefs.get(i) {
            Some(b) => pass(b),
            None => pass(&Brief::of(f)),
        }
    }

    /// The candidates (a narrower filter's earlier result) that pass.
    fn filtered(&self, candidates: &[usize], findings: &[Finding], facts: &[Facts]) -> Shown {
        let needle = Needle::new(&self.filter);
        Shown::join(posture_core::parallel::in_chunks(
            candidates,
            PARALLEL_FILTER_MIN,
            |c| {
                let mut out = Shown::default();
                for &i in c.items {
                    if let Some(s) = self.passes(i, findings, facts, &needle) {
                        out.push(i, s);
                    }
                }
                out
            },
            // A failed chunk hides nothing rather than losing findings.
            |range| Shown::of(&candidates[range], findings),
        ))
    }

    /// Every finding that passes, in the sorted order. Each is tested in the
    /// findings' own order, reading the briefs, facts and findings front to
    /// back; the sorted order then keeps those that passed. Testing them in
    /// sorted order jumped about memory for each one.
    fn filtered_all(&self, findings: &[Finding], facts: &[Facts]) -> Shown {
        let needle = Needle::new(&self.filter);
        let parts = posture_core::parallel::in_chunks(
            findings,
            PARALLEL_FILTER_MIN,
            |c| {
                let mut counts = [0; 6];
                let pass: Vec<bool> = c
                    .range
                    .map(|i| {
                        let s = self.passes(i, findings, facts, &needle);
                        if let Some(s) = s {
                            counts[rank(s)] += 1;
                        }
                        s.is_some()
                    })
                    .collect();
                (pass, counts)
            },
            |range| {
                let mut counts = [0; 6];
                for f in &findings[range.clone()] {
                    counts[rank(f.severity)] += 1;
                }
                (vec![true; range.len()], counts)
            },
        );
        let mut counts = [0; 6];
        for (_, c) in &parts {
            add_counts(&mut counts, c);
        }
        let pass = posture_core::parallel::concat(parts.into_iter().map(|(p, _)| p).collect());
        let indices = posture_core::parallel::concat(posture_core::parallel::in_chunks(
            &self.order,
            PARALLEL_FILTER_MIN,
            |c| {
                c.items
                    .iter()
                    .copied()
                    .filter(|&i| pass.get(i).copied().unwrap_or(true))
                    .collect()
            },
            |range| self.order[range].to_vec(),
        ));
        Shown { indices, counts }
    }

    pub fn recompute(&mut self, findings: &[Finding], facts: &[Facts], routes: &RouteTable) {
        let keep = self.rows.get(self.selected).cloned();
        let key = (self.sort, self.reverse, findings.len());
        if self.order_for != Some(key) {
            let mut order: Vec<usize> = (0..findings.len()).collect();
            sort_indices(findings, &mut order, self.sort, self.reverse);
            self.order = order;
            self.order_for = Some(key);

            self.facts_changed();
        }
        if self.briefs_stale || self.briefs.len() != findings.len() {
            self.briefs = posture_core::parallel::concat(posture_core::parallel::in_chunks(
                findings,
                posture_core::parallel::MIN_ITEMS,
                |c| c.items.iter().map(Brief::of).collect::<Vec<_>>(),
                |range| findings[range].iter().map(Brief::without_mask).collect(),
            ));
            self.briefs_stale = false;
        }
        let recent = self.recent.iter().position(|(f, _)| *f == self.filter);
        let Shown { indices, counts } = match (&self.last_filter, recent) {
            (_, Some(i)) => self.recent[i].1.clone(),
            (Some(old), None) if Self::narrows(old, &self.filter) => {
                self.filtered(&self.shown, findings, facts)
            }
            _ => self.filtered_all(findings, facts),
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
        self.rows = if self.grouped && self.by_owner {
            group_by_owner(findings, &self.shown, |i| routes.owner(i))
                .into_iter()
                .map(|g| Row::Group(Box::new(g)))
                .collect()
        } else if self.grouped {
            let keys = match self.rule_keys.take() {
                Some(k) if k.fits(findings) => k,
                _ => RuleKeys::of(findings),
            };
            let groups = group_by_rule_with(findings, &self.shown, &keys);
            self.rule_keys = Some(keys);
            groups
                .into_iter()
                .map(|g| Row::Group(Box::new(g)))
                .collect()
        } else {
            self.shown.iter().map(|&i| Row::Finding(i)).collect()
        };
        self.selected = keep
            .and_then(|k| self.rows.iter().position(|r| same_row(r, &k)))
            .unwrap_or(0)
            .min(self.rows.len().saturating_sub(1));
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

fn same_row(a: &Row, b: &Row) -> bool {
    match (a, b) {
        (Row::Finding(x), Row::Finding(y)) => x == y,
        (Row::Group(x), Row::Group(y)) => x.rule_id == y.rule_id,
        _ => false,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Vec<Finding> {
        posture_core::demo::load_current().findings
    }

    #[test]
    fn default_view_is_open_findings_critical_first() {
        let f = demo();
        let mut v = View::default();
        v.recompute(&f, &[], &RouteTable::default());
        assert_eq!(v.rows.len(), f.iter().filter(|x| x.open).count());
        let Some(Row::Finding(i)) = v.rows.first() else {
            panic!()
        };
        assert_eq!(f[*i].severity, Severity::Critical);
    }

    #[test]
    fn filter_narrows_and_keeps_the_selection() {
        let f = demo();
        let mut v = View::default();
        v.recompute(&f, &[], &RouteTable::default());
        v.move_by(3);
        let Some(Row::Finding(sel)) = v.selected_row().cloned() else {
            panic!()
        };
        v.filter.text = f[sel].rule_id.display().to_string();
        v.recompute(&f, &[], &RouteTable::default());
        assert!(v.rows.len() < f.len());
        assert_eq!(v.selected_row(), Some(&Row::Finding(sel)));
    }

    #[test]
    fn typing_narrows_from_the_last_result_and_agrees_with_a_fresh_filter() {
        typing_agrees_with_a_plain_scan(&demo());
    }

    /// Enough findings for every core to filter its share.
    #[test]
    fn filtering_on_every_core_agrees_with_a_plain_scan() {
        let f: Vec<Finding> = demo()
            .into_iter()
            .cycle()
            .take(2 * PARALLEL_FILTER_MIN + 7)
            .collect();
        typing_agrees_with_a_plain_scan(&f);
    }

    fn typing_agrees_with_a_plain_scan(f: &[Finding]) {
        let routes = RouteTable::default();
        let mut typed = View::default();
        for text in ["p", "pr", "pri", "priv", "pri", "", "c", "cv", "cve-2023"] {
            typed.filter.text = text.to_string();
            typed.recompute(f, &[], &routes);
            let mut fresh = View::default();
            fresh.filter.text = text.to_string();
            fresh.recompute(f, &[], &routes);
            assert_eq!(typed.shown, fresh.shown, "after typing {text:?}");
            // And both agree with a plain scan (no masks, no earlier results).
            let mut naive: Vec<usize> = (0..f.len())
                .filter(|&i| typed.filter.matches(&f[i], &Facts::default()))
                .collect();
            let mut got = typed.shown.clone();
            naive.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, naive, "{text:?}");
            assert_eq!(typed.counts, fresh.counts);
            let counted: usize = typed.counts.iter().map(|(_, n)| n).sum();
            assert_eq!(counted, naive.len(), "{text:?}");
            for (severity, n) in typed.counts {
                let scanned = naive.iter().filter(|&&i| f[i].severity == severity).count();
                assert_eq!(n, scanned, "{text:?} {severity:?}");
            }
        }
        assert!(!typed.shown.is_empty());
        assert!(posture_core::query::filter::contains_ci(
            "Privileged",
            "PRIV"
        ));
        assert!(!posture_core::query::filter::contains_ci("ab", "abc"));
        // The character masks never rule out what the scan would find.
        for (hay, needle) in [
            ("Kelvin \u{212a}", "k"),
            ("İstanbul", "i"),
            ("a-b_c/d", "_c/"),
            ("ÄBC", "äb"),
        ] {
            let m = posture_core::query::filter::letter_mask(hay);
            let n = posture_core::query::filter::letter_mask(needle);
            assert!(
                posture_core::query::filter::contains_ci(hay, needle),
                "{hay} {needle}"
            );
            assert_eq!(n & !m, 0, "{hay:?} / {needle:?}");
        }
        assert!(posture_core::query::filter::contains_ci("xxaB", "ab"));
    }

    #[test]
    fn grouping_gives_one_row_per_rule_with_every_member() {
        let f = demo();
        let mut v = View {
            grouped: true,
            ..View::default()
        };
        v.recompute(&f, &[], &RouteTable::default());
        let members: usize = v
            .rows
            .iter()
            .map(|r| match r {
                Row::Group(g) => g.members.len(),
                Row::Finding(_) => 1,
            })
            .sum();
        assert_eq!(members, v.shown.len());
        assert!(v.rows.len() < v.shown.len());
        for r in &v.rows {
            let Row::Group(g) = r else { panic!() };
            let worst = g.members.iter().map(|&i| f[i].severity).max().unwrap();
            assert_eq!(g.severity, worst);
        }
    }

    /// The rule keys kept between keystrokes give the groups a fresh view
    /// gives, and are worked out again when the findings change.
    #[test]
    fn grouped_typing_agrees_with_a_fresh_grouped_view() {
        let mut f = demo();
        let routes = RouteTable::default();
        let grouped = || View {
            grouped: true,
            ..View::default()
        };
        let mut typed = grouped();
        for text in ["", "c", "cv", "c", "priv"] {
            typed.filter.text = text.to_string();
            typed.recompute(&f, &[], &routes);
            let mut fresh = grouped();
            fresh.filter.text = text.to_string();
            fresh.recompute(&f, &[], &routes);
            assert_eq!(typed.rows, fresh.rows, "{text:?}");
            assert!(!typed.rows.is_empty(), "{text:?}");
        }
        f.truncate(f.len() / 2);
        typed.invalidate();
        typed.recompute(&f, &[], &routes);
        let mut fresh = grouped();
        fresh.filter.text = "priv".to_string();
        fresh.recompute(&f, &[], &routes);
        assert_eq!(typed.rows, fresh.rows);
        assert!(!typed.rows.is_empty());
    }

    #[test]
    fn scrolling_window_follows_the_selection() {
        let f = demo();
        let mut v = View::default();
        v.recompute(&f, &[], &RouteTable::default());
        v.move_by(50);
        v.ensure_visible(10);
        assert_eq!(v.offset, 41);
        assert_eq!(v.visible(10).len(), 10);
        v.move_by(-1000);
        v.ensure_visible(10);
        assert_eq!((v.selected, v.offset), (0, 0));
    }
}
