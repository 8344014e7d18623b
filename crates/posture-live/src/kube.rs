//! Kubernetes: Starboard / Trivy-Operator report CRDs and the Kubescape
//! operator's objects, listed straight from the API as untyped JSON and
//! parsed by the same code as `kubectl get -o json` files.
//!
//! List requests are built here rather than with `kube::Api`: the Kubescape
//! operator's aggregated API server returns metadata only unless every page
//! carries `resourceVersion=fullSpec`, and kube-rs drops that parameter after
//! the first page.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::Value;
use tokio::sync::Semaphore;

use super::{Event, Meter, Progress, Slot, Unit, safe};
use crate::cache::CacheKey;
use crate::pull::CachedPull;
use posture_core::model::Finding;

/// Page size of list requests.
const PAGE: usize = 500;
/// A server that never stops paging is cut off here.
const MAX_PAGES: usize = 100_000;
/// Lists running at once per cluster.
const MAX_CONCURRENT_KINDS: usize = 4;

/// The two families of report kinds, one source line each per cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Starboard,
    Kubescape,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Starboard => "starboard",
            Family::Kubescape => "kubescape",
        }
    }
}

/// One report kind posture reads.
#[derive(Debug, Clone, Copy)]
pub struct KindInfo {
    pub family: Family,
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
}

const STARBOARD: &str = "aquasecurity.github.io";
const KUBESCAPE: &str = "spdx.softwarecomposition.kubescape.io";

const fn sb(plural: &'static str, kind: &'static str, namespaced: bool) -> KindInfo {
    KindInfo {
        family: Family::Starboard,
        group: STARBOARD,
        version: "v1alpha1",
        plural,
        kind,
        namespaced,
    }
}

const fn ks(plural: &'static str, kind: &'static str) -> KindInfo {
    KindInfo {
        family: Family::Kubescape,
        group: KUBESCAPE,
        version: "v1beta1",
        plural,
        kind,
        namespaced: true,
    }
}

pub const KINDS: [KindInfo; 12] = [
    sb("vulnerabilityreports", "VulnerabilityReport", true),
    sb("configauditreports", "ConfigAuditReport", true),
    sb(
        "clusterconfigauditreports",
        "ClusterConfigAuditReport",
        false,
    ),
    sb("ciskubebenchreports", "CISKubeBenchReport", false),
    sb("kubehunterreports", "KubeHunterReport", false),
    sb("exposedsecretreports", "ExposedSecretReport", true),
    sb("rbacassessmentreports", "RbacAssessmentReport", true),
    sb(
        "clusterrbacassessmentreports",
        "ClusterRbacAssessmentReport",
        false,
    ),
    sb("infraassessmentreports", "InfraAssessmentReport", true),
    sb(
        "clusterinfraassessmentreports",
        "ClusterInfraAssessmentReport",
        false,
    ),
    ks("workloadconfigurationscans", "WorkloadConfigurationScan"),
    ks("vulnerabilitymanifests", "VulnerabilityManifest"),
];

impl KindInfo {
    fn resource(&self) -> String {
        format!("{}.{}", self.plural, self.group)
    }

    /// The list path, namespaced when asked and the kind is namespaced.
    pub fn path(&self, namespace: Option<&str>) -> String {
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!(
                "/apis/{}/{}/namespaces/{}/{}",
                self.group,
                self.version,
                encode(ns),
                self.plural
            ),
            None => format!("/apis/{}/{}/{}", self.group, self.version, self.plural),
        }
    }

    /// The query of one page; the Kubescape kinds carry `fullSpec` on every page.
    pub fn query(&self, cont: Option<&str>) -> String {
        let mut q = format!("limit={PAGE}");
        if let Some(c) = cont {
            q.push_str("&continue=");
            q.push_str(&encode(c));
        }
        if self.family == Family::Kubescape {
            q.push_str("&resourceVersion=fullSpec");
        }
        q
    }
}

/// Percent-encodes a query value or path segment.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What to pull, from the command line.
#[derive(Debug, Clone)]
pub struct Plan {
    pub kubeconfig: Option<PathBuf>,
    /// Empty: the kubeconfig's current context.
    pub contexts: Vec<String>,
    /// `None`: all namespaces.
    pub namespace: Option<String>,
    pub cache_dir: Option<PathBuf>,
    pub first_slot: Slot,
    /// For one answer (`--timeout`).
    pub timeout: Duration,
}

