//! Errors that name the file and the place in it.

use std::fmt;
use std::path::{Path, PathBuf};

/// 1-based line and column in an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub const START: Location = Location { line: 1, column: 1 };
    /// For problems with no place in a file (a live source, a whole input).
    pub const NOWHERE: Location = Location { line: 0, column: 0 };

    /// Line and column of a byte offset into `text`.
    pub fn of_offset(text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        // Columns count characters, as editors do.
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Location { line, column }
    }
}

/// Line and column of record offsets, which arrive in increasing order: one
/// pass over the text in all, not one per record (a million records in a
/// minified file would otherwise cost a million scans of it).
pub struct Locator<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    column: usize,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Locator<'a> {
        Locator {
            text,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    /// Where the byte `offset` (into the text) is.
    pub fn at(&mut self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = Locator::new(self.text);
        }
        let part = self.text.get(self.offset..offset).unwrap_or("");
        match part.rfind('\n') {
            Some(nl) => {
                self.line += part.bytes().filter(|&b| b == b'\n').count();
                self.column = part[nl + 1..].chars().count() + 1;
            }
            None => self.column += part.chars().count(),
        }
        self.offset = offset;
        Location {
            line: self.line,
            column: self.column,
        }
    }
}

/// A problem in one input: `path:line:column: message`, the form editors and
/// CI logs link to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SourceError {
    pub path: PathBuf,
    pub location: Location,
    pub message: String,
}

impl SourceError {
    pub fn new(path: &Path, location: Location, message: impl Into<String>) -> SourceError {
        SourceError {
            path: path.to_path_buf(),
            location,
            message: message.into(),
        }
    }
}

impl SourceError {
    /// Parses TOML, locating the error (the serde message says what was expected).
    pub fn parse_toml<T: serde::de::DeserializeOwned>(
        text: &str,
        path: &Path,
    ) -> Result<T, SourceError> {
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let offset = e.span().map_or(0, |s| s.start);
            SourceError::new(
                path,
                Location::of_offset(text, offset),
                e.message().trim().to_string(),
            )
        })
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message may quote hostile input; keep it on one safe line.
        let msg = crate::model::SafeText::line(&self.message);
        if self.location == Location::NOWHERE {
            return write!(f, "{}: {}", self.path.display(), msg.display());
        }
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.location.line,
            self.location.column,
            msg.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_to_line_and_column() {
        let t = "ab\ncdé\nf";
        assert_eq!(Location::of_offset(t, 0), Location { line: 1, column: 1 });
        assert_eq!(Location::of_offset(t, 3), Location { line: 2, column: 1 });
        assert_eq!(Location::of_offset(t, 7), Location { line: 2, column: 4 });
        assert_eq!(Location::of_offset(t, 8), Location { line: 3, column: 1 });
        assert_eq!(Location::of_offset(t, 999), Location { line: 3, column: 2 });
    }
}
