//! Realistic inputs of any size for benchmarks and scale tests, written as a
//! stream (a million findings never sit in memory). The same count, seed and
//! format give the same bytes.

use std::io::{self, Write};

use serde_json::json;

use super::rng::Rng;
use super::templates::{AWS_CONTROLS, CONTAINER_CVES, ENVS, K8S_CONTROLS, WORKLOADS};
use crate::model::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenFormat {
    /// `aws securityhub get-findings` output: `{"Findings": [...]}`.
    Asff,
    /// One `kubescape scan --format json` result (v3), five controls per resource.
    Kubescape,
    /// A `kubectl get vulnerabilityreports -o json` List, twenty CVEs per report.
    Starboard,
}

const KS_CONTROLS_PER_RESOURCE: usize = 5;
const CVES_PER_REPORT: usize = 20;

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info | Severity::Unknown => "INFORMATIONAL",
    }
}

fn line(out: &mut impl Write, first: bool, v: &serde_json::Value) -> io::Result<()> {
    out.write_all(if first { b"\n  " } else { b",\n  " })?;
    serde_json::to_writer(&mut *out, v).map_err(io::Error::other)
}

pub fn write(format: GenFormat, count: usize, seed: u64, out: &mut impl Write) -> io::Result<()> {
    let mut rng = Rng::new(seed);
    match format {
        GenFormat::Asff => asff(&mut rng, count, out),
        GenFormat::Kubescape => kubescape(&mut rng, count, out),
        GenFormat::Starboard => starboard(&mut rng, count, out),
    }
}

fn day(rng: &mut Rng) -> String {
    format!(
        "2026-{:02}-{:02}T{:02}:{:02}:00Z",
        1 + rng.below(10),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60)
    )
}

fn asff(rng: &mut Rng, count: usize, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"{\"Findings\": [")?;
    for i in 0..count {
        let env = &ENVS[rng.below(ENVS.len() as u64) as usize];
        let region = env.regions[rng.below(env.regions.len() as u64) as usize];
        let c = &AWS_CONTROLS[rng.below(AWS_CONTROLS.len() as u64) as usize];
        let resource = c
            .resource
            .replace("{account}", env.account)
            .replace("{region}", region)
            .replace("{n}", &format!("{}{i:07}", env.short));
        let workflow = match rng.below(10) {
            0 => "RESOLVED",
            1 => "SUPPRESSED",
            2..=4 => "NOTIFIED",
            _ => "NEW",
        };
        let created = day(rng);
        let v = json!({
            "SchemaVersion": "2018-10-08",
            "Id": format!("arn:aws:securityhub:{region}:{}:security-control/{}/finding/{i:08x}-{:08x}", env.account, c.control, rng.next_u64() as u32),
            "ProductArn": format!("arn:aws:securityhub:{region}::product/aws/securityhub"),
            "GeneratorId": format!("security-control/{}", c.control),
            "AwsAccountId": env.account,
            "Region": region,
            "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
            "FirstObservedAt": created,
            "CreatedAt": created,
            "UpdatedAt": "2026-11-20T08:00:00Z",
            "Severity": {"Label": label(c.severity)},
            "Title": c.title,
            "Description": c.description,
            "Remediation": {"Recommendation": {
                "Text": "For information on how to correct this issue, consult the AWS Security Hub controls documentation.",
                "Url": format!("https://docs.aws.amazon.com/console/securityhub/{}/remediation", c.control)}},
            "Compliance": {"Status": "FAILED", "SecurityControlId": c.control},
            "Workflow": {"Status": workflow},
            "RecordState": if rng.below(20) == 0 { "ARCHIVED" } else { "ACTIVE" },
            "Resources": [{"Type": "Other", "Id": resource, "Partition": "aws", "Region": region,
                           "Tags": {"team": format!("team-{}", rng.below(12))}}]
        });
        line(out, i == 0, &v)?;
    }
    out.write_all(b"\n]}\n")
}

