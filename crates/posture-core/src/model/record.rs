//! The documented JSON form of a finding: what `posture list --format json`
//! prints and what snapshot files store. Field names are a public contract.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::finding::{Finding, Fingerprint, Remediation, Source};
use super::safe_text::SafeText;
use super::severity::Severity;
use super::timestamp::Timestamp;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingRecord {
    pub fingerprint: String,
    pub source: Source,
    /// The 4C layer; records saved before layers existed take their source's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<super::Layer>,
    pub severity: Severity,
    pub title: String,
    #[serde(default)]
    pub rule_id: String,
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub cluster: String,
    pub open: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub remediation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Timestamp>,
    // The priority signals are left out when nothing says (most findings
    // of a snapshot: a million of them would carry 50 MB of nulls).
    /// An exploit is known to be available (also when the CVE is in KEV);
    /// absent when no input or catalogue says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exploit: Option<bool>,
    /// In CISA's Known Exploited Vulnerabilities catalogue; absent: not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kev: bool,
    /// FIRST's EPSS probability of exploitation, 0 to 1; absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<f32>,
    /// A fixed version is available (or not); absent when the input does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<bool>,
    /// The triage decision, where posture knows it (`posture list`, snapshots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<crate::triage::Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jira: Option<String>,
    /// An accepted risk past its expiry date (the status is `new` again).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub risk_expired: bool,
    /// AWS resource tags or Kubernetes workload labels, where known.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The owner from routing, where posture computed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The original input record, only where asked for (`--raw`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<Box<RawValue>>,
}

impl FindingRecord {
    /// JSON carries the original text (the serializer escapes it); terminals get
    /// the display form.
    pub fn from_finding(f: &Finding, with_raw: bool) -> FindingRecord {
        FindingRecord {
            fingerprint: f.fingerprint.to_string(),
            source: f.source,
            layer: Some(f.layer),
            severity: f.severity,
            title: f.title.original().to_string(),
            rule_id: f.rule_id.original().to_string(),
            resource: f.resource.original().to_string(),
            namespace: f.namespace.original().to_string(),
            account: f.account.original().to_string(),
            region: f.region.original().to_string(),
            cluster: f.cluster.original().to_string(),
            open: f.open,
            description: f.description.original().to_string(),
            remediation: f.remediation.text.original().to_string(),
            remediation_url: f.remediation.url.as_ref().map(|u| u.original().to_string()),
            first_seen: f.first_seen,
            last_seen: f.last_seen,
            exploit: f.signals.exploit_known(),
            kev: f.signals.kev,
            epss: f.signals.epss,
            fix: f.signals.fix,
            status: None,
            note: None,
            jira: None,
            risk_expired: false,
            tags: f
                .tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            owner: None,
            raw: if with_raw {
                f.raw
                    .as_deref()
                    .and_then(|r| RawValue::from_string(r.to_string()).ok())
            } else {
                None
            },
        }
    }

    /// Adds the triage decision: `status` and `note` always, `jira` when set.
    pub fn with_triage(
        mut self,
        facts: &crate::query::Facts,
        mark: Option<&crate::triage::Mark>,
    ) -> FindingRecord {
        self.status = Some(facts.status);
        self.note = Some(mark.map(|m| m.note.clone()).unwrap_or_default());
        self.jira = mark.map(|m| m.jira.clone()).filter(|j| !j.is_empty());
        self.risk_expired = facts.expired;
        self
    }

    pub fn into_finding(self) -> Finding {
        Finding {
            fingerprint: Fingerprint::from_stored(&self.fingerprint),
            source: self.source,
            layer: self.layer.unwrap_or_else(|| self.source.layer()),
            severity: self.severity,
            title: SafeText::line(&self.title),
            rule_id: SafeText::line(&self.rule_id),
            resource: SafeText::line(&self.resource),
            namespace: SafeText::line(&self.namespace),
            account: SafeText::line(&self.account),
            region: SafeText::line(&self.region),
            cluster: SafeText::line(&self.cluster),
            description: SafeText::multi(&self.description),
            remediation: Remediation {
                text: SafeText::multi(&self.remediation),
                url: self.remediation_url.as_deref().map(SafeText::line),
            },
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            open: self.open,
            signals: crate::model::Signals {
                exploit: self.exploit,
                fix: self.fix,
                kev: self.kev,
                epss: self
                    .epss
                    .and_then(|e| crate::model::Signals::epss_of(f64::from(e))),
            },
            raw: self.raw.map(|r| r.get().into()),
            tags: crate::sources::draft::into_tags(self.tags.into_iter().collect()),
        }
    }
}
