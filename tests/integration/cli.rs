//! The headless CLI as a user runs it: exit statuses, located errors on stderr,
//! the JSON contract, filters, and inert hostile text.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn posture() -> Command {
    let mut c = Command::cargo_bin("posture").unwrap();
    // Hermetic: no user config, and a triage file that does not exist (read as empty).
    let nowhere = std::env::temp_dir().join("posture-tests-nonexistent");
    c.env("NO_COLOR", "1")
        .env("POSTURE_CONFIG", nowhere.join("config.toml"))
        .env("POSTURE_TRIAGE_FILE", nowhere.join("triage.toml"));
    c
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

#[test]
fn list_json_has_the_documented_keys_sorted_by_severity_then_recency() {
    let out = posture()
        .args(["list", "--format", "json", "--all", "--file"])
        .arg(fixture("securityhub"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out.stdout);
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 6 + 3 + 4);
    for key in [
        "fingerprint",
        "source",
        "severity",
        "title",
        "rule_id",
        "resource",
        "namespace",
        "account",
        "region",
        "cluster",
        "open",
    ] {
        assert!(items.iter().all(|i| i.get(key).is_some()), "missing {key}");
    }
    let rank = |s: &str| {
        ["critical", "high", "medium", "low", "info", "unknown"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    let ranks: Vec<usize> = items
        .iter()
        .map(|i| rank(i["severity"].as_str().unwrap()))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    // Within a severity, newest last_seen first.
    let highs: Vec<&str> = items
        .iter()
        .filter(|i| i["severity"] == "high" && i.get("last_seen").is_some())
        .map(|i| i["last_seen"].as_str().unwrap())
        .collect();
    assert!(highs.windows(2).all(|w| w[0] >= w[1]), "{highs:?}");
}

#[test]
fn list_hides_closed_findings_unless_all() {
    let count = |all: bool| {
        let mut c = posture();
        c.args(["list", "--format", "json", "--file"])
            .arg(fixture("securityhub/get-findings-page.json"));
        if all {
            c.arg("--all");
        }
        json_of(&c.output().unwrap().stdout)
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count(false), 3);
    assert_eq!(count(true), 6);
}

#[test]
fn severity_and_source_filters() {
    let out = posture()
        .args([
            "list",
            "--format",
            "json",
            "--severity",
            "high",
            "--source",
            "kubescape",
            "--file",
        ])
        .arg(fixture(""))
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    let items = v.as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["source"] == "kubescape"));
    assert!(
        items
            .iter()
            .all(|i| i["severity"] == "high" || i["severity"] == "critical")
    );
}

#[test]
fn a_query_selects_and_a_malformed_one_is_a_usage_error_naming_its_term() {
    // Inputs that load cleanly: exit 2 can then only be the query.
    let inputs = ["kubescape", "sarif", "trivy"].map(fixture);
    let run = |query: &str| {
        posture()
            .args(["list", "--all", "--format", "json", "--query", query])
            .args(
                inputs
                    .iter()
                    .flat_map(|p| [std::ffi::OsStr::new("--file"), p.as_os_str()]),
            )
            .output()
            .unwrap()
    };
    let out = run("layer:code sev>=high or source:kube* sev:critical");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out.stdout);
    let items = v.as_array().unwrap();
    assert!(items.iter().any(|i| i["layer"] == "code"));
    assert!(items.iter().any(|i| i["source"] == "kubescape"));
    for i in items {
        let sev = i["severity"].as_str().unwrap();
        let code = i["layer"] == "code" && (sev == "high" || sev == "critical");
        let kube = i["source"] == "kubescape" && sev == "critical";
        assert!(code || kube, "{i}");
    }
    // The same through summary: the counts of what list shows.
    let summary = posture()
        .args([
            "summary",
            "--all",
            "--format",
            "json",
            "--query",
            "layer:code sev>=high",
        ])
        .args(
            inputs
                .iter()
                .flat_map(|p| [std::ffi::OsStr::new("--file"), p.as_os_str()]),
        )
        .output()
        .unwrap();
    let s = json_of(&summary.stdout);
    let listed = json_of(&run("layer:code sev>=high").stdout);
    assert_eq!(s["total"], listed.as_array().unwrap().len());
    // A malformed query: exit 2, the term and its place named, nothing listed.
    let bad = run("sev:high colour:red");
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("\"colour:red\" (at character 10)"), "{err}");
    assert!(bad.stdout.is_empty());
}

