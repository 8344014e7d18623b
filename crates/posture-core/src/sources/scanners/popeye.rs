//! Popeye's JSON (`popeye -o json`), old (`popeye.sanitizers[]`) and new
//! (`popeye.sections[]`): one finding per issue of level 1 or more; 3
//! (error) is high, 2 (warning) medium, 1 (info) info.

use super::super::Sink;
use super::super::draft::Draft;
use super::super::json::{array, at, first_text, number, text_or_empty};
use super::super::node::Node;
use crate::model::{Severity, Source};

pub fn looks_like(v: &Node) -> bool {
    at(v, &["popeye", "sanitizers"]).is_some() || at(v, &["popeye", "sections"]).is_some()
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let cluster = first_text(v, &[&["popeye", "cluster"], &["popeye", "context"]]);
    let cluster = if cluster.is_empty() {
        sink.cluster.clone().unwrap_or_default()
    } else {
        cluster.into_owned()
    };
    for list in ["sanitizers", "sections"] {
        for section in array(v, &["popeye", list]) {
            let linter = first_text(section, &[&["sanitizer"], &["linter"]]);
            let gvr = text_or_empty(section, &["gvr"]);
            let Some(Node::Object(issues)) = section.get("issues") else {
                continue;
            };
            for (path, list) in issues.iter() {
                for issue in list.as_array().unwrap_or_default() {
                    let severity = match number(issue, &["level"]).map(|l| l as i64) {
                        Some(3) => Severity::High,
                        Some(2) => Severity::Medium,
                        Some(1) => Severity::Info,
                        _ => continue,
                    };
                    issue_finding(issue, severity, path, &linter, &gvr, &cluster, sink);
                }
            }
        }
    }
    Ok(())
}

#[allow(
    clippy::too_many_arguments,
    reason = "one issue's context, read once per section"
)]
fn issue_finding(
    issue: &Node,
    severity: Severity,
    path: &str,
    linter: &str,
    gvr: &str,
    cluster: &str,
    sink: &mut Sink,
) {
    let message = text_or_empty(issue, &["message"]);
    // "[POP-106] No resources requests/limits defined": the code is the rule.
    let code = message
        .strip_prefix('[')
        .and_then(|m| m.split_once(']'))
        .map(|(code, _)| code.to_string())
        .unwrap_or_default();
    let title = message
        .split_once("] ")
        .map_or(&*message, |(_, rest)| rest)
        .to_string();
    let (namespace, name) = path.split_once('/').unwrap_or(("", path));
    let group = text_or_empty(issue, &["group"]);
    let draft = Draft {
        severity,
        title: title.into(),
        rule_id: code.clone().into(),
        resource: format!("{linter}/{name}").into(),
        namespace: namespace.to_string().into(),
        cluster: cluster.to_string().into(),
        description: format!("{message}\n\nResource: {gvr} {path}\nGroup: {group}").into(),
        open: true,
        raw: sink.raw(issue),
        ..Draft::default()
    };
    sink.push(draft.finish(Source::Popeye, &[cluster, linter, path, &group, &message]));
}
