//! Saved snapshots on disk: `snapshots/` in the XDG data directory.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Deserialize;

use super::Context;
use crate::model::{Finding, Timestamp};
use crate::review::TrendPoint;
use crate::review::report::Since;

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

pub fn dir(ctx: &Context) -> anyhow::Result<PathBuf> {
    ctx.paths
        .data_dir
        .as_ref()
        .map(|d| d.join("snapshots"))
        .context("no home directory to keep snapshots in: pass --out PATH")
}

/// A file name from a snapshot name: nothing that could leave the directory.
pub fn file_name(name: &str) -> String {
    format!("{}.json", crate::text::file_component(name, "snapshot"))
}

pub fn read_header(path: &Path) -> anyhow::Result<Saved> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let h: Header = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not a posture snapshot: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    if h.posture_snapshot > crate::sources::snapshot::FORMAT_VERSION {
        bail!(
            "{}: snapshot format {} is newer than this posture reads",
            path.display(),
            h.posture_snapshot
        );
    }
    let open = h.findings.iter().filter(|r| r.open);
    let trend = TrendPoint::from_open(
        &h.name,
        h.taken_at,
        open.clone().map(|r| {
            let severity = crate::model::Severity::from_label(&r.severity)
                .unwrap_or(crate::model::Severity::Unknown);
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

/// Every readable snapshot in the directory, oldest first; unreadable ones
/// are reported on stderr and skipped.
pub fn list(dir: &Path) -> Vec<Saved> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut out: Vec<Saved> = paths
        .iter()
        .filter_map(|p| match read_header(p) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("posture: warning: skipping {e:#}");
                None
            }
        })
        .collect();
    out.sort_by(|a, b| a.taken_at.cmp(&b.taken_at).then(a.path.cmp(&b.path)));
    out
}

/// A snapshot's findings; any problem in the file stops the command.
pub fn findings(path: &Path) -> anyhow::Result<Vec<Finding>> {
    let loaded = crate::sources::load_file(path);
    if let Some(e) = loaded.errors.first() {
        bail!("{e}");
    }
    Ok(loaded.findings)
}

/// `--since`: a snapshot name, a file stem, a date (the newest snapshot
/// taken that day or before) or a path.
pub fn resolve(arg: &str, saved: &[Saved]) -> anyhow::Result<PathBuf> {
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
        bail!("no snapshot taken on or before {arg}");
    }
    let p = PathBuf::from(arg);
    if p.is_file() {
        return Ok(p);
    }
    let names: Vec<&str> = saved.iter().map(|s| s.name.as_str()).collect();
    bail!(
        "no snapshot {arg:?}; saved: {}",
        if names.is_empty() {
            "none yet (posture snapshot save)".to_string()
        } else {
            names.join(", ")
        }
    )
}

/// What the review compares against: the saved snapshots (the demo's own
/// previous week for demo data), the baseline among them, and the trend.
pub struct History {
    pub baseline: Option<(Since, Vec<Finding>)>,
    pub trend: Vec<TrendPoint>,
}

pub fn history(ctx: &Context, demo: bool, since: Option<&str>) -> anyhow::Result<History> {
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
        });
    }
    // The trend comes from the headers; only the baseline is read in full.
    let saved = dir(ctx).map(|d| list(&d)).unwrap_or_default();
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
    Ok(History { baseline, trend })
}
