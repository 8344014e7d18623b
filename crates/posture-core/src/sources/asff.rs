//! AWS Security Finding Format: `aws securityhub get-findings` pages, bare arrays
//! and JSON Lines (Prowler). One finding per ASFF record.
//!
//! A record is read into [`Fields`], what posture uses of it, either from its
//! parsed tree (any record) or straight from its text ([`typed`], records of
//! the usual shape, most of a large page), then made into a finding.

use std::borrow::Cow;

use super::node::Node;

use super::Sink;
use super::draft::Draft;
use super::json::{array, at, first_text, number, text, text_or_empty};
use crate::model::{Severity, Source, Timestamp};

pub mod typed;

/// An ASFF finding has these; OCSF and Kubernetes objects do not.
pub fn looks_like(v: &Node) -> bool {
    v.get("ProductArn").is_some()
        || (v.get("SchemaVersion").is_some() && v.get("Id").is_some())
        || (v.get("AwsAccountId").is_some() && v.get("Severity").is_some())
}

/// What posture reads of an ASFF record, however the record was read.
#[derive(Debug, Default)]
pub struct Fields<'r> {
    pub id: Option<Cow<'r, str>>,
    pub product: Cow<'r, str>,
    /// `Severity.Label`, or `Severity` itself when it is a plain value.
    pub label: Option<Cow<'r, str>>,
    /// `Severity.Normalized`: a number, or a numeric string.
    pub normalized: Option<f64>,
    /// Whether the record has a `Severity` member at all.
    pub has_severity: bool,
    pub record_state: Option<Cow<'r, str>>,
    pub workflow_status: Option<Cow<'r, str>>,
    pub compliance_status: Option<Cow<'r, str>>,
    /// `Vulnerabilities[0].Id`.
    pub vulnerability_id: Cow<'r, str>,
    /// `Vulnerabilities[0].VulnerablePackages[]`: name, version, fixed in.
    pub packages: Vec<(Cow<'r, str>, Cow<'r, str>, Cow<'r, str>)>,
    /// The finding's texts and times, its severity, state and raw record
    /// left to [`push`]: `rule_id` is the first non-blank of
    /// `Compliance.SecurityControlId`, `ProductFields.ControlId`,
    /// `ProductFields.RuleId`, `Vulnerabilities[0].Id`, `GeneratorId`;
    /// `resource` is `Resources[0].Id`; `namespace`
    /// `Resources[0].Details.AwsEksCluster.Name`; `region` `Region`, else
    /// `Resources[0].Region`; `first_seen` `FirstObservedAt`, else
    /// `CreatedAt`; `last_seen` `LastObservedAt`, else `UpdatedAt`; `tags`
    /// `Resources[0].Tags`.
    pub draft: Draft<'r>,
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let label = text(v, &["Severity", "Label"]).or_else(|| text(v, &["Severity"]));
    let fields = Fields {
        id: text(v, &["Id"]),
        product: text_or_empty(v, &["ProductArn"]),
        label,
        normalized: number(v, &["Severity", "Normalized"]),
        has_severity: at(v, &["Severity"]).is_some(),
        record_state: text(v, &["RecordState"]),
        workflow_status: text(v, &["Workflow", "Status"]),
        compliance_status: text(v, &["Compliance", "Status"]),
        vulnerability_id: text_or_empty(v, &["Vulnerabilities", "0", "Id"]),
        packages: array(v, &["Vulnerabilities", "0", "VulnerablePackages"])
            .iter()
            .filter_map(|p| {
                Some((
                    text(p, &["Name"])?,
                    text_or_empty(p, &["Version"]),
                    text_or_empty(p, &["FixedInVersion"]),
                ))
            })
            .collect(),
        draft: Draft {
            rule_id: first_text(
                v,
                &[
                    &["Compliance", "SecurityControlId"],
                    &["ProductFields", "ControlId"],
                    &["ProductFields", "RuleId"],
                    &["Vulnerabilities", "0", "Id"],
                    &["GeneratorId"],
                ],
            ),
            title: text_or_empty(v, &["Title"]),
            description: text_or_empty(v, &["Description"]),
            resource: first_text(v, &[&["Resources", "0", "Id"]]),
            namespace: text_or_empty(v, &["Resources", "0", "Details", "AwsEksCluster", "Name"]),
            account: text_or_empty(v, &["AwsAccountId"]),
            region: first_text(v, &[&["Region"], &["Resources", "0", "Region"]]),
            remediation_text: text_or_empty(v, &["Remediation", "Recommendation", "Text"]),
            remediation_url: text_or_empty(v, &["Remediation", "Recommendation", "Url"]),
            first_seen: time(v, &["FirstObservedAt"]).or_else(|| time(v, &["CreatedAt"])),
            last_seen: time(v, &["LastObservedAt"]).or_else(|| time(v, &["UpdatedAt"])),
            tags: super::draft::string_map(at(v, &["Resources", "0", "Tags"])),
            layer: layer_of(
                !array(v, &["Vulnerabilities", "0", "CodeVulnerabilities"]).is_empty(),
                text(v, &["Resources", "0", "Type"]).as_deref(),
            ),
            signals: super::signals::asff(v),
            ..Draft::default()
        },
    };
    let raw = sink.raw_record(v);
    push(fields, raw, sink)
}

