//! Where a finding came from: a fixed set of sources, and the code scanners
//! a SARIF file names (CodeQL, Semgrep, Checkov, …), each by its own name.

use std::fmt;
use std::str::FromStr;
use std::sync::RwLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A source, as a small number: findings carry one each, and grouping and
/// sorting compare them. The fixed sources have fixed numbers (and compare
/// in this order); a scanner named by a SARIF file gets the next free number
/// the first time its name is seen.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Source(u16);

/// Each fixed source: its name and its fingerprints' prefix.
const FIXED: [(&str, &str); 10] = [
    ("securityhub", "sh-"),
    ("kubescape", "ks-"),
    ("starboard", "sb-"),
    ("trivy", "tv-"),
    ("grype", "gr-"),
    ("kube-bench", "kb-"),
    ("popeye", "pp-"),
    ("prowler", "pw-"),
    ("inspector", "in-"),
    ("sarif", "sa-"),
];

// The fixed sources spelt as the variants they were before SARIF tools had
// names of their own (they match in patterns like an enum's).
#[allow(non_upper_case_globals)]
impl Source {
    pub const Securityhub: Source = Source(0);
    pub const Kubescape: Source = Source(1);
    /// Starboard and Trivy-Operator reports: same API group, same CRDs.
    pub const Starboard: Source = Source(2);
    /// The Trivy command line (`trivy image|fs|repo|config|k8s --format json`).
    pub const Trivy: Source = Source(3);
    pub const Grype: Source = Source(4);
    pub const KubeBench: Source = Source(5);
    pub const Popeye: Source = Source(6);
    pub const Prowler: Source = Source(7);
    /// Amazon Inspector's own findings (not through Security Hub).
    pub const Inspector: Source = Source(8);
    /// A SARIF file whose tool gave no usable name.
    pub const Sarif: Source = Source(9);
}

impl Source {
    /// The fixed sources, in their order.
    pub const ALL: [Source; 10] = [
        Source::Securityhub,
        Source::Kubescape,
        Source::Starboard,
        Source::Trivy,
        Source::Grype,
        Source::KubeBench,
        Source::Popeye,
        Source::Prowler,
        Source::Inspector,
        Source::Sarif,
    ];

    pub fn as_str(self) -> &'static str {
        match FIXED.get(usize::from(self.0)) {
            Some((name, _)) => name,
            None => named(usize::from(self.0) - FIXED.len()).unwrap_or("sarif"),
        }
    }

    /// The fingerprints' prefix: `sa-` for every scanner SARIF names.
    pub fn prefix(self) -> &'static str {
        FIXED.get(usize::from(self.0)).map_or("sa-", |(_, p)| p)
    }

    /// The 4C layer of this source's findings when the record says no more:
    /// Security Hub, Prowler and Inspector are cloud, the Kubernetes
    /// scanners cluster, Trivy and Grype container, SARIF tools code.
    pub fn layer(self) -> super::Layer {
        use super::Layer;
        match self {
            Source::Securityhub | Source::Prowler | Source::Inspector => Layer::Cloud,
            Source::Kubescape | Source::Starboard | Source::KubeBench | Source::Popeye => {
                Layer::Cluster
            }
            Source::Trivy | Source::Grype => Layer::Container,
            _ => Layer::Code,
        }
    }

    /// Its number: below [`Source::known`]`().len()`.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// Every source this process knows so far: the fixed ones, then the
    /// tools named since, in their numbers' order.
    pub fn known() -> Vec<Source> {
        let named = NAMED.names.read().map_or(0, |n| n.len());
        (0..FIXED.len() + named).map(|i| Source(i as u16)).collect()
    }

    /// Whether this is one of the fixed sources (not a SARIF tool's name).
    pub fn is_fixed(self) -> bool {
        usize::from(self.0) < FIXED.len()
    }

    /// The source a scanner's name stands for: a fixed source by its name
    /// or alias (a Trivy SARIF file is `trivy`), else the name itself made
    /// safe (lower case, letters, digits, `-`, `_` and `.`, at most 40),
    /// numbered the first time it is seen. Past [`MAX_NAMED`] names, or
    /// with nothing left of the name, it is [`Source::Sarif`].
    pub fn named(name: &str) -> Source {
        let clean = clean_name(name);
        if clean.is_empty() {
            return Source::Sarif;
        }
        if let Some(fixed) = fixed_alias(&clean) {
            return fixed;
        }
        NAMED
            .number(clean)
            .map_or(Source::Sarif, |i| Source((FIXED.len() + i) as u16))
    }
}

