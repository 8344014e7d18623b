//! Grype's JSON (`grype -o json`): one finding per `matches[]` entry.

use super::super::Sink;
use super::super::draft::Draft;
use super::super::json::{array, first_text, text, text_or_empty};
use super::super::node::Node;
use super::Repeats;
use crate::model::{Layer, Severity, Source};

pub fn looks_like(v: &Node) -> bool {
    v.get("matches").is_some() && (v.get("descriptor").is_some() || v.get("source").is_some())
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    // An image is the container layer; a directory or file scan is code.
    let kind = text_or_empty(v, &["source", "type"]);
    let layer = if kind == "image" {
        Layer::Container
    } else {
        Layer::Code
    };
    let target = first_text(
        v,
        &[
            &["source", "target", "userInput"],
            &["source", "target"],
            &["source", "target", "path"],
        ],
    );
    let mut repeats = Repeats::default();
    for m in array(v, &["matches"]) {
        let Some(id) = text(m, &["vulnerability", "id"]) else {
            sink.warn("grype match without vulnerability.id skipped".to_string());
            continue;
        };
        let pkg = text_or_empty(m, &["artifact", "name"]);
        let version = text_or_empty(m, &["artifact", "version"]);
        let location = text_or_empty(m, &["artifact", "locations", "0", "path"]);
        let word = text_or_empty(m, &["vulnerability", "severity"]);
        let severity = Severity::from_label(&word).unwrap_or_else(|| {
            sink.warn(format!("unknown severity {word:?}; shown as unknown"));
            Severity::Unknown
        });
        let fixed: Vec<&str> = array(m, &["vulnerability", "fix", "versions"])
            .iter()
            .filter_map(Node::as_str)
            .collect();
        let resource = if location.is_empty() {
            target.to_string()
        } else {
            format!("{target} ({location})")
        };
        let draft = Draft {
            severity,
            title: format!("{id} in {pkg} {version}").into(),
            rule_id: id.clone(),
            resource: resource.into(),
            cluster: sink.cluster.clone().unwrap_or_default().into(),
            description: format!(
                "{}\n\nPackage: {pkg} {version} ({})\nLocation: {location}",
                text_or_empty(m, &["vulnerability", "description"]),
                text_or_empty(m, &["artifact", "type"]),
            )
            .into(),
            remediation_text: if fixed.is_empty() {
                format!("No fixed version of {pkg} is known yet.")
            } else {
                format!("Upgrade {pkg} from {version} to {}.", fixed.join(" or "))
            }
            .into(),
            remediation_url: first_text(
                m,
                &[
                    &["vulnerability", "dataSource"],
                    &["vulnerability", "urls", "0"],
                ],
            ),
            open: true,
            raw: sink.raw(m),
            layer: Some(layer),
            ..Draft::default()
        };
        let identity = [&*target, &location, &id, &pkg, &version];
        let nth = repeats.mark(&identity);
        sink.push(draft.finish(Source::Grype, &[&identity[..], &[&nth]].concat()));
    }
    Ok(())
}
