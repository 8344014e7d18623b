//! Kubescape: `kubescape scan --format json` (v2, v3, v4) and the Kubescape
//! operator's `spdx.softwarecomposition.kubescape.io` objects.

pub mod split;

use foldhash::{HashMap, HashSet, HashSetExt};

use super::node::{Node, Object as Members};

use super::Sink;
use super::draft::{Draft, k8s_resource};
use super::json::{array, at, first_text, number, text, text_or_empty};
use crate::model::{Severity, Source, Timestamp};

pub const OPERATOR_GROUP: &str = "spdx.softwarecomposition.kubescape.io/";

pub fn looks_like_scan(v: &Node) -> bool {
    v.get("summaryDetails").is_some()
        || (v.get("results").is_some() && v.get("resources").is_some())
        || (v.get("clusterAPIServerInfo").is_some() && v.get("generationTime").is_some())
}

pub fn is_operator_object(v: &Node) -> bool {
    text(v, &["apiVersion"]).is_some_and(|a| a.starts_with(OPERATOR_GROUP))
}

/// What the summary knows about a control: its weight and name.
struct ControlInfo<'a> {
    score_factor: Option<f64>,
    severity: Option<String>,
    name: Option<&'a str>,
}

fn control_info<'a>(summary: &'a Members<'a>, id: &str) -> ControlInfo<'a> {
    let c = summary.get(id);
    ControlInfo {
        score_factor: c.and_then(|c| number(c, &["scoreFactor"])),
        severity: c.and_then(|c| text(c, &["severity"]).map(|s| s.into_owned())),
        name: c.and_then(|c| c.get("name")).and_then(Node::as_str),
    }
}

/// Severity from `scoreFactor` bands, else the control's severity word.
fn control_severity(
    score_factor: Option<f64>,
    words: &[Option<&str>],
    sink: &mut Sink,
) -> Severity {
    if let Some(s) = score_factor.and_then(Severity::from_score_factor) {
        return s;
    }
    for word in words.iter().flatten() {
        match Severity::from_label(word) {
            Some(s) => return s,
            None => sink.warn(format!(
                "unknown control severity {word:?}; shown as unknown"
            )),
        }
    }
    Severity::Unknown
}

/// A control failed on a resource: `status.status` in v3+; legacy files only
/// have `rules[].status`. A failure covered by an exception is reported as
/// passed by Kubescape itself, so it is no finding.
fn control_failed(control: &Node) -> bool {
    match control.get("status") {
        Some(Node::Object(s)) => s.get("status").and_then(Node::as_str) == Some("failed"),
        Some(Node::String(s)) => s == "failed",
        _ => array(control, &["rules"])
            .iter()
            .any(|r| r.get("status").and_then(Node::as_str) == Some("failed")),
    }
}

/// Where the rules say the fix goes, as remediation text.
fn fix_paths(control: &Node) -> (Vec<String>, Vec<String>) {
    let mut fixes = Vec::new();
    let mut failed = Vec::new();
    for rule in array(control, &["rules"]) {
        for p in array(rule, &["paths"]) {
            if let Some(path) = text(p, &["fixPath", "path"]) {
                let value = text_or_empty(p, &["fixPath", "value"]);
                fixes.push(format!("set {path} = {value}"));
            }
            for key in ["failedPath", "reviewPath", "deletePath"] {
                if let Some(path) = text(p, &[key]).filter(|s| !s.is_empty()) {
                    failed.push(path.into_owned());
                }
            }
        }
    }
    (fixes, failed)
}

fn control_url(id: &str) -> String {
    if id.starts_with("C-") {
        format!("https://hub.armosec.io/docs/{}", id.to_ascii_lowercase())
    } else {
        String::new()
    }
}

/// A scanned object: how it is shown, its namespace, and the key that names it
/// across rescans.
struct Scanned {
    resource: String,
    namespace: String,
    key: String,
}

