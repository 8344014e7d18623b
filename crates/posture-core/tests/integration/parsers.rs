//! Parser tests on the project's own fixtures: counts, severities, open state and
//! the fields each format maps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use posture_core::model::{Finding, Severity, Source};
use posture_core::sources::{Loaded, load_file};

fn fixture(rel: &str) -> PathBuf {
    crate::project_root().join("tests/fixtures").join(rel)
}

fn load_ok(rel: &str) -> Loaded {
    let l = load_file(&fixture(rel));
    assert!(l.errors.is_empty(), "{rel}: {:?}", l.errors);
    l
}

fn counts(fs: &[Finding]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for f in fs {
        *m.entry(f.severity.as_str()).or_insert(0) += 1;
    }
    m
}

fn open(fs: &[Finding]) -> usize {
    fs.iter().filter(|f| f.open).count()
}

fn by_title<'a>(fs: &'a [Finding], needle: &str) -> &'a Finding {
    fs.iter()
        .find(|f| f.title.display().contains(needle))
        .unwrap_or_else(|| panic!("no finding titled {needle:?}"))
}

#[test]
fn asff_page_labels_normalized_and_closed_states() {
    let l = load_ok("securityhub/get-findings-page.json");
    let f = &l.findings;
    assert_eq!(f.len(), 6);
    assert_eq!(open(f), 3);
    assert_eq!(
        counts(f),
        BTreeMap::from([("critical", 2), ("high", 1), ("info", 1), ("medium", 2)])
    );
    let s3 = by_title(f, "S3.8");
    assert_eq!(s3.source, Source::Securityhub);
    assert_eq!(s3.rule_id.display(), "S3.8");
    assert_eq!(s3.resource.display(), "arn:aws:s3:::fixture-public-bucket");
    assert_eq!(s3.account.display(), "210987654321");
    assert_eq!(s3.region.display(), "eu-west-1");
    assert_eq!(
        s3.remediation.text.display(),
        "Turn on block public access."
    );
    assert!(
        s3.remediation
            .url
            .as_ref()
            .unwrap()
            .display()
            .ends_with("S3.8/remediation")
    );
    assert_eq!(s3.first_seen.unwrap().to_rfc3339(), "2026-10-01T08:00:00Z");
    assert!(s3.raw.as_deref().unwrap().contains("\"S3.8\""));
    // No label: Normalized 92 is critical; a numeric string is accepted.
    assert_eq!(by_title(f, "mining").severity, Severity::Critical);
    assert_eq!(by_title(f, "as a string").severity, Severity::Medium);
    let cve = by_title(f, "CVE-2026-0001");
    assert_eq!(cve.rule_id.display(), "CVE-2026-0001");
    assert!(!cve.open);
    assert!(
        cve.description
            .display()
            .contains("openssl 3.0.1 (fixed in 3.0.9)")
    );
}

#[test]
fn asff_fingerprint_is_product_and_id() {
    let a = load_ok("securityhub/get-findings-page.json");
    let b = load_ok("securityhub/get-findings-page.json");
    let fa: Vec<_> = a.findings.iter().map(|f| f.fingerprint.clone()).collect();
    let fb: Vec<_> = b.findings.iter().map(|f| f.fingerprint.clone()).collect();
    assert_eq!(fa, fb);
    let mut uniq = fa.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), fa.len());
}

#[test]
fn asff_json_lines() {
    let l = load_ok("securityhub/prowler.jsonl");
    assert_eq!(l.findings.len(), 3);
    assert_eq!(open(&l.findings), 2);
    assert_eq!(
        counts(&l.findings),
        BTreeMap::from([("high", 1), ("low", 1), ("medium", 1)])
    );
}

#[test]
fn ocsf_severity_ids_and_status() {
    let l = load_ok("securityhub/ocsf-v2.json");
    let f = &l.findings;
    assert_eq!(f.len(), 4);
    assert_eq!(open(f), 2);
    assert_eq!(
        counts(f),
        BTreeMap::from([("critical", 1), ("high", 1), ("info", 1), ("medium", 1)])
    );
    let s3 = by_title(f, "public read");
    assert_eq!(s3.rule_id.display(), "S3.2");
    assert_eq!(s3.resource.display(), "arn:aws:s3:::bucket-a");
    assert_eq!(s3.account.display(), "210987654321");
    assert_eq!(
        by_title(f, "CVE-2026-1111").rule_id.display(),
        "CVE-2026-1111"
    );
}

