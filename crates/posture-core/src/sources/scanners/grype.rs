//! Grype's JSON (`grype -o json`): one finding per `matches[]` entry.

use super::super::Sink;
use super::super::draft::Draft;
use super::super::json::{array, first_text, text, text_or_empty};
use super::super::node::Node;
use crate::model::{Layer, Severity, Source};

pub fn looks_like(v: &Node) -> bool {
    v.get("matches").is_some() && (v.get("descriptor").is_some() || v.get("source").is_some())
}

/// What every match of a document shares: what was scanned.
pub(crate) struct Scanned {
    layer: Layer,
    target: String,
}

impl Scanned {
    pub(crate) fn of(doc: &Node) -> Scanned {
        // An image is the container layer; a directory or file scan is code.
        let layer = if text_or_empty(doc, &["source", "type"]) == "image" {
            Layer::Container
        } else {
            Layer::Code
        };
        let target = first_text(
            doc,
            &[
                &["source", "target", "userInput"],
                &["source", "target"],
                &["source", "target", "path"],
            ],
        )
        .into_owned();
        Scanned { layer, target }
    }
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let scanned = Scanned::of(v);
    for m in array(v, &["matches"]) {
        let raw = sink.raw(m);
        one(&scanned, m, raw, sink);
    }
    Ok(())
}

/// One match's finding.
pub(crate) fn one(scanned: &Scanned, m: &Node, raw: Option<Box<str>>, sink: &mut Sink) {
    let target = scanned.target.as_str();
    let Some(id) = text(m, &["vulnerability", "id"]) else {
        sink.warn("grype match without vulnerability.id skipped".to_string());
        return;
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
        raw,
        layer: Some(scanned.layer),
        signals: crate::sources::signals::grype(m.get("vulnerability")),
        ..Draft::default()
    };
    sink.push(draft.finish(Source::Grype, &[target, &location, &id, &pkg, &version]));
}
