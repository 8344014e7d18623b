//! CVE ids as compact keys, and finding them in a finding's text.

/// `CVE-YYYY-NNNN…` as one number: the year above, the sequence below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CveKey(u64);

impl CveKey {
    /// A whole CVE id (any case, spaces around it allowed).
    pub fn parse(id: &str) -> Option<CveKey> {
        let (key, rest) = Self::prefix_of(id.trim().as_bytes())?;
        rest.is_empty().then_some(key)
    }

    /// A CVE id at the start of `bytes`, and what follows it.
    fn prefix_of(bytes: &[u8]) -> Option<(CveKey, &[u8])> {
        let head = bytes.get(..4)?;
        if !head.eq_ignore_ascii_case(b"cve-") {
            return None;
        }
        let (year, rest) = digits(&bytes[4..], 4, 4)?;
        let rest = rest.strip_prefix(b"-")?;
        // Sequence numbers have four digits or more; nine fit a u32.
        let (sequence, rest) = digits(rest, 4, 9)?;
        Some((CveKey((year << 32) | sequence), rest))
    }

    /// Every CVE id in `text` (written `CVE-` or `cve-`), each once, at
    /// most `limit` of them.
    pub fn all_in(text: &str, limit: usize, out: &mut Vec<CveKey>) {
        // Built once: a searcher's set-up costs more than a short search.
        static PREFIXES: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
            std::sync::LazyLock::new(|| {
                [
                    memchr::memmem::Finder::new(b"CVE-"),
                    memchr::memmem::Finder::new(b"cve-"),
                ]
            });
        let bytes = text.as_bytes();
        for prefix in PREFIXES.iter() {
            for start in prefix.find_iter(bytes) {
                if out.len() >= limit {
                    return;
                }
                // Not the tail of a longer word (`XCVE-…`), nor the head of
                // a longer number.
                let word_start = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
                if let Some((key, rest)) = Self::prefix_of(&bytes[start..])
                    && word_start
                    && !rest.first().is_some_and(u8::is_ascii_digit)
                    && !out.contains(&key)
                {
                    out.push(key);
                }
            }
        }
    }
}

impl std::fmt::Display for CveKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CVE-{}-{:04}", self.0 >> 32, self.0 & 0xffff_ffff)
    }
}

/// `min..=max` ASCII digits at the start, as a number, and the rest (the
/// digits after `max` are left in the rest, for the caller to refuse).
fn digits(bytes: &[u8], min: usize, max: usize) -> Option<(u64, &[u8])> {
    let n = bytes
        .iter()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if n < min {
        return None;
    }
    let value = bytes[..n]
        .iter()
        .fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
    Some((value, &bytes[n..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_whole_and_print_back() {
        let k = CveKey::parse(" cve-2021-44228 ").unwrap();
        assert_eq!(k.to_string(), "CVE-2021-44228");
        assert_eq!(
            CveKey::parse("CVE-1999-0001").unwrap().to_string(),
            "CVE-1999-0001"
        );
        for bad in [
            "CVE-21-44228",
            "CVE-2021-442",
            "CVE-2021-44228x",
            "GHSA-xxxx",
            "CVE-2021-1234567890",
            "",
        ] {
            assert_eq!(CveKey::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn ids_are_found_in_text_once_each() {
        let mut out = Vec::new();
        CveKey::all_in(
            "CVE-2022-3643 - kernel, see cve-2022-3643 and CVE-2023-34256; XCVE-2020-1111 CVE-2020-12345678901",
            8,
            &mut out,
        );
        let shown: Vec<String> = out.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["CVE-2022-3643", "CVE-2023-34256"]);
        let mut lower = Vec::new();
        CveKey::all_in("fixes cve-2021-44228", 8, &mut lower);
        assert_eq!(lower.len(), 1);
        let mut few = Vec::new();
        CveKey::all_in("CVE-2020-1111 CVE-2020-2222", 1, &mut few);
        assert_eq!(few.len(), 1);
    }
}
