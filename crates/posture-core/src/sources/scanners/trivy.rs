//! Trivy's JSON (`trivy image|fs|repo|config|sbom --format json`, schema
//! version 2) and `trivy k8s --format json`, both its `Resources[]` and the
//! older `Vulnerabilities[]`/`Misconfigurations[]` resource lists. One
//! finding per vulnerability, misconfiguration and secret (licenses are not
//! findings).

use super::super::Sink;
use super::super::draft::Draft;
use super::super::json::{array, first_text, text_or_empty};
use super::super::node::Node;
use crate::model::{Layer, Severity, Source};

pub fn looks_like(v: &Node) -> bool {
    (v.get("SchemaVersion").is_some()
        && (v.get("Results").is_some() || v.get("ArtifactName").is_some()))
        || (v.get("ClusterName").is_some()
            && ["Resources", "Vulnerabilities", "Misconfigurations"]
                .iter()
                .any(|k| v.get(k).is_some()))
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    if v.get("ClusterName").is_some() {
        let cluster = first_text(v, &[&["ClusterName"]]);
        for list in ["Resources", "Vulnerabilities", "Misconfigurations"] {
            for resource in array(v, &[list]) {
                let target = Target {
                    artifact: k8s_name(resource),
                    namespace: text_or_empty(resource, &["Namespace"]).into_owned(),
                    cluster: cluster.to_string(),
                    // Images are the container layer; the cluster's own
                    // configuration is the cluster's.
                    vulnerabilities: Layer::Container,
                    misconfigurations: Layer::Cluster,
                };
                results(resource, &target, sink);
            }
        }
        return Ok(());
    }
    let target = Target::of_scan(v, sink.cluster.as_deref());
    results(v, &target, sink);
    Ok(())
}

/// What the findings of one scanned thing share.
pub(crate) struct Target {
    artifact: String,
    namespace: String,
    cluster: String,
    vulnerabilities: Layer,
    misconfigurations: Layer,
}

impl Target {
    /// The artifact of a `trivy image|fs|repo|config|sbom` report.
    pub(crate) fn of_scan(v: &Node, cluster: Option<&str>) -> Target {
        // An image's findings are the container layer; a directory,
        // repository, configuration or SBOM scan is code.
        let layer = match &*text_or_empty(v, &["ArtifactType"]) {
            "container_image" | "vm" => Layer::Container,
            _ => Layer::Code,
        };
        Target {
            artifact: text_or_empty(v, &["ArtifactName"]).into_owned(),
            namespace: String::new(),
            cluster: cluster.unwrap_or_default().to_string(),
            vulnerabilities: layer,
            misconfigurations: layer,
        }
    }
}

/// What a `Results[]` entry lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Vulnerability,
    Misconfiguration,
    Secret,
}

