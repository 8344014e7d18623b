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
    /// 4C layers shown; empty means every layer.
    pub layers: Vec<crate::model::Layer>,
    /// Case-insensitive substring over title, resource, rule, account, namespace.
    pub text: String,
    /// Triage statuses shown; empty means every status.
    pub statuses: Vec<Status>,
    /// Route ids (see `RouteTable::ids_of_owners`) shown; `None` means every owner.
    pub routes: Option<Vec<u32>>,
    /// Only findings new since the last snapshot.
    pub new_only: bool,
    /// Only findings this query (`--query`, the `/` line) passes.
    pub query: Option<super::lang::Bound>,
}

impl Filter {
    pub fn matches(&self, f: &Finding, facts: &Facts) -> bool {
        self.matches_needle(f, facts, &self.needle())
    }

    /// The text filter as matched: trimmed, lowercase. Hot loops compute it
    /// once and call [`Filter::matches_needle`].
    pub fn needle(&self) -> String {
        match &self.query {
            // The query decides; its longest required word, if any, finds
            // the candidates in the text first.
            Some(q) => q
                .required_word()
                .map(|(_, w)| w.to_string())
                .unwrap_or_default(),
            None => self.text.trim().to_lowercase(),
        }
    }

    /// Whether `f` (which lacks the needle in its searched fields) still
    /// holds the query's required word by its owner or source.
    #[inline]
    pub fn needle_outside_text(&self, f: &Finding, facts: &Facts) -> bool {
        self.query
            .as_ref()
            .is_some_and(|q| q.required_outside_text(f, facts))
    }

    pub fn matches_needle(&self, f: &Finding, facts: &Facts, needle: &str) -> bool {
        self.matches_except_text(f, facts)
            && (matches_text(f, needle) || self.needle_outside_text(f, facts))
            && self.matches_query_with_needle(f, facts)
    }

    /// Whether the query, if any, passes `f`, a finding known to hold the needle
    /// (in its searched fields, or by its owner or source): a query of that
    /// one word passes it as is.
    #[inline]
    pub fn matches_query_with_needle(&self, f: &Finding, facts: &Facts) -> bool {
        self.query
            .as_ref()
            .is_none_or(|q| q.just_one_word() || q.matches(f, facts))
    }

    fn matches_except_text(&self, f: &Finding, facts: &Facts) -> bool {
        self.matches_facts(&Brief::without_mask(f), facts)
    }

    /// Everything but the text: triage facts, status, owner, open, floor
    /// and source.
    #[inline]
    pub fn matches_facts(&self, brief: &Brief, facts: &Facts) -> bool {
        (!self.new_only || facts.new)
            && (self.statuses.is_empty() || self.statuses.contains(&facts.status))
            && self
                .routes
                .as_ref()
                .is_none_or(|r| r.contains(&facts.route))
            && (self.include_closed || brief.open)
            && self.min_severity.is_none_or(|min| brief.severity >= min)
            && (self.sources.is_empty() || self.sources.contains(&brief.source))
            && (self.layers.is_empty() || self.layers.contains(&brief.layer))
    }
}

/// What the filter reads of a finding besides its text, kept in a list
/// beside the findings. Testing a million findings in sort order reads 16
/// bytes each from one array instead of a line of each 328-byte finding
/// scattered over a third of a gigabyte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Brief {
    /// The characters of the searched fields ([`finding_mask`]).
    pub mask: u64,
    pub severity: Severity,
    pub source: Source,
    pub layer: crate::model::Layer,
    pub open: bool,
}

impl Brief {
    #[inline]
    pub fn of(f: &Finding) -> Brief {
        Brief {
            mask: finding_mask(f),
            ..Brief::without_mask(f)
        }
    }

    /// A mask that rules nothing out: filtering stays right, only slower.
    #[inline]
    pub fn without_mask(f: &Finding) -> Brief {
        Brief {
            mask: u64::MAX,
            severity: f.severity,
            source: f.source,
            layer: f.layer,
            open: f.open,
        }
    }
}

/// The text filter, lowered once, with the characters it needs.
#[derive(Debug, Clone)]
pub struct Needle {
    pub text: String,
    pub mask: u64,
    /// One letter or digit: the mask alone decides.
    pub exact: bool,
}

impl Needle {
    pub fn new(filter: &Filter) -> Needle {
        let text = filter.needle();
        let mut chars = text.chars();
        let exact =
            matches!((chars.next(), chars.next()), (Some(c), None) if c.is_ascii_alphanumeric());
        Needle {
            mask: letter_mask(&text),
            text,
            exact,
        }
    }
}

/// One bit per letter and digit (case-insensitive), the rest of ASCII folded
/// into 27 bits, everything else one bit. A superset test, so never wrong.
const fn ascii_bit(b: u8) -> u64 {
    match b.to_ascii_lowercase() {
        c @ b'a'..=b'z' => 1 << (c - b'a'),
        c @ b'0'..=b'9' => 1 << (26 + c - b'0'),
        c => 1 << (36 + c % 27),
    }
}

/// [`ascii_bit`] of every ASCII byte, looked up rather than computed: masks
/// are made for every searched field of every finding at load.
const ASCII_BITS: [u64; 128] = {
    let mut t = [0; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = ascii_bit(b as u8);
        b += 1;
    }
    t
};

fn char_bit(c: char) -> u64 {
    let ascii = |c: char| ASCII_BITS[c as usize];
    if c.is_ascii() {
        return ascii(c);
    }
    // Matching lowercases non-ASCII text (the Kelvin sign is a `k`): the
    // mask holds what the lowercase holds, so it never rules out a match.
    c.to_lowercase()
        .fold(1 << 63, |m, l| if l.is_ascii() { m | ascii(l) } else { m })
}

pub fn letter_mask(s: &str) -> u64 {
    if s.is_ascii() {
        s.bytes()
            .fold(0, |m, b| m | ASCII_BITS[usize::from(b & 0x7f)])
    } else {
        s.chars().fold(0, |m, c| m | char_bit(c))
    }
}

/// The characters of the fields the text filter searches.
pub fn finding_mask(f: &Finding) -> u64 {
    searched(f)
        .iter()
        .fold(0, |m, t| m | letter_mask(t.display()))
}

/// The fields the text filter searches.
pub(crate) fn searched(f: &Finding) -> [&crate::model::SafeText; 6] {
    [
        &f.title,
        &f.resource,
        &f.rule_id,
        &f.account,
        &f.namespace,
        &f.cluster,
    ]
}

/// Whether a searched field of `f` holds `needle` (already lowercase).
#[inline]
pub fn matches_text(f: &Finding, needle: &str) -> bool {
    needle.is_empty() || searched(f).iter().any(|t| contains_ci(t.display(), needle))
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
#[inline]
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
