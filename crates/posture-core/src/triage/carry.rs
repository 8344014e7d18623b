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

/// Marks to carry, one to one: a mark whose own finding is no longer among
/// `findings` goes to the one unmarked finding with its control key (the
/// same control, resource, account and region), and only when there is
/// exactly one; when several marks left for the same key, the newest.
/// Nothing is carried where the key is ambiguous: an account-level control
/// has many findings of one key, and none of them inherits one decision.
pub fn plan(findings: &[Finding], marks: &Marks) -> Vec<Carry> {
    // Every load asks; most triage files have no control-keyed marks at all.
    if marks.values().all(|m| m.control.is_empty()) {
        return Vec::new();
    }
    let present: HashSet<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
    let mut gone: HashMap<&str, (&str, &Mark)> = HashMap::new();
    for (fp, m) in marks {
        if m.control.is_empty() || present.contains(fp.as_str()) || !m.is_decided() {
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
    // Each key's successors, counted: more than one and none is taken.
    let mut successors: HashMap<String, Vec<&Finding>> = HashMap::new();
    for f in findings {
        if marks.contains_key(f.fingerprint.as_str()) {
            continue;
        }
        if let Some(key) = control_key(f).filter(|k| gone.contains_key(k.as_str())) {
            successors.entry(key).or_default().push(f);
        }
    }
    let mut out: Vec<Carry> = successors
        .into_iter()
        .filter_map(|(key, next)| match next.as_slice() {
            [only] => {
                let (from, m) = gone.get(key.as_str())?;
                Some(Carry {
                    from: (*from).to_string(),
                    to: only.fingerprint.to_string(),
                    mark: (*m).clone(),
                })
            }
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.to.cmp(&b.to));
    out
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

    #[test]
    fn an_ambiguous_successor_inherits_nothing() {
        let old = finding("arn:standards/cis/1.2/finding/1", "IAM.1");
        let a = finding("arn:security-control/IAM.1/finding/a", "IAM.1");
        let b = finding("arn:security-control/IAM.1/finding/b", "IAM.1");
        let mut m = Mark::new(Status::FalsePositive, "ana", Timestamp::from_unix(10));
        m.stamp("ana", Timestamp::from_unix(10), Some(&old));
        let mut marks = Marks::new();
        marks.insert(old.fingerprint.to_string(), m);
        assert_eq!(
            plan(std::slice::from_ref(&a), &marks).len(),
            1,
            "one successor: carried"
        );
        assert!(plan(&[a, b], &marks).is_empty(), "two successors: neither");
    }
}