#[test]
fn kubescape_v2_legacy_counts_failed_rules() {
    let l = load_ok("kubescape/v2-legacy-rules-only.json");
    let f = &l.findings;
    assert_eq!(f.len(), 3);
    assert_eq!(counts(f), BTreeMap::from([("high", 2), ("low", 1)]));
    assert!(f.iter().all(|x| x.source == Source::Kubescape && x.open));
    assert!(f.iter().all(|x| x.cluster.display() == "legacy-cluster"));
    let resources: Vec<&str> = f.iter().map(|x| x.resource.display()).collect();
    assert!(resources.contains(&"Deployment/shop"), "{resources:?}");
    assert!(
        resources.contains(&"Deployment/web/frontend"),
        "{resources:?}"
    );
    let ro = by_title(f, "Immutable");
    assert!(
        ro.remediation
            .text
            .display()
            .contains("readOnlyRootFilesystem = true")
    );
    assert_eq!(
        ro.remediation.url.as_ref().unwrap().display(),
        "https://hub.armosec.io/docs/c-0017"
    );
}

#[test]
fn kubescape_v3_exceptions_are_not_findings_and_duplicates_collapse() {
    let l = load_ok("kubescape/v3-status-and-exceptions.json");
    let f = &l.findings;
    assert_eq!(
        f.len(),
        3,
        "{:?}",
        f.iter().map(|x| x.rule_id.display()).collect::<Vec<_>>()
    );
    assert_eq!(
        counts(f),
        BTreeMap::from([("critical", 1), ("high", 1), ("medium", 1)])
    );
    assert!(
        f.iter()
            .all(|x| x.resource.display() == "Deployment/payments/api")
    );
    assert!(f.iter().all(|x| x.namespace.display() == "payments"));
}

#[test]
fn kubescape_v4_severity_strings_when_score_factor_is_missing() {
    let l = load_ok("kubescape/v4-severity-strings.json");
    assert_eq!(
        counts(&l.findings),
        BTreeMap::from([("critical", 1), ("medium", 1), ("unknown", 1)])
    );
    assert_eq!(
        by_title(&l.findings, "network").resource.display(),
        "StatefulSet/shop/db"
    );
}

#[test]
fn kubescape_operator_objects_in_multi_document_yaml() {
    let l = load_ok("kubescape/operator-objects.yaml");
    let f = &l.findings;
    assert_eq!(f.len(), 4);
    assert_eq!(
        counts(f),
        BTreeMap::from([("critical", 1), ("high", 1), ("info", 1), ("low", 1)])
    );
    assert!(
        f.iter()
            .all(|x| x.resource.display() == "Deployment/payments/api")
    );
    let vuln = by_title(f, "CVE-2026-2000");
    assert!(vuln.remediation.text.display().contains("1.2.4"));
}

#[test]
fn kubescape_scan_and_operator_agree_on_identity() {
    // The same control on the same workload, read from a scan file or from the
    // operator, is one finding: triage marks must follow it.
    let scan = load_ok("kubescape/v3-status-and-exceptions.json");
    let op = load_ok("kubescape/operator-objects.yaml");
    let id = |l: &Loaded, rule: &str| {
        l.findings
            .iter()
            .find(|f| f.rule_id.display() == rule)
            .map(|f| {
                (
                    f.resource.display().to_string(),
                    f.rule_id.display().to_string(),
                )
            })
    };
    assert_eq!(id(&scan, "C-0034").unwrap().0, "Deployment/payments/api");
    assert_eq!(id(&op, "C-0017").unwrap().0, "Deployment/payments/api");
}