#[test]
fn a_saved_view_selects_and_sorts_and_adds_to_a_query() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[views.kube]\nquery = \"source:kubescape or source:trivy\"\nsort = \"title\"\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        posture()
            .env("POSTURE_CONFIG", &config)
            .args(["list", "--all", "--format", "json"])
            .args(extra)
            .args(["--file"])
            .arg(fixture("kubescape"))
            .args(["--file"])
            .arg(fixture("trivy"))
            .output()
            .unwrap()
    };
    let out = run(&["--view", "kube"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out.stdout);
    let titles: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert!(!titles.is_empty());
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted, "sorted by title");
    // With --query: both must pass.
    let both = json_of(&run(&["--view", "kube", "--query", "source:trivy"]).stdout);
    let both = both.as_array().unwrap();
    assert!(!both.is_empty() && both.len() < titles.len());
    assert!(both.iter().all(|i| i["source"] == "trivy"));
    // An unknown view names the known ones.
    let bad = run(&["--view", "nope"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("kube"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn summary_json_counts_open_by_severity_and_source() {
    let out = posture()
        .args(["summary", "--format", "json", "--file"])
        .arg(fixture("securityhub/get-findings-page.json"))
        .arg("--file")
        .arg(fixture("starboard/polaris-configaudit.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v = json_of(&out.stdout);
    assert_eq!(v["total"], 8);
    assert_eq!(v["open"], 5);
    assert_eq!(v["by_severity"]["critical"], 2);
    assert_eq!(v["by_severity"]["high"], 1);
    assert_eq!(v["by_severity"]["medium"], 1);
    assert_eq!(v["by_severity"]["low"], 1);
    assert_eq!(v["by_source"]["securityhub"], 3);
    assert_eq!(v["by_source"]["starboard"], 2);
}

#[test]
fn broken_inputs_exit_2_with_located_errors_and_the_rest_still_print() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("junk.bin");
    std::fs::write(&binary, [0x89, b'P', b'N', b'G', 0, 0, 0xff, 0xfe]).unwrap();
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "").unwrap();
    let out = posture()
        .args(["list", "--format", "json", "--file"])
        .arg(fixture("hostile/truncated.json"))
        .arg("--file")
        .arg(&binary)
        .arg("--file")
        .arg(&empty)
        .arg("--file")
        .arg(fixture("starboard/polaris-configaudit.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("truncated.json:3:"), "{stderr}");
    assert!(stderr.contains("junk.bin:1:"), "{stderr}");
    assert!(stderr.contains("empty.json:1:1: empty input"), "{stderr}");
    let v = json_of(&out.stdout);
    // The good file's two findings, and the cut file's complete record.
    assert_eq!(v.as_array().unwrap().len(), 3, "the good file still loads");
}

#[test]
fn wrong_types_are_lenient_per_record() {
    let out = posture()
        .args(["list", "--format", "json", "--all", "--file"])
        .arg(fixture("hostile/wrong-types.json"))
        .output()
        .unwrap();
    // Two records cannot be read (an object Id, a bare string): located errors.
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let located = stderr
        .lines()
        .filter(|l| l.contains("wrong-types.json:"))
        .count();
    assert!(located >= 2, "{stderr}");
    assert!(stderr.contains("wrong-types.json:4:"), "{stderr}");
    // The others load despite fields of the wrong type.
    let v = json_of(&out.stdout);
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    // Label 42 is no word: Normalized "75" decides; "Severity": "HIGH" is read as the label.
    assert!(items.iter().all(|i| i["severity"] == "high"), "{items:?}");
    assert!(
        items.iter().all(|i| i["title"] == "(untitled finding)"),
        "{items:?}"
    );
}

#[test]
fn hostile_titles_are_inert_in_table_and_csv_but_exact_in_json() {
    for format in ["table", "csv"] {
        let out = posture()
            .args(["list", "--format", format, "--file"])
            .arg(fixture("hostile/ansi-titles.json"))
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text
                .chars()
                .any(|c| (c.is_control() && c != '\n' && c != '\r')
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || c == '\u{200b}'),
            "{format}: {text:?}"
        );
        assert!(text.contains("RED"), "{format}");
    }
    let csv = posture()
        .args(["list", "--format", "csv", "--file"])
        .arg(fixture("hostile/ansi-titles.json"))
        .output()
        .unwrap();
    let mut r = csv::Reader::from_reader(csv.stdout.as_slice());
    let row = r.records().next().unwrap().unwrap();
    assert!(
        row[5].starts_with("'="),
        "resource cell must not be a formula: {:?}",
        &row[5]
    );
    let json = posture()
        .args(["list", "--format", "json", "--file"])
        .arg(fixture("hostile/ansi-titles.json"))
        .output()
        .unwrap();
    let v = json_of(&json.stdout);
    assert!(
        v[0]["title"].as_str().unwrap().contains('\u{1b}'),
        "JSON keeps the original"
    );
}

#[test]
fn no_inputs_means_the_demo() {
    let out = posture()
        .args(["summary", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v = json_of(&out.stdout);
    assert!(v["total"].as_u64().unwrap() >= 300);
    assert!(v["open"].as_u64().unwrap() < v["total"].as_u64().unwrap());
}

#[test]
fn help_exists_everywhere() {
    for sub in [
        vec!["--help"],
        vec!["list", "--help"],
        vec!["summary", "--help"],
    ] {
        let out = posture().args(&sub).output().unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("--file"));
    }
}

/// Runs posture with its output read only as far as `keep` bytes, the pipe
/// then closed, as `| head -c N` does. Returns the exit status and stderr.
fn closed_early(args: &[&str], env: &[(&str, &std::ffi::OsStr)], keep: usize) -> (bool, String) {
    use std::io::Read;
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("posture"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = vec![0; keep];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().success(), err)
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    // More than a pipe holds, so that the writer meets the closed pipe.
    let (ok, err) = closed_early(&["gen", "--format", "asff", "--count", "20000"], &[], 10);
    assert!(ok && err.is_empty(), "gen | head -c 10: {err}");

    let dir = tempfile::tempdir().unwrap();
    let triage = dir.path().join("triage.toml");
    let fps: String = (0..3000).map(|i| format!("sh-{i:016x}\n")).collect();
    let set = posture()
        .env("POSTURE_TRIAGE_FILE", &triage)
        .args([
            "triage",
            "set",
            "-",
            "--force",
            "--status",
            "acknowledged",
            "--note",
        ])
        .arg("a note that makes each record long enough to fill the pipe quickly")
        .write_stdin(fps)
        .output()
        .unwrap();
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let env = [("POSTURE_TRIAGE_FILE", triage.as_os_str())];
    let (ok, err) = closed_early(&["triage", "list", "--format", "json"], &env, 2);
    assert!(
        ok && err.is_empty(),
        "triage list --format json | head -1: {err}"
    );
}

/// The catalogues a user downloaded, and the inputs' own signals: KEV and
/// EPSS mark findings by CVE, `--sort risk` puts what can hurt first, and
/// the query's signal terms select on them.
#[test]
fn kev_and_epss_rank_findings_by_what_can_hurt() {
    let dir = tempfile::tempdir().unwrap();
    let kev = dir.path().join("kev.json");
    std::fs::write(
        &kev,
        r#"{"catalogVersion": "2025.08.25", "count": 2, "vulnerabilities": [
            {"cveID": "CVE-2023-4911"}, {"cveID": "CVE-2022-1271"}]}"#,
    )
    .unwrap();
    let epss = dir.path().join("epss.csv");
    std::fs::write(
        &epss,
        "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\n\
         CVE-2024-0001,0.97,0.99\nCVE-2023-4911,0.5,0.9\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = posture()
            .args(["list", "--format", "json", "--sort", "risk"])
            .args([
                "--file",
                "tests/fixtures/inspector",
                "--file",
                "tests/fixtures/grype",
            ])
            .args(["--file", "tests/fixtures/trivy", "--kev"])
            .arg(&kev)
            .arg("--epss")
            .arg(&epss)
            .args(extra)
            .output()
            .unwrap();
        // The fixtures hold broken records on purpose (exit 2); the
        // catalogues read cleanly.
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains("kev.json") && !err.contains("epss.csv"),
            "{err}"
        );
        json_of(&out.stdout)
    };
    let all = run(&[]);
    let rows: Vec<(String, Value, Value)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["rule_id"].as_str().unwrap().to_string(),
                x["kev"].clone(),
                x["epss"].clone(),
            )
        })
        .collect();
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    // KEV (the higher EPSS first), then an exploit available, then EPSS.
    assert_eq!(
        ids[..5],
        [
            "CVE-2023-4911",
            "CVE-2023-4911",
            "CVE-2022-1271",
            "CVE-2024-3094",
            "CVE-2024-0001"
        ],
        "{rows:?}"
    );
    assert_eq!(rows[0].1, true);
    assert_eq!(rows[0].2.as_f64(), Some(0.5));
    assert_eq!(rows[3].1, Value::Null, "not in KEV: no key");
    let first = &all[0];
    assert_eq!(
        (first["exploit"].as_bool(), first["fix"].as_bool()),
        (Some(true), Some(true))
    );
    let picked = run(&["--query", "exploit:yes !kev:yes fix:yes"]);
    let picked: Vec<&str> = picked
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(picked, ["CVE-2024-3094"]);
    assert_eq!(run(&["--query", "epss>=90%"]).as_array().unwrap().len(), 1);
}

