//! The triage file: TOML, one table per marked finding, sorted by
//! fingerprint, so that it reads well, diffs well and merges well in git.
//!
//! ```toml
//! version = 1
//!
//! [marks.sh-4f0c2a9e51d3b7a8e6f1]
//! status = "accepted-risk"
//! reason = "WAF rule blocks the path; vendor patch due in Q1"
//! expires = "2027-03-31"
//! note = "see SEC-812"
//! jira = "SEC-812"
//! by = "alice"
//! at = "2026-11-24T10:12:00Z"
//! title = "S3 bucket allows public read"
//! resource = "arn:aws:s3:::demo-assets"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::Date;
use toml::Spanned;

use crate::model::Timestamp;
use crate::sources::error::{Location, SourceError};

use super::mark::Mark;
use super::status::Status;
use crate::model::date::{format_date, parse_date};

pub const FORMAT_VERSION: u32 = 1;

/// Marks by fingerprint.
pub type Marks = BTreeMap<String, Mark>;

const HEADER: &str = "\
# posture triage marks: one [marks.FINGERPRINT] table per finding.
# Safe to keep in git and to edit by hand; posture refuses to save over a
# file it cannot read, and says where it is broken. Format: see README.md.
";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    version: Spanned<u32>,
    #[serde(default)]
    marks: BTreeMap<String, Spanned<MarkIn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkIn {
    status: Status,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    expires: Option<Spanned<String>>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    jira: String,
    #[serde(default)]
    by: String,
    at: Spanned<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    resource: String,
    #[serde(default)]
    control: String,
    #[serde(default)]
    exported: String,
    #[serde(default)]
    exported_at: Option<Spanned<String>>,
}

#[derive(Serialize)]
struct FileOut<'a> {
    version: u32,
    marks: BTreeMap<&'a str, MarkOut<'a>>,
}

#[derive(Serialize)]
struct MarkOut<'a> {
    status: Status,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    #[serde(skip_serializing_if = "str::is_empty")]
    note: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    jira: &'a str,
    by: &'a str,
    at: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    resource: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    control: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    exported: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    exported_at: Option<String>,
}

/// Reads a triage file's text; every problem names the line and column.
pub fn parse(text: &str, path: &Path) -> Result<Marks, SourceError> {
    let at_offset =
        |offset: usize, msg: String| SourceError::new(path, Location::of_offset(text, offset), msg);
    let file: FileIn = SourceError::parse_toml(text, path)?;
    if *file.version.get_ref() != FORMAT_VERSION {
        return Err(at_offset(
            file.version.span().start,
            format!(
                "triage file version {} is not supported (this posture reads version {FORMAT_VERSION}); \
                 was it written by a newer posture?",
                file.version.get_ref()
            ),
        ));
    }
    let mut marks = Marks::new();
    for (fp, spanned) in file.marks {
        let start = spanned.span().start;
        let m = spanned.into_inner();
        let at = Timestamp::parse(m.at.get_ref()).ok_or_else(|| {
            at_offset(
                m.at.span().start,
                format!("`at` is not an RFC 3339 time: {:?}", m.at.get_ref()),
            )
        })?;
        let expires = match &m.expires {
            None => None,
            Some(e) => Some(parse_iso_date(e.get_ref()).ok_or_else(|| {
                at_offset(
                    e.span().start,
                    format!("`expires` is not a YYYY-MM-DD date: {:?}", e.get_ref()),
                )
            })?),
        };
        let exported_at = match &m.exported_at {
            None => None,
            Some(e) => Some(Timestamp::parse(e.get_ref()).ok_or_else(|| {
                at_offset(
                    e.span().start,
                    format!("`exported_at` is not an RFC 3339 time: {:?}", e.get_ref()),
                )
            })?),
        };
        let mark = Mark {
            status: m.status,
            note: m.note,
            reason: m.reason,
            expires,
            jira: m.jira,
            by: m.by,
            at,
            title: m.title,
            resource: m.resource,
            control: m.control,
            exported: m.exported,
            exported_at,
        };
        mark.validate()
            .map_err(|e| at_offset(start, format!("mark {fp}: {e}")))?;
        marks.insert(fp, mark);
    }
    Ok(marks)
}

