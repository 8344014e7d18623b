//! AWS Security Finding Format: `aws securityhub get-findings` pages, bare arrays
//! and JSON Lines (Prowler). One finding per ASFF record.

use super::node::Node;

use super::Sink;
use super::draft::Draft;
use super::json::{array, at, first_text, number, text, text_or_empty};
use crate::model::{Severity, Source, Timestamp};

/// An ASFF finding has these; OCSF and Kubernetes objects do not.
pub fn looks_like(v: &Node) -> bool {
    v.get("ProductArn").is_some()
        || (v.get("SchemaVersion").is_some() && v.get("Id").is_some())
        || (v.get("AwsAccountId").is_some() && v.get("Severity").is_some())
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let id = text(v, &["Id"]).ok_or("ASFF finding without a string \"Id\"")?;
    let product = text_or_empty(v, &["ProductArn"]);

    let severity = severity(v, sink);
    let open = is_open(v);
    let vulnerability_id = text_or_empty(v, &["Vulnerabilities", "0", "Id"]);
    let rule_id = first_text(
        v,
        &[
            &["Compliance", "SecurityControlId"],
            &["ProductFields", "ControlId"],
            &["ProductFields", "RuleId"],
            &["Vulnerabilities", "0", "Id"],
            &["GeneratorId"],
        ],
    );
    let title = text_or_empty(v, &["Title"]);
    let mut description = text_or_empty(v, &["Description"]);
    if !vulnerability_id.is_empty() {
        let pkgs: Vec<String> = array(v, &["Vulnerabilities", "0", "VulnerablePackages"])
            .iter()
            .filter_map(|p| {
                let name = text(p, &["Name"])?;
                let ver = text_or_empty(p, &["Version"]);
                let fixed = text_or_empty(p, &["FixedInVersion"]);
                Some(if fixed.is_empty() {
                    format!("{name} {ver}")
                } else {
                    format!("{name} {ver} (fixed in {fixed})")
                })
            })
            .collect();
        if !pkgs.is_empty() {
            description.to_mut().push_str("\n\nAffected packages: ");
            description.to_mut().push_str(&pkgs.join(", "));
        }
    }
    let draft = Draft {
        severity,
        title,
        rule_id,
        resource: first_text(v, &[&["Resources", "0", "Id"]]),
        namespace: text_or_empty(v, &["Resources", "0", "Details", "AwsEksCluster", "Name"]),
        account: text_or_empty(v, &["AwsAccountId"]),
        region: first_text(v, &[&["Region"], &["Resources", "0", "Region"]]),
        cluster: sink.cluster.as_deref().unwrap_or_default().into(),
        description,
        remediation_text: text_or_empty(v, &["Remediation", "Recommendation", "Text"]),
        remediation_url: text_or_empty(v, &["Remediation", "Recommendation", "Url"]),
        first_seen: time(v, &["FirstObservedAt"]).or_else(|| time(v, &["CreatedAt"])),
        last_seen: time(v, &["LastObservedAt"]).or_else(|| time(v, &["UpdatedAt"])),
        open,
        raw: sink.raw_record(v),
        tags: super::draft::string_map(crate::sources::json::at(v, &["Resources", "0", "Tags"])),
    };
    sink.push(draft.finish(Source::Securityhub, &[&product, &id]));
    Ok(())
}

fn time(v: &Node, path: &[&str]) -> Option<Timestamp> {
    text(v, path).and_then(|s| Timestamp::parse(&s))
}

/// `Severity.Label`; without one, `Severity.Normalized` (a number, or a numeric
/// string as some published samples have it).
fn severity(v: &Node, sink: &mut Sink) -> Severity {
    // `"Severity": "HIGH"` is a common hand-written mistake; read it as the label.
    let label = text(v, &["Severity", "Label"]).or_else(|| text(v, &["Severity"]));
    if let Some(label) = label {
        match Severity::from_label(&label) {
            Some(s) => return s,
            None => sink.warn(format!(
                "unknown Severity.Label {label:?}; using Severity.Normalized"
            )),
        }
    }
    match number(v, &["Severity", "Normalized"]) {
        Some(n) => Severity::from_normalized(n),
        None => {
            if at(v, &["Severity"]).is_none() {
                sink.warn("ASFF finding without Severity; shown as unknown".to_string());
            }
            Severity::Unknown
        }
    }
}

/// Closed when archived, suppressed, resolved, or a passed compliance check.
fn is_open(v: &Node) -> bool {
    let eq = |path: &[&str], want: &[&str]| {
        text(v, path).is_some_and(|s| want.iter().any(|w| s.eq_ignore_ascii_case(w)))
    };
    !(eq(&["RecordState"], &["ARCHIVED"])
        || eq(&["Workflow", "Status"], &["SUPPRESSED", "RESOLVED"])
        || eq(&["Compliance", "Status"], &["PASSED"]))
}
