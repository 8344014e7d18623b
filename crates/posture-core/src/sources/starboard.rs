//! Starboard and Trivy-Operator reports (`aquasecurity.github.io/v1alpha1`).

use foldhash::{HashSet, HashSetExt};

use super::node::Node;

use super::Sink;
use super::draft::{Draft, k8s_resource};
use super::json::{array, first_text, text, text_or_empty};
use crate::model::{Layer, Severity, Source, Timestamp};

pub const GROUP: &str = "aquasecurity.github.io/";

pub fn is_report(v: &Node) -> bool {
    text(v, &["apiVersion"]).is_some_and(|a| a.starts_with(GROUP))
}

/// What every finding of one report shares.
struct Report {
    cluster: String,
    resource: String,
    namespace: String,
    container: String,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
    /// Image vulnerabilities and secrets are the container layer; the
    /// other reports are about the cluster (the source's layer).
    layer: Option<Layer>,
}

impl Report {
    fn of(v: &Node, sink: &Sink) -> Report {
        let namespace = text_or_empty(v, &["metadata", "namespace"]);
        let resource = workload(v, &namespace);
        let label = |k: &str| {
            first_text(
                v,
                &[
                    &["metadata", "labels", &format!("trivy-operator.{k}")],
                    &["metadata", "labels", &format!("starboard.{k}")],
                ],
            )
        };
        let ts = |p: &[&str]| text(v, p).and_then(|s| Timestamp::parse(&s));
        let last = ts(&["report", "updateTimestamp"]);
        Report {
            cluster: sink.cluster.clone().unwrap_or_default(),
            resource,
            namespace: namespace.into_owned(),
            container: label("container.name").into_owned(),
            first_seen: ts(&["metadata", "creationTimestamp"]).or(last),
            last_seen: last.or_else(|| ts(&["metadata", "creationTimestamp"])),
            layer: match &*text_or_empty(v, &["kind"]) {
                "VulnerabilityReport" | "ClusterVulnerabilityReport" | "ExposedSecretReport" => {
                    Some(Layer::Container)
                }
                _ => None,
            },
        }
    }

    fn draft(&self, severity: Severity, raw: Option<Box<str>>) -> Draft<'_> {
        Draft {
            severity,
            resource: self.resource.as_str().into(),
            namespace: self.namespace.as_str().into(),
            cluster: self.cluster.as_str().into(),
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            open: true,
            raw,
            layer: self.layer,
            ..Draft::default()
        }
    }
}

/// Entries that are identical in every field are still separate findings (two
/// equal secrets in two places of one file); numbering repeats of the same key,
/// rather than positions, keeps fingerprints stable when the report reorders.
#[derive(Default)]
struct Occurrences(foldhash::HashMap<Vec<String>, usize>);

impl Occurrences {
    fn next(&mut self, key: &[&str]) -> String {
        let n = self
            .0
            .entry(key.iter().map(|s| s.to_string()).collect())
            .or_insert(0);
        *n += 1;
        (*n - 1).to_string()
    }
}

/// The scanned workload: the controlling owner, else the owner labels, else the
/// report itself.
fn workload(v: &Node, namespace: &str) -> String {
    let owners = array(v, &["metadata", "ownerReferences"]);
    let owner = owners
        .iter()
        .find(|o| o.get("controller").and_then(Node::as_bool) == Some(true))
        .or_else(|| owners.first());
    if let Some(o) = owner {
        let (kind, name) = (text_or_empty(o, &["kind"]), text_or_empty(o, &["name"]));
        if !name.is_empty() {
            return k8s_resource(&kind, namespace, &name);
        }
    }
    for prefix in ["trivy-operator", "starboard"] {
        let label = |k: &str| {
            text_or_empty(
                v,
                &["metadata", "labels", &format!("{prefix}.resource.{k}")],
            )
        };
        let name = label("name");
        if !name.is_empty() {
            let ns = label("namespace");
            let ns = if ns.is_empty() {
                namespace.to_string()
            } else {
                ns.into_owned()
            };
            return k8s_resource(&label("kind"), &ns, &name);
        }
    }
    k8s_resource(
        &text_or_empty(v, &["kind"]),
        namespace,
        &text_or_empty(v, &["metadata", "name"]),
    )
}

/// Severity words as the reports spell them, any case; old Polaris/Conftest
/// `danger`/`warning` too.
fn severity(word: &str, sink: &mut Sink) -> Severity {
    Severity::from_label(word).unwrap_or_else(|| {
        sink.warn(format!("unknown severity {word:?}; shown as unknown"));
        Severity::Unknown
    })
}