/// kind/namespace/name of a scanned object. The identity key is that name for a
/// cluster object; a manifest file scan adds the file (the same Deployment can
/// sit in two files), and an RBAC composite (subject + role + binding) is only
/// unique as its whole resourceID.
fn resource_of(object: Option<&Node>, resource_id: &str) -> Scanned {
    if let Some(o) = object {
        let kind = text_or_empty(o, &["kind"]);
        let name = first_text(o, &[&["metadata", "name"], &["name"]]);
        let ns = first_text(o, &[&["metadata", "namespace"], &["namespace"]]);
        if !name.is_empty() {
            let resource = k8s_resource(&kind, &ns, &name);
            let key = if o.get("relatedObjects").is_some() {
                resource_id.to_string()
            } else {
                match text(o, &["sourcePath"]) {
                    Some(path) => format!("{path}#{resource}"),
                    None => resource.clone(),
                }
            };
            return Scanned {
                resource,
                namespace: ns.into_owned(),
                key,
            };
        }
    }
    // resourceID: "<group>/<version>/<namespace>/<kind>/<name>", possibly
    // prefixed with "path=<hash>/api=" for file scans.
    let id = resource_id.rsplit("api=").next().unwrap_or(resource_id);
    let parts: Vec<&str> = id.split('/').collect();
    let key = resource_id.to_string();
    if parts.len() >= 3 && !resource_id.contains("/path=") {
        let n = parts.len();
        let (ns, kind, name) = (parts[n - 3], parts[n - 2], parts[n - 1]);
        let resource = k8s_resource(kind, ns, name);
        let key = if resource_id.starts_with("path=") {
            key
        } else {
            resource.clone()
        };
        return Scanned {
            resource,
            namespace: ns.to_string(),
            key,
        };
    }
    Scanned {
        resource: resource_id.to_string(),
        namespace: String::new(),
        key,
    }
}

/// A workload's own labels, else its pod template's.
fn workload_labels(object: &Node) -> Vec<(String, String)> {
    let own = super::draft::string_map(at(object, &["metadata", "labels"]));
    if own.is_empty() {
        super::draft::string_map(at(object, &["spec", "template", "metadata", "labels"]))
    } else {
        own
    }
}

/// A scanned object, described once for all its failed controls.
struct Object {
    scanned: Scanned,
    labels: Vec<(String, String)>,
}

/// One entry of a scan's `resources`: its resourceID and the object scanned.
fn object_entry(r: &Node) -> Option<(String, Object)> {
    let id = r.get("resourceID")?.as_str()?;
    let object = r.get("object")?;
    Some((
        id.to_string(),
        Object {
            scanned: resource_of(Some(object), id),
            labels: workload_labels(object),
        },
    ))
}

/// What every result of one scan shares.
struct ScanHead<'a> {
    summary: &'a Members<'a>,
    cluster: String,
    generated: Option<Timestamp>,
    objects: HashMap<String, Object>,
}

/// The failed controls one result gave findings for, to drop repeats of a
/// resource's control across the parts of a scan parsed apart.
struct Emitted {
    resource_id: String,
    controls: Vec<String>,
}

impl<'a> ScanHead<'a> {
    /// `head` is the scan document (its `results` and `resources` may be absent).
    fn new(head: &'a Node<'a>, cluster: Option<&str>, objects: HashMap<String, Object>) -> Self {
        let summary = match at(head, &["summaryDetails", "controls"]) {
            Some(Node::Object(m)) => m,
            _ => {
                static EMPTY: Members<'static> = Members::EMPTY;
                &EMPTY
            }
        };
        ScanHead {
            summary,
            cluster: cluster.map_or_else(
                || text_or_empty(head, &["clusterName"]).into_owned(),
                str::to_string,
            ),
            generated: text(head, &["generationTime"]).and_then(|s| Timestamp::parse(&s)),
            objects,
        }
    }

