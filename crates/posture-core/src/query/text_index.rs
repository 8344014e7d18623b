//! The text the filter searches, lowercased once into a few large buffers.
//!
//! Searching a million findings field by field reads six strings scattered
//! over a gigabyte for each of them; here the searched fields of all findings
//! lie lowercased side by side (about 100–200 MB at 1M), so a search is one
//! `memchr::memmem` pass over contiguous memory on every core, and a finding
//! is tested by one slice lookup. Fields are separated by a NUL byte, which
//! terminal-safe text never holds, so a match never spans two fields.

/// The searcher of one needle, made once per keystroke.
pub use memchr::memmem::Finder;

use crate::model::Finding;

/// Between two fields (and after the last): never in [`SafeText`] display text.
///
/// [`SafeText`]: crate::model::SafeText
const SEPARATOR: u8 = 0;

/// One buffer's worth of findings: `first..first + ends.len()`.
#[derive(Debug, Clone, Default)]
struct Part {
    first: usize,
    text: Vec<u8>,
    /// Where each finding's text ends in `text` (its start is the previous end).
    ends: Vec<u32>,
}

impl Part {
    fn text_of(&self, k: usize) -> &[u8] {
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.text[start..self.ends[k] as usize]
    }

    /// Which of this part's findings contain `finder`'s needle.
    fn matching(&self, finder: &Finder<'_>) -> Vec<bool> {
        let mut out = vec![false; self.ends.len()];
        let mut at = 0usize;
        let mut k = 0usize;
        while k < self.ends.len() {
            let Some(hit) = finder.find(&self.text[at..]) else {
                break;
            };
            let pos = (at + hit) as u32;
            // The finding holding the hit: usually this one or the next
            // (common needles), else found by bisection (rare ones).
            if self.ends[k] <= pos {
                k += 1;
                if k < self.ends.len() && self.ends[k] <= pos {
                    k += self.ends[k..].partition_point(|&e| e <= pos);
                }
            }
            let Some(found) = out.get_mut(k) else { break };
            *found = true;
            at = self.ends[k] as usize;
            k += 1;
        }
        out
    }
}

impl Part {
    /// Which of this part's findings a regex matches: `Some(true)` for a
    /// match inside one field, `Some(false)` for none, `None` where the
    /// leftmost match ran across two fields (the caller tests that finding
    /// field by field).
    fn matching_regex(&self, re: &regex::bytes::Regex) -> Vec<Option<bool>> {
        let mut out = vec![Some(false); self.ends.len()];
        let mut at = 0usize;
        let mut k = 0usize;
        while k < self.ends.len() && at <= self.text.len() {
            let Some(m) = re.find_at(&self.text, at) else {
                break;
            };
            let pos = m.start() as u32;
            while k < self.ends.len() && self.ends[k] <= pos {
                k += 1;
            }
            let Some(found) = out.get_mut(k) else { break };
            let one_field = !m.as_bytes().contains(&SEPARATOR);
            *found = if one_field { Some(true) } else { None };
            at = self.ends[k] as usize;
            k += 1;
        }
        out
    }
}

/// The searched text of every finding, in the findings' order.
#[derive(Debug, Clone, Default)]
pub struct TextIndex {
    parts: Vec<Part>,
    len: usize,
}

/// Findings per part: small enough that each core gets several parts to
/// search, large enough that a part's end offsets fit in `u32` in practice
/// (a part that would pass 4 GiB is cut early).
const PART_FINDINGS: usize = 64 * 1024;

impl TextIndex {
    /// Lowercases the searched fields of `findings`, on every core.
    pub fn build(findings: &[Finding]) -> TextIndex {
        let chunks: Vec<&[Finding]> = findings.chunks(PART_FINDINGS).collect();
        let starts: Vec<usize> = (0..chunks.len()).map(|c| c * PART_FINDINGS).collect();
        let built = crate::parallel::in_chunks(
            &starts,
            1,
            |c| {
                c.items
                    .iter()
                    .zip(&chunks[c.range.clone()])
                    .flat_map(|(&first, part)| build_parts(first, part))
                    .collect::<Vec<Part>>()
            },
            // A failed build leaves those findings unsearchable by the index;
            // `contains` then answers from the findings themselves.
            |_| Vec::new(),
        );
        TextIndex {
            parts: built.into_iter().flatten().collect(),
            len: findings.len(),
        }
    }

    /// Whether this index was built for `findings` (the same count: the
    /// dashboard builds it again whenever its findings change).
    pub fn fits(&self, findings: &[Finding]) -> bool {
        self.len == findings.len()
            && self.parts.iter().map(|p| p.ends.len()).sum::<usize>() == self.len
    }

    /// Which findings hold `needle` (lowercase, not empty, no NUL) in a
    /// searched field: one flag per finding, searched on every core.
    pub fn matching(&self, needle: &str) -> Vec<bool> {
        let finder = Finder::new(needle.as_bytes());
        let finder = &finder;
        let parts = crate::parallel::in_chunks(
            &self.parts,
            1,
            |c| {
                c.items
                    .iter()
                    .map(|p| p.matching(finder))
                    .collect::<Vec<_>>()
            },
            |range| {
                self.parts[range]
                    .iter()
                    .map(|p| vec![true; p.ends.len()])
                    .collect()
            },
        );
        let mut out = Vec::with_capacity(self.len);
        for flags in parts.into_iter().flatten() {
            out.extend(flags);
        }
        out
    }

