//! What the table shows: filter, sort, grouping, selection and scroll position.
//! Plain data over indices into the findings, tested without a terminal.

use crate::model::{Finding, Severity};
use crate::query::{Facts, Filter, Group, SortKey, group_by_owner, group_by_rule, sort_indices};
use crate::routing::RouteTable;

/// One table row: a finding, or a rule with every finding it covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Finding(usize),
    Group(Group),
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
}

impl View {
    /// Recomputes the rows, keeping the selection on the same finding or group
    /// when it is still shown.
    pub fn recompute(&mut self, findings: &[Finding], facts: &[Facts], routes: &RouteTable) {
        let keep = self.rows.get(self.selected).cloned();
        let mut shown: Vec<usize> = (0..findings.len())
            .filter(|&i| {
                let fx = facts.get(i).copied().unwrap_or_default();
                self.filter.matches(&findings[i], &fx)
            })
            .collect();
        sort_indices(findings, &mut shown, self.sort, self.reverse);
        self.shown = shown;
        self.rows = if self.grouped && self.by_owner {
            group_by_owner(findings, &self.shown, |i| routes.owner(i).to_string())
                .into_iter()
                .map(Row::Group)
                .collect()
        } else if self.grouped {
            group_by_rule(findings, &self.shown)
                .into_iter()
                .map(Row::Group)
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
    pub fn severity_counts(&self, findings: &[Finding]) -> [(Severity, usize); 6] {
        let mut counts = Severity::ALL_DESC.map(|s| (s, 0));
        for &i in &self.shown {
            if let Some(f) = findings.get(i)
                && let Some(c) = counts.iter_mut().find(|(s, _)| *s == f.severity)
            {
                c.1 += 1;
            }
        }
        counts
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
        crate::demo::load_current().findings
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
