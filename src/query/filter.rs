//! Which findings are shown.

use crate::model::{Finding, Severity, Source};
use crate::triage::Status;

use super::facts::Facts;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Closed findings (archived, resolved, suppressed, passed) are hidden unless set.
    pub include_closed: bool,
    /// Show this severity and above.
    pub min_severity: Option<Severity>,
    /// Empty means every source.
    pub sources: Vec<Source>,
    /// Case-insensitive substring over title, resource, rule, account, namespace.
    pub text: String,
    /// Triage statuses shown; empty means every status.
    pub statuses: Vec<Status>,
    /// Route ids (see `RouteTable::ids_of_owners`) shown; `None` means every owner.
    pub routes: Option<Vec<u32>>,
    /// Only findings new since the last snapshot.
    pub new_only: bool,
}

impl Filter {
    pub fn matches(&self, f: &Finding, facts: &Facts) -> bool {
        self.matches_needle(f, facts, &self.needle())
    }

    /// The text filter as matched: trimmed, lowercase. Hot loops compute it
    /// once and call [`Filter::matches_needle`].
    pub fn needle(&self) -> String {
        self.text.trim().to_lowercase()
    }

    pub fn matches_needle(&self, f: &Finding, facts: &Facts, needle: &str) -> bool {
        (!self.new_only || facts.new)
            && (self.statuses.is_empty() || self.statuses.contains(&facts.status))
            && self
                .routes
                .as_ref()
                .is_none_or(|r| r.contains(&facts.route))
            && (self.include_closed || f.open)
            && self.min_severity.is_none_or(|min| f.severity >= min)
            && (self.sources.is_empty() || self.sources.contains(&f.source))
            && matches_text(f, needle)
    }
}

fn matches_text(f: &Finding, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    [
        &f.title,
        &f.resource,
        &f.rule_id,
        &f.account,
        &f.namespace,
        &f.cluster,
    ]
    .iter()
    .any(|t| contains_ci(t.display(), needle))
}

impl Filter {
    /// The matching findings with their facts; `facts` is parallel to
    /// `findings` (a missing entry counts as untriaged).
    pub fn apply<'a>(
        &self,
        findings: &'a [Finding],
        facts: &'a [Facts],
    ) -> Vec<(&'a Finding, Facts)> {
        let needle = self.needle();
        findings
            .iter()
            .enumerate()
            .map(|(i, f)| (f, facts.get(i).copied().unwrap_or_default()))
            .filter(|(f, facts)| self.matches_needle(f, facts, &needle))
            .collect()
    }
}

/// `needle` must already be lowercase. Avoids allocating for ASCII haystacks,
/// which is nearly all of them.
pub fn contains_ci(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        if n.len() > h.len() {
            return false;
        }
        // Jump between occurrences of the first letter (either case) with
        // memchr's vector search; compare only there.
        let (lo, up) = (n[0].to_ascii_lowercase(), n[0].to_ascii_uppercase());
        return memchr::memchr2_iter(lo, up, &h[..=h.len() - n.len()])
            .any(|at| h[at..at + n.len()].eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_contains() {
        assert!(contains_ci("Kubernetes ConfigMap", "configmap"));
        assert!(contains_ci("ÄBC", "äb"));
        assert!(!contains_ci("abc", "abcd"));
    }
}
