//! SARIF 2.1.0 from any code or IaC scanner (CodeQL, Semgrep, Checkov,
//! KICS, tfsec, Gitleaks, ESLint, Trivy, Grype, Kubescape, …): one finding
//! per `runs[].results[]`, its source the tool's name.

use super::super::Sink;
use super::super::draft::Draft;
use super::super::json::{array, at, first_text, number, text, text_or_empty};
use super::super::node::Node;
use crate::model::{Layer, Severity, Source};

pub fn looks_like(v: &Node) -> bool {
    v.get("runs").and_then(Node::as_array).is_some()
        && (v.get("version").is_some() || v.get("$schema").is_some())
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    for run in array(v, &["runs"]) {
        let tool = first_text(run, &[&["tool", "driver", "name"]]);
        let source = Source::named(&tool);
        let rules = array(run, &["tool", "driver", "rules"]);
        for result in array(run, &["results"]) {
            let rule = rule_of(result, rules);
            let raw = sink.raw(result);
            push(result, rule, source, raw, sink);
        }
    }
    Ok(())
}

/// The result's rule among the driver's: by `ruleIndex`, else by `ruleId`
/// (or a hierarchical id's first part, `a/b` → `a`).
pub(crate) fn rule_of<'a, 'j>(result: &Node, rules: &'a [Node<'j>]) -> Option<&'a Node<'j>> {
    let index = number(result, &["ruleIndex"])
        .or_else(|| number(result, &["rule", "index"]))
        .filter(|i| *i >= 0.0)
        .map(|i| i as usize);
    if let Some(rule) = index.and_then(|i| rules.get(i)) {
        return Some(rule);
    }
    let id = first_text(result, &[&["ruleId"], &["rule", "id"]]);
    if id.is_empty() {
        return None;
    }
    let by = |want: &str| {
        rules
            .iter()
            .find(|r| text(r, &["id"]).as_deref() == Some(want))
    };
    by(&id).or_else(|| id.split_once('/').and_then(|(head, _)| by(head)))
}

/// The rule's (or result's) numeric `security-severity` (a number or a
/// numeric string), else the level.
fn severity(result: &Node, rule: Option<&Node>) -> Severity {
    let score = number(result, &["properties", "security-severity"])
        .or_else(|| rule.and_then(|r| number(r, &["properties", "security-severity"])));
    if let Some(s) = score.filter(|s| s.is_finite()) {
        return if s >= 9.0 {
            Severity::Critical
        } else if s >= 7.0 {
            Severity::High
        } else if s >= 4.0 {
            Severity::Medium
        } else if s > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        };
    }
    let level = text(result, &["level"])
        .or_else(|| rule.and_then(|r| text(r, &["defaultConfiguration", "level"])))
        .unwrap_or_else(|| "warning".into());
    match level.to_ascii_lowercase().as_str() {
        "error" => Severity::High,
        "note" => Severity::Low,
        "none" => Severity::Info,
        _ => Severity::Medium,
    }
}

/// Closed when suppressed (a suppression not rejected), passed or not
/// applicable, or gone since the baseline.
fn is_open(result: &Node) -> bool {
    let suppressed = array(result, &["suppressions"])
        .iter()
        .any(|s| !text(s, &["status"]).is_some_and(|st| st.eq_ignore_ascii_case("rejected")));
    let kind = text_or_empty(result, &["kind"]);
    let passed = kind == "pass" || kind == "notApplicable";
    let absent = text(result, &["baselineState"]).is_some_and(|b| b == "absent");
    !(suppressed || passed || absent)
}

/// One result's finding.
pub(crate) fn push(
    result: &Node,
    rule: Option<&Node>,
    source: Source,
    raw: Option<Box<str>>,
    sink: &mut Sink,
) {
    if !result.is_object() {
        sink.error("a SARIF result that is not an object skipped".to_string());
        return;
    }
    let rule_id = first_text(result, &[&["ruleId"], &["rule", "id"]]);
    let rule_id = if rule_id.is_empty() {
        rule.map(|r| text_or_empty(r, &["id"]).into_owned())
            .unwrap_or_default()
            .into()
    } else {
        rule_id
    };
    let location = at(result, &["locations", "0", "physicalLocation"]);
    let uri = location
        .map(|l| text_or_empty(l, &["artifactLocation", "uri"]).into_owned())
        .unwrap_or_default();
    let line = location
        .and_then(|l| text(l, &["region", "startLine"]))
        .map(|l| l.into_owned())
        .unwrap_or_default();
    let message = first_text(result, &[&["message", "text"], &["message", "markdown"]]);
    let rule_text = |path: &[&str]| {
        rule.map(|r| first_text(r, &[path]).into_owned())
            .unwrap_or_default()
    };
    let short = rule_text(&["shortDescription", "text"]);
    let title = [
        short.as_str(),
        message.lines().next().unwrap_or_default(),
        &rule_id,
    ]
    .into_iter()
    .find(|t| !t.trim().is_empty())
    .unwrap_or_default()
    .to_string();
    let resource = match (uri.is_empty(), line.is_empty()) {
        (true, _) => String::new(),
        (false, true) => uri.clone(),
        (false, false) => format!("{uri}:{line}"),
    };
    let draft = Draft {
        severity: severity(result, rule),
        title: title.into(),
        rule_id: rule_id.clone(),
        resource: resource.into(),
        cluster: sink.cluster.clone().unwrap_or_default().into(),
        description: format!("{message}\n\n{}", rule_text(&["fullDescription", "text"])).into(),
        remediation_text: rule_text(&["help", "text"]).into(),
        remediation_url: rule_text(&["helpUri"]).into(),
        open: is_open(result),
        raw,
        layer: Some(Layer::Code),
        ..Draft::default()
    };
    // The tool's own stable ids where it gives them; else what the result
    // is and where.
    let stable = fingerprints(result);
    let identity: Vec<&str> = if stable.is_empty() {
        vec![&rule_id, &uri, &line, &message]
    } else {
        let mut id = vec![&*rule_id];
        id.extend(stable.iter().map(String::as_str));
        id
    };
    sink.push(draft.finish(source, &identity));
}

/// `partialFingerprints` and `fingerprints`, as `key=value`, sorted.
fn fingerprints(result: &Node) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["fingerprints", "partialFingerprints"] {
        if let Some(Node::Object(map)) = result.get(key) {
            for (k, v) in map.iter() {
                if let Some(s) = v.as_str() {
                    out.push(format!("{key}.{k}={s}"));
                }
            }
        }
    }
    out.sort();
    out
}
