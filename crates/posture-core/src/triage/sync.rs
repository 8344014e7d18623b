//! Triage marks as Security Hub workflow updates: which findings need one, and
//! in which batches (BatchUpdateFindings takes ≤ 100 findings that all get
//! the same workflow status and note).

use std::collections::BTreeMap;

use time::Date;

use super::mark::Mark;
use super::status::Status;
use crate::model::date::format_date;
use crate::model::{Finding, Source};

/// BatchUpdateFindings accepts at most this many identifiers per request.
pub const MAX_BATCH: usize = 100;
/// Security Hub's limit on Note.Text.
pub const MAX_NOTE_CHARS: usize = 512;

/// Security Hub's `Workflow.Status` for a posture status.
pub fn workflow_of(status: Status) -> &'static str {
    match status {
        Status::New => "NEW",
        Status::Acknowledged | Status::InProgress => "NOTIFIED",
        Status::AcceptedRisk | Status::FalsePositive => "SUPPRESSED",
        Status::Resolved => "RESOLVED",
    }
}

/// The note Security Hub gets: the mark's note, with the reason and expiry of
/// an accepted risk first. `None` when there is nothing to say.
pub fn note_text(mark: &Mark) -> Option<String> {
    let mut parts = Vec::new();
    if mark.status == Status::AcceptedRisk {
        let until = mark.expires.map(format_date).unwrap_or_default();
        parts.push(format!(
            "Accepted risk until {until}: {}",
            mark.reason.trim()
        ));
    }
    if mark.status == Status::FalsePositive && !mark.reason.trim().is_empty() {
        parts.push(format!("False positive: {}", mark.reason.trim()));
    }
    if !mark.note.trim().is_empty() {
        parts.push(mark.note.trim().to_string());
    }
    if !mark.jira.is_empty() {
        parts.push(format!("JIRA {}", mark.jira));
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("\n").chars().take(MAX_NOTE_CHARS).collect())
}

/// One finding to update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub fingerprint: String,
    pub region: String,
    pub product_arn: String,
    pub id: String,
    pub workflow: &'static str,
    pub note: Option<String>,
    /// What Security Hub has now, for the plan printed before sending.
    pub current: String,
}

/// Findings whose mark says something Security Hub does not know yet. Only
/// Security Hub findings read from ASFF (they carry ProductArn and Id) can
/// be updated; findings without a mark are never touched.
pub fn plan(
    findings: &[Finding],
    mark_of: impl Fn(&Finding) -> Option<Mark>,
    today: Date,
) -> Vec<Update> {
    let mut out = Vec::new();
    for f in findings {
        if f.source != Source::Securityhub {
            continue;
        }
        let Some(mark) = mark_of(f) else { continue };
        let Some(raw) = f.raw.as_deref() else {
            continue;
        };
        let Ok(v) = crate::sources::node::Node::parse(raw) else {
            continue;
        };
        let text = |path: &[&str]| crate::sources::json::text(&v, path).map(|s| s.to_string());
        let (Some(product_arn), Some(id)) = (text(&["ProductArn"]), text(&["Id"])) else {
            continue;
        };
        let status = mark.effective(today).status;
        let workflow = workflow_of(status);
        let note = note_text(&mark);
        let current = text(&["Workflow", "Status"]).unwrap_or_else(|| "NEW".to_string());
        let current_note = text(&["Note", "Text"]);
        let note_changed = note.is_some() && note != current_note;
        if current == workflow && !note_changed {
            continue;
        }
        let region = text(&["Region"])
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| f.region.original().to_string());
        out.push(Update {
            fingerprint: f.fingerprint.to_string(),
            region,
            product_arn,
            id,
            workflow,
            note: note.filter(|_| note_changed),
            current,
        });
    }
    out
}

/// Requests to send: per region, per (status, note), at most [`MAX_BATCH`] each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub region: String,
    pub workflow: &'static str,
    pub note: Option<String>,
    pub items: Vec<Update>,
}

