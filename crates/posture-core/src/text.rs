//! Text helpers: width-aware fitting for terminal columns (wide CJK characters
//! count double) and names made safe as file name parts.

use unicode_width::UnicodeWidthChar;

/// A name (account id, region, cluster, team, snapshot name) as one file
/// name part: nothing but `[A-Za-z0-9._-]`, at most 100 characters, never
/// `.` or `..`; `fallback` when nothing usable is left.
pub fn file_component(s: &str, fallback: &str) -> String {
    let c: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if c.is_empty() || c.chars().all(|c| c == '.') {
        fallback.to_string()
    } else {
        c
    }
}

/// [`file_component`], made distinct: when cleaning changed the name, a
/// short hash of the original follows it, so that `a/b`, `a_b`, `a:b` and
/// `a*b` (or `.`, `..` and the empty name) never share a file.
pub fn distinct_file_component(s: &str, fallback: &str) -> String {
    let clean = file_component(s, fallback);
    if clean == s {
        return clean;
    }
    format!("{clean}-{}", short_hash(s))
}

/// Eight hex digits of SHA-256: the same text gives the same name on every
/// machine and run, unlike the process-seeded hashers.
pub fn short_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(s.as_bytes())[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Standard base64 with padding (RFC 4648): Basic authentication, OSC 52.
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Pads or truncates `s` to exactly `width` columns, marking a cut with `…`.
pub fn fit(s: &str, width: usize) -> String {
    let mut out = String::with_capacity(width + 4);
    let mut used = 0;
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    let limit = if total > width {
        width.saturating_sub(1)
    } else {
        width
    };
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > limit {
            break;
        }
        out.push(c);
        used += w;
    }
    if total > width && width > 0 {
        out.push('…');
        used += 1;
    }
    while used < width {
        out.push(' ');
        used += 1;
    }
    out
}

/// Keeps the end of `s` (where ARNs and paths put the name), cutting from the
/// left with `…`, in at most `width` columns.
pub fn keep_tail(s: &str, width: usize) -> String {
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 1;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        tail.push(c);
        used += w;
    }
    std::iter::once('…').chain(tail.into_iter().rev()).collect()
}

#[cfg(test)]
mod tests {
    use super::{distinct_file_component, fit};

    #[test]
    fn names_that_clean_alike_get_distinct_files() {
        let names = ["a/b", "a_b", "a:b", "a*b", "", ".", "..", "snapshot"];
        let files: std::collections::BTreeSet<String> = names
            .iter()
            .map(|n| distinct_file_component(n, "snapshot"))
            .collect();
        assert_eq!(files.len(), names.len(), "{files:?}");
        assert_eq!(distinct_file_component("prod-eu", "x"), "prod-eu");
        for f in &files {
            assert!(f != "." && f != ".." && !f.contains('/'), "{f}");
        }
    }

    #[test]
    fn fits_to_width() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("日本語", 4), "日… ");
    }

    #[test]
    fn keeps_the_tail() {
        assert_eq!(super::keep_tail("arn:aws:s3:::bucket", 8), "…:bucket");
        assert_eq!(super::keep_tail("short", 8), "short");
    }
}

#[cfg(test)]
mod base64_tests {
    use super::*;

    #[test]
    fn base64_as_rfc_4648_says() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("ana@example.com:tok", "YW5hQGV4YW1wbGUuY29tOnRvaw=="),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded, "{plain}");
        }
    }
}