/// Why one kind did not list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindError {
    NotInstalled,
    Forbidden(String),
    Unreachable(String),
    Other(String),
}

fn classify(e: &kube::Error, kind: &KindInfo, server: &str) -> KindError {
    match e {
        kube::Error::Api(s) if s.code == 404 => KindError::NotInstalled,
        kube::Error::Api(s) if s.code == 403 => KindError::Forbidden(format!(
            "forbidden: needs `list` on `{}`{} ({})",
            kind.resource(),
            if kind.namespaced {
                ""
            } else {
                " (cluster-scoped)"
            },
            safe(&s.message)
        )),
        kube::Error::Api(s) if s.code == 401 => KindError::Other(format!(
            "unauthorized: the cluster rejected the credentials ({})",
            safe(&s.message)
        )),
        kube::Error::Api(s) => KindError::Other(format!(
            "listing {} failed: HTTP {} {}",
            kind.resource(),
            s.code,
            safe(&s.message)
        )),
        kube::Error::SerdeError(e) => KindError::Other(format!(
            "listing {}: the answer is not a Kubernetes list ({})",
            kind.resource(),
            safe(&e.to_string())
        )),
        other => {
            let text = safe(&other.to_string());
            let lower = text.to_ascii_lowercase();
            if lower.contains("timed out")
                || lower.contains("timeout")
                || lower.contains("deadline")
            {
                KindError::Unreachable(format!("timed out talking to {server}: {text}"))
            } else {
                KindError::Unreachable(format!("cannot reach {server}: {text}"))
            }
        }
    }
}

/// Pulls every context of the plan, reporting on `tx`.
pub async fn pull(plan: Plan, tx: Sender<Event>) {
    let loaded = match &plan.kubeconfig {
        Some(p) => Kubeconfig::read_from(p),
        None => Kubeconfig::read(),
    };
    let kubeconfig = match loaded {
        Ok(k) => k,
        Err(e) => {
            let slot = plan.first_slot;
            let _ = tx.send(Event::Source {
                slot,
                label: "kube".into(),
            });
            let _ = tx.send(Event::Failed {
                slot,
                error: format!(
                    "no kubeconfig: {} (set KUBECONFIG or pass --kubeconfig)",
                    safe(&e.to_string())
                ),
            });
            return;
        }
    };
    let contexts: Vec<String> = if plan.contexts.is_empty() {
        kubeconfig.current_context.clone().into_iter().collect()
    } else {
        plan.contexts.clone()
    };
    if contexts.is_empty() {
        let slot = plan.first_slot;
        let _ = tx.send(Event::Source {
            slot,
            label: "kube".into(),
        });
        let _ = tx.send(Event::Failed {
            slot,
            error: "the kubeconfig has no current context: pass --context NAME".into(),
        });
        return;
    }
    let plan = Arc::new(plan);
    let mut tasks = tokio::task::JoinSet::new();
    for (i, context) in contexts.into_iter().enumerate() {
        let slots = [plan.first_slot + 2 * i, plan.first_slot + 2 * i + 1];
        for (slot, family) in slots.iter().zip([Family::Starboard, Family::Kubescape]) {
            let _ = tx.send(Event::Source {
                slot: *slot,
                label: format!("{} {}", family.name(), safe(&context)),
            });
        }
        let (plan, tx, kubeconfig) = (plan.clone(), tx.clone(), kubeconfig.clone());
        tasks.spawn(async move { pull_context(plan, kubeconfig, context, slots, tx).await });
    }
    while tasks.join_next().await.is_some() {}
}

async fn client_for(
    kubeconfig: Kubeconfig,
    context: &str,
    timeout: Duration,
) -> Result<(kube::Client, String), String> {
    let opts = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &opts)
        .await
        .map_err(|e| format!("context {}: {}", safe(context), safe(&e.to_string())))?;
    config.connect_timeout = Some(Duration::from_secs(5).min(timeout));
    config.read_timeout = Some(timeout);
    let server = config.cluster_url.to_string();
    let client = kube::Client::try_from(config)
        .map_err(|e| format!("context {}: {}", safe(context), safe(&e.to_string())))?;
    Ok((client, safe(&server)))
}

