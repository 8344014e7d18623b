//! Security Hub v2 findings: OCSF documents as GetFindingsV2 returns them.

use super::node::Node;

use super::Sink;
use super::draft::Draft;
use super::json::{array, first_text, number, text, text_or_empty};
use crate::model::{Severity, Source, Timestamp};

pub fn looks_like(v: &Node) -> bool {
    v.get("finding_info").is_some()
        || (v.get("class_uid").is_some() && v.get("severity_id").is_some())
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let uid = first_text(v, &[&["finding_info", "uid"], &["metadata", "uid"]]);
    if uid.is_empty() {
        return Err("OCSF finding without finding_info.uid".to_string());
    }
    let product = first_text(
        v,
        &[
            &["metadata", "product", "uid"],
            &["metadata", "product", "name"],
        ],
    );
    let severity = severity(v, sink);
    let rule_id = first_text(
        v,
        &[
            &["compliance", "control"],
            &["vulnerabilities", "0", "cve", "uid"],
            &["finding_info", "analytic", "uid"],
            &["finding_info", "analytic", "name"],
        ],
    );
    let remediation_url = array(v, &["remediation", "references"])
        .iter()
        .find_map(Node::as_str)
        .unwrap_or_default()
        .to_string();
    let draft = Draft {
        severity,
        title: text_or_empty(v, &["finding_info", "title"]),
        rule_id,
        resource: first_text(
            v,
            &[
                &["resources", "0", "uid_alt"],
                &["resources", "0", "uid"],
                &["resources", "0", "name"],
            ],
        ),
        namespace: first_text(v, &[&["resources", "0", "namespace"]]),
        account: first_text(
            v,
            &[
                &["cloud", "account", "uid"],
                &["resources", "0", "owner", "account", "uid"],
            ],
        ),
        region: first_text(v, &[&["cloud", "region"], &["resources", "0", "region"]]),
        cluster: sink.cluster.as_deref().unwrap_or_default().into(),
        description: text_or_empty(v, &["finding_info", "desc"]),
        remediation_text: text_or_empty(v, &["remediation", "desc"]),
        remediation_url: remediation_url.into(),
        first_seen: time(v, &["finding_info", "first_seen_time_dt"])
            .or_else(|| time(v, &["finding_info", "created_time_dt"])),
        last_seen: time(v, &["finding_info", "last_seen_time_dt"])
            .or_else(|| time(v, &["time_dt"])),
        open: is_open(v),
        raw: sink.raw_record(v),
        tags: ocsf_tags(v),
        layer: None,
        signals: super::signals::ocsf(v),
    };
    sink.push(draft.finish(Source::Securityhub, &[&product, &uid]));
    Ok(())
}

fn time(v: &Node, path: &[&str]) -> Option<Timestamp> {
    text(v, path).and_then(|s| Timestamp::parse(&s))
}

fn severity(v: &Node, sink: &mut Sink) -> Severity {
    match number(v, &["severity_id"]).map(|n| n as i64) {
        Some(1) => return Severity::Info,
        Some(2) => return Severity::Low,
        Some(3) => return Severity::Medium,
        Some(4) => return Severity::High,
        Some(5) | Some(6) => return Severity::Critical,
        _ => {}
    }
    match text(v, &["severity"]) {
        Some(word) => Severity::from_label(&word).unwrap_or_else(|| {
            sink.warn(format!("unknown severity {word:?}; shown as unknown"));
            Severity::Unknown
        }),
        None => Severity::Unknown,
    }
}

/// Closed when suppressed (3) or resolved (4), or a passed compliance check.
fn is_open(v: &Node) -> bool {
    let status_closed = matches!(
        number(v, &["status_id"]).map(|n| n as i64),
        Some(3) | Some(4)
    ) || text(v, &["status"]).is_some_and(|s| {
        s.eq_ignore_ascii_case("suppressed") || s.eq_ignore_ascii_case("resolved")
    });
    let passed = text(v, &["compliance", "status"]).is_some_and(|s| s.eq_ignore_ascii_case("pass"));
    !(status_closed || passed)
}

/// OCSF resource tags: `[{"name": "team", "value": "payments"}]`.
fn ocsf_tags(v: &Node) -> Vec<(String, String)> {
    crate::sources::json::array(v, &["resources", "0", "tags"])
        .iter()
        .filter_map(|t| {
            Some((
                t.get("name")?.as_str()?.to_string(),
                t.get("value")?.as_str()?.to_string(),
            ))
        })
        .collect()
}