    /// As [`TextIndex::matching`] for a regular expression (matched in
    /// the lowercased text): one answer per finding, `None` for the few
    /// whose leftmost match ran across two fields.
    pub fn matching_regex(&self, re: &regex::bytes::Regex) -> Vec<Option<bool>> {
        let parts = crate::parallel::in_chunks(
            &self.parts,
            1,
            |c| {
                c.items
                    .iter()
                    .map(|p| p.matching_regex(re))
                    .collect::<Vec<_>>()
            },
            |range| {
                self.parts[range]
                    .iter()
                    .map(|p| vec![None; p.ends.len()])
                    .collect()
            },
        );
        let mut out = Vec::with_capacity(self.len);
        for flags in parts.into_iter().flatten() {
            out.extend(flags);
        }
        out
    }

    /// Whether finding `i`'s searched text holds the needle of `finder`
    /// (`None` when `i` is not in the index).
    pub fn contains(&self, i: usize, finder: &Finder<'_>) -> Option<bool> {
        let p = self
            .parts
            .partition_point(|p| p.first <= i)
            .checked_sub(1)?;
        let part = &self.parts[p];
        let k = i - part.first;
        (k < part.ends.len()).then(|| finder.find(part.text_of(k)).is_some())
    }

    /// Bytes held (for the memory figures).
    pub fn bytes(&self) -> usize {
        self.parts
            .iter()
            .map(|p| p.text.capacity() + 4 * p.ends.capacity())
            .sum()
    }
}

/// Whether `needle` can be searched in the index: a NUL in it could match
/// across two fields.
pub fn searchable(needle: &str) -> bool {
    !needle.is_empty() && !needle.as_bytes().contains(&SEPARATOR)
}

fn build_parts(first: usize, findings: &[Finding]) -> Vec<Part> {
    let mut parts = vec![Part {
        first,
        text: Vec::with_capacity(findings.len() * 160),
        ends: Vec::with_capacity(findings.len()),
    }];
    for (k, f) in findings.iter().enumerate() {
        let mut part = parts
            .last_mut()
            .filter(|p| p.text.len() < (u32::MAX / 2) as usize);
        if part.is_none() {
            parts.push(Part {
                first: first + k,
                ..Part::default()
            });
            part = parts.last_mut();
        }
        let Some(part) = part else { break };
        for field in super::filter::searched(f) {
            push_lower(&mut part.text, field.display());
            part.text.push(SEPARATOR);
        }
        part.ends
            .push(u32::try_from(part.text.len()).unwrap_or(u32::MAX));
    }
    for p in &mut parts {
        p.text.shrink_to_fit();
    }
    parts
}

/// `s` lowercased as the filter lowercases its needle.
fn push_lower(out: &mut Vec<u8>, s: &str) {
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| b.to_ascii_lowercase()));
    } else {
        out.extend_from_slice(s.to_lowercase().as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SafeText;
    use crate::query::filter::contains_ci;

    fn findings(n: usize) -> Vec<Finding> {
        let demo = crate::demo::load_current().findings;
        (0..n)
            .map(|i| {
                let mut f = demo[i % demo.len()].clone();
                // Some non-ASCII text (the Kelvin sign lowercases to `k`) and
                // some findings with nothing in most fields.
                match i % 7 {
                    0 => f.title = SafeText::line(&format!("Kelvin \u{212a} {i}")),
                    1 => f.namespace = SafeText::line(""),
                    _ => f.resource = SafeText::line(&format!("res-{}", i % 97)),
                }
                f
            })
            .collect()
    }

    #[test]
    fn the_index_finds_what_a_field_by_field_search_finds() {
        let f = findings(3 * PART_FINDINGS / 2 + 11);
        let index = TextIndex::build(&f);
        assert!(index.fits(&f));
        for needle in [
            "k",
            "kelvin k",
            "res-1",
            "cve-2023",
            "privileged",
            "zzz-none",
            "-9",
        ] {
            let plain: Vec<bool> = f
                .iter()
                .map(|x| {
                    crate::query::filter::searched(x)
                        .iter()
                        .any(|t| contains_ci(t.display(), needle))
                })
                .collect();
            assert_eq!(index.matching(needle), plain, "{needle:?}");
            let finder = Finder::new(needle.as_bytes());
            for (i, want) in plain.iter().enumerate().step_by(37) {
                assert_eq!(index.contains(i, &finder), Some(*want), "{needle:?} {i}");
            }
            assert!(plain.contains(&true) || needle == "zzz-none", "{needle:?}");
        }
        assert_eq!(index.contains(f.len(), &Finder::new(b"a")), None);
    }

    #[test]
    fn a_match_never_spans_two_fields() {
        let mut f = findings(1);
        f[0].title = SafeText::line("abc");
        f[0].resource = SafeText::line("def");
        let index = TextIndex::build(&f);
        assert_eq!(index.matching("cd"), [false]);
        assert!(!searchable("a\0b"));
        assert!(!searchable(""));
        assert!(TextIndex::build(&[]).matching("a").is_empty());
    }
}
