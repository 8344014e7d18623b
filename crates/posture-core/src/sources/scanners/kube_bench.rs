//! kube-bench's JSON (`kube-bench --json`): an object with `Controls`, or
//! the controls as a top-level array (each read as a record of its own).
//! FAIL is a medium finding, WARN a low one; PASS and INFO are none, as for
//! Trivy-Operator's CISKubeBenchReport.

use super::super::Sink;
use super::super::draft::Draft;
use super::super::json::{array, first_text, text_or_empty};
use super::super::node::Node;
use crate::model::{Severity, Source};

/// A whole report (`Controls`) or one control (`tests` of a `node_type`).
pub fn looks_like(v: &Node) -> bool {
    v.get("Controls").is_some()
        || (v.get("tests").is_some()
            && (v.get("node_type").is_some() || v.get("detected_version").is_some()))
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    if v.get("Controls").is_some() {
        for control in array(v, &["Controls"]) {
            parse_control(control, sink);
        }
    } else {
        parse_control(v, sink);
    }
    Ok(())
}

/// One control's FAIL and WARN results.
pub(crate) fn parse_control(control: &Node, sink: &mut Sink) {
    let node_type = text_or_empty(control, &["node_type"]);
    let cluster = sink.cluster.clone().unwrap_or_default();
    for test in array(control, &["tests"]) {
        for result in array(test, &["results"]) {
            let status = text_or_empty(result, &["status"]).to_ascii_uppercase();
            let severity = match status.as_str() {
                "FAIL" => Severity::Medium,
                "WARN" => Severity::Low,
                _ => continue,
            };
            let number = text_or_empty(result, &["test_number"]);
            let draft = Draft {
                severity,
                title: first_text(result, &[&["test_desc"], &["test_number"]]),
                rule_id: format!("CIS-{number}").into(),
                resource: if node_type.is_empty() {
                    "cluster".into()
                } else {
                    format!("{node_type} nodes").into()
                },
                cluster: cluster.clone().into(),
                description: format!(
                    "{} {}: {status}\n\n{}\n\nAudit: {}\nExpected: {}\nActual: {}",
                    text_or_empty(control, &["id"]),
                    text_or_empty(control, &["text"]),
                    text_or_empty(test, &["desc"]),
                    text_or_empty(result, &["audit"]),
                    text_or_empty(result, &["expected_result"]),
                    text_or_empty(result, &["actual_value"]),
                )
                .into(),
                remediation_text: text_or_empty(result, &["remediation"]),
                open: true,
                raw: sink.raw(result),
                ..Draft::default()
            };
            sink.push(draft.finish(Source::KubeBench, &[&cluster, &node_type, &number]));
        }
    }
}
