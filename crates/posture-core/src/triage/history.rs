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

/// Appends entries and flushes them to disk. A previous writer killed
/// mid-line left no newline: start on a fresh line so that only its
/// fragment is lost.
pub fn append(path: &Path, entries: &[HistoryEntry]) -> io::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut f = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)?;
    let mut buf = Vec::new();
    let len = f.metadata()?.len();
    if len > 0 {
        let mut last = [0u8; 1];
        f.seek(SeekFrom::Start(len - 1))?;
        f.read_exact(&mut last)?;
        if last[0] != b'\n' {
            buf.push(b'\n');
        }
    }
    for e in entries {
        serde_json::to_writer(&mut buf, e).map_err(io::Error::other)?;
        buf.push(b'\n');
    }
    f.write_all(&buf)?;
    f.sync_data()
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
    fn appends_after_a_torn_line() {
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
        assert_eq!(bad, 1);
        let a = &h["a"];
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].from, Some(Status::Acknowledged));
        assert_eq!(a[1].status, Status::Resolved);
    }
}