async fn pull_context(
    plan: Arc<Plan>,
    kubeconfig: Kubeconfig,
    context: String,
    slots: [Slot; 2],
    tx: Sender<Event>,
) {
    let (client, server) = match client_for(kubeconfig, &context, plan.timeout).await {
        Ok(c) => c,
        Err(e) => {
            for slot in slots {
                let _ = tx.send(Event::Failed {
                    slot,
                    error: e.clone(),
                });
            }
            return;
        }
    };
    let mut families = tokio::task::JoinSet::new();
    let mut slot_of = std::collections::HashMap::new();
    for (slot, family) in slots
        .into_iter()
        .zip([Family::Starboard, Family::Kubescape])
    {
        let job = FamilyPull {
            plan: plan.clone(),
            client: client.clone(),
            server: server.clone(),
            context: context.clone(),
            family,
            slot,
            tx: tx.clone(),
        };
        slot_of.insert(families.spawn(job.run()).id(), slot);
    }
    while let Some(done) = families.join_next_with_id().await {
        // A panic in one family must not pass for an empty cluster.
        if let Err(e) = done
            && let Some(&slot) = slot_of.get(&e.id())
        {
            let _ = tx.send(Event::Failed {
                slot,
                error: format!("the pull stopped unexpectedly: {e}"),
            });
        }
    }
}

/// One cluster's kinds of one family: one source line.
struct FamilyPull {
    plan: Arc<Plan>,
    client: kube::Client,
    server: String,
    context: String,
    family: Family,
    slot: Slot,
    tx: Sender<Event>,
}

impl FamilyPull {
    fn send(&self, e: Event) {
        let _ = self.tx.send(e);
    }

    fn label_path(&self) -> PathBuf {
        PathBuf::from(format!("{} {}", self.family.name(), self.context))
    }

    fn findings(&self, items: &[Value]) -> Vec<Finding> {
        let loaded = posture_core::sources::parse_values_in(
            &self.label_path(),
            items.iter().cloned(),
            Some(&self.context),
        );
        for e in loaded.errors.iter().take(5) {
            self.send(Event::Warning {
                slot: self.slot,
                message: safe(&e.to_string()),
            });
        }
        loaded.findings
    }

