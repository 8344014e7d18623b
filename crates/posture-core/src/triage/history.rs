//! The append-only history beside the triage file: one JSON line per change,
//! who changed what and when. Never rewritten, only appended.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::Timestamp;

use super::mark::Mark;
use super::status::Status;
use crate::model::date::format_date;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub by: String,
    pub fingerprint: String,
    /// The status before, when there was a mark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Status>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub jira: String,
    /// `tui`, `cli`, `import`: how the change was made.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub via: String,
}

impl HistoryEntry {
    pub fn of(fingerprint: &str, before: Option<&Mark>, after: &Mark, via: &str) -> HistoryEntry {
        HistoryEntry {
            at: after.at,
            by: after.by.clone(),
            fingerprint: fingerprint.to_string(),
            from: before.map(|m| m.status),
            status: after.status,
            note: after.note.clone(),
            reason: after.reason.clone(),
            expires: after.expires.map(format_date),
            jira: after.jira.clone(),
            via: via.to_string(),
        }
    }
}

/// Appends entries and flushes them to disk; returns where they begin, so
/// that a caller whose next step fails can take them back ([`truncate`]).
/// A line torn by a writer that was killed, or by a full disk, is cut off
/// first; a write that fails here is cut off before returning the error, so
/// the file never keeps half a line.
pub fn append(path: &Path, entries: &[HistoryEntry]) -> io::Result<u64> {
    if entries.is_empty() {
        return match std::fs::metadata(path) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        };
    }
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    let start = whole_lines_end(&mut f)?;
    let mut buf = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut buf, e).map_err(io::Error::other)?;
        buf.push(b'\n');
    }
    let written = (|| {
        f.set_len(start)?;
        f.seek(SeekFrom::Start(start))?;
        let (first, rest) = buf.split_at(buf.len() / 2);
        f.write_all(first)?;
        crate::storage::fault("history")?;
        f.write_all(rest)?;
        f.sync_data()
    })();
    if let Err(e) = written {
        let _ = f.set_len(start).and_then(|()| f.sync_data());
        return Err(e);
    }
    Ok(start)
}

/// Takes back what [`append`] wrote from `start` on.
pub fn truncate(path: &Path, start: u64) -> io::Result<()> {
    let f = OpenOptions::new().write(true).open(path)?;
    f.set_len(start)?;
    f.sync_data()
}

/// The length of the file's whole lines: a last line without its newline
/// is a torn write.
fn whole_lines_end(f: &mut File) -> io::Result<u64> {
    let len = f.metadata()?.len();
    // Lines are short; look back a chunk at a time for the last newline.
    const CHUNK: u64 = 64 << 10;
    let mut end = len;
    let mut buf = vec![0u8; CHUNK as usize];
    while end > 0 {
        let from = end.saturating_sub(CHUNK);
        let n = (end - from) as usize;
        f.seek(SeekFrom::Start(from))?;
        f.read_exact(&mut buf[..n])?;
        if let Some(at) = memchr::memrchr(b'\n', &buf[..n]) {
            return Ok(from + at as u64 + 1);
        }
        end = from;
    }
    Ok(0)
}

/// Every readable entry by fingerprint, oldest first, and how many lines
/// could not be read (a torn last line after a crash, hand edits).
pub fn read(path: &Path) -> io::Result<(HashMap<String, Vec<HistoryEntry>>, usize)> {
    let mut text = String::new();
    match File::open(path) {
        Ok(mut f) => {
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes)?;
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut by_fp: HashMap<String, Vec<HistoryEntry>> = HashMap::new();
    let mut unreadable = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<HistoryEntry>(line) {
            Ok(e) => by_fp.entry(e.fingerprint.clone()).or_default().push(e),
            Err(_) => unreadable += 1,
        }
    }
    Ok((by_fp, unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_line_is_repaired_by_the_next_append() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.jsonl");
        let m = Mark::new(Status::Acknowledged, "bob", Timestamp::from_unix(100));
        append(&p, &[HistoryEntry::of("a", None, &m, "cli")]).unwrap();
        // A writer killed mid-line.
        OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{\"at\":\"20")
            .unwrap();
        let m2 = Mark::new(Status::Resolved, "bob", Timestamp::from_unix(200));
        append(&p, &[HistoryEntry::of("a", Some(&m), &m2, "tui")]).unwrap();
        let (h, bad) = read(&p).unwrap();
        assert_eq!(bad, 0, "the torn line is cut off before the next write");
        let a = &h["a"];
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].from, Some(Status::Acknowledged));
        assert_eq!(a[1].status, Status::Resolved);
    }
}
