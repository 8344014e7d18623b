//! The scanners beside Security Hub and the operators (Trivy, SARIF, Grype,
//! kube-bench, Popeye, Prowler, Inspector): each recognised by content, with
//! its source, 4C layer, severity and open state by the documented rules.

use posture_core::model::{Finding, Layer, Severity};

fn load(rel: &str) -> Vec<Finding> {
    let path = crate::project_root().join("tests/fixtures").join(rel);
    let loaded = posture_core::sources::load_file(&path);
    let mut fps: Vec<_> = loaded
        .findings
        .iter()
        .map(|f| f.fingerprint.clone())
        .collect();
    fps.sort();
    fps.dedup();
    assert_eq!(
        fps.len(),
        loaded.findings.len(),
        "{rel}: fingerprints unique"
    );
    loaded.findings
}

/// (source, layer, severity, open) of every finding, sorted.
fn seen(findings: &[Finding]) -> Vec<(String, Layer, Severity, bool)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| (f.source.to_string(), f.layer, f.severity, f.open))
        .collect();
    v.sort();
    v
}

fn row(source: &str, layer: Layer, sev: Severity, open: bool) -> (String, Layer, Severity, bool) {
    (source.to_string(), layer, sev, open)
}

#[test]
fn trivy_k8s_reports_in_both_layouts() {
    use Layer::*;
    use Severity::*;
    let new = load("trivy/k8s-resources.json");
    assert_eq!(
        seen(&new),
        vec![
            row("trivy", Cluster, Low, false),
            row("trivy", Cluster, Medium, true),
            row("trivy", Container, High, true),
            row("trivy", Container, High, true),
        ]
    );
    assert!(new.iter().all(|f| f.namespace.display() == "payments"));
    let old = load("trivy/k8s-old-lists.json");
    assert_eq!(
        seen(&old),
        vec![
            row("trivy", Cluster, Medium, true),
            row("trivy", Container, Critical, true),
            row("trivy", Container, Critical, true),
        ]
    );
}

#[test]
fn sarif_severity_suppression_and_tools() {
    use Layer::Code;
    use Severity::*;
    let f = load("sarif/two-runs.sarif");
    assert_eq!(
        seen(&f),
        vec![
            row("codeql", Code, Low, true),
            row("codeql", Code, High, true),
            row("codeql", Code, Critical, false),
            row("codeql", Code, Critical, false),
            row("codeql", Code, Critical, false),
            row("codeql", Code, Critical, true),
            row("semgrep-oss", Code, Info, true),
            row("semgrep-oss", Code, High, true),
        ]
    );
    let sql = f
        .iter()
        .find(|x| x.rule_id.display() == "js/sql-injection")
        .unwrap();
    assert_eq!(sql.resource.display(), "src/db.js:42");
    // Read again, the same identities: triage follows the finding.
    let again = load("sarif/two-runs.sarif");
    assert_eq!(
        f.iter().map(|x| &x.fingerprint).collect::<Vec<_>>(),
        again.iter().map(|x| &x.fingerprint).collect::<Vec<_>>()
    );
}

#[test]
fn grype_kube_bench_popeye_prowler_and_inspector() {
    use Layer::*;
    use Severity::*;
    assert_eq!(
        seen(&load("grype/image.json")),
        vec![
            row("grype", Container, Info, true),
            row("grype", Container, Critical, true)
        ]
    );
    assert_eq!(
        seen(&load("kube-bench/controls.json")),
        vec![
            row("kube-bench", Cluster, Low, true),
            row("kube-bench", Cluster, Medium, true)
        ]
    );
    assert_eq!(
        seen(&load("popeye/sections.json")),
        vec![
            row("popeye", Cluster, Info, true),
            row("popeye", Cluster, Medium, true),
            row("popeye", Cluster, High, true),
        ]
    );
    assert_eq!(
        seen(&load("prowler/aws.ocsf.json")),
        vec![
            row("prowler", Cloud, Medium, false),
            row("prowler", Cloud, High, true),
            row("prowler", Cloud, Critical, false),
        ]
    );
    let path = crate::project_root().join("tests/fixtures/inspector/list-findings.json");
    let loaded = posture_core::sources::load_file(&path);
    // The record without a findingArn is an error; the others load.
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
    assert_eq!(
        seen(&loaded.findings),
        vec![
            row("inspector", Cloud, Unknown, false),
            row("inspector", Cloud, Critical, true),
            row("inspector", Container, Info, false),
            row("inspector", Code, High, true),
        ]
    );
}

#[test]
fn edge_cases_of_each_format() {
    use Layer::*;
    use Severity::*;
    // Nothing found is no finding and no error.
    for empty in [
        "sarif/empty.sarif",
        "trivy/fs-nothing-found.json",
        "inspector/empty.json",
    ] {
        let path = crate::project_root().join("tests/fixtures").join(empty);
        let loaded = posture_core::sources::load_file(&path);
        assert!(
            loaded.findings.is_empty() && loaded.errors.is_empty(),
            "{empty}: {loaded:?}"
        );
    }
    // Popeye's old layout; level 0 is no finding.
    assert_eq!(
        seen(&load("popeye/sanitizers.json")),
        vec![
            row("popeye", Cluster, Info, true),
            row("popeye", Cluster, High, true)
        ]
    );
    // Grype on a directory is code; two equal matches are two findings.
    assert_eq!(
        seen(&load("grype/directory.json")),
        vec![
            row("grype", Code, Unknown, true),
            row("grype", Code, Medium, true),
            row("grype", Code, Medium, true),
        ]
    );
    // kube-bench's controls as a top-level array.
    assert_eq!(
        seen(&load("kube-bench/array.json")),
        vec![
            row("kube-bench", Cluster, Low, true),
            row("kube-bench", Cluster, Medium, true)
        ]
    );
    // Inspector through Security Hub: Lambda code is code, an image container.
    assert_eq!(
        seen(&load("inspector/asff-lambda-code.json")),
        vec![
            row("securityhub", Container, Medium, true),
            row("securityhub", Code, High, true)
        ]
    );
}

#[test]
fn an_entry_that_is_not_an_object_is_an_error_and_the_rest_load() {
    let parse = |text: &str| {
        posture_core::sources::parse_bytes(std::path::Path::new("r.json"), text.as_bytes(), None)
    };
    let sarif = parse(
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [5, {"ruleId": "a", "message": {"text": "m"}}, null]}]}"#,
    );
    assert_eq!(
        (sarif.findings.len(), sarif.errors.len()),
        (1, 2),
        "{:?}",
        sarif.errors
    );
    let trivy = parse(
        r#"{"SchemaVersion": 2, "ArtifactName": "i", "ArtifactType": "container_image", "Results": [{"Target": "t", "Vulnerabilities": ["CVE-1", {"VulnerabilityID": "CVE-2", "PkgName": "p", "InstalledVersion": "1", "Severity": "LOW"}]}]}"#,
    );
    assert_eq!(
        (trivy.findings.len(), trivy.errors.len()),
        (1, 1),
        "{:?}",
        trivy.errors
    );
    assert!(trivy.errors[0].to_string().contains("not an object"));
}
