//! Trivy's JSON (`trivy image|fs|repo|config|sbom --format json`, schema
//! version 2) and `trivy k8s --format json`, both its `Resources[]` and the
//! older `Vulnerabilities[]`/`Misconfigurations[]` resource lists. One
//! finding per vulnerability, misconfiguration and secret (licenses are not
//! findings).

use super::super::Sink;
use super::super::draft::Draft;
use super::super::json::{array, first_text, text_or_empty};
use super::super::node::Node;
use super::Repeats;
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
    let mut repeats = Repeats::default();
    if v.get("ClusterName").is_some() {
        let cluster = first_text(v, &[&["ClusterName"]]);
        for list in ["Resources", "Vulnerabilities", "Misconfigurations"] {
            for resource in array(v, &[list]) {
                let name = k8s_name(resource);
                let target = Target {
                    artifact: &name,
                    namespace: &text_or_empty(resource, &["Namespace"]),
                    cluster: &cluster,
                    // Images are the container layer; the cluster's own
                    // configuration is the cluster's.
                    vulnerabilities: Layer::Container,
                    misconfigurations: Layer::Cluster,
                };
                results(resource, &target, &mut repeats, sink);
            }
        }
        return Ok(());
    }
    let artifact = text_or_empty(v, &["ArtifactName"]);
    // An image's findings are the container layer; a directory, repository,
    // configuration or SBOM scan is code.
    let layer = match &*text_or_empty(v, &["ArtifactType"]) {
        "container_image" | "vm" => Layer::Container,
        _ => Layer::Code,
    };
    let cluster = sink.cluster.clone().unwrap_or_default();
    let target = Target {
        artifact: &artifact,
        namespace: "",
        cluster: &cluster,
        vulnerabilities: layer,
        misconfigurations: layer,
    };
    results(v, &target, &mut repeats, sink);
    Ok(())
}

struct Target<'a> {
    artifact: &'a str,
    namespace: &'a str,
    cluster: &'a str,
    vulnerabilities: Layer,
    misconfigurations: Layer,
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

fn results(v: &Node, t: &Target, repeats: &mut Repeats, sink: &mut Sink) {
    for result in array(v, &["Results"]) {
        let file = text_or_empty(result, &["Target"]);
        for vuln in array(result, &["Vulnerabilities"]) {
            vulnerability(vuln, &file, t, repeats, sink);
        }
        for m in array(result, &["Misconfigurations"]) {
            misconfiguration(m, &file, t, repeats, sink);
        }
        for s in array(result, &["Secrets"]) {
            secret(s, &file, t, repeats, sink);
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
    if file.is_empty() || file.starts_with(t.artifact) || t.artifact.is_empty() {
        if file.is_empty() {
            t.artifact.to_string()
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
        namespace: t.namespace.to_string().into(),
        cluster: t.cluster.to_string().into(),
        open: true,
        layer: Some(layer),
        ..Draft::default()
    }
}

fn vulnerability(v: &Node, file: &str, t: &Target, repeats: &mut Repeats, sink: &mut Sink) {
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
    d.raw = sink.raw(v);
    let pkg_path = text_or_empty(v, &["PkgPath"]);
    let identity = [
        t.cluster,
        t.namespace,
        t.artifact,
        file,
        &id,
        &pkg,
        &version,
        &pkg_path,
    ];
    let nth = repeats.mark(&identity);
    let f = d.finish(Source::Trivy, &[&identity[..], &[&nth]].concat());
    sink.push(f);
}

fn misconfiguration(m: &Node, file: &str, t: &Target, repeats: &mut Repeats, sink: &mut Sink) {
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
    d.raw = sink.raw(m);
    let line = first_text(m, &[&["CauseMetadata", "StartLine"]]);
    let cause = first_text(m, &[&["CauseMetadata", "Resource"]]);
    let identity = [t.cluster, t.namespace, t.artifact, file, &id, &cause, &line];
    let nth = repeats.mark(&identity);
    sink.push(d.finish(Source::Trivy, &[&identity[..], &[&nth]].concat()));
}

fn secret(s: &Node, file: &str, t: &Target, repeats: &mut Repeats, sink: &mut Sink) {
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
    d.raw = sink.raw(s);
    let identity = [t.cluster, t.namespace, t.artifact, file, &rule, &line];
    let nth = repeats.mark(&identity);
    sink.push(d.finish(Source::Trivy, &[&identity[..], &[&nth]].concat()));
}
