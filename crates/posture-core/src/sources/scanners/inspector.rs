//! Amazon Inspector v2's own findings (`aws inspector2 list-findings`):
//! `{"findings": [...]}`, one finding each.

use super::super::Sink;
use super::super::draft::Draft;
use super::super::json::{array, first_text, text, text_or_empty};
use super::super::node::Node;
use crate::model::{Layer, Severity, Source, Timestamp};

pub fn looks_like(v: &Node) -> bool {
    match v.get("findings").and_then(Node::as_array) {
        Some([]) => v.as_object().is_some_and(|o| o.len() <= 2),
        Some([first, ..]) => first.get("findingArn").is_some(),
        None => v.get("findingArn").is_some() && v.get("awsAccountId").is_some(),
    }
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    if v.get("findings").is_some() {
        for f in array(v, &["findings"]) {
            let raw = sink.raw(f);
            if let Err(e) = finding(f, raw, sink) {
                sink.error(e);
            }
        }
        Ok(())
    } else {
        let raw = sink.raw_record(v);
        finding(v, raw, sink)
    }
}

/// One finding of the list.
pub(crate) fn finding(v: &Node, raw: Option<Box<str>>, sink: &mut Sink) -> Result<(), String> {
    let arn = text_or_empty(v, &["findingArn"]);
    if arn.is_empty() {
        return Err("Inspector finding without findingArn".to_string());
    }
    let word = text_or_empty(v, &["severity"]);
    let severity = match word.to_ascii_uppercase().as_str() {
        "UNTRIAGED" => Severity::Unknown,
        _ => Severity::from_label(&word).unwrap_or_else(|| {
            sink.warn(format!("unknown severity {word:?}; shown as unknown"));
            Severity::Unknown
        }),
    };
    let status = text_or_empty(v, &["status"]).to_ascii_uppercase();
    let kind = text_or_empty(v, &["type"]);
    let resource_type = text_or_empty(v, &["resources", "0", "type"]);
    // Images are the container layer, Lambda code findings code, the rest
    // (EC2, networks, Lambda packages) the cloud.
    let layer = if resource_type == "AWS_ECR_CONTAINER_IMAGE" {
        Layer::Container
    } else if kind == "CODE_VULNERABILITY" {
        Layer::Code
    } else {
        Layer::Cloud
    };
    let packages: Vec<String> = array(v, &["packageVulnerabilityDetails", "vulnerablePackages"])
        .iter()
        .map(|p| {
            let fixed = text_or_empty(p, &["fixedInVersion"]);
            format!(
                "{} {}{}",
                text_or_empty(p, &["name"]),
                text_or_empty(p, &["version"]),
                if fixed.is_empty() {
                    String::new()
                } else {
                    format!(" (fixed in {fixed})")
                }
            )
        })
        .collect();
    let draft = Draft {
        severity,
        title: text_or_empty(v, &["title"]),
        rule_id: first_text(
            v,
            &[
                &["packageVulnerabilityDetails", "vulnerabilityId"],
                &["codeVulnerabilityDetails", "detectorId"],
                &["networkReachabilityDetails", "protocol"],
                &["type"],
            ],
        ),
        resource: first_text(v, &[&["resources", "0", "id"]]),
        account: text_or_empty(v, &["awsAccountId"]),
        region: first_text(v, &[&["resources", "0", "region"]]),
        cluster: sink.cluster.clone().unwrap_or_default().into(),
        description: if packages.is_empty() {
            text_or_empty(v, &["description"]).into_owned()
        } else {
            format!(
                "{}\n\nPackages: {}",
                text_or_empty(v, &["description"]),
                packages.join(", ")
            )
        }
        .into(),
        remediation_text: first_text(v, &[&["remediation", "recommendation", "text"]]),
        remediation_url: first_text(
            v,
            &[
                &["remediation", "recommendation", "Url"],
                &["remediation", "recommendation", "url"],
                &["packageVulnerabilityDetails", "sourceUrl"],
            ],
        ),
        first_seen: time(v, "firstObservedAt"),
        last_seen: time(v, "lastObservedAt").or_else(|| time(v, "updatedAt")),
        open: !matches!(status.as_str(), "CLOSED" | "SUPPRESSED"),
        raw,
        layer: Some(layer),
        signals: crate::sources::signals::inspector(v),
        ..Draft::default()
    };
    sink.push(draft.finish(Source::Inspector, &[&arn]));
    Ok(())
}

fn time(v: &Node, key: &str) -> Option<Timestamp> {
    text(v, &[key]).and_then(|s| Timestamp::parse(&s))
}
