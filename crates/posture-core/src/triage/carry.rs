//! Marks that follow Security Hub's own identity changes. When an account
//! turns on consolidated control findings, Security Hub replaces each
//! per-standard finding with one per control: new Ids (so new fingerprints)
//! and the workflow reset. The decision is still about the same control on
//! the same resource, so the mark is carried over.

use std::collections::{HashMap, HashSet};

use super::file::Marks;
use super::mark::Mark;
use crate::model::{Finding, Source};

/// (SecurityControlId, resource, account, region) of a Security Hub control
/// finding; `None` for anything else.
pub fn control_key(f: &Finding) -> Option<String> {
    if f.source != Source::Securityhub || f.rule_id.is_empty() || f.resource.is_empty() {
        return None;
    }
    Some(format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
        f.rule_id.original(),
        f.resource.original(),
        f.account.original(),
        f.region.original()
    ))
}

/// One mark to copy to a finding that has none.
#[derive(Debug, Clone, PartialEq)]
pub struct Carry {
    pub from: String,
    pub to: String,
    pub mark: Mark,
}

/// Unmarked findings whose control key matches a mark whose own finding is
/// no longer among `findings`; the newest such mark wins.
pub fn plan(findings: &[Finding], marks: &Marks) -> Vec<Carry> {
    // Every load asks; most triage files have no control-keyed marks at all.
    if marks.values().all(|m| m.control.is_empty()) {
        return Vec::new();
    }
    let present: HashSet<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
    let mut gone: HashMap<&str, (&str, &Mark)> = HashMap::new();
    for (fp, m) in marks {
        if m.control.is_empty() || present.contains(fp.as_str()) {
            continue;
        }
        let slot = gone.entry(m.control.as_str()).or_insert((fp.as_str(), m));
        if m.at > slot.1.at {
            *slot = (fp.as_str(), m);
        }
    }
    if gone.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut taken = HashSet::new();
    for f in findings {
        if marks.contains_key(f.fingerprint.as_str()) {
            continue;
        }
        let Some(key) = control_key(f) else { continue };
        if let Some((from, m)) = gone.get(key.as_str())
            && taken.insert(f.fingerprint.as_str())
        {
            out.push(Carry {
                from: (*from).to_string(),
                to: f.fingerprint.to_string(),
                mark: (*m).clone(),
            });
        }
    }
    out
}

/// Carries marks over to Security Hub's consolidated control findings, and says what it did.
pub fn apply(findings: &[Finding], store: &mut super::Store) -> Option<String> {
    let carried = plan(findings, store.marks());
    if carried.is_empty() {
        return None;
    }
    let n = carried.len();
    let changes = carried.into_iter().map(|c| (c.to, c.mark)).collect();
    Some(match store.apply(changes, "carry") {
        Ok(()) => format!(
            "carried {n} triage mark{} to Security Hub's consolidated control findings (same control, resource, account and region)",
            if n == 1 { "" } else { "s" }
        ),
        Err(e) => format!(
            "warning: could not carry {n} triage marks to consolidated control findings: {e}"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::triage::Status;

    fn finding(id: &str, control: &str) -> Finding {
        let v = serde_json::json!({
            "SchemaVersion": "2018-10-08", "Id": id, "ProductArn": "arn:p",
            "AwsAccountId": "111122223333", "Region": "eu-west-1", "Title": "t",
            "Severity": {"Label": "HIGH"},
            "Compliance": {"Status": "FAILED", "SecurityControlId": control},
            "Resources": [{"Id": "arn:aws:s3:::b"}]
        });
        crate::sources::parse_values(std::path::Path::new("t"), [v])
            .findings
            .remove(0)
    }

    #[test]
    fn a_consolidated_finding_inherits_the_mark_of_the_per_standard_one() {
        let old = finding("arn:standards/cis/1.2/finding/1", "S3.1");
        let new = finding("arn:security-control/S3.1/finding/9", "S3.1");
        let other = finding("arn:security-control/S3.2/finding/9", "S3.2");
        assert_ne!(old.fingerprint, new.fingerprint);
        let mut m = Mark::new(Status::AcceptedRisk, "ana", Timestamp::from_unix(10));
        m.reason = "legacy".into();
        m.stamp("ana", Timestamp::from_unix(10), Some(&old));
        assert!(!m.control.is_empty());
        let mut marks = Marks::new();
        marks.insert(old.fingerprint.to_string(), m.clone());

        // While the old finding is still there, nothing moves.
        assert!(plan(&[old.clone(), new.clone()], &marks).is_empty());
        let carried = plan(&[new.clone(), other], &marks);
        assert_eq!(carried.len(), 1);
        assert_eq!(carried[0].from, old.fingerprint.to_string());
        assert_eq!(carried[0].to, new.fingerprint.to_string());
        assert_eq!(carried[0].mark.status, Status::AcceptedRisk);
    }
}