/// How many scanners' names a process tells apart (a hostile file naming a
/// new tool in every run must not grow memory without bound).
pub const MAX_NAMED: usize = 256;

static NAMED: Registry = Registry::new(MAX_NAMED);

fn named(i: usize) -> Option<&'static str> {
    NAMED.name(i)
}

/// Names numbered in the order first seen, at most `max` of them.
struct Registry {
    names: RwLock<Vec<&'static str>>,
    max: usize,
}

impl Registry {
    const fn new(max: usize) -> Registry {
        Registry {
            names: RwLock::new(Vec::new()),
            max,
        }
    }

    /// The name's number; `None` once `max` names are taken.
    fn number(&self, clean: String) -> Option<usize> {
        let find = |list: &[&str]| list.iter().position(|n| *n == clean);
        if let Some(i) = find(&self.names.read().ok()?) {
            return Some(i);
        }
        let mut list = self.names.write().ok()?;
        if let Some(i) = find(&list) {
            return Some(i);
        }
        if list.len() >= self.max {
            return None;
        }
        // Kept for the process's life: at most `max` names of 40 bytes.
        list.push(Box::leak(clean.into_boxed_str()));
        Some(list.len() - 1)
    }

    fn name(&self, i: usize) -> Option<&'static str> {
        self.names.read().ok()?.get(i).copied()
    }
}

fn clean_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if out.len() >= 40 {
            break;
        }
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn fixed_alias(clean: &str) -> Option<Source> {
    Some(match clean {
        "securityhub" | "security-hub" | "asff" | "ocsf" => Source::Securityhub,
        "kubescape" => Source::Kubescape,
        "starboard" | "trivy-operator" => Source::Starboard,
        "trivy" => Source::Trivy,
        "grype" => Source::Grype,
        "kube-bench" | "kubebench" => Source::KubeBench,
        "popeye" => Source::Popeye,
        "prowler" => Source::Prowler,
        "inspector" | "inspector2" | "amazon-inspector" => Source::Inspector,
        "sarif" => Source::Sarif,
        _ => return None,
    })
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Source({})", self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown source {0:?} (expected securityhub, kubescape, starboard, trivy, grype, kube-bench, popeye, prowler, inspector, or a SARIF tool's name such as codeql)"
)]
pub struct UnknownSource(pub String);

/// A source asked for by name (`--source`, config): any fixed source or
/// alias, or a scanner's name as SARIF files give it.
impl FromStr for Source {
    type Err = UnknownSource;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let clean = clean_name(s);
        if clean.is_empty() || clean != s.trim().to_ascii_lowercase() {
            return Err(UnknownSource(s.to_string()));
        }
        Ok(Source::named(&clean))
    }
}

impl Serialize for Source {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Source, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_fixed_sources_aliases_or_tools_of_their_own() {
        assert_eq!(Source::named("Trivy"), Source::Trivy);
        assert_eq!(Source::named("trivy-operator"), Source::Starboard);
        assert_eq!("kubebench".parse::<Source>().unwrap(), Source::KubeBench);
        let codeql = Source::named("CodeQL");
        assert!(!codeql.is_fixed());
        assert_eq!(codeql.as_str(), "codeql");
        assert_eq!(Source::named("codeql"), codeql);
        assert_eq!(codeql.prefix(), "sa-");
        assert_eq!(
            Source::named("Dependency Check").as_str(),
            "dependency-check"
        );
        // Escapes and invisible characters never reach a name; nothing
        // usable left is the SARIF catch-all.
        let hostile = Source::named("\u{202e}\u{1b}[31mevil\u{200b}tool");
        assert_eq!(hostile.as_str(), "31mevil-tool");
        assert_eq!(Source::named("\u{202e}\u{200b} \u{1b}"), Source::Sarif);
        assert!("code ql".parse::<Source>().is_err());
        assert!("".parse::<Source>().is_err());
        let json = serde_json::to_string(&codeql).unwrap();
        assert_eq!(json, "\"codeql\"");
        assert_eq!(serde_json::from_str::<Source>(&json).unwrap(), codeql);
    }

    #[test]
    fn a_flood_of_tool_names_stops_at_the_bound() {
        let names = Registry::new(8);
        for i in 0..8 {
            assert_eq!(names.number(format!("tool-{i}")), Some(i));
        }
        assert_eq!(names.number("tool-3".to_string()), Some(3));
        assert_eq!(names.number("one-too-many".to_string()), None);
        assert_eq!(names.name(7), Some("tool-7"));
        assert_eq!(names.names.read().unwrap().len(), 8);
    }
}
