//! The snapshot store: saved snapshots on disk (`snapshots/` in the data
//! directory), their headers for lists and the trend, and the baseline a
//! review or `diff` compares against.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::{Finding, Severity, Timestamp};
use crate::review::TrendPoint;
use crate::review::report::Since;
use crate::sources::SourceError;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("no home directory to keep snapshots in: pass --out PATH")]
    NoHome,
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: not a posture snapshot: {message}")]
    NotASnapshot {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: snapshot format {version} is newer than this posture reads")]
    TooNew { path: PathBuf, version: u64 },
    #[error("{0}")]
    Broken(SourceError),
    #[error("no snapshot taken on or before {0}")]
    NoneThatDay(String),
    #[error("no snapshot {arg:?}; saved: {saved}")]
    Unknown { arg: String, saved: String },
}

/// A snapshot file's header.
#[derive(Debug, Clone)]
pub struct Saved {
    pub path: PathBuf,
    pub name: String,
    pub taken_at: Timestamp,
    pub findings: usize,
    pub open: usize,
    /// Open findings per severity, for the review's trend.
    pub trend: TrendPoint,
}

#[derive(Deserialize)]
struct Header {
    posture_snapshot: u64,
    name: String,
    taken_at: Timestamp,
    findings: Vec<RecordHead>,
}

/// What the list and the trend need of a finding, without building it.
#[derive(Deserialize)]
struct RecordHead {
    #[serde(default)]
    open: bool,
    #[serde(default)]
    fingerprint: String,
    #[serde(default)]
    severity: String,
}

/// `snapshots/` in the data directory.
pub fn dir(data_dir: Option<&Path>) -> Result<PathBuf, SnapshotError> {
    data_dir
        .map(|d| d.join("snapshots"))
        .ok_or(SnapshotError::NoHome)
}

/// A file name from a snapshot name: nothing that could leave the
/// directory, and distinct names never share a file.
pub fn file_name(name: &str) -> String {
    format!(
        "{}.json",
        crate::text::distinct_file_component(name, "snapshot")
    )
}

pub fn read_header(path: &Path) -> Result<Saved, SnapshotError> {
    let bytes = std::fs::read(path).map_err(|source| SnapshotError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let h: Header = serde_json::from_slice(&bytes).map_err(|e| SnapshotError::NotASnapshot {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    if h.posture_snapshot > crate::sources::snapshot::FORMAT_VERSION {
        return Err(SnapshotError::TooNew {
            path: path.to_path_buf(),
            version: h.posture_snapshot,
        });
    }
    let open = h.findings.iter().filter(|r| r.open);
    let trend = TrendPoint::from_open(
        &h.name,
        h.taken_at,
        open.clone().map(|r| {
            let severity = Severity::from_label(&r.severity).unwrap_or(Severity::Unknown);
            (r.fingerprint.as_str(), severity)
        }),
    );
    Ok(Saved {
        path: path.to_path_buf(),
        findings: h.findings.len(),
        open: open.count(),
        trend,
        name: h.name,
        taken_at: h.taken_at,
    })
}

/// The readable snapshots in the directory, oldest first, and why the
/// others were skipped.
pub fn list(dir: &Path) -> (Vec<Saved>, Vec<SnapshotError>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return (Vec::new(), Vec::new());
    };
    let mut paths: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut saved = Vec::new();
    let mut skipped = Vec::new();
    for p in &paths {
        match read_header(p) {
            Ok(s) => saved.push(s),
            Err(e) => skipped.push(e),
        }
    }
    saved.sort_by(|a, b| a.taken_at.cmp(&b.taken_at).then(a.path.cmp(&b.path)));
    (saved, skipped)
}

/// Every fingerprint in the saved snapshots (read from their headers; an
/// unreadable snapshot adds none).
pub fn fingerprints(dir: &Path) -> std::collections::HashSet<String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Default::default();
    };
    rd.filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|p| std::fs::read(&p).ok())
        .filter_map(|bytes| serde_json::from_slice::<Header>(&bytes).ok())
        .flat_map(|h| h.findings.into_iter().map(|r| r.fingerprint))
        .filter(|fp| !fp.is_empty())
        .collect()
}

