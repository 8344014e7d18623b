//! The shipped demo posture: a deterministic, realistic mix of findings over two
//! AWS accounts, two regions and two clusters, every severity and source, some
//! already closed. `posture demo-snapshots --out snapshots/` writes it; the files
//! in `snapshots/` are its committed output (a test keeps them in step).

pub mod generate;
mod rng;
mod templates;

use crate::model::{Finding, Source, Timestamp};
use crate::sources::draft::Draft;
use crate::sources::snapshot::SnapshotFile;

use rng::Rng;
use templates::{AWS_CONTROLS, CONTAINER_CVES, ENVS, K8S_CONTROLS, TRIVY_CHECKS, WORKLOADS};

/// The weekly demo snapshots, oldest first: (file name, snapshot name, taken at).
pub const WEEKS: [(&str, &str, &str); 2] = [
    (
        "demo-2026-11-09.json",
        "demo week 45",
        "2026-11-09T09:00:00Z",
    ),
    (
        "demo-2026-11-16.json",
        "demo week 46",
        "2026-11-16T09:00:00Z",
    ),
];

/// The newest demo snapshot, embedded so the demo works from any directory.
pub const CURRENT: &str = include_str!("../../../../snapshots/demo-2026-11-16.json");
/// The week before, for "new since last review".
pub const PREVIOUS: &str = include_str!("../../../../snapshots/demo-2026-11-09.json");

const DAY: i64 = 86_400;

/// Generates week `week` (0 = oldest). The same seed gives the same bytes; each
/// week resolves some findings of the week before and adds new ones.
pub fn generate(week: usize) -> SnapshotFile {
    let (_, name, at) = WEEKS[week.min(WEEKS.len() - 1)];
    let taken = Timestamp::parse(at).unwrap_or(Timestamp::from_unix(0));
    let mut findings = Vec::new();
    let mut rng = Rng::new(0x005e_ed0f_9051_u64);
    aws(&mut rng, taken, week, &mut findings);
    kubernetes(&mut rng, taken, week, &mut findings);
    findings.sort_by(crate::query::sort::default_order);
    SnapshotFile::new(name, taken, &findings)
}

/// Whether an item exists in `week`: a stable per-item roll decides the week it
/// appeared and, for some, the week it was fixed.
fn alive(rng: &mut Rng, week: usize) -> (bool, i64) {
    let appeared = rng.below(10); // 0-6: before week 0; 7-8: in week 1; 9: later
    let fixed = rng.below(12) == 0; // fixed by week 1
    let age_days = 3 + rng.below(120) as i64;
    let exists = match week {
        0 => appeared <= 6,
        _ => appeared <= 8 && !(fixed && appeared <= 6),
    };
    let age = if appeared >= 7 {
        1 + rng.below(6) as i64
    } else {
        age_days
    };
    (exists, age)
}

fn aws(rng: &mut Rng, taken: Timestamp, week: usize, out: &mut Vec<Finding>) {
    for env in ENVS {
        for region in env.regions {
            for c in AWS_CONTROLS {
                for n in 0..c.per_region {
                    let (exists, age) = alive(rng, week);
                    let closed_roll = rng.below(9);
                    let seen_hours_ago = rng.below(20) as i64;
                    if !exists {
                        continue;
                    }
                    let resource = c
                        .resource
                        .replace("{account}", env.account)
                        .replace("{region}", region)
                        .replace("{n}", &format!("{}{n}", env.short));
                    let id = format!(
                        "arn:aws:securityhub:{region}:{}:security-control/{}/finding/{:08x}",
                        env.account,
                        c.control,
                        rng.stable_hash(&resource)
                    );
                    let d = Draft {
                        severity: c.severity,
                        title: c.title.into(),
                        rule_id: c.control.into(),
                        resource: resource.as_str().into(),
                        account: env.account.into(),
                        region: (*region).into(),
                        description: c.description.into(),
                        remediation_text: format!(
                            "For information on how to correct this issue, consult the AWS Security Hub controls documentation for {}.",
                            c.control
                        ).into(),
                        remediation_url: format!(
                            "https://docs.aws.amazon.com/console/securityhub/{}/remediation",
                            c.control
                        ).into(),
                        first_seen: Some(Timestamp::from_unix(taken.unix() - age * DAY)),
                        last_seen: Some(Timestamp::from_unix(taken.unix() - seen_hours_ago * 3600)),
                        open: closed_roll != 0,
                        ..Draft::default()
                    };
                    let product = format!("arn:aws:securityhub:{region}::product/aws/securityhub");
                    out.push(d.finish(Source::Securityhub, &[&product, &id]));
                }
            }
        }
    }
}