fn parse_iso_date(s: &str) -> Option<Date> {
    // Relative forms are for people typing commands, not for files.
    if s.ends_with('d') || s.ends_with('w') {
        return None;
    }
    parse_date(s, Date::MIN).ok()
}

/// The file's text, deterministic for the same marks.
/// What can still be read of a broken triage file: each `[marks.FP]` table
/// read on its own; the tables that do not parse, by fingerprint and line.
#[derive(Debug, Default)]
pub struct Salvaged {
    pub marks: Marks,
    pub unreadable: Vec<(String, usize)>,
}

pub fn salvage(text: &str, path: &Path) -> Salvaged {
    let mut out = Salvaged::default();
    let mut starts: Vec<(usize, usize)> = Vec::new(); // (byte offset, line)
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_start().starts_with("[marks.") {
            starts.push((offset, n + 1));
        }
        offset += line.len();
    }
    for (k, &(from, line)) in starts.iter().enumerate() {
        let to = starts.get(k + 1).map_or(text.len(), |s| s.0);
        let table = &text[from..to];
        let doc = format!("version = {FORMAT_VERSION}\n{table}");
        match parse(&doc, path) {
            Ok(marks) if marks.len() == 1 => out.marks.extend(marks),
            _ => out.unreadable.push((table_key(table), line)),
        }
    }
    out
}

/// The fingerprint a `[marks."FP"]` header names, as written.
fn table_key(table: &str) -> String {
    let header = table.lines().next().unwrap_or("").trim();
    header
        .trim_start_matches("[marks.")
        .trim_end_matches(']')
        .trim_matches('"')
        .to_string()
}

pub fn render(marks: &Marks) -> String {
    let out = FileOut {
        version: FORMAT_VERSION,
        marks: marks
            .iter()
            .map(|(fp, m)| {
                (
                    fp.as_str(),
                    MarkOut {
                        status: m.status,
                        reason: &m.reason,
                        expires: m.expires.map(format_date),
                        note: &m.note,
                        jira: &m.jira,
                        by: &m.by,
                        at: m.at.to_rfc3339(),
                        title: &m.title,
                        resource: &m.resource,
                        control: &m.control,
                        exported: &m.exported,
                        exported_at: m.exported_at.map(|t| t.to_rfc3339()),
                    },
                )
            })
            .collect(),
    };
    // Serialising plain strings and maps cannot fail; keep the marks readable
    // even if it ever did by falling back to JSON, which TOML does not read,
    // so the next start reports it rather than losing it.
    let body = toml::to_string(&out).unwrap_or_else(|e| format!("# render error: {e}\n"));
    format!("{HEADER}\n{body}")
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MergeReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Both sides decided differently; the newer decision was kept.
    pub conflicts: Vec<Conflict>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub fingerprint: String,
    pub ours: Mark,
    pub theirs: Mark,
    pub took_theirs: bool,
}

