//! Parse speed of each scanner format against Kubescape's, per finding:
//! 20,000 findings in one file of each, as the tool writes it (one Trivy,
//! SARIF, Grype, kube-bench, Popeye or Inspector document; Prowler's array
//! of findings). Run: `cargo bench --bench formats`.

use std::path::Path;

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use posture_core::demo::generate::{GenFormat, write};
use serde_json::{Value, json};

fn main() {
    posture::memory::tune();
    divan::main();
}

const COUNT: usize = 20_000;

const FORMATS: [&str; 8] = [
    "kubescape",
    "trivy",
    "sarif",
    "grype",
    "kube-bench",
    "popeye",
    "prowler",
    "inspector",
];

fn title_case(i: usize) -> &'static str {
    ["Critical", "High", "Medium", "Low"][i % 4]
}

fn sev(i: usize) -> &'static str {
    ["CRITICAL", "HIGH", "MEDIUM", "LOW"][i % 4]
}

/// One document of `n` findings in `format`.
fn document(format: &str, n: usize) -> Vec<u8> {
    if format == "kubescape" {
        let mut out = Vec::new();
        write(GenFormat::Kubescape, n, 42, &mut out).expect("generate");
        return out;
    }
    let doc: Value = match format {
        "trivy" => json!({"SchemaVersion": 2, "ArtifactName": "acme/api:1.2", "ArtifactType": "container_image",
            "Results": (0..n / 100).map(|r| json!({"Target": format!("layer-{r} (debian 12)"), "Class": "os-pkgs",
                "Vulnerabilities": (0..100).map(|i| json!({"VulnerabilityID": format!("CVE-2023-{}", r * 100 + i),
                    "PkgName": format!("lib{i}"), "InstalledVersion": "1.2.3-4", "FixedVersion": "1.2.3-5",
                    "Severity": sev(i), "Title": "heap overflow in a parser of untrusted input",
                    "Description": "A long description of the flaw, its impact and the versions it affects. ".repeat(4),
                    "PrimaryURL": format!("https://avd.aquasec.com/nvd/cve-2023-{i}")})).collect::<Vec<_>>()})).collect::<Vec<_>>()}),
        "sarif" => json!({"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": [{
            "tool": {"driver": {"name": "CodeQL", "rules": (0..50).map(|r| json!({"id": format!("js/rule-{r}"),
                "shortDescription": {"text": format!("Rule {r} found a flaw")}, "properties": {"security-severity": format!("{}.5", r % 10)}})).collect::<Vec<_>>()}},
            "results": (0..n).map(|i| json!({"ruleId": format!("js/rule-{}", i % 50), "ruleIndex": i % 50,
                "message": {"text": "This query depends on a user-provided value and reaches a sink."},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("src/module{}/file{i}.js", i % 40)}, "region": {"startLine": i % 900 + 1}}}],
                "partialFingerprints": {"primaryLocationLineHash": format!("{i:016x}:1")}})).collect::<Vec<_>>()}]}),
        "grype" => json!({"descriptor": {"name": "grype", "version": "0.74.0"}, "source": {"type": "image", "target": {"userInput": "acme/api:1.2"}},
            "matches": (0..n).map(|i| json!({"vulnerability": {"id": format!("CVE-2022-{i}"), "severity": title_case(i),
                "description": "A long description of the flaw. ".repeat(6), "fix": {"versions": ["2.0.1"], "state": "fixed"}, "dataSource": "https://nvd.nist.gov/"},
                "artifact": {"name": format!("pkg{}", i % 500), "version": "1.0.0", "type": "npm", "locations": [{"path": format!("/app/node_modules/pkg{i}/package.json")}]}})).collect::<Vec<_>>()}),
        "kube-bench" => json!({"Controls": (0..n / 100).map(|c| json!({"id": format!("{c}"), "text": "Control Plane Security Configuration", "node_type": "master",
            "tests": [{"section": format!("{c}.1"), "desc": "Configuration files", "results": (0..100).map(|i| json!({"test_number": format!("{c}.1.{i}"),
                "test_desc": "Ensure that the file permissions are set to 600 or more restrictive", "audit": "stat -c %a /etc/kubernetes/manifests/kube-apiserver.yaml",
                "remediation": "Run chmod 600 on the file on the control plane node.", "status": if i % 2 == 0 { "FAIL" } else { "WARN" },
                "expected_result": "permissions has permissions 600", "actual_value": "644"})).collect::<Vec<_>>()}]})).collect::<Vec<_>>()}),
        "popeye" => json!({"popeye": {"score": 70, "grade": "C", "sections": (0..n / 100).map(|s| json!({"linter": "pods", "gvr": "v1/pods",
            "issues": (0..50).map(|p| (format!("ns{s}/pod-{p}"), json!([
                {"group": "__root__", "gvr": "v1/pods", "level": 3, "message": "[POP-204] Pod is not ready [0/1]"},
                {"group": "app", "gvr": "containers", "level": 2, "message": "[POP-106] No resources requests/limits defined"}]))).collect::<serde_json::Map<_, _>>()})).collect::<Vec<_>>()}}),
        "prowler" => Value::Array((0..n).map(|i| json!({"metadata": {"event_code": format!("check_{}", i % 300), "product": {"name": "Prowler", "vendor_name": "Prowler", "version": "5.4.0"}},
            "severity": title_case(i), "severity_id": 4, "status_code": "FAIL", "status": "New",
            "finding_info": {"uid": format!("prowler-aws-check_{}-111122223333-eu-west-1-res{i}", i % 300), "title": "A check that failed", "desc": "What the check verifies. ".repeat(4), "created_time_dt": "2024-05-01T10:00:00Z"},
            "cloud": {"provider": "aws", "account": {"uid": "111122223333"}, "region": "eu-west-1"},
            "resources": [{"uid": format!("arn:aws:s3:::bucket-{i}"), "name": format!("bucket-{i}"), "type": "AwsS3Bucket", "region": "eu-west-1"}],
            "remediation": {"desc": "Fix it as the documentation says.", "references": ["https://docs.aws.amazon.com/"]}, "time_dt": "2024-05-02T10:00:00Z"})).collect()),
        "inspector" => json!({"findings": (0..n).map(|i| json!({"findingArn": format!("arn:aws:inspector2:eu-west-1:111122223333:finding/{i:032x}"),
            "type": "PACKAGE_VULNERABILITY", "severity": sev(i), "status": "ACTIVE", "title": format!("CVE-2024-{i} - xz"), "awsAccountId": "111122223333",
            "description": "A long description of the flaw. ".repeat(6),
            "resources": [{"type": "AWS_ECR_CONTAINER_IMAGE", "id": format!("arn:aws:ecr:eu-west-1:111122223333:repository/r/sha256:{i:064x}"), "region": "eu-west-1"}],
            "packageVulnerabilityDetails": {"vulnerabilityId": format!("CVE-2024-{i}"), "vulnerablePackages": [{"name": "xz", "version": "5.6.0", "fixedInVersion": "5.6.1"}]},
            "remediation": {"recommendation": {"text": "Upgrade the package."}}, "firstObservedAt": "2024-03-29T10:00:00Z"})).collect::<Vec<_>>()}),
        other => panic!("no generator for {other}"),
    };
    serde_json::to_vec(&doc).expect("serialise")
}

/// Parse speed per format, `COUNT` findings each (bytes and findings per
/// second).
#[divan::bench(args = FORMATS, sample_count = 10, sample_size = 1)]
fn parse_format(bencher: Bencher, format: &str) {
    let bytes = document(format, COUNT);
    let findings = posture_core::sources::parse_bytes(Path::new("bench"), &bytes, None).findings;
    assert_eq!(findings.len(), COUNT, "{format}");
    bencher
        .counter(BytesCount::of_slice(&bytes))
        .counter(ItemsCount::new(COUNT))
        .bench(|| posture_core::sources::parse_bytes(Path::new("bench"), &bytes, None).findings);
}