fn kubernetes(rng: &mut Rng, taken: Timestamp, week: usize, out: &mut Vec<Finding>) {
    for env in ENVS {
        let cluster = env.cluster;
        for w in WORKLOADS {
            let resource = format!("{}/{}/{}", w.kind, w.namespace, w.name);
            for c in K8S_CONTROLS {
                if rng.below(5) == 0 {
                    continue;
                }
                let (exists, age) = alive(rng, week);
                if !exists {
                    continue;
                }
                let d = Draft {
                    severity: c.severity,
                    title: c.title.into(),
                    rule_id: c.id.into(),
                    resource: resource.as_str().into(),
                    namespace: w.namespace.into(),
                    cluster: cluster.into(),
                    description: format!("Kubescape control {} failed on {resource}.", c.id).into(),
                    remediation_text: c.fix.into(),
                    remediation_url: format!(
                        "https://hub.armosec.io/docs/{}",
                        c.id.to_ascii_lowercase()
                    )
                    .into(),
                    first_seen: Some(Timestamp::from_unix(taken.unix() - age * DAY)),
                    last_seen: Some(taken),
                    open: true,
                    ..Draft::default()
                };
                out.push(d.finish(Source::Kubescape, &[cluster, &resource, c.id]));
            }
            // Trivy-Operator reports name the controller that owns the pods.
            let owner = if w.kind == "Deployment" {
                format!("ReplicaSet/{}/{}-{}", w.namespace, w.name, w.hash)
            } else {
                resource.clone()
            };
            for cve in CONTAINER_CVES {
                if !w.image.contains(cve.image_hint) || rng.below(4) == 0 {
                    continue;
                }
                let (exists, age) = alive(rng, week);
                if !exists {
                    continue;
                }
                let d = Draft {
                    severity: cve.severity,
                    title: crate::sources::starboard::vulnerability_title(
                        cve.id,
                        cve.package,
                        cve.title,
                    )
                    .into(),
                    rule_id: cve.id.into(),
                    resource: owner.as_str().into(),
                    namespace: w.namespace.into(),
                    cluster: cluster.into(),
                    description: format!(
                        "{}\n\nImage: {}\nContainer: {}\nPackage: {} {}",
                        cve.title, w.image, w.name, cve.package, cve.installed
                    )
                    .into(),
                    remediation_text: if cve.fixed.is_empty() {
                        format!("No fixed version of {} is available yet.", cve.package).into()
                    } else {
                        format!(
                            "Upgrade {} from {} to {}.",
                            cve.package, cve.installed, cve.fixed
                        )
                        .into()
                    },
                    remediation_url: format!(
                        "https://avd.aquasec.com/nvd/{}",
                        cve.id.to_ascii_lowercase()
                    )
                    .into(),
                    first_seen: Some(Timestamp::from_unix(taken.unix() - age * DAY)),
                    last_seen: Some(taken),
                    open: true,
                    // Image vulnerabilities: the container layer.
                    layer: Some(crate::model::Layer::Container),
                    signals: crate::model::Signals {
                        exploit: None,
                        fix: Some(!cve.fixed.is_empty()),
                        kev: cve.kev,
                        epss: Some(cve.epss),
                    },
                    ..Draft::default()
                };
                out.push(d.finish(
                    Source::Starboard,
                    &[
                        cluster,
                        &owner,
                        w.name,
                        cve.id,
                        cve.package,
                        cve.installed,
                        "",
                    ],
                ));
            }
            for chk in TRIVY_CHECKS {
                if rng.below(2) == 0 {
                    continue;
                }
                let (exists, age) = alive(rng, week);
                if !exists {
                    continue;
                }
                let d = Draft {
                    severity: chk.severity,
                    title: chk.title.into(),
                    rule_id: chk.id.into(),
                    resource: owner.as_str().into(),
                    namespace: w.namespace.into(),
                    cluster: cluster.into(),
                    description: format!(
                        "{}\n\nContainer '{}' of {owner}\n\nReport: ConfigAuditReport",
                        chk.description, w.name
                    )
                    .into(),
                    remediation_text: chk.fix.into(),
                    remediation_url: format!(
                        "https://avd.aquasec.com/misconfig/{}",
                        chk.id.to_ascii_lowercase()
                    )
                    .into(),
                    first_seen: Some(Timestamp::from_unix(taken.unix() - age * DAY)),
                    last_seen: Some(taken),
                    open: true,
                    ..Draft::default()
                };
                out.push(d.finish(
                    Source::Starboard,
                    &[cluster, &owner, "ConfigAuditReport", chk.id, ""],
                ));
            }
        }
    }
}

/// The demo findings, parsed from the embedded snapshot.
pub fn load_current() -> crate::sources::Loaded {
    crate::sources::parse_bytes(
        std::path::Path::new("<demo>/demo-2026-11-16.json"),
        CURRENT.as_bytes(),
        None,
    )
}

/// The week before, for the demo's "new since last snapshot" and trend.
pub fn load_previous() -> crate::sources::Loaded {
    crate::sources::parse_bytes(
        std::path::Path::new("<demo>/demo-2026-11-09.json"),
        PREVIOUS.as_bytes(),
        None,
    )
}