#[test]
fn starboard_list_yaml_owner_labels_and_severity_words() {
    let l = load_ok("starboard/vulnerabilityreports-list.yaml");
    let f = &l.findings;
    assert_eq!(f.len(), 5);
    assert_eq!(
        counts(f),
        BTreeMap::from([
            ("critical", 1),
            ("high", 1),
            ("info", 1),
            ("medium", 1),
            ("unknown", 1)
        ])
    );
    let crit = f.iter().find(|x| x.severity == Severity::Critical).unwrap();
    assert_eq!(crit.resource.display(), "ReplicaSet/shop/web-5d8f7c9b6");
    assert_eq!(crit.namespace.display(), "shop");
    assert_eq!(crit.rule_id.display(), "CVE-2026-3000");
    assert!(crit.remediation.text.display().contains("3.0.13"));
    assert!(
        crit.description
            .display()
            .contains("index.docker.io/library/nginx:1.25")
    );
    // Starboard-era labels name the workload when there is no ownerReference.
    let old = f.iter().find(|x| x.severity == Severity::High).unwrap();
    assert_eq!(old.resource.display(), "ReplicaSet/shop/api-7c9");
}

#[test]
fn starboard_polaris_counts_checks_only() {
    let l = load_ok("starboard/polaris-configaudit.json");
    assert_eq!(
        counts(&l.findings),
        BTreeMap::from([("critical", 1), ("low", 1)])
    );
}

#[test]
fn starboard_assessments_secrets_bench_and_hunter() {
    let l = load_ok("starboard/assessments.yaml");
    let f = &l.findings;
    assert_eq!(
        f.len(),
        6,
        "{:#?}",
        f.iter().map(|x| x.title.display()).collect::<Vec<_>>()
    );
    assert_eq!(
        counts(f),
        BTreeMap::from([("critical", 3), ("low", 1), ("medium", 2)])
    );
    let rbac = by_title(f, "Manage secrets");
    assert_eq!(rbac.resource.display(), "ClusterRole/admin");
    // Two identical secrets are two findings with two identities.
    let secrets: Vec<&Finding> = f
        .iter()
        .filter(|x| x.rule_id.display() == "aws-access-key-id")
        .collect();
    assert_eq!(secrets.len(), 2);
    assert_ne!(secrets[0].fingerprint, secrets[1].fingerprint);
    let bench = by_title(f, "ownership");
    assert_eq!(bench.severity, Severity::Medium);
    assert_eq!(bench.resource.display(), "Node/node-1");
    assert_eq!(bench.rule_id.display(), "CIS-4.1.2");
}

#[test]
fn snapshot_round_trip_keeps_every_field() {
    let l = load_ok("securityhub/get-findings-page.json");
    let at = posture_core::model::Timestamp::parse("2026-11-20T00:00:00Z").unwrap();
    let snap = posture_core::sources::snapshot::SnapshotFile::new("t", at, &l.findings);
    let back =
        posture_core::sources::parse_bytes(Path::new("snap.json"), snap.to_json().as_bytes(), None);
    assert!(back.errors.is_empty(), "{:?}", back.errors);
    assert_eq!(back.findings.len(), l.findings.len());
    for (a, b) in l.findings.iter().zip(&back.findings) {
        let strip = |f: &Finding| Finding {
            raw: None,
            ..f.clone()
        };
        assert_eq!(strip(a), strip(b));
    }
}

#[test]
fn snapshot_from_the_future_is_refused_with_a_reason() {
    let text = br#"{"posture_snapshot": 9, "name": "x", "taken_at": "2026-01-01T00:00:00Z", "findings": []}"#;
    let l = posture_core::sources::parse_bytes(Path::new("s.json"), text, None);
    assert_eq!(l.errors.len(), 1);
    assert!(l.errors[0].message.contains("newer"), "{}", l.errors[0]);
}

#[test]
fn yaml_integers_beyond_64_bits_are_read_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("report.yaml");
    std::fs::write(
        &p,
        "apiVersion: aquasecurity.github.io/v1alpha1
kind: VulnerabilityReport
metadata:
  name: r1
  namespace: default
  generation: 99999999999999999999999
  resourceVersion: -999999999999999999999999999
report:
  artifact: {repository: nginx, tag: \"1.0\"}
  vulnerabilities:
    - vulnerabilityID: CVE-2024-1
      severity: CRITICAL
      title: t
      resource: libc
      installedVersion: \"1\"
",
    )
    .unwrap();
    let loaded = load_file(&p);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.findings.len(), 1);
}