/// The 4C layer of a finding, when it is not the cloud: Inspector's
/// findings in Lambda code are code; findings on container images and
/// containers (the resource's ASFF type) are the container layer.
pub(crate) fn layer_of(in_code: bool, resource_type: Option<&str>) -> Option<crate::model::Layer> {
    use crate::model::Layer;
    if in_code {
        return Some(Layer::Code);
    }
    matches!(
        resource_type,
        Some("AwsEcrContainerImage" | "Container" | "AwsEcsContainer")
    )
    .then_some(Layer::Container)
}

/// Makes the finding of a record read into `fields`.
pub fn push(fields: Fields, raw: Option<Box<str>>, sink: &mut Sink) -> Result<(), String> {
    let id = fields.id.ok_or("ASFF finding without a string \"Id\"")?;
    let severity = severity(fields.label, fields.normalized, fields.has_severity, sink);
    let open = is_open(
        fields.record_state.as_deref(),
        fields.workflow_status.as_deref(),
        fields.compliance_status.as_deref(),
    );
    let mut draft = fields.draft;
    if !fields.vulnerability_id.is_empty() {
        let pkgs: Vec<String> = fields
            .packages
            .iter()
            .map(|(name, ver, fixed)| {
                if fixed.is_empty() {
                    format!("{name} {ver}")
                } else {
                    format!("{name} {ver} (fixed in {fixed})")
                }
            })
            .collect();
        if !pkgs.is_empty() {
            draft
                .description
                .to_mut()
                .push_str("\n\nAffected packages: ");
            draft.description.to_mut().push_str(&pkgs.join(", "));
        }
    }
    draft.severity = severity;
    draft.open = open;
    draft.raw = raw;
    draft.cluster = sink.cluster.as_deref().unwrap_or_default().into();
    sink.push(draft.finish(Source::Securityhub, &[&fields.product, &id]));
    Ok(())
}

fn time(v: &Node, path: &[&str]) -> Option<Timestamp> {
    text(v, path).and_then(|s| Timestamp::parse(&s))
}

/// `Severity.Label`; without one, `Severity.Normalized` (a number, or a numeric
/// string as some published samples have it). `"Severity": "HIGH"` is a
/// common hand-written mistake: read as the label.
fn severity(
    label: Option<Cow<str>>,
    normalized: Option<f64>,
    has_severity: bool,
    sink: &mut Sink,
) -> Severity {
    if let Some(label) = label {
        match Severity::from_label(&label) {
            Some(s) => return s,
            None => sink.warn(format!(
                "unknown Severity.Label {label:?}; using Severity.Normalized"
            )),
        }
    }
    match normalized {
        Some(n) => Severity::from_normalized(n),
        None => {
            if !has_severity {
                sink.warn("ASFF finding without Severity; shown as unknown".to_string());
            }
            Severity::Unknown
        }
    }
}

/// Closed when archived, suppressed, resolved, or a passed compliance check.
fn is_open(record_state: Option<&str>, workflow: Option<&str>, compliance: Option<&str>) -> bool {
    let is = |s: Option<&str>, want: &[&str]| {
        s.is_some_and(|s| want.iter().any(|w| s.eq_ignore_ascii_case(w)))
    };
    !(is(record_state, &["ARCHIVED"])
        || is(workflow, &["SUPPRESSED", "RESOLVED"])
        || is(compliance, &["PASSED"]))
}
