//! Which findings pass the filter, in the sorted order, and how many of each
//! severity: the work of a keystroke. Every path reads the per-finding data
//! the view prepared once ([`Prepared`]), never a finding it need not read.

use posture_core::model::{Finding, Severity};
use posture_core::query::filter::{Brief, Needle, matches_text};
use posture_core::query::lang::Test;
use posture_core::query::text_index::{Finder, searchable};
use posture_core::query::{Facts, Filter, TextIndex};

use super::Prepared;

/// Below this many candidates one thread filters faster than two.
pub(super) const PARALLEL_FILTER_MIN: usize = 50_000;

/// A filter's result: the findings that passed, in order, and how many of
/// each severity (counted as they are tested, while each is in cache).
#[derive(Debug, Clone, Default)]
pub(super) struct Shown {
    pub indices: Vec<usize>,
    /// Per rank in [`Severity::ALL_DESC`].
    pub counts: [usize; 6],
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
pub(super) fn rank(s: Severity) -> usize {
    Severity::ALL_DESC
        .iter()
        .position(|&d| d == s)
        .unwrap_or(Severity::ALL_DESC.len() - 1)
}

/// How the text of one finding is tested against the needle.
enum TextTest<'a> {
    /// No text to search, or one letter the character mask decides.
    MaskOnly,
    /// Every finding searched at once: one flag per finding.
    Flags(Vec<bool>),
    /// One finding at a time, in the prepared text.
    Index(&'a TextIndex, Box<Finder<'a>>),
    /// One finding at a time, in its fields (the text is not prepared yet).
    Fields,
}

/// Where one term of a query is in the prepared text (or, for a field
/// term, whether the field matches), per finding.
enum Hits {
    Words(Vec<bool>),
    /// `None`: the leftmost match ran across two fields; test the finding.
    Regex(Vec<Option<bool>>),
}

/// One filter over one list of findings, with what was prepared for it.
pub(super) struct Pass<'a> {
    pub filter: &'a Filter,
    pub needle: &'a Needle,
    pub findings: &'a [Finding],
    pub facts: &'a [Facts],
    pub prepared: &'a Prepared,
}

impl Pass<'_> {
    fn text_test(&self, all: bool) -> TextTest<'_> {
        let n = &self.needle;
        if n.text.is_empty() || n.exact {
            return TextTest::MaskOnly;
        }
        match &self.prepared.text {
            Some(index) if searchable(&n.text) && index.fits(self.findings) => {
                if all {
                    TextTest::Flags(index.matching(&n.text))
                } else {
                    TextTest::Index(index, Box::new(Finder::new(n.text.as_bytes())))
                }
            }
            _ => TextTest::Fields,
        }
    }

    /// Finding `i`'s severity if it passes.
    #[inline]
    fn passes(&self, i: usize, text: &TextTest<'_>, hits: &[Option<Hits>]) -> Option<Severity> {
        let f = &self.findings[i];
        let fx = self.facts.get(i).copied().unwrap_or_default();
        let own;
        let brief = match self.prepared.briefs.get(i) {
            Some(b) => b,
            None => {
                own = Brief::of(f);
                &own
            }
        };
        if !self.filter.matches_facts(brief, &fx) {
            return None;
        }
        let text_matches = self.needle.mask & !brief.mask == 0
            && match text {
                TextTest::MaskOnly => true,
                TextTest::Flags(flags) => flags.get(i).copied().unwrap_or(true),
                TextTest::Index(index, finder) => index
                    .contains(i, finder)
                    .unwrap_or_else(|| matches_text(f, &self.needle.text)),
                TextTest::Fields => matches_text(f, &self.needle.text),
            };
        // A query's word may be held by the owner or source instead, and
        // the query has the last word.
        // Holding the needle (in the fields, or by owner or source), a
        // query of that one word needs no other test.
        let passes = (text_matches || self.filter.needle_outside_text(f, &fx))
            && match &self.filter.query {
                None => true,
                Some(q) if q.just_one_word() => true,
                Some(q) => {
                    // The needle is the required word: it holds here.
                    let required = q.required_word().map(|(n, _)| n);
                    q.matches_with(f, &fx, |n| match hits.get(n) {
                        _ if Some(n) == required => Some(true),
                        Some(Some(Hits::Words(flags))) => flags.get(i).copied(),
                        Some(Some(Hits::Regex(flags))) => flags.get(i).copied().flatten(),
                        _ => None,
                    })
                }
            };
        passes.then_some(brief.severity)
    }

    /// For a query of more than one word: where each of its words and
    /// regexes is in the prepared text, every finding at once (one pass over
    /// the text per term, on every core), instead of each finding's fields
    /// one by one.
    fn term_hits(&self) -> Vec<Option<Hits>> {
        let (Some(q), Some(index)) = (&self.filter.query, &self.prepared.text) else {
            return Vec::new();
        };
        if q.just_one_word() || !index.fits(self.findings) {
            return Vec::new();
        }
        // The required word is the needle, searched already.
        let required = q.required_word().map(|(n, _)| n);
        q.terms()
            .map(|(n, t)| match &t.test {
                _ if Some(n) == required => None,
                Test::Words(w) if searchable(w) => Some(Hits::Words(index.matching(w))),
                Test::Regex(_) => q
                    .byte_regex(n)
                    .map(|re| Hits::Regex(index.matching_regex(re))),
                // Worth it for every finding only when no word narrows the
                // findings tested first.
                Test::Text(..) if required.is_none() => {
                    q.field_hits(n, self.findings).map(Hits::Words)
                }
                _ => None,
            })
            .collect()
    }

    /// The candidates (a narrower filter's earlier result) that pass, each
    /// tested on its own.
    pub fn candidates(&self, candidates: &[usize]) -> Shown {
        let text = self.text_test(false);
        Shown::join(posture_core::parallel::in_chunks(
            candidates,
            PARALLEL_FILTER_MIN,
            |c| {
                let mut out = Shown::default();
                for &i in c.items {
                    if let Some(s) = self.passes(i, &text, &[]) {
                        out.push(i, s);
                    }
                }
                out
            },
            // A failed chunk hides nothing rather than losing findings.
            |range| Shown::of(&candidates[range], self.findings),
        ))
    }

    /// Every finding that passes, in `order`. The text is searched for all
    /// findings at once; then each is tested in the findings' own order,
    /// reading the briefs and facts front to back; the sorted order then
    /// keeps those that passed.
    pub fn all(&self, order: &[u32]) -> Shown {
        let text = self.text_test(true);
        let hits = self.term_hits();
        let findings = self.findings;
        let parts = posture_core::parallel::in_chunks(
            findings,
            PARALLEL_FILTER_MIN,
            |c| {
                let mut counts = [0; 6];
                let pass: Vec<bool> = c
                    .range
                    .map(|i| {
                        let s = self.passes(i, &text, &hits);
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
            order,
            PARALLEL_FILTER_MIN,
            |c| {
                c.items
                    .iter()
                    .map(|&i| i as usize)
                    .filter(|&i| pass.get(i).copied().unwrap_or(true))
                    .collect()
            },
            |range| order[range].iter().map(|&i| i as usize).collect(),
        ));
        Shown { indices, counts }
    }

    /// Whether testing `candidates` one by one beats searching everything:
    /// the text of a few findings is best read where it lies; that of most
    /// findings, in one pass over all of it.
    pub fn few(&self, candidates: usize) -> bool {
        let searches_text = !self.needle.text.is_empty() && !self.needle.exact;
        !searches_text || candidates <= self.findings.len() / 8
    }
}
