//! Prowler's OCSF JSON (`prowler -M json-ocsf`, AWS, Azure, GCP and
//! Kubernetes providers): a top-level array of Detection Findings, each read
//! as a record of its own.

use super::super::Sink;
use super::super::draft::Draft;
use super::super::json::{array, at, first_text, number, text, text_or_empty};
use super::super::node::Node;
use crate::model::{Layer, Severity, Source, Timestamp};

/// An OCSF finding whose product is Prowler (Security Hub's own OCSF
/// findings name AWS products).
pub fn looks_like(v: &Node) -> bool {
    v.get("finding_info").is_some()
        && ["name", "vendor_name", "uid"].iter().any(|k| {
            text(v, &["metadata", "product", k]).is_some_and(|p| p.eq_ignore_ascii_case("prowler"))
        })
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let check = first_text(v, &[&["metadata", "event_code"], &["finding_info", "uid"]]);
    if check.is_empty() {
        return Err("Prowler finding without metadata.event_code or finding_info.uid".to_string());
    }
    let provider = text_or_empty(v, &["cloud", "provider"]).to_ascii_lowercase();
    let resource_type = text_or_empty(v, &["resources", "0", "type"]);
    // The Kubernetes provider checks the cluster; the others a cloud.
    let kubernetes = provider == "kubernetes"
        || (provider.is_empty() && resource_type.starts_with("Kubernetes"));
    let cluster = if kubernetes {
        match sink.cluster.clone() {
            Some(c) => c,
            None => {
                first_text(v, &[&["resources", "0", "data", "metadata", "cluster"]]).into_owned()
            }
        }
    } else {
        String::new()
    };
    let resource = first_text(
        v,
        &[&["resources", "0", "uid"], &["resources", "0", "name"]],
    );
    let draft = Draft {
        severity: severity(v, sink),
        title: first_text(v, &[&["finding_info", "title"], &["message"]]),
        rule_id: check.clone(),
        resource: resource.clone(),
        namespace: first_text(v, &[&["resources", "0", "namespace"]]),
        account: first_text(v, &[&["cloud", "account", "uid"]]),
        region: first_text(v, &[&["cloud", "region"], &["resources", "0", "region"]]),
        cluster: cluster.clone().into(),
        description: format!(
            "{}\n\n{}\n\n{}",
            text_or_empty(v, &["finding_info", "desc"]),
            text_or_empty(v, &["status_detail"]),
            text_or_empty(v, &["risk_details"]),
        )
        .into(),
        remediation_text: text_or_empty(v, &["remediation", "desc"]),
        remediation_url: array(v, &["remediation", "references"])
            .iter()
            .find_map(Node::as_str)
            .unwrap_or_default()
            .to_string()
            .into(),
        first_seen: time(v, &["finding_info", "created_time_dt"]).or_else(|| time(v, &["time_dt"])),
        last_seen: time(v, &["time_dt"]),
        open: is_open(v),
        raw: sink.raw_record(v),
        layer: Some(if kubernetes {
            Layer::Cluster
        } else {
            Layer::Cloud
        }),
        ..Draft::default()
    };
    let identity = [
        &*text_or_empty(v, &["finding_info", "uid"]),
        &check,
        &resource,
        &text_or_empty(v, &["resources", "0", "name"]),
        &text_or_empty(v, &["resources", "0", "namespace"]),
        &text_or_empty(v, &["cloud", "account", "uid"]),
        &text_or_empty(v, &["cloud", "region"]),
        &cluster,
    ];
    sink.push(draft.finish(Source::Prowler, &identity));
    Ok(())
}

fn time(v: &Node, path: &[&str]) -> Option<Timestamp> {
    text(v, path).and_then(|s| Timestamp::parse(&s))
}

/// The `severity` text, else `severity_id` (1 informational … 5 critical,
/// 6 fatal).
fn severity(v: &Node, sink: &mut Sink) -> Severity {
    if let Some(word) = text(v, &["severity"]).filter(|w| !w.trim().is_empty()) {
        if let Some(s) = Severity::from_label(&word) {
            return s;
        }
        sink.warn(format!("unknown severity {word:?}; severity_id used"));
    }
    match number(v, &["severity_id"]).map(|n| n as i64) {
        Some(1) => Severity::Info,
        Some(2) => Severity::Low,
        Some(3) => Severity::Medium,
        Some(4) => Severity::High,
        Some(5) | Some(6) => Severity::Critical,
        _ => Severity::Unknown,
    }
}

/// Closed when the check passed, the finding is suppressed or resolved, or
/// muted in Prowler.
fn is_open(v: &Node) -> bool {
    let passed = text(v, &["status_code"]).is_some_and(|s| s.eq_ignore_ascii_case("pass"));
    let closed = text(v, &["status"]).is_some_and(|s| {
        s.eq_ignore_ascii_case("suppressed") || s.eq_ignore_ascii_case("resolved")
    });
    let muted = [&["unmapped", "muted"][..], &["muted"][..]]
        .iter()
        .any(|p| at(v, p).and_then(Node::as_bool) == Some(true));
    !(passed || closed || muted)
}
