//! The one finding model every source maps into.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::safe_text::SafeText;
use super::severity::Severity;
use super::timestamp::Timestamp;

pub use super::source::{Source, UnknownSource};

/// A stable identity: the same finding read again (next week, from the API instead
/// of a file) gets the same fingerprint, so triage marks follow it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(Box<str>);

impl Fingerprint {
    /// Hashes the identifying parts; the unit separator keeps ("ab","c") and
    /// ("a","bc") apart.
    pub fn from_parts(source: Source, parts: &[&str]) -> Fingerprint {
        let mut h = Sha256::new();
        h.update(source.as_str().as_bytes());
        for p in parts {
            h.update([0x1f]);
            h.update(p.as_bytes());
        }
        let digest = h.finalize();
        let mut s = String::with_capacity(24);
        s.push_str(source.prefix());
        // By table: a formatted string per byte was a twentieth of a load.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for b in &digest[..10] {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        Fingerprint(s.into_boxed_str())
    }

    /// For fingerprints read back from a snapshot or a triage file.
    pub fn from_stored(s: &str) -> Fingerprint {
        Fingerprint(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Remediation {
    pub text: SafeText,
    pub url: Option<SafeText>,
}

/// One normalised finding. Text fields are [`SafeText`]: display-safe by
/// construction, the original kept for JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub fingerprint: Fingerprint,
    pub source: Source,
    /// Where in the 4C model it lives (cloud, cluster, container, code).
    pub layer: super::Layer,
    pub severity: Severity,
    pub title: SafeText,
    pub rule_id: SafeText,
    pub resource: SafeText,
    pub namespace: SafeText,
    pub account: SafeText,
    pub region: SafeText,
    pub cluster: SafeText,
    pub description: SafeText,
    pub remediation: Remediation,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub open: bool,
    /// Exploit, KEV, EPSS and fix: what says it can actually hurt.
    pub signals: super::Signals,
    /// AWS resource tags or Kubernetes labels of the workload, where the input
    /// carries them (for routing rules). Empty for most findings: costs 16 bytes.
    pub tags: Tags,
    /// The input record as compact JSON, for the detail view. Not part of the
    /// identity; absent for demo data and snapshots saved without raw records.
    pub raw: Option<Box<str>>,
}

/// Key/value pairs, sorted by key.
pub type Tags = Box<[(Box<str>, Box<str>)]>;

impl Finding {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v.as_ref())
    }

    /// "account/region" for cloud findings, the cluster for Kubernetes ones.
    pub fn scope(&self) -> String {
        if !self.cluster.is_empty() {
            self.cluster.display().to_string()
        } else if !self.account.is_empty() {
            if self.region.is_empty() {
                self.account.display().to_string()
            } else {
                format!("{}/{}", self.account.display(), self.region.display())
            }
        } else {
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Triage marks and snapshots are keyed by fingerprint: its spelling must
    /// never change. The values are SHA-256 prefixes computed independently.
    #[test]
    fn fingerprints_are_stable() {
        let sh = Fingerprint::from_parts(Source::Securityhub, &["arn:aws:securityhub:x", "é"]);
        assert_eq!(sh.as_str(), "sh-e204786ef3d23f9b5446");
        let a = Fingerprint::from_parts(Source::Kubescape, &["ab", "c"]);
        let b = Fingerprint::from_parts(Source::Kubescape, &["a", "bc"]);
        assert_eq!(a.as_str(), "ks-482ba0fd2029ebe35999");
        assert_eq!(b.as_str(), "ks-614a63347283822cf87f");
    }
}