pub fn parse(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let kind = text_or_empty(v, &["kind"]);
    let report = Report::of(v, sink);
    match &*kind {
        "VulnerabilityReport" | "ClusterVulnerabilityReport" => vulnerabilities(v, &report, sink),
        "ConfigAuditReport"
        | "ClusterConfigAuditReport"
        | "RbacAssessmentReport"
        | "ClusterRbacAssessmentReport"
        | "InfraAssessmentReport"
        | "ClusterInfraAssessmentReport" => checks(v, &kind, &report, sink),
        "ExposedSecretReport" => secrets(v, &report, sink),
        "CISKubeBenchReport" => kube_bench(v, &report, sink),
        "KubeHunterReport" => kube_hunter(v, &report, sink),
        // Inventory and roll-ups: no findings of their own.
        _ => Ok(()),
    }
}

fn vulnerabilities(v: &Node, r: &Report, sink: &mut Sink) -> Result<(), String> {
    let image = {
        let repo = text_or_empty(v, &["report", "artifact", "repository"]);
        let tag = text_or_empty(v, &["report", "artifact", "tag"]);
        let server = text_or_empty(v, &["report", "registry", "server"]);
        let mut s = if server.is_empty() {
            repo.into_owned()
        } else {
            format!("{server}/{repo}")
        };
        if !tag.is_empty() {
            s.push(':');
            s.push_str(&tag);
        }
        s
    };
    let mut seen = HashSet::new();
    for vuln in array(v, &["report", "vulnerabilities"]) {
        let Some(id) = text(vuln, &["vulnerabilityID"]) else {
            sink.warn("vulnerability without vulnerabilityID skipped".to_string());
            continue;
        };
        let pkg = text_or_empty(vuln, &["resource"]);
        let installed = text_or_empty(vuln, &["installedVersion"]);
        let target = text_or_empty(vuln, &["target"]);
        if !seen.insert((
            id.to_string(),
            pkg.clone(),
            installed.clone(),
            target.clone(),
        )) {
            continue;
        }
        let fixed = text_or_empty(vuln, &["fixedVersion"]);
        let sev = severity(&text_or_empty(vuln, &["severity"]), sink);
        let mut d = r.draft(sev, sink.raw(vuln));
        let title = text_or_empty(vuln, &["title"]);
        d.title = vulnerability_title(&id, &pkg, &title).into();
        d.rule_id = id.clone();
        d.description = format!(
            "{}\n\nImage: {image}\nContainer: {}\nPackage: {pkg} {installed}",
            text_or_empty(vuln, &["description"]),
            r.container
        )
        .into();
        d.remediation_text = if fixed.is_empty() {
            format!("No fixed version of {pkg} is available yet.").into()
        } else {
            format!("Upgrade {pkg} from {installed} to {fixed}.").into()
        };
        d.remediation_url = first_text(vuln, &[&["primaryLink"], &["links", "0"]]);
        d.signals = super::signals::fixed_version(&fixed);
        let identity = [
            r.cluster.as_str(),
            &r.resource,
            &r.container,
            &id,
            &pkg,
            &installed,
            &target,
        ];
        sink.push(d.finish(Source::Starboard, &identity));
    }
    Ok(())
}

/// "CVE-2023-23914 curl: HSTS ignored …": Trivy titles usually start with the
/// package already; name it only where they do not.
pub fn vulnerability_title(id: &str, pkg: &str, title: &str) -> String {
    if title.is_empty() {
        format!("{id} in {pkg}")
    } else if pkg.is_empty() || title.contains(pkg) {
        format!("{id} {title}")
    } else {
        format!("{id} {pkg}: {title}")
    }
}

/// One finding per check with `success: false`; only `checks`, never the
/// duplicated `podChecks`/`containerChecks` of old Starboard reports.
fn checks(v: &Node, kind: &str, r: &Report, sink: &mut Sink) -> Result<(), String> {
    let mut seen = HashSet::new();
    for check in array(v, &["report", "checks"]) {
        if check.get("success").and_then(Node::as_bool) != Some(false) {
            continue;
        }
        let id = first_text(check, &[&["checkID"], &["id"]]);
        let messages: Vec<&str> = array(check, &["messages"])
            .iter()
            .filter_map(Node::as_str)
            .collect();
        let scope = text_or_empty(check, &["scope", "value"]);
        if !seen.insert((id.clone(), scope.clone(), messages.join("\n"))) {
            continue;
        }
        let sev = severity(&text_or_empty(check, &["severity"]), sink);
        let mut d = r.draft(sev, sink.raw(check));
        d.title = first_text(check, &[&["title"]]);
        if d.title.is_empty() {
            d.title = messages
                .first()
                .map_or_else(|| id.clone(), |m| m.to_string().into());
        }
        d.rule_id = id.clone();
        let mut desc = text_or_empty(check, &["description"]);
        if !messages.is_empty() {
            desc.to_mut().push_str("\n\n");
            desc.to_mut().push_str(&messages.join("\n"));
        }
        d.description = format!("{desc}\n\nReport: {kind}")
            .trim()
            .to_string()
            .into();
        d.remediation_text = text_or_empty(check, &["remediation"]);
        d.remediation_url = if id.starts_with("KSV") || id.starts_with("AVD") {
            format!(
                "https://avd.aquasec.com/misconfig/{}",
                id.to_ascii_lowercase()
            )
            .into()
        } else {
            String::new().into()
        };
        sink.push(d.finish(
            Source::Starboard,
            &[&r.cluster, &r.resource, kind, &id, &scope],
        ));
    }
    Ok(())
}