    async fn run(self) {
        let key = CacheKey {
            api: "kube".into(),
            account: self.context.clone(),
            region: self.family.name().into(),
            scope: self
                .plan
                .namespace
                .as_deref()
                .map_or("all-namespaces".to_string(), |n| format!("ns-{n}")),
        };
        let cache = CachedPull::new(
            self.slot,
            self.tx.clone(),
            key,
            self.plan.cache_dir.as_deref(),
        );
        let cached = cache.show_cached(|records| self.findings(records));
        let streaming = cached.is_none();
        let kinds: Vec<KindInfo> = KINDS
            .iter()
            .copied()
            .filter(|k| k.family == self.family)
            .collect();
        let limit = Arc::new(Semaphore::new(MAX_CONCURRENT_KINDS));
        let this = Arc::new(self);
        let meter = Arc::new(std::sync::Mutex::new(Meter::default()));
        let mut tasks = tokio::task::JoinSet::new();
        for kind in kinds {
            let (this, limit, meter) = (this.clone(), limit.clone(), meter.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire().await;
                let mut items = Vec::new();
                let result = this
                    .list(&kind, |page| {
                        if streaming {
                            this.send(Event::Append {
                                slot: this.slot,
                                findings: this.findings(&page),
                            });
                        }
                        let progress = meter.lock().map_or_else(
                            |_| Progress::default(),
                            |mut m| {
                                m.page(page.len());
                                m.progress(Unit::Reports)
                            },
                        );
                        this.send(Event::Progress {
                            slot: this.slot,
                            progress,
                        });
                        items.extend(page);
                    })
                    .await;
                (kind, items, result)
            });
        }
        let mut all = Vec::new();
        let mut listed = Vec::new();
        let mut absent = Vec::new();
        let mut failures = Vec::new();
        let mut unreachable = 0;
        let mut total_kinds = 0;
        while let Some(done) = tasks.join_next().await {
            let Ok((kind, items, result)) = done else {
                continue;
            };
            total_kinds += 1;
            match result {
                Ok(()) => {
                    listed.push(format!("{} {}", kind.plural, items.len()));
                    all.extend(items);
                }
                Err(KindError::NotInstalled) => absent.push(kind.plural),
                Err(KindError::Unreachable(m)) => {
                    unreachable += 1;
                    failures.push(m);
                }
                Err(KindError::Forbidden(m) | KindError::Other(m)) => {
                    all.extend(items);
                    failures.push(m);
                }
            }
        }
        if unreachable == total_kinds && total_kinds > 0 {
            // The cluster, not the kinds: one message; a cache shown stays.
            let first = failures.into_iter().next().unwrap_or_default();
            this.send(Event::Failed {
                slot: this.slot,
                error: if cached.is_some() {
                    format!("refresh failed, showing the cached pull: {first}")
                } else {
                    first
                },
            });
            return;
        }
        let findings = this.findings(&all);
        let n = findings.len();
        if failures.is_empty() {
            cache.keep(all, String::new());
        }
        cache.replace(findings);
        for kind in &absent {
            this.send(Event::Warning {
                slot: this.slot,
                message: format!(
                    "{kind}.{}: not installed in this cluster",
                    if this.family == Family::Starboard {
                        STARBOARD
                    } else {
                        KUBESCAPE
                    }
                ),
            });
        }
        for f in failures {
            this.send(Event::Failed {
                slot: this.slot,
                error: f,
            });
        }
        let mut note = format!("{n} findings");
        if listed.is_empty() && absent.len() == total_kinds {
            note = "not installed".to_string();
        } else if !absent.is_empty() {
            note.push_str(&format!(" · not installed: {}", absent.join(", ")));
        }
        cache.done(note);
    }

    /// Follows `continue` to the last page.
    async fn list(
        &self,
        kind: &KindInfo,
        mut on_page: impl FnMut(Vec<Value>),
    ) -> Result<(), KindError> {
        let path = kind.path(self.plan.namespace.as_deref());
        let mut cont: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let uri = format!("{path}?{}", kind.query(cont.as_deref()));
            let request = http::Request::get(uri)
                .body(Vec::new())
                .map_err(|e| KindError::Other(e.to_string()))?;
            let text = self
                .client
                .request_text(request)
                .await
                .map_err(|e| classify(&e, kind, &self.server))?;
            let mut list: Value = serde_json::from_str(&text).map_err(|e| {
                KindError::Other(format!(
                    "listing {}: the answer is not JSON ({})",
                    kind.resource(),
                    safe(&e.to_string())
                ))
            })?;
            let next = list
                .pointer("/metadata/continue")
                .and_then(Value::as_str)
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            let items = match list.get_mut("items").map(Value::take) {
                Some(Value::Array(items)) => items,
                Some(Value::Null) | None => Vec::new(),
                Some(_) => {
                    return Err(KindError::Other(format!(
                        "listing {}: `items` is not an array",
                        kind.resource()
                    )));
                }
            };
            on_page(items.into_iter().map(|i| with_type(i, kind)).collect());
            match next {
                Some(c) if Some(&c) != cont.as_ref() => cont = Some(c),
                _ => return Ok(()),
            }
        }
        Err(KindError::Other(format!(
            "listing {}: stopped after {MAX_PAGES} pages",
            kind.resource()
        )))
    }
}

/// List items usually come without `apiVersion` and `kind`; the parsers
/// recognise objects by them, as in `kubectl get -o json` output.
fn with_type(mut item: Value, kind: &KindInfo) -> Value {
    if let Some(o) = item.as_object_mut() {
        o.entry("apiVersion")
            .or_insert_with(|| Value::String(format!("{}/{}", kind.group, kind.version)));
        o.entry("kind")
            .or_insert_with(|| Value::String(kind.kind.to_string()));
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubescape_pages_always_ask_for_the_full_spec() {
        let ks = KINDS
            .iter()
            .find(|k| k.plural == "vulnerabilitymanifests")
            .unwrap();
        assert_eq!(ks.query(None), "limit=500&resourceVersion=fullSpec");
        assert_eq!(
            ks.query(Some("eyJ2Ijo=+/")),
            "limit=500&continue=eyJ2Ijo%3D%2B%2F&resourceVersion=fullSpec"
        );
        let sb = &KINDS[0];
        assert_eq!(sb.query(Some("x")), "limit=500&continue=x");
        assert_eq!(
            sb.path(Some("team a")),
            "/apis/aquasecurity.github.io/v1alpha1/namespaces/team%20a/vulnerabilityreports"
        );
        let cluster = KINDS.iter().find(|k| !k.namespaced).unwrap();
        assert!(!cluster.path(Some("x")).contains("namespaces"));
    }
}
