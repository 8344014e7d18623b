//! Conformance with real public tool outputs: when `../shared/fixtures` exists
//! (beside the checkout, and in CI), every file its EXPECTED.json lists must give
//! exactly the expected total, open and per-severity counts (of all findings).
//! With `CI` set, a missing folder fails the test rather than skipping it.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    total: usize,
    open: usize,
    by_severity: BTreeMap<String, usize>,
}

#[test]
fn shared_fixtures_match_expected_counts() {
    let root = crate::project_root().join("../shared/fixtures");
    let expected_path = root.join("EXPECTED.json");
    let Ok(text) = std::fs::read_to_string(&expected_path) else {
        // CI always has the fixtures: there, a missing folder is a broken
        // set-up, not a reason to pass.
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing, and CI is set: the conformance test cannot run",
            expected_path.display()
        );
        eprintln!("skipping: {} not present", expected_path.display());
        return;
    };
    let expected: BTreeMap<String, Expected> =
        serde_json::from_str(&text).expect("EXPECTED.json parses");
    assert!(!expected.is_empty());
    let mut failures = Vec::new();
    for (rel, want) in &expected {
        let loaded = posture_core::sources::load_file(&root.join(rel));
        if !loaded.errors.is_empty() {
            failures.push(format!("{rel}: errors {:?}", loaded.errors));
            continue;
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
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
