//! Conformance with real public tool outputs: when `../shared/fixtures` exists
//! (beside the checkout, and in CI), every file any EXPECTED.json below it
//! lists (relative to that EXPECTED.json) must give exactly the expected
//! total, open and per-severity counts (of all findings), with fingerprints
//! unique within the file; where it lists them, the counts of findings with
//! an exploit and with a fix available too. With `CI` set, a missing folder fails the test
//! rather than skipping it.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    total: usize,
    open: usize,
    by_severity: BTreeMap<String, usize>,
    /// The exploit samples': findings with an exploit, and with a fix, available.
    exploit_yes: Option<usize>,
    fix_yes: Option<usize>,
}

/// Every EXPECTED.json at or below `dir`.
fn expected_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            expected_files(&p, out);
        } else if p.file_name().is_some_and(|n| n == "EXPECTED.json") {
            out.push(p);
        }
    }
}

#[test]
fn shared_fixtures_match_expected_counts() {
    let root = crate::project_root().join("../shared/fixtures");
    let expected_path = root.join("EXPECTED.json");
    if !expected_path.exists() {
        // CI always has the fixtures: there, a missing folder is a broken
        // set-up, not a reason to pass.
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing, and CI is set: the conformance test cannot run",
            expected_path.display()
        );
        eprintln!("skipping: {} not present", expected_path.display());
        return;
    }
    let mut lists = Vec::new();
    expected_files(&root, &mut lists);
    let mut failures = Vec::new();
    let mut checked = 0;
    for list in &lists {
        let text = std::fs::read_to_string(list).expect("EXPECTED.json reads");
        let expected: BTreeMap<String, Expected> =
            serde_json::from_str(&text).expect("EXPECTED.json parses");
        assert!(!expected.is_empty(), "{} lists nothing", list.display());
        let dir = list.parent().expect("a folder");
        for (rel, want) in &expected {
            checked += 1;
            check(&dir.join(rel), rel, want, &mut failures);
        }
    }
    // The top-level list and the scanners' and exploit samples' own.
    assert!(lists.len() >= 3, "EXPECTED.json files: {lists:?}");
    assert!(checked >= 40, "{checked} files checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn check(path: &std::path::Path, rel: &str, want: &Expected, failures: &mut Vec<String>) {
    let loaded = posture_core::sources::load_file(path);
    if !loaded.errors.is_empty() {
        failures.push(format!("{rel}: errors {:?}", loaded.errors));
        return;
    }
    let f = &loaded.findings;
    let mut by = BTreeMap::new();
    for x in f {
        *by.entry(x.severity.as_str().to_string()).or_insert(0) += 1;
    }
    let open = f.iter().filter(|x| x.open).count();
    if f.len() != want.total || open != want.open || by != want.by_severity {
        failures.push(format!(
            "{rel}: got total {} open {open} {by:?}; want total {} open {} {:?}",
            f.len(),
            want.total,
            want.open,
            want.by_severity
        ));
    }
    let signal =
        |want: Option<usize>, name: &str, has: &dyn Fn(&posture_core::model::Signals) -> bool| {
            let got = f.iter().filter(|x| has(&x.signals)).count();
            want.filter(|&w| w != got)
                .map(|w| format!("{rel}: {got} findings with {name}; want {w}"))
        };
    failures.extend(signal(want.exploit_yes, "an exploit", &|s| s.exploited()));
    failures.extend(signal(want.fix_yes, "a fix", &|s| s.fix == Some(true)));
    // Fingerprints are unique within a file: each finding has one identity.
    let mut fps: Vec<_> = f.iter().map(|x| x.fingerprint.clone()).collect();
    fps.sort();
    fps.dedup();
    if fps.len() != f.len() {
        failures.push(format!(
            "{rel}: {} duplicate fingerprints",
            f.len() - fps.len()
        ));
    }
}

/// The published catalogues and their broken copies: each good one loads
/// whole, each broken one is an error naming the line.
#[test]
fn shared_kev_and_epss_samples_load_or_fail_where_they_break() {
    use posture_core::catalogue::Catalogues;
    let root = crate::project_root().join("../shared/fixtures/exploit");
    if !root.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} missing",
            root.display()
        );
        return;
    }
    let kev = |name: &str| Catalogues::read_kev(&root.join("kev").join(name));
    let full = kev("known_exploited_vulnerabilities.json").expect("CISA's catalogue reads");
    assert_eq!(full.data.cves.len(), 1404);
    assert_eq!(full.problems.count, 0);
    assert_eq!(full.data.version.as_deref(), Some("2025.08.25"));
    assert_eq!(
        kev("grype-kev-list.json")
            .expect("a bare list")
            .data
            .cves
            .len(),
        4
    );
    let cut = kev("valid-catalog-1.json").expect("a short copy reads");
    assert_eq!((cut.data.cves.len(), cut.problems.count), (3, 1));
    for broken in [
        "example1.json",
        "known_exploited_vulnerabilities_schema.json",
    ] {
        let e = kev(broken).expect_err(broken);
        assert!(e.to_string().contains(broken), "{e}");
    }
    let epss = |name: &str| Catalogues::read_epss(&root.join("epss").join(name));
    let scores = epss("example-1.csv").expect("FIRST's sample reads");
    assert_eq!(scores.data.scores.len(), 5);
    assert_eq!(scores.data.score_date, "2025-02-20");
    assert_eq!(
        epss("invalid-header.csv").expect_err("header").at,
        Some((2, 1))
    );
    assert_eq!(epss("missing-date.csv").expect_err("date").at, Some((1, 1)));
}