fn kubescape(rng: &mut Rng, count: usize, out: &mut impl Write) -> io::Result<()> {
    let resources = count.div_ceil(KS_CONTROLS_PER_RESOURCE);
    let mut summary = serde_json::Map::new();
    for c in K8S_CONTROLS {
        let score = match c.severity {
            Severity::Critical => 9,
            Severity::High => 7,
            Severity::Medium => 5,
            _ => 2,
        };
        summary.insert(
            c.id.to_string(),
            json!({"controlID": c.id, "name": c.title, "status": "failed", "scoreFactor": score}),
        );
    }
    write!(
        out,
        "{{\"generationTime\": \"2026-11-20T08:00:00Z\", \"clusterName\": \"bench-cluster\",\n \"summaryDetails\": {{\"controls\": {}}},\n \"resources\": [",
        serde_json::Value::Object(summary)
    )?;
    let id = |i: usize| {
        let w = &WORKLOADS[i % WORKLOADS.len()];
        format!("apps/v1/{}/{}/{}-{i}", w.namespace, w.kind, w.name)
    };
    for i in 0..resources {
        let w = &WORKLOADS[i % WORKLOADS.len()];
        let v = json!({"resourceID": id(i), "object": {"apiVersion": "apps/v1", "kind": w.kind,
            "metadata": {"name": format!("{}-{i}", w.name), "namespace": w.namespace,
                         "labels": {"app": w.name, "team": format!("team-{}", i % 12)}}}});
        line(out, i == 0, &v)?;
    }
    out.write_all(b"\n ],\n \"results\": [")?;
    let mut left = count;
    for i in 0..resources {
        let n = left.min(KS_CONTROLS_PER_RESOURCE);
        left -= n;
        let start = rng.below(K8S_CONTROLS.len() as u64) as usize;
        let controls: Vec<serde_json::Value> = (0..n)
            .map(|k| {
                let c = &K8S_CONTROLS[(start + k) % K8S_CONTROLS.len()];
                json!({"controlID": c.id, "name": c.title, "status": {"status": "failed"},
                       "rules": [{"name": c.id.to_lowercase(), "status": "failed"}]})
            })
            .collect();
        line(
            out,
            i == 0,
            &json!({"resourceID": id(i), "controls": controls}),
        )?;
    }
    out.write_all(b"\n ]}\n")
}

fn starboard(rng: &mut Rng, count: usize, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [")?;
    let reports = count.div_ceil(CVES_PER_REPORT);
    let mut left = count;
    for i in 0..reports {
        let w = &WORKLOADS[i % WORKLOADS.len()];
        let n = left.min(CVES_PER_REPORT);
        left -= n;
        let vulns: Vec<serde_json::Value> = (0..n)
            .map(|k| {
                let c = &CONTAINER_CVES[rng.below(CONTAINER_CVES.len() as u64) as usize];
                // Distinct per report, as a scanner lists them.
                let id = format!("CVE-{}-{:05}", 2019 + rng.below(7), 10_000 + k * 1_000 + rng.below(1_000) as usize);
                json!({"vulnerabilityID": id, "resource": c.package, "installedVersion": c.installed,
                       "fixedVersion": c.fixed, "severity": label(c.severity).replace("INFORMATIONAL", "UNKNOWN"),
                       "title": c.title, "primaryLink": format!("https://avd.aquasec.com/nvd/{}", id.to_lowercase()),
                       "score": 5.0 + (k % 5) as f64})
            })
            .collect();
        let name = format!("{}-{i}", w.name);
        let v = json!({
            "apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "VulnerabilityReport",
            "metadata": {"name": format!("replicaset-{name}-app"), "namespace": w.namespace,
                "creationTimestamp": day(rng),
                "labels": {"trivy-operator.container.name": "app", "trivy-operator.resource.kind": "ReplicaSet",
                           "trivy-operator.resource.name": name, "trivy-operator.resource.namespace": w.namespace}},
            "report": {"updateTimestamp": "2026-11-20T08:00:00Z",
                "artifact": {"repository": w.image, "tag": "1.0"}, "registry": {"server": "registry.example.com"},
                "vulnerabilities": vulns}
        });
        line(out, i == 0, &v)?;
    }
    out.write_all(b"\n]}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_gives_exactly_count_findings_and_is_deterministic() {
        for format in [GenFormat::Asff, GenFormat::Kubescape, GenFormat::Starboard] {
            let mut a = Vec::new();
            write(format, 237, 7, &mut a).unwrap();
            let mut b = Vec::new();
            write(format, 237, 7, &mut b).unwrap();
            assert_eq!(a, b, "{format:?}");
            let loaded = crate::sources::parse_bytes(std::path::Path::new("gen"), &a, None);
            assert!(loaded.errors.is_empty(), "{format:?}: {:?}", loaded.errors);
            assert_eq!(loaded.findings.len(), 237, "{format:?}");
            let mut c = Vec::new();
            write(format, 237, 8, &mut c).unwrap();
            assert_ne!(a, c, "{format:?}: the seed matters");
        }
    }
}