    /// The findings of one result; `seen` holds the (resourceID, controlID)
    /// pairs already given, as Kubescape can list a control twice.
    fn parse_result(&self, result: &Node, seen: &mut Seen, sink: &mut Sink) -> Option<Emitted> {
        let Some(resource_id) = text(result, &["resourceID"]) else {
            sink.warn("Kubescape result without resourceID skipped".to_string());
            return None;
        };
        let object = self.objects.get(resource_id.as_ref());
        let described;
        let Scanned {
            resource,
            namespace,
            key,
        } = match object {
            Some(o) => &o.scanned,
            None => {
                described = resource_of(None, &resource_id);
                &described
            }
        };
        let mut emitted = Emitted {
            resource_id: resource_id.to_string(),
            controls: Vec::new(),
        };
        let given = seen.controls_of(&resource_id);
        for control in array(result, &["controls"]) {
            if !control_failed(control) {
                continue;
            }
            let Some(id) = text(control, &["controlID"]) else {
                sink.warn(format!("failed control without controlID on {resource_id}"));
                continue;
            };
            if given.iter().any(|g| **g == *id) {
                continue;
            }
            given.push(id.as_ref().into());
            let info = control_info(self.summary, &id);
            let severity = control_severity(
                info.score_factor,
                &[
                    info.severity.as_deref(),
                    text(control, &["severity"]).as_deref(),
                ],
                sink,
            );
            let title = text(control, &["name"])
                .map(|s| s.into_owned())
                .or(info.name.map(str::to_string))
                .unwrap_or_else(|| id.to_string());
            let (fixes, failed) = fix_paths(control);
            let mut description = format!("Kubescape control {id} failed on {resource}.");
            if !failed.is_empty() {
                description.push_str("\n\nFailed paths:\n");
                description.push_str(&failed.join("\n"));
            }
            let draft = Draft {
                severity,
                title: title.into(),
                rule_id: id.clone(),
                resource: resource.as_str().into(),
                namespace: namespace.as_str().into(),
                cluster: self.cluster.as_str().into(),
                description: description.into(),
                remediation_text: fixes.join("\n").into(),
                remediation_url: control_url(&id).into(),
                first_seen: self.generated,
                last_seen: self.generated,
                open: true,
                raw: sink.raw(control),
                tags: object.map(|o| o.labels.clone()).unwrap_or_default(),
                ..Draft::default()
            };
            sink.push(draft.finish(Source::Kubescape, &[&self.cluster, key, &id]));
            emitted.controls.push(id.into_owned());
        }
        Some(emitted)
    }
}

pub fn parse_scan(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let objects = array(v, &["resources"])
        .iter()
        .filter_map(object_entry)
        .collect();
    let head = ScanHead::new(v, sink.cluster.as_deref(), objects);
    let results = match v.get("results") {
        None | Some(Node::Null) => return Ok(()),
        Some(Node::Array(a)) => a,
        Some(_) => return Err("Kubescape \"results\" is not an array".to_string()),
    };
    let mut seen = Seen::default();
    for result in results {
        head.parse_result(result, &mut seen, sink);
    }
    Ok(())
}

/// The controls already given per resource: a resource's long ID is hashed
/// once per result, not once per control, and the set grows by resources.
#[derive(Default)]
pub(crate) struct Seen(HashMap<Box<str>, Vec<Box<str>>>);

impl Seen {
    fn controls_of(&mut self, resource_id: &str) -> &mut Vec<Box<str>> {
        self.0.entry(resource_id.into()).or_default()
    }
}

/// The workload an operator object describes, from its `kubescape.io/workload-*` labels.
fn operator_workload(v: &Node) -> (String, String, String) {
    let label = |k: &str| text_or_empty(v, &["metadata", "labels", k]);
    let kind = label("kubescape.io/workload-kind");
    let name = label("kubescape.io/workload-name");
    let ns = first_text(
        v,
        &[
            &["metadata", "labels", "kubescape.io/workload-namespace"],
            &["metadata", "namespace"],
        ],
    );
    let container = first_text(
        v,
        &[
            &["metadata", "labels", "kubescape.io/workload-container-name"],
            &[
                "metadata",
                "annotations",
                "kubescape.io/workload-container-name",
            ],
        ],
    );
    let resource = if name.is_empty() {
        // An image-level manifest: named after the image.
        let image = first_text(
            v,
            &[
                &["metadata", "annotations", "kubescape.io/image-id"],
                &["metadata", "name"],
            ],
        );
        format!("image/{image}")
    } else {
        k8s_resource(&kind, &ns, &name)
    };
    (resource, ns.into_owned(), container.into_owned())
}

pub fn parse_operator(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let kind = text_or_empty(v, &["kind"]);
    match &*kind {
        "VulnerabilityManifest" => vulnerability_manifest(v, sink),
        "WorkloadConfigurationScan" => workload_configuration_scan(v, sink),
        // Roll-ups and inventories (summaries, SBOMs, profiles) carry no findings.
        _ => Ok(()),
    }
}

