//! Conformance with real public tool outputs: when `../shared/fixtures` exists
//! (beside the checkout, and in CI), every file any EXPECTED.json below it
//! lists (relative to that EXPECTED.json) must give exactly the expected
//! total, open and per-severity counts (of all findings), with fingerprints
//! unique within the file. With `CI` set, a missing folder fails the test
//! rather than skipping it.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    total: usize,
    open: usize,
    by_severity: BTreeMap<String, usize>,
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