/// A catalogue that is not one is an input error naming the file and the
/// line: the findings still print, without what it would have said, and
/// the command exits 2 as for a broken input.
#[test]
fn a_broken_catalogue_is_a_located_error_and_the_findings_still_print() {
    let dir = tempfile::tempdir().unwrap();
    let entry = dir.path().join("one-entry.json");
    std::fs::write(&entry, r#"{"cveID": "CVE-2023-4911"}"#).unwrap();
    let header = dir.path().join("header.csv");
    std::fs::write(
        &header,
        "#model_version:v1,score_date:2025-01-01\ncve,score\n",
    )
    .unwrap();
    let out = posture()
        .args([
            "list",
            "--format",
            "json",
            "--file",
            "tests/fixtures/trivy",
            "--kev",
        ])
        .arg(&entry)
        .arg("--epss")
        .arg(&header)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("one-entry.json:1:1: one KEV entry"), "{err}");
    assert!(err.contains("header.csv:2:1: the header is"), "{err}");
    let items = json_of(&out.stdout);
    assert!(!items.as_array().unwrap().is_empty());
    assert!(
        items
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x.get("kev").is_none())
    );
    let out = posture()
        .args([
            "summary",
            "--file",
            "tests/fixtures/trivy",
            "--kev",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
}

/// Small things a new user trips on: `--source` takes commas as `--status`
/// does; an empty directory says so; contradictory flags are refused.
#[test]
fn commas_empty_directories_and_contradictions_say_what_they_mean() {
    let out = posture()
        .args([
            "summary",
            "--format",
            "json",
            "--source",
            "kubescape,starboard",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out.stdout);
    let sources: Vec<&String> = v["by_source"].as_object().unwrap().keys().collect();
    assert_eq!(sources, ["kubescape", "starboard"]);
    let empty = tempfile::tempdir().unwrap();
    let out = posture()
        .arg("list")
        .arg("--file")
        .arg(empty.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no input files in this directory"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for args in [
        vec!["list", "--demo", "--file", "x.json"],
        vec!["list", "--securityhub", "--securityhub-v2"],
    ] {
        let out = posture().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
    }
}

/// Around the program: completions for each shell, the man page, and where
/// posture reads and keeps things.
#[test]
fn completions_man_page_and_info() {
    for (shell, mark) in [
        ("bash", "_posture()"),
        ("zsh", "#compdef posture"),
        ("fish", "complete -c posture"),
    ] {
        let out = posture().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(mark), "{shell}");
        assert!(
            script.contains("review") && script.contains("--query"),
            "{shell}"
        );
    }
    let man = posture().arg("man").output().unwrap();
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(
        page.contains(".TH posture 1"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains("review"));
    let info = posture().arg("info").output().unwrap();
    assert!(info.status.success());
    let text = String::from_utf8_lossy(&info.stdout);
    for label in [
        "config file",
        "triage file",
        "snapshots",
        "parse cache",
        "live cache",
        "routing",
        "jira",
    ] {
        assert!(text.contains(label), "{label}: {text}");
    }
    assert!(text.contains("posture-tests-nonexistent"), "{text}");
}