/// Merges `theirs` into `ours`: newest decision wins per finding; a tie keeps
/// ours. Returns the fingerprints that changed and what happened.
pub fn merge(ours: &mut Marks, theirs: Marks) -> (MergeReport, Vec<String>) {
    let mut report = MergeReport::default();
    let mut changed = Vec::new();
    for (fp, t) in theirs {
        match ours.get(&fp) {
            None => {
                report.added += 1;
                changed.push(fp.clone());
                ours.insert(fp, t);
            }
            Some(o) if o.same_decision(&t) => report.unchanged += 1,
            Some(o) => {
                let took_theirs = t.at > o.at;
                report.conflicts.push(Conflict {
                    fingerprint: fp.clone(),
                    ours: o.clone(),
                    theirs: t.clone(),
                    took_theirs,
                });
                if took_theirs {
                    report.updated += 1;
                    changed.push(fp.clone());
                    ours.insert(fp, t);
                }
            }
        }
    }
    (report, changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn mark(status: Status, at: &str) -> Mark {
        Mark::new(status, "alice", Timestamp::parse(at).unwrap())
    }

    #[test]
    fn round_trips_every_field_including_hostile_text() {
        let mut marks = Marks::new();
        let mut m = mark(Status::AcceptedRisk, "2026-11-24T10:00:00Z");
        m.reason = "WAF \"blocks\" it\nsecond line".into();
        m.expires = Some(date!(2027 - 03 - 31));
        m.note = "=HYPERLINK(\"x\")\u{1b}[31m ''' \"\"\" \\ ünï".into();
        m.jira = "SEC-1".into();
        m.title = "Public bucket".into();
        m.resource = "arn:aws:s3:::b".into();
        marks.insert("sh-0001".into(), m);
        marks.insert(
            "ks-0002".into(),
            mark(Status::Resolved, "2026-11-20T08:00:00Z"),
        );
        let text = render(&marks);
        let back = parse(&text, Path::new("t.toml")).unwrap();
        assert_eq!(back, marks);
        assert_eq!(render(&back), text, "rendering is deterministic");
        assert!(text.find("[marks.ks-0002]") < text.find("[marks.sh-0001]"));
    }

    #[test]
    fn broken_files_are_located() {
        let p = Path::new("t.toml");
        let e = parse(
            "version = 1\n[marks.a]\nstatus = \"maybe\"\nat = \"x\"\n",
            p,
        )
        .unwrap_err();
        assert_eq!(e.location.line, 3, "{e}");
        assert!(e.message.contains("maybe"), "{e}");
        let e = parse(
            "version = 1\n[marks.a]\nstatus = \"new\"\nat = \"yesterday\"\n",
            p,
        )
        .unwrap_err();
        assert_eq!((e.location.line, e.location.column), (4, 6), "{e}");
        let e = parse("version = 2\n", p).unwrap_err();
        assert!(e.message.contains("newer posture"), "{e}");
        let e = parse(
            "version = 1\n[marks.a]\nstatus = \"new\"\nat = \"2026-01-01T00:00:00Z\"\ncolour = 1\n",
            p,
        )
        .unwrap_err();
        assert_eq!(e.location.line, 5, "{e}");
        let e = parse(
            "version = 1\n\n[marks.a]\nstatus = \"accepted-risk\"\nat = \"2026-01-01T00:00:00Z\"\n",
            p,
        )
        .unwrap_err();
        assert!(e.message.contains("reason"), "{e}");
        assert!(parse("version = 1\n[marks.a\n", p).is_err());
        assert!(parse("", p).is_err(), "an empty file has no version");
    }

    #[test]
    fn merge_takes_the_newer_decision_and_reports_conflicts() {
        let mut ours = Marks::new();
        ours.insert(
            "a".into(),
            mark(Status::Acknowledged, "2026-11-01T00:00:00Z"),
        );
        ours.insert("b".into(), mark(Status::Resolved, "2026-11-10T00:00:00Z"));
        ours.insert("c".into(), mark(Status::New, "2026-11-01T00:00:00Z"));
        let mut theirs = Marks::new();
        theirs.insert(
            "a".into(),
            mark(Status::FalsePositive, "2026-11-05T00:00:00Z"),
        );
        theirs.insert("b".into(), mark(Status::InProgress, "2026-11-02T00:00:00Z"));
        theirs.insert("c".into(), mark(Status::New, "2026-11-03T00:00:00Z"));
        theirs.insert(
            "d".into(),
            mark(Status::Acknowledged, "2026-11-03T00:00:00Z"),
        );
        let (report, changed) = merge(&mut ours, theirs);
        assert_eq!(ours["a"].status, Status::FalsePositive);
        assert_eq!(ours["b"].status, Status::Resolved, "ours was newer");
        assert_eq!(ours["d"].status, Status::Acknowledged);
        assert_eq!((report.added, report.updated, report.unchanged), (1, 1, 1));
        assert_eq!(report.conflicts.len(), 2);
        assert_eq!(changed, vec!["a".to_string(), "d".to_string()]);
    }
}