impl Kind {
    pub(crate) const ALL: [(Kind, &'static str); 3] = [
        (Kind::Vulnerability, "Vulnerabilities"),
        (Kind::Misconfiguration, "Misconfigurations"),
        (Kind::Secret, "Secrets"),
    ];
}

/// One entry of a result (`file` is its `Target`).
pub(crate) fn item(
    kind: Kind,
    v: &Node,
    raw: Option<Box<str>>,
    file: &str,
    t: &Target,
    sink: &mut Sink,
) {
    if !v.is_object() {
        sink.error(format!(
            "a Trivy {kind:?} entry that is not an object skipped"
        ));
        return;
    }
    match kind {
        Kind::Vulnerability => vulnerability(v, raw, file, t, sink),
        Kind::Misconfiguration => misconfiguration(v, raw, file, t, sink),
        Kind::Secret => secret(v, raw, file, t, sink),
    }
}

/// `Kind/Name` of a `trivy k8s` resource.
fn k8s_name(r: &Node) -> String {
    let (kind, name) = (text_or_empty(r, &["Kind"]), text_or_empty(r, &["Name"]));
    match (kind.is_empty(), name.is_empty()) {
        (false, false) => format!("{kind}/{name}"),
        (true, _) => name.into_owned(),
        (false, true) => kind.into_owned(),
    }
}

fn results(v: &Node, t: &Target, sink: &mut Sink) {
    for result in array(v, &["Results"]) {
        let file = text_or_empty(result, &["Target"]);
        for (kind, list) in Kind::ALL {
            for entry in array(result, &[list]) {
                let raw = sink.raw(entry);
                item(kind, entry, raw, &file, t, sink);
            }
        }
    }
}

fn severity(v: &Node, sink: &mut Sink) -> Severity {
    let word = text_or_empty(v, &["Severity"]);
    Severity::from_label(&word).unwrap_or_else(|| {
        sink.warn(format!("unknown severity {word:?}; shown as unknown"));
        Severity::Unknown
    })
}

/// What a finding is on: the artifact and, when it says more, the file.
fn resource(t: &Target, file: &str) -> String {
    if file.is_empty() || file.starts_with(&t.artifact) || t.artifact.is_empty() {
        if file.is_empty() {
            t.artifact.clone()
        } else {
            file.to_string()
        }
    } else {
        format!("{} ({file})", t.artifact)
    }
}

fn draft<'a>(t: &Target, file: &str, severity: Severity, layer: Layer) -> Draft<'a> {
    Draft {
        severity,
        resource: resource(t, file).into(),
        namespace: t.namespace.clone().into(),
        cluster: t.cluster.clone().into(),
        open: true,
        layer: Some(layer),
        ..Draft::default()
    }
}

fn vulnerability(v: &Node, raw: Option<Box<str>>, file: &str, t: &Target, sink: &mut Sink) {
    let id = text_or_empty(v, &["VulnerabilityID"]);
    let pkg = first_text(v, &[&["PkgName"], &["PkgID"]]);
    let version = text_or_empty(v, &["InstalledVersion"]);
    let fixed = text_or_empty(v, &["FixedVersion"]);
    let mut d = draft(t, file, severity(v, sink), t.vulnerabilities);
    d.title = format!("{id} in {pkg} {version}").into();
    d.rule_id = id.clone();
    d.description = format!(
        "{}\n\n{}\n\nPackage: {pkg} {version}\nTarget: {file}",
        text_or_empty(v, &["Title"]),
        text_or_empty(v, &["Description"])
    )
    .into();
    d.remediation_text = if fixed.is_empty() {
        format!("No fixed version of {pkg} is known yet.")
    } else {
        format!("Upgrade {pkg} from {version} to {fixed}.")
    }
    .into();
    d.remediation_url = text_or_empty(v, &["PrimaryURL"]);
    d.signals = crate::sources::signals::fixed_version(&fixed);
    d.raw = raw;
    let pkg_path = text_or_empty(v, &["PkgPath"]);
    let identity = [
        &*t.cluster,
        &t.namespace,
        &t.artifact,
        file,
        &id,
        &pkg,
        &version,
        &pkg_path,
    ];
    let f = d.finish(Source::Trivy, &identity);
    sink.push(f);
}

fn misconfiguration(m: &Node, raw: Option<Box<str>>, file: &str, t: &Target, sink: &mut Sink) {
    let id = first_text(m, &[&["AVDID"], &["ID"]]);
    let status = text_or_empty(m, &["Status"]).to_ascii_uppercase();
    let mut d = draft(t, file, severity(m, sink), t.misconfigurations);
    d.title = first_text(m, &[&["Title"], &["ID"]]);
    d.rule_id = id.clone();
    d.description = format!(
        "{}\n\n{}",
        text_or_empty(m, &["Description"]),
        text_or_empty(m, &["Message"])
    )
    .into();
    d.remediation_text = text_or_empty(m, &["Resolution"]);
    d.remediation_url = text_or_empty(m, &["PrimaryURL"]);
    // A passed check is recorded, closed.
    d.open = status != "PASS";
    d.raw = raw;
    let line = first_text(m, &[&["CauseMetadata", "StartLine"]]);
    let cause = first_text(m, &[&["CauseMetadata", "Resource"]]);
    let identity = [
        &*t.cluster,
        &t.namespace,
        &t.artifact,
        file,
        &id,
        &cause,
        &line,
    ];
    sink.push(d.finish(Source::Trivy, &identity));
}

fn secret(s: &Node, raw: Option<Box<str>>, file: &str, t: &Target, sink: &mut Sink) {
    let rule = text_or_empty(s, &["RuleID"]);
    let line = first_text(s, &[&["StartLine"]]);
    let mut d = draft(t, file, severity(s, sink), t.vulnerabilities);
    d.title = first_text(s, &[&["Title"], &["RuleID"]]);
    d.rule_id = rule.clone();
    d.description = format!(
        "{} secret at line {line} of {file}",
        text_or_empty(s, &["Category"])
    )
    .into();
    d.remediation_text = "Remove the secret from the artifact and rotate it.".into();
    d.raw = raw;
    let identity = [&*t.cluster, &t.namespace, &t.artifact, file, &rule, &line];
    sink.push(d.finish(Source::Trivy, &identity));
}
