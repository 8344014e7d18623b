//! Ordering. The default is the product's promise: most severe first, then the
//! most recently seen.

use std::cmp::Ordering;

use crate::model::Finding;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Severity,
    Source,
    Title,
    Resource,
    Scope,
    Age,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Severity,
        SortKey::Source,
        SortKey::Title,
        SortKey::Resource,
        SortKey::Scope,
        SortKey::Age,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Severity => "severity",
            SortKey::Source => "source",
            SortKey::Title => "title",
            SortKey::Resource => "resource",
            SortKey::Scope => "scope",
            SortKey::Age => "age",
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

pub fn compare(key: SortKey, a: &Finding, b: &Finding) -> Ordering {
    let primary = match key {
        SortKey::Severity => Ordering::Equal,
        SortKey::Source => a.source.cmp(&b.source),
        SortKey::Title => a.title.display().cmp(b.title.display()),
        SortKey::Resource => a.resource.display().cmp(b.resource.display()),
        SortKey::Scope => a.scope().cmp(&b.scope()),
        // "Sort by age" reads as "oldest on top": earliest first_seen first.
        SortKey::Age => a.first_seen.cmp(&b.first_seen),
    };
    primary.then_with(|| default_order(a, b))
}

pub fn sort_findings(v: &mut [&Finding], key: SortKey, reverse: bool) {
    v.sort_by(|a, b| {
        let o = compare(key, a, b);
        if reverse { o.reverse() } else { o }
    });
}

/// Sorts indices into `findings`, as the dashboard keeps them.
pub fn sort_indices(findings: &[Finding], order: &mut [usize], key: SortKey, reverse: bool) {
    order.sort_by(|&a, &b| {
        let o = compare(key, &findings[a], &findings[b]);
        if reverse { o.reverse() } else { o }
    });
}