pub fn batches(updates: Vec<Update>) -> Vec<Batch> {
    let mut groups: BTreeMap<(String, &'static str, Option<String>), Vec<Update>> = BTreeMap::new();
    for u in updates {
        groups
            .entry((u.region.clone(), u.workflow, u.note.clone()))
            .or_default()
            .push(u);
    }
    let mut out = Vec::new();
    for ((region, workflow, note), items) in groups {
        for chunk in items.chunks(MAX_BATCH) {
            out.push(Batch {
                region: region.clone(),
                workflow,
                note: note.clone(),
                items: chunk.to_vec(),
            });
        }
    }
    out
}

/// A finding Security Hub did not update, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub id: String,
    pub product_arn: String,
    pub code: String,
    pub message: String,
}

/// What a sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub processed: usize,
    pub failures: Vec<Failure>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    fn finding(i: usize, workflow: &str) -> Finding {
        let raw = serde_json::json!({
            "SchemaVersion": "2018-10-08",
            "Id": format!("id-{i}"),
            "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
            "AwsAccountId": "111122223333",
            "Region": "eu-west-1",
            "Title": "t",
            "Severity": {"Label": "HIGH"},
            "Workflow": {"Status": workflow},
            "RecordState": "ACTIVE"
        });
        let loaded = crate::sources::parse_values(std::path::Path::new("t"), [raw]);
        loaded.findings.into_iter().next().unwrap()
    }

    fn mark(status: Status) -> Mark {
        let mut m = Mark::new(status, "ana", Timestamp::from_unix(0));
        if status == Status::AcceptedRisk {
            m.reason = "legacy".into();
            m.expires = Some(time::macros::date!(2030 - 01 - 01));
        }
        m
    }

    #[test]
    fn statuses_map_to_workflow() {
        assert_eq!(workflow_of(Status::New), "NEW");
        assert_eq!(workflow_of(Status::InProgress), "NOTIFIED");
        assert_eq!(workflow_of(Status::Acknowledged), "NOTIFIED");
        assert_eq!(workflow_of(Status::FalsePositive), "SUPPRESSED");
        assert_eq!(workflow_of(Status::AcceptedRisk), "SUPPRESSED");
        assert_eq!(workflow_of(Status::Resolved), "RESOLVED");
    }

    #[test]
    fn only_changed_marked_findings_are_planned_in_batches_of_100() {
        let today = time::macros::date!(2026 - 11 - 24);
        let mut findings: Vec<Finding> = (0..250).map(|i| finding(i, "NEW")).collect();
        findings.push(finding(999, "NOTIFIED"));
        let unmarked = finding(1000, "NEW");
        findings.push(unmarked.clone());
        let plan = plan(
            &findings,
            |f| {
                if f.fingerprint == unmarked.fingerprint {
                    None
                } else {
                    Some(mark(Status::Acknowledged))
                }
            },
            today,
        );
        // 250 NEW → NOTIFIED; the one already NOTIFIED and the unmarked one are left alone.
        assert_eq!(plan.len(), 250);
        let b = batches(plan);
        assert_eq!(
            b.iter().map(|b| b.items.len()).collect::<Vec<_>>(),
            [100, 100, 50]
        );
        assert!(
            b.iter()
                .all(|b| b.workflow == "NOTIFIED" && b.region == "eu-west-1")
        );
    }

    #[test]
    fn accepted_risk_carries_its_reason_and_expiry_in_the_note() {
        let m = mark(Status::AcceptedRisk);
        assert_eq!(
            note_text(&m).as_deref(),
            Some("Accepted risk until 2030-01-01: legacy")
        );
        let mut long = mark(Status::New);
        long.note = "x".repeat(2000);
        assert_eq!(note_text(&long).unwrap().chars().count(), MAX_NOTE_CHARS);
        assert_eq!(note_text(&mark(Status::New)), None);
    }
}