fn vulnerability_manifest(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let cluster = sink.cluster.clone().unwrap_or_default();
    let (resource, namespace, container) = operator_workload(v);
    let created = text(v, &["spec", "metadata", "report", "createdAt"])
        .or_else(|| text(v, &["metadata", "creationTimestamp"]))
        .and_then(|s| Timestamp::parse(&s));
    let mut seen = HashSet::new();
    for m in array(v, &["spec", "payload", "matches"]) {
        let Some(id) = text(m, &["vulnerability", "id"]) else {
            sink.warn("grype match without vulnerability.id skipped".to_string());
            continue;
        };
        let pkg = text_or_empty(m, &["artifact", "name"]);
        let version = text_or_empty(m, &["artifact", "version"]);
        if !seen.insert((id.to_string(), pkg.clone(), version.clone())) {
            continue;
        }
        let word = text_or_empty(m, &["vulnerability", "severity"]);
        let severity = Severity::from_label(&word).unwrap_or_else(|| {
            sink.warn(format!(
                "unknown severity {word:?} for {id}; shown as unknown"
            ));
            Severity::Unknown
        });
        let fixed: Vec<&str> = array(m, &["vulnerability", "fix", "versions"])
            .iter()
            .filter_map(Node::as_str)
            .collect();
        let remediation = if fixed.is_empty() {
            format!("No fixed version of {pkg} is known yet.")
        } else {
            format!("Upgrade {pkg} from {version} to {}.", fixed.join(" or "))
        };
        let draft = Draft {
            severity,
            title: format!("{id} in {pkg} {version}").into(),
            rule_id: id.to_string().into(),
            resource: resource.clone().into(),
            namespace: namespace.clone().into(),
            cluster: cluster.clone().into(),
            description: format!(
                "{}\n\nPackage: {pkg} {version}\nContainer: {container}",
                text_or_empty(m, &["vulnerability", "description"])
            )
            .into(),
            remediation_text: remediation.into(),
            remediation_url: first_text(
                m,
                &[
                    &["vulnerability", "dataSource"],
                    &["vulnerability", "urls", "0"],
                ],
            ),
            first_seen: created,
            last_seen: created,
            open: true,
            raw: sink.raw(m),
            layer: Some(crate::model::Layer::Container),
            ..Draft::default()
        };
        sink.push(draft.finish(
            Source::Kubescape,
            &[&cluster, &resource, &container, &id, &pkg, &version],
        ));
    }
    Ok(())
}

fn workload_configuration_scan(v: &Node, sink: &mut Sink) -> Result<(), String> {
    let cluster = sink.cluster.clone().unwrap_or_default();
    let (resource, namespace, _) = operator_workload(v);
    let when = text(v, &["metadata", "creationTimestamp"]).and_then(|s| Timestamp::parse(&s));
    let controls: Vec<&Node> = match at(v, &["spec", "controls"]) {
        Some(Node::Object(m)) => m.values().collect(),
        Some(Node::Array(a)) => a.iter().collect(),
        _ => Vec::new(),
    };
    for control in controls {
        if !control_failed(control) {
            continue;
        }
        let Some(id) = text(control, &["controlID"]) else {
            continue;
        };
        let severity = control_severity(
            number(control, &["severity", "scoreFactor"]),
            &[text(control, &["severity", "severity"]).as_deref()],
            sink,
        );
        let (fixes, _) = fix_paths(control);
        let draft = Draft {
            severity,
            title: first_text(control, &[&["name"], &["controlID"]]),
            rule_id: id.to_string().into(),
            resource: resource.clone().into(),
            namespace: namespace.clone().into(),
            cluster: cluster.clone().into(),
            description: format!("Kubescape control {id} failed on {resource}.").into(),
            remediation_text: fixes.join("\n").into(),
            remediation_url: control_url(&id).into(),
            first_seen: when,
            last_seen: when,
            open: true,
            raw: sink.raw(control),
            ..Draft::default()
        };
        sink.push(draft.finish(Source::Kubescape, &[&cluster, &resource, &id]));
    }
    Ok(())
}
