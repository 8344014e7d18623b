//! The common last step of every parser: plain strings in, a display-safe
//! [`Finding`] with a stable fingerprint out.

use std::borrow::Cow;

use crate::model::{
    Finding, Fingerprint, Layer, Remediation, SafeText, Severity, Signals, Source, Timestamp,
};

/// A finding under construction, in the parser's own terms. Its texts
/// borrow from the parsed record where they can: each is copied once, into
/// the finding, rather than first into the draft.
#[derive(Debug, Default)]
pub struct Draft<'a> {
    pub severity: Severity,
    pub title: Cow<'a, str>,
    pub rule_id: Cow<'a, str>,
    pub resource: Cow<'a, str>,
    pub namespace: Cow<'a, str>,
    pub account: Cow<'a, str>,
    pub region: Cow<'a, str>,
    pub cluster: Cow<'a, str>,
    pub description: Cow<'a, str>,
    pub remediation_text: Cow<'a, str>,
    pub remediation_url: Cow<'a, str>,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub open: bool,
    pub raw: Option<Box<str>>,
    /// AWS resource tags or Kubernetes workload labels.
    pub tags: Vec<(String, String)>,
    /// The 4C layer, when the record says more than its source does (see
    /// [`Source::layer`]).
    pub layer: Option<Layer>,
    /// Exploit, fix and EPSS, where the input says.
    pub signals: Signals,
}

impl Draft<'_> {
    /// `identity` are the parts that name this finding across reloads.
    pub fn finish(self, source: Source, identity: &[&str]) -> Finding {
        let url = self.remediation_url.trim();
        // A finding must be recognisable in a list even when its tool gave no title.
        let title = [self.title.trim(), self.rule_id.trim(), self.resource.trim()]
            .into_iter()
            .find(|t| !t.is_empty())
            .unwrap_or("(untitled finding)");
        Finding {
            fingerprint: Fingerprint::from_parts(source, identity),
            source,
            layer: self.layer.unwrap_or_else(|| source.layer()),
            severity: self.severity,
            title: SafeText::line(title),
            rule_id: SafeText::line(self.rule_id.trim()),
            resource: SafeText::line(self.resource.trim()),
            namespace: SafeText::line(self.namespace.trim()),
            account: SafeText::line(self.account.trim()),
            region: SafeText::line(self.region.trim()),
            cluster: SafeText::line(self.cluster.trim()),
            description: SafeText::multi(self.description.trim()),
            remediation: Remediation {
                text: SafeText::multi(self.remediation_text.trim()),
                url: (!url.is_empty()).then(|| SafeText::line(url)),
            },
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            open: self.open,
            signals: self.signals,
            raw: self.raw,
            tags: into_tags(self.tags),
        }
    }
}

pub fn into_tags(mut tags: Vec<(String, String)>) -> crate::model::finding::Tags {
    tags.sort();
    tags.dedup_by(|a, b| a.0 == b.0);
    tags.into_iter()
        .map(|(k, v)| (k.into_boxed_str(), v.into_boxed_str()))
        .collect()
}

/// String values of a JSON object (`{"team":"payments"}`), others skipped.
pub fn string_map(v: Option<&super::node::Node>) -> Vec<(String, String)> {
    match v {
        Some(super::node::Node::Object(m)) => m
            .iter()
            .filter_map(|(k, v)| Some((k.to_string(), v.as_str()?.to_string())))
            .collect(),
        _ => Vec::new(),
    }
}

/// `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects.
pub fn k8s_resource(kind: &str, namespace: &str, name: &str) -> String {
    match (kind.is_empty(), namespace.is_empty()) {
        (true, true) => name.to_string(),
        (true, false) => format!("{namespace}/{name}"),
        (false, true) => format!("{kind}/{name}"),
        (false, false) => format!("{kind}/{namespace}/{name}"),
    }
}