/// A snapshot's findings; any problem in the file is an error.
pub fn findings(path: &Path) -> Result<Vec<Finding>, SnapshotError> {
    let mut loaded = crate::sources::load_file(path);
    if !loaded.errors.is_empty() {
        return Err(SnapshotError::Broken(loaded.errors.swap_remove(0)));
    }
    Ok(loaded.findings)
}

/// `--since`: a snapshot name, a file stem, a date (the newest snapshot
/// taken that day or before) or a path.
pub fn resolve(arg: &str, saved: &[Saved]) -> Result<PathBuf, SnapshotError> {
    if let Some(s) = saved.iter().rev().find(|s| {
        s.name == arg
            || s.path
                .file_stem()
                .is_some_and(|st| st.to_string_lossy() == arg)
    }) {
        return Ok(s.path.clone());
    }
    if let Ok(day) = time::Date::parse(arg, &time::format_description::well_known::Iso8601::DATE) {
        let end = Timestamp::parse(&format!("{day}T23:59:59Z"));
        if let Some(s) = saved
            .iter()
            .rev()
            .find(|s| end.is_some_and(|e| s.taken_at <= e))
        {
            return Ok(s.path.clone());
        }
        return Err(SnapshotError::NoneThatDay(arg.to_string()));
    }
    let p = PathBuf::from(arg);
    if p.is_file() {
        return Ok(p);
    }
    let names: Vec<&str> = saved.iter().map(|s| s.name.as_str()).collect();
    Err(SnapshotError::Unknown {
        arg: arg.to_string(),
        saved: if names.is_empty() {
            "none yet (posture snapshot save)".to_string()
        } else {
            names.join(", ")
        },
    })
}

/// What a review compares against: the saved snapshots (the demo's own
/// previous week for demo data), the baseline among them, and the trend.
#[derive(Debug, Default)]
pub struct History {
    pub baseline: Option<(Since, Vec<Finding>)>,
    pub trend: Vec<TrendPoint>,
    /// Snapshot files that could not be read (they are left out).
    pub skipped: Vec<SnapshotError>,
}

/// The history for the review: `since` picks the baseline (default: the
/// newest snapshot). `snapshot_dir` is `None` without a home directory.
pub fn history(
    snapshot_dir: Option<&Path>,
    demo: bool,
    since: Option<&str>,
) -> Result<History, SnapshotError> {
    if demo && since.is_none() {
        let prev = crate::demo::load_previous();
        let (_, name, at) = crate::demo::WEEKS[0];
        let taken_at = Timestamp::parse(at).unwrap_or(Timestamp::from_unix(0));
        let trend = vec![TrendPoint::of(name, taken_at, &prev.findings)];
        return Ok(History {
            baseline: Some((
                Since {
                    name: name.to_string(),
                    taken_at,
                },
                prev.findings,
            )),
            trend,
            skipped: Vec::new(),
        });
    }
    // The trend comes from the headers; only the baseline is read in full.
    let (saved, skipped) = snapshot_dir.map(list).unwrap_or_default();
    let trend = saved.iter().map(|s| s.trend.clone()).collect();
    let base_path = match since {
        Some(arg) => Some(resolve(arg, &saved)?),
        None => saved.last().map(|s| s.path.clone()),
    };
    let baseline = match base_path {
        None => None,
        Some(p) => {
            let since = match saved.iter().find(|s| s.path == p) {
                Some(s) => Since {
                    name: s.name.clone(),
                    taken_at: s.taken_at,
                },
                None => {
                    let h = read_header(&p)?;
                    Since {
                        name: h.name,
                        taken_at: h.taken_at,
                    }
                }
            };
            Some((since, findings(&p)?))
        }
    };
    Ok(History {
        baseline,
        trend,
        skipped,
    })
}
