//! The weekly review from the command line: snapshots, the diff (checked
//! against a set computation by fingerprint), and the review's numbers
//! (checked against `posture summary`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

struct Env(crate::common::env::TestEnv);

impl Env {
    fn new() -> Env {
        Env(crate::common::env::TestEnv::new())
    }
    fn dir(&self) -> &Path {
        self.0.dir.path()
    }
    fn posture(&self) -> Command {
        let mut c = self.0.posture();
        c.env("POSTURE_NOW", "2026-11-24T10:00:00Z");
        c
    }
    fn json(&self, args: &[&str]) -> Value {
        let out = self.posture().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }
}

/// Fingerprints of open findings in a snapshot file, read without posture.
fn open_set(path: &Path) -> BTreeMap<String, String> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["open"] == true)
        .map(|f| {
            (
                f["fingerprint"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn fingerprints(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

fn check_diff_against_sets(env: &Env, old: &Path, new: &Path) {
    let d = env.json(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let (o, n) = (open_set(old), open_set(new));
    let ok: BTreeSet<String> = o.keys().cloned().collect();
    let nk: BTreeSet<String> = n.keys().cloned().collect();
    assert_eq!(fingerprints(&d["new"]), &nk - &ok);
    assert_eq!(fingerprints(&d["resolved"]), &ok - &nk);
    assert_eq!(fingerprints(&d["still_open"]), &ok & &nk);
    let changed: BTreeSet<String> = (&ok & &nk).into_iter().filter(|k| o[k] != n[k]).collect();
    assert_eq!(fingerprints(&d["severity_changed"]), changed);
    // Each finding as `posture list` prints it.
    let first = d["new"].get(0).or(d["still_open"].get(0)).unwrap();
    for key in [
        "fingerprint",
        "severity",
        "title",
        "resource",
        "owner",
        "open",
    ] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }
}

#[test]
fn demo_diff_matches_a_set_computation_by_fingerprint() {
    let env = Env::new();
    check_diff_against_sets(
        &env,
        &root("snapshots/demo-2026-11-09.json"),
        &root("snapshots/demo-2026-11-16.json"),
    );
    // Without files, the demo compares with its own previous week.
    let d = env.json(&["diff", "--format", "json"]);
    assert_eq!(d["from"]["name"], "demo week 45");
    assert!(!d["new"].as_array().unwrap().is_empty());
    assert!(!d["resolved"].as_array().unwrap().is_empty());
}

#[test]
fn snapshots_saved_from_other_inputs_diff_and_list() {
    let env = Env::new();
    let week1 = env.dir().join("week1.json");
    let week2 = env.dir().join("week2.json");
    let save = |name: &str, out: &Path, files: &[&str]| {
        let mut c = env.posture();
        c.args(["snapshot", "save", "--name", name, "--out"])
            .arg(out);
        for f in files {
            c.arg("--file").arg(root(f));
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    save(
        "week 1",
        &week1,
        &[
            "tests/fixtures/securityhub",
            "tests/fixtures/kubescape/v3-status-and-exceptions.json",
        ],
    );
    save(
        "week 2",
        &week2,
        &[
            "tests/fixtures/securityhub/get-findings-page.json",
            "tests/fixtures/kubescape",
            "tests/fixtures/starboard",
        ],
    );
    check_diff_against_sets(&env, &week1, &week2);
    // Saved snapshots carry triage status and owner.
    let v: Value = serde_json::from_slice(&std::fs::read(&week2).unwrap()).unwrap();
    let f = &v["findings"][0];
    assert!(f["owner"].is_string() && f["status"].is_string(), "{f}");

    // Into the data dir: listed, and `--since NAME` diffs the current inputs.
    let o = env
        .posture()
        .args(["snapshot", "save", "--name", "review-1", "--file"])
        .arg(root("tests/fixtures/securityhub"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let list = env.json(&["snapshot", "list", "--format", "json"]);
    assert_eq!(list[0]["name"], "review-1");
    let d = env.json(&[
        "diff",
        "--since",
        "review-1",
        "--format",
        "json",
        "--file",
        root("tests/fixtures/starboard").to_str().unwrap(),
    ]);
    assert_eq!(d["from"]["name"], "review-1");
    assert!(d["still_open"].as_array().unwrap().is_empty());
    assert!(!d["new"].as_array().unwrap().is_empty());
    assert!(!d["resolved"].as_array().unwrap().is_empty());
    let bad = env
        .posture()
        .args(["diff", "--since", "no-such-week"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("review-1"));
}

#[test]
fn review_numbers_agree_with_summary() {
    let env = Env::new();
    let review = env.json(&["review", "--format", "json"]);
    let summary = env.json(&["summary", "--by", "owner", "--format", "json"]);
    assert_eq!(review["open"], summary["open"]);
    assert_eq!(review["by_severity"], summary["by_severity"]);
    assert_eq!(review["by_owner"], summary["by_owner"]);
    let d = env.json(&["diff", "--format", "json"]);
    assert_eq!(review["new"]["count"], d["new"].as_array().unwrap().len());
    assert_eq!(
        review["resolved"]["count"],
        d["resolved"].as_array().unwrap().len()
    );
    assert_eq!(review["trend"].as_array().unwrap().len(), 2);
    assert!(review["overdue"]["count"].as_u64().unwrap() > 0);
    assert!(review["oldest_criticals"]["count"].as_u64().unwrap() > 0);
}

#[test]
fn review_markdown_is_meeting_ready_and_inert() {
    let env = Env::new();
    let out = env
        .posture()
        .args(["review", "--format", "markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    for heading in [
        "# Security review — 2026-11-24",
        "## Open findings by owner",
        "## New since the last snapshot",
        "## Resolved since the last snapshot",
        "## Oldest open criticals",
        "## Overdue by SLA",
        "## Trend: open findings per severity",
    ] {
        assert!(md.contains(heading), "{heading}\n{md}");
    }
    // A snapshot of other inputs first, so that the hostile finding is listed as new.
    let saved = env
        .posture()
        .args(["snapshot", "save", "--name", "before", "--file"])
        .arg(root("tests/fixtures/starboard"))
        .output()
        .unwrap();
    assert!(saved.status.success());
    let hostile = env
        .posture()
        .args(["review", "--format", "markdown", "--file"])
        .arg(root("tests/fixtures/hostile/ansi-titles.json"))
        .output()
        .unwrap();
    let md = String::from_utf8(hostile.stdout).unwrap();
    assert!(md.contains("RED"), "the hostile finding is listed: {md}");
    assert!(
        !md.contains('\x1b') && !md.contains('\x07') && !md.contains('\u{202e}'),
        "{md}"
    );
    assert!(md.contains("HYPERLINK\\("), "{md}");
}

#[test]
fn snapshot_names_never_share_a_file_and_nothing_saved_is_overwritten() {
    let env = Env::new();
    let save = |args: &[&str]| {
        let out = env
            .posture()
            .args(["snapshot", "save"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let dir = env.dir().join("data/posture/snapshots");
    let files = || std::fs::read_dir(&dir).map_or(0, |d| d.count());
    for name in ["", ".", "..", "snapshot"] {
        let (ok, err) = save(&["--name", name]);
        assert!(ok, "{name:?}: {err}");
    }
    assert_eq!(files(), 4, "four names, four files");
    // The same day twice: the first is kept and the second says so.
    let (ok, _) = save(&[]);
    assert!(ok);
    let first = std::fs::read(dir.join("2026-11-24.json")).unwrap();
    let later = env
        .posture()
        .env("POSTURE_NOW", "2026-11-24T17:00:00Z")
        .args(["snapshot", "save"])
        .output()
        .unwrap();
    assert!(!later.status.success());
    let err = String::from_utf8_lossy(&later.stderr);
    assert!(err.contains("--force") && err.contains("kept"), "{err}");
    assert_eq!(std::fs::read(dir.join("2026-11-24.json")).unwrap(), first);
    // --force replaces it.
    let (ok, err) = save(&["--force"]);
    assert!(ok, "{err}");
}

/// `--query` narrows the review and the diff to what it passes, in the
/// baseline as now: checked against the whole diff filtered by hand and
/// against `summary` with the same query.
#[test]
fn review_and_diff_take_a_query() {
    let env = Env::new();
    let q = "ns:pay* or sev:critical layer:container";
    let keeps = |f: &Value| {
        f["namespace"].as_str().unwrap().starts_with("pay")
            || (f["severity"] == "critical" && f["layer"] == "container")
    };
    let whole = env.json(&["diff", "--format", "json"]);
    let part = env.json(&["diff", "--format", "json", "--query", q]);
    for key in ["new", "resolved", "still_open"] {
        let want: BTreeSet<String> = whole[key]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| keeps(f))
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect();
        assert!(!want.is_empty(), "{key}");
        assert!(want.len() < whole[key].as_array().unwrap().len(), "{key}");
        assert_eq!(fingerprints(&part[key]), want, "{key}");
    }
    // Two snapshot files, narrowed the same way.
    let old = root("snapshots/demo-2026-11-09.json");
    let new = root("snapshots/demo-2026-11-16.json");
    let files = env.json(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
        "--query",
        q,
    ]);
    assert!(files["new"].as_array().unwrap().iter().all(keeps));
    assert!(!files["new"].as_array().unwrap().is_empty());
    let review = env.json(&["review", "--format", "json", "--query", q]);
    let summary = env.json(&["summary", "--by", "owner", "--format", "json", "--query", q]);
    assert_eq!(review["open"], summary["open"]);
    assert_eq!(review["by_owner"], summary["by_owner"]);
    assert_eq!(
        review["new"]["count"],
        part["new"].as_array().unwrap().len()
    );
    assert_eq!(review["query"], q);
    assert!(review["trend"].as_array().unwrap().is_empty());
    let md = env
        .posture()
        .args(["review", "--format", "markdown", "--query", q])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("No trend for a query"), "{md}");
    let bad = env
        .posture()
        .args(["review", "--query", "sev>=urgent"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("sev>=urgent"));
}