fn secrets(v: &Node, r: &Report, sink: &mut Sink) -> Result<(), String> {
    let mut occurrences = Occurrences::default();
    for secret in array(v, &["report", "secrets"]) {
        let rule = text_or_empty(secret, &["ruleID"]);
        let target = text_or_empty(secret, &["target"]);
        let title = first_text(secret, &[&["title"], &["category"], &["ruleID"]]);
        let sev = severity(&text_or_empty(secret, &["severity"]), sink);
        let mut d = r.draft(sev, sink.raw(secret));
        d.title = format!("Exposed secret: {title} in {target}").into();
        d.rule_id = rule.clone();
        d.description = format!(
            "Category: {}\nMatch: {}\nContainer: {}",
            text_or_empty(secret, &["category"]),
            text_or_empty(secret, &["match"]),
            r.container
        )
        .into();
        d.remediation_text =
            "Remove the secret from the image and rotate it; inject it at run time instead."
                .to_string()
                .into();
        let matched = text_or_empty(secret, &["match"]);
        let nth = occurrences.next(&[&rule, &target, &matched]);
        sink.push(d.finish(
            Source::Starboard,
            &[
                &r.cluster,
                &r.resource,
                &r.container,
                &rule,
                &target,
                &matched,
                &nth,
            ],
        ));
    }
    Ok(())
}

/// FAIL → medium, WARN → low; PASS and INFO are no findings.
fn kube_bench(v: &Node, r: &Report, sink: &mut Sink) -> Result<(), String> {
    for section in array(v, &["report", "sections"]) {
        for test in array(section, &["tests"]) {
            for result in array(test, &["results"]) {
                let status = text_or_empty(result, &["status"]).to_ascii_uppercase();
                let sev = match status.as_str() {
                    "FAIL" => Severity::Medium,
                    "WARN" => Severity::Low,
                    _ => continue,
                };
                let number = text_or_empty(result, &["test_number"]);
                let mut d = r.draft(sev, sink.raw(result));
                d.title = first_text(result, &[&["test_desc"], &["test_number"]]);
                d.rule_id = (format!("CIS-{number}")).into();
                d.description = format!(
                    "{} {}: {status}\n\n{}",
                    text_or_empty(section, &["id"]),
                    text_or_empty(section, &["text"]),
                    text_or_empty(test, &["desc"]),
                )
                .into();
                d.remediation_text = text_or_empty(result, &["remediation"]);
                sink.push(d.finish(
                    Source::Starboard,
                    &[&r.cluster, &r.resource, "cis", &number],
                ));
            }
        }
    }
    Ok(())
}

fn kube_hunter(v: &Node, r: &Report, sink: &mut Sink) -> Result<(), String> {
    let mut occurrences = Occurrences::default();
    for vuln in array(v, &["report", "vulnerabilities"]) {
        let vid = text_or_empty(vuln, &["vid"]);
        let name = text_or_empty(vuln, &["vulnerability"]);
        let location = text_or_empty(vuln, &["location"]);
        let sev = severity(&text_or_empty(vuln, &["severity"]), sink);
        let mut d = r.draft(sev, sink.raw(vuln));
        d.title = if name.is_empty() {
            vid.clone()
        } else {
            name.clone()
        };
        d.rule_id = if vid.is_empty() || vid == "None" {
            name.clone()
        } else {
            vid.clone()
        };
        d.description = format!(
            "{}\n\nCategory: {}\nLocation: {location}\nEvidence: {}",
            text_or_empty(vuln, &["description"]),
            text_or_empty(vuln, &["category"]),
            text_or_empty(vuln, &["evidence"])
        )
        .into();
        d.remediation_url = text_or_empty(vuln, &["avd_reference"]);
        let nth = occurrences.next(&[&vid, &name, &location]);
        sink.push(d.finish(
            Source::Starboard,
            &[
                &r.cluster,
                &r.resource,
                "kube-hunter",
                &vid,
                &name,
                &location,
                &nth,
            ],
        ));
    }
    Ok(())
}
