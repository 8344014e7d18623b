//! The routing rules as written in `config.toml` (`[[routing.rules]]`) or a
//! `--routing FILE` (`[[rules]]`). Deserialising validates: a bad glob, an
//! unknown field or severity, or an unknown `{placeholder}` is an error that
//! names its line.

use std::collections::BTreeMap;

use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Deserializer};

use crate::model::{Layer, Severity, Source};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSpec {
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    #[serde(default)]
    pub sla: SlaSpec,
    /// Per source, the 4C layer its findings are in, overriding what the
    /// input says (`[layers] grype = "code"`: that team's Grype scans are of
    /// repositories).
    #[serde(default)]
    pub layers: LayerOverrides,
}

/// `source name = "layer"` pairs, each name and layer checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerOverrides(pub Vec<(Source, Layer)>);

impl<'de> Deserialize<'de> for LayerOverrides {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(d)?;
        map.iter()
            .map(|(source, layer)| {
                let source = source.parse::<Source>().map_err(serde::de::Error::custom)?;
                let layer = layer.parse::<Layer>().map_err(serde::de::Error::custom)?;
                Ok((source, layer))
            })
            .collect::<Result<Vec<_>, D::Error>>()
            .map(LayerOverrides)
    }
}

/// Days to fix, per severity: the JIRA due date and the review's overdue list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaSpec {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    /// 0: no due date.
    pub info: u32,
}

impl Default for SlaSpec {
    fn default() -> SlaSpec {
        SlaSpec {
            critical: 7,
            high: 30,
            medium: 90,
            low: 180,
            info: 0,
        }
    }
}

impl SlaSpec {
    pub fn days(&self, s: Severity) -> Option<u32> {
        let d = match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info | Severity::Unknown => self.info,
        };
        (d > 0).then_some(d)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Shown by `route explain`; default "rule N".
    pub name: Option<String>,
    /// `"high"`: that severity and above; `["medium", "low"]`: exactly those.
    pub severity: Option<SeverityMatch>,
    pub source: Option<Sources>,
    /// One 4C layer or a list (`["container", "code"]`).
    pub layer: Option<Layers>,
    pub rule_id: Option<Globs>,
    pub account: Option<Globs>,
    pub region: Option<Globs>,
    pub cluster: Option<Globs>,
    pub namespace: Option<Globs>,
    pub resource: Option<Globs>,
    /// Kubernetes labels of the workload (Kubescape findings that carry the object).
    #[serde(default)]
    pub k8s_labels: BTreeMap<String, Globs>,
    /// AWS resource tags (Security Hub findings that carry them).
    #[serde(default)]
    pub aws_tags: BTreeMap<String, Globs>,
    /// The team, e.g. `"payments"` or `"team-{namespace}"` (see [`Template`]).
    pub owner: Template,
    pub project: Option<String>,
    pub component: Option<Template>,
    /// An email address.
    pub assignee: Option<String>,
    #[serde(default)]
    pub labels: Vec<Template>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeverityMatch {
    AtLeast(Severity),
    AnyOf(Vec<Severity>),
}

/// Parses each name, so that an unknown one is reported by name (an
/// untagged enum would only say "did not match any variant").
fn parse_each<T: std::str::FromStr, E: serde::de::Error>(v: &[String]) -> Result<Vec<T>, E>
where
    T::Err: std::fmt::Display,
{
    v.iter()
        .map(|s| s.parse::<T>().map_err(E::custom))
        .collect()
}

impl<'de> Deserialize<'de> for SeverityMatch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match OneOrMany::<String>::deserialize(d)? {
            OneOrMany::One(s) => Ok(SeverityMatch::AtLeast(
                s.parse().map_err(serde::de::Error::custom)?,
            )),
            OneOrMany::Many(v) => Ok(SeverityMatch::AnyOf(parse_each(&v)?)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources(pub Vec<Source>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layers(pub Vec<Layer>);

impl<'de> Deserialize<'de> for Layers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Layers(parse_each(
            &OneOrMany::<String>::deserialize(d)?.to_vec(),
        )?))
    }
}

impl<'de> Deserialize<'de> for Sources {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Sources(parse_each(
            &OneOrMany::<String>::deserialize(d)?.to_vec(),
        )?))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    pub fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// One glob or a list (any may match). `*` also crosses `/`, as resource
/// names and ARNs need.
#[derive(Debug, Clone)]
pub struct Globs(pub Vec<(String, GlobMatcher)>);

impl Globs {
    pub fn matches(&self, s: &str) -> bool {
        self.0.iter().any(|(_, g)| g.is_match(s))
    }

    pub fn describe(&self) -> String {
        self.0
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

impl<'de> Deserialize<'de> for Globs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pats = OneOrMany::<String>::deserialize(d)?.to_vec();
        let mut out = Vec::with_capacity(pats.len());
        for p in pats {
            let g = Glob::new(&p)
                .map_err(|e| serde::de::Error::custom(format!("bad glob {p:?}: {}", e.kind())))?;
            out.push((p, g.compile_matcher()));
        }
        Ok(Globs(out))
    }
}

/// Text with `{namespace}`, `{account}`, `{region}`, `{cluster}`,
/// `{source}`, `{severity}`, `{label:KEY}` or `{tag:KEY}` filled in from the
/// finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(pub Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Field(Field),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Namespace,
    Account,
    Region,
    Cluster,
    Source,
    Severity,
    Label(String),
}

impl Template {
    pub fn parse(s: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("unclosed {{ in {s:?}"))?
                + open;
            let name = &rest[open + 1..close];
            let field = match name {
                "namespace" => Field::Namespace,
                "account" => Field::Account,
                "region" => Field::Region,
                "cluster" => Field::Cluster,
                "source" => Field::Source,
                "severity" => Field::Severity,
                n => match n.split_once(':') {
                    Some(("label" | "tag", key)) if !key.is_empty() => {
                        Field::Label(key.to_string())
                    }
                    _ => {
                        return Err(format!(
                            "unknown placeholder {{{n}}} in {s:?}: namespace, account, region, \
                             cluster, source, severity, label:KEY, tag:KEY"
                        ));
                    }
                },
            };
            pieces.push(Piece::Field(field));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template(pieces))
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Template::parse(&s).map_err(serde::de::Error::custom)
    }
}
