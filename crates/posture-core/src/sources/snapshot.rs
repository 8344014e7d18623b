//! posture snapshot files: the format of `snapshots/` (see snapshots/README.md).
//!
//! ```json
//! {"posture_snapshot": 1, "name": "week-47", "taken_at": "2026-11-17T09:00:00Z",
//!  "findings": [ { ...a finding as `posture list --format json` prints it... } ]}
//! ```

use super::node::Node;
use serde::{Deserialize, Serialize};

use super::Sink;
use crate::model::{Finding, FindingRecord, Timestamp};

pub const FORMAT_KEY: &str = "posture_snapshot";
pub const FORMAT_VERSION: u64 = 1;

pub fn looks_like(v: &Node) -> bool {
    v.get(FORMAT_KEY).is_some()
}

/// Snapshot header and findings, as written.
#[derive(Debug, Serialize, Deserialize)]
pub struct SnapshotFile {
    pub posture_snapshot: u64,
    pub name: String,
    pub taken_at: Timestamp,
    pub findings: Vec<FindingRecord>,
}

impl SnapshotFile {
    pub fn new(name: &str, taken_at: Timestamp, findings: &[Finding]) -> SnapshotFile {
        SnapshotFile {
            posture_snapshot: FORMAT_VERSION,
            name: name.to_string(),
            taken_at,
            findings: findings
                .iter()
                .map(|f| FindingRecord::from_finding(f, false))
                .collect(),
        }
    }

    /// One finding per line: snapshots diff well in git.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "{{\"posture_snapshot\": {}, \"name\": {}, \"taken_at\": \"{}\",\n \"findings\": [\n",
            self.posture_snapshot,
            serde_json::to_string(&self.name).unwrap_or_else(|_| "\"\"".into()),
            self.taken_at
        ));
        for (i, f) in self.findings.iter().enumerate() {
            out.push_str("  ");
            out.push_str(&serde_json::to_string(f).unwrap_or_default());
            out.push_str(if i + 1 < self.findings.len() {
                ",\n"
            } else {
                "\n"
            });
        }
        out.push_str(" ]}\n");
        out
    }
}

/// Each finding is read on its own: one bad record is reported, the rest load.
pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let version = v
        .get(FORMAT_KEY)
        .and_then(Node::as_u64)
        .ok_or_else(|| format!("\"{FORMAT_KEY}\" must be the format version number"))?;
    if version > FORMAT_VERSION {
        return Err(format!(
            "snapshot format version {version} is newer than this posture reads ({FORMAT_VERSION}); upgrade posture"
        ));
    }
    let findings = match v.get("findings") {
        Some(Node::Array(a)) => a,
        _ => return Err("snapshot without a \"findings\" array".to_string()),
    };
    for (i, f) in findings.iter().enumerate() {
        match FindingRecord::deserialize(f) {
            Ok(r) => sink.push(r.into_finding()),
            Err(e) => sink.error(format!("snapshot finding #{}: {e}", i + 1)),
        }
    }
    Ok(())
}
