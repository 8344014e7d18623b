//! Routing and exports as a user runs them: default and custom owners, route
//! explanations, JIRA CSV read back with a CSV parser and checked against the
//! importer's conventions, tracking sheets, and OWASP CSV-injection payloads
//! that must come out inert.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::env::fixture;

struct Env(crate::common::env::TestEnv);

impl Env {
    fn new() -> Env {
        Env(crate::common::env::TestEnv::new())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path(name)
    }

    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = self
            .0
            .posture()
            .env("POSTURE_CONFIG", self.path("config.toml"))
            .env("POSTURE_TRIAGE_FILE", self.path("triage.toml"))
            .env("POSTURE_NOW", "2026-11-24T09:00:00Z")
            .env("USER", "alice")
            .args(args)
            .output()
            .unwrap();
        crate::common::env::outcome(&out)
    }

    fn list(&self, extra: &[&str]) -> Vec<Value> {
        let input = fixture("export").display().to_string();
        let mut args = vec!["list", "--format", "json", "--file", &input];
        args.extend_from_slice(extra);
        let (ok, out, err) = self.run(&args);
        assert!(ok, "{err}");
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }
}

fn rules() -> String {
    fixture("export/rules.toml").display().to_string()
}

fn owner_by_title(rows: &[Value]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|r| {
            (
                r["severity"].as_str().unwrap().to_string(),
                r["account"].as_str().unwrap().to_string(),
                r["owner"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let headers = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

#[test]
fn default_routing_critical_to_sre_high_to_product_rest_to_backlog() {
    let env = Env::new();
    for (sev, _, owner) in owner_by_title(&env.list(&[])) {
        let want = match sev.as_str() {
            "critical" => "SRE",
            "high" => "product",
            _ => "backlog",
        };
        assert_eq!(owner, want, "{sev}");
    }
}

#[test]
fn custom_rules_route_first_match_and_explain_why() {
    let env = Env::new();
    let rows = env.list(&["--routing", &rules()]);
    let owners = owner_by_title(&rows);
    let expect = [
        ("critical", "444455556666", "team-payments"),
        ("critical", "111122223333", "SRE"),
        ("high", "111122223333", "product"),
        ("high", "444455556666", "team-payments"),
        ("medium", "444455556666", "platform"),
        ("medium", "111122223333", "backlog"),
        ("low", "111122223333", "backlog"),
        ("low", "444455556666", "platform"),
        ("info", "111122223333", "backlog"),
        ("info", "444455556666", "platform"),
    ];
    let got: Vec<(&str, &str, &str)> = owners
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(got, expect);

    // --owner filters; summary --by owner counts severity × owner.
    let platform = env.list(&["--routing", &rules(), "--owner", "platform"]);
    assert_eq!(platform.len(), 3);
    let input = fixture("export").display().to_string();
    let (ok, out, err) = env.run(&[
        "summary",
        "--format",
        "json",
        "--by",
        "owner",
        "--routing",
        &rules(),
        "--file",
        &input,
    ]);
    assert!(ok, "{err}");
    let s: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["by_owner"]["team-payments"]["critical"], 1);
    assert_eq!(s["by_owner"]["team-payments"]["high"], 1);
    assert_eq!(s["by_owner"]["platform"]["info"], 1);
    let total: u64 = s["by_owner"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|m| m.as_object().unwrap().values())
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total, s["open"].as_u64().unwrap());

    let fp = rows[1]["fingerprint"].as_str().unwrap();
    let (ok, out, err) = env.run(&[
        "route",
        "explain",
        fp,
        "--routing",
        &rules(),
        "--file",
        &input,
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("✗ payments-tagged: tag team=\"search\" does not match pay*"),
        "{out}"
    );
    assert!(
        out.contains("✗ prod account: account \"111122223333\" does not match 4444*"),
        "{out}"
    );
    assert!(out.contains("→ SRE (built-in default"), "{out}");
}

#[test]
fn invalid_rules_are_an_error_with_the_line() {
    let env = Env::new();
    let bad = env.path("bad.toml");
    std::fs::write(&bad, "[[rules]]\nowner = \"x\"\nnamespace = \"pay[\"\n").unwrap();
    let (ok, _, err) = env.run(&["list", "--routing", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("bad.toml:3:"), "{err}");
    assert!(err.contains("bad glob"), "{err}");
    std::fs::write(
        env.path("config.toml"),
        "[routing]\n[[routing.rules]]\nseverity = \"urgent\"\nowner = \"x\"\n",
    )
    .unwrap();
    let (ok, _, err) = env.run(&["list"]);
    assert!(!ok);
    assert!(
        err.contains("config.toml:3:") && err.contains("urgent"),
        "{err}"
    );
}

#[test]
fn jira_csv_follows_the_importer_conventions() {
    let env = Env::new();
    let out = env.path("tickets.csv");
    let input = fixture("export").display().to_string();
    let (ok, _, err) = env.run(&[
        "export",
        "jira",
        "--out",
        out.to_str().unwrap(),
        "--routing",
        &rules(),
        "--file",
        &input,
    ]);
    assert!(ok, "{err}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(!bytes.starts_with(b"\xef\xbb\xbf"), "no BOM");
    assert!(String::from_utf8(bytes.clone()).is_ok(), "UTF-8");
    assert!(bytes.windows(2).any(|w| w == b"\r\n"), "CRLF records");
    let (headers, rows) = read_csv(&out);
    assert_eq!(
        &headers[..8],
        [
            "Summary",
            "Description",
            "Issue Type",
            "Priority",
            "Component",
            "Assignee",
            "Due Date",
            "Project Key"
        ]
    );
    assert!(headers[8..].iter().all(|h| h == "Labels") && headers.len() > 9);
    assert_eq!(rows.len(), 10);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let first = &rows[0];
    assert_eq!(first[col("Priority")], "Highest");
    assert_eq!(first[col("Project Key")], "PAY");
    assert_eq!(first[col("Assignee")], "lead@payments.example");
    assert_eq!(first[col("Component")], "storage");
    // First seen 2026-11-01 + critical SLA of 3 days from the rules file.
    assert_eq!(first[col("Due Date")], "2026-11-04");
    let labels: Vec<&String> = first[8..].iter().filter(|l| !l.is_empty()).collect();
    assert!(
        labels.iter().any(|l| *l == "account-444455556666"),
        "{labels:?}"
    );
    for row in &rows {
        assert!(row[0].chars().count() <= 255);
        for l in &row[8..] {
            assert!(!l.contains(' '), "label {l:?}");
        }
        assert!(
            row[col("Description")].contains("second line with \"quotes\", commas\nthird"),
            "multi-line description in one field"
        );
    }
    let priorities: Vec<&str> = rows.iter().map(|r| r[col("Priority")].as_str()).collect();
    assert_eq!(
        priorities,
        [
            "Highest", "Highest", "High", "High", "Medium", "Medium", "Low", "Low", "Lowest",
            "Lowest"
        ]
    );
    // The importer configuration maps every column and sets the date format.
    let config: Value =
        serde_json::from_slice(&std::fs::read(out.with_extension("json")).unwrap()).unwrap();
    assert_eq!(config["config.date.format"], "yyyy-MM-dd");
    assert_eq!(config["config.encoding"], "UTF-8");
    assert_eq!(config["config.project.from.csv"], "true");
    for h in &headers {
        assert!(
            config["config.field.mappings"][h]["jira.field"].is_string(),
            "{h} mapped"
        );
    }
    assert_eq!(
        config["config.field.mappings"]["Due Date"]["jira.field"],
        "duedate"
    );

    // Exported findings are marked, and the next export skips them.
    let (ok, out2, _) = env.run(&["triage", "list", "--format", "json"]);
    assert!(ok);
    let marks: Value = serde_json::from_str(&out2).unwrap();
    assert_eq!(marks.as_array().unwrap().len(), 10);
    let again = env.path("again.csv");
    let (ok, _, err) = env.run(&[
        "export",
        "jira",
        "--out",
        again.to_str().unwrap(),
        "--file",
        &input,
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("skipped 10"), "{err}");
    assert_eq!(read_csv(&again).1.len(), 0);
    let (ok, _, _) = env.run(&[
        "export",
        "jira",
        "--include-ticketed",
        "--out",
        again.to_str().unwrap(),
        "--file",
        &input,
    ]);
    assert!(ok);
    assert_eq!(read_csv(&again).1.len(), 10);
}

#[test]
fn jira_group_by_rule_split_and_the_row_limit_warning() {
    let env = Env::new();
    let out = env.path("rules.csv");
    let input = fixture("export").display().to_string();
    let (ok, _, err) = env.run(&[
        "export",
        "jira",
        "--group-by",
        "rule",
        "--out",
        out.to_str().unwrap(),
        "--file",
        &input,
    ]);
    assert!(ok, "{err}");
    let (headers, rows) = read_csv(&out);
    assert!(
        !headers.contains(&"Project Key".to_string()),
        "no routing project: no column"
    );
    assert!(rows.len() < 10, "{} tickets", rows.len());
    let s3 = rows.iter().find(|r| r[0].contains("S3.0")).unwrap();
    assert!(s3[1].contains("Affected:\n- "), "{}", s3[1]);

    // The demo has more than 250 open findings: a warning, and --split.
    let big = env.path("demo.csv");
    let (ok, _, err) = env.run(&["export", "jira", "--out", big.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(err.contains("--split 250"), "{err}");
    let env2 = Env::new();
    let split = env2.path("demo.csv");
    let (ok, _, err) = env2.run(&[
        "export",
        "jira",
        "--split",
        "200",
        "--out",
        split.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let (_, a) = read_csv(&env2.path("demo-1.csv"));
    let (_, b) = read_csv(&env2.path("demo-2.csv"));
    assert_eq!(a.len(), 200);
    assert!(!b.is_empty() && b.len() <= 200);
    assert!(env2.path("demo-2.json").exists());
}

/// OWASP CSV injection: every payload cell starts with `'` or is otherwise
/// inert, in every export path, and no control character survives.
fn assert_inert(path: &Path) {
    let (_, rows) = read_csv(path);
    assert!(!rows.is_empty());
    for row in rows {
        for cell in row {
            let first = cell.trim_start_matches([' ', '\u{a0}']).chars().next();
            assert!(
                !matches!(
                    first,
                    Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\0' | '＝')
                ),
                "live formula in {cell:?}"
            );
            assert!(
                !cell.chars().any(|c| c.is_control() && c != '\n'),
                "control character in {cell:?}"
            );
        }
    }
}

#[test]
fn hostile_titles_stay_inert_in_every_export() {
    let env = Env::new();
    let input = fixture("export").display().to_string();
    let hostile = fixture("hostile/ansi-titles.json").display().to_string();
    let jira = env.path("j.csv");
    let sheet = env.path("s.csv");
    let list = env.path("l.csv");
    assert!(
        env.run(&[
            "export",
            "jira",
            "--out",
            jira.to_str().unwrap(),
            "--file",
            &input,
            "--file",
            &hostile
        ])
        .0
    );
    assert!(
        env.run(&[
            "export",
            "sheet",
            "--out",
            sheet.to_str().unwrap(),
            "--file",
            &input,
            "--file",
            &hostile
        ])
        .0
    );
    let (ok, out, _) = env.run(&[
        "list", "--format", "csv", "--file", &input, "--file", &hostile,
    ]);
    assert!(ok);
    std::fs::write(&list, out).unwrap();
    for p in [&jira, &sheet, &list] {
        assert_inert(p);
    }
    // The payload is still readable as text, just not executable.
    let (_, rows) = read_csv(&jira);
    assert!(
        rows.iter()
            .any(|r| r[0].contains("'=") || r[0].contains("=1+2"))
    );
}

#[test]
fn tracking_sheet_has_the_review_columns_bom_and_splits() {
    let env = Env::new();
    let input = fixture("export").display().to_string();
    let fp = env.list(&[])[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    env.run(&[
        "triage",
        "set",
        &fp,
        "--status",
        "in-progress",
        "--note",
        "rotating",
        "--jira",
        "SEC-7",
        "--file",
        &input,
    ]);
    let accepted = env.list(&[])[1]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let (ok, _, err) = env.run(&[
        "triage",
        "set",
        &accepted,
        "--status",
        "accepted-risk",
        "--reason",
        "behind the VPN until the migration",
        "--expires",
        "2099-01-31",
        "--file",
        &input,
    ]);
    assert!(ok, "{err}");
    std::fs::write(
        env.path("config.toml"),
        "jira_url = \"https://acme.atlassian.net/\"\n",
    )
    .unwrap();
    let out = env.path("review.csv");
    let (ok, _, err) = env.run(&[
        "export",
        "sheet",
        "--out",
        out.to_str().unwrap(),
        "--file",
        &input,
    ]);
    assert!(ok, "{err}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xef\xbb\xbf"), "BOM by default");
    let (headers, rows) = read_csv(&out);
    assert_eq!(headers[0].trim_start_matches('\u{feff}'), "Account/Cluster");
    for h in [
        "Severity",
        "Title",
        "Resource",
        "Suggested fix",
        "Owner",
        "Triage status",
        "Note",
        "JIRA key",
        "JIRA URL",
        "Due date",
        "Overdue",
        "Risk accepted until",
        "Risk acceptance reason",
        "First seen",
        "Last seen",
    ] {
        assert!(headers.iter().any(|x| x == h), "{h}");
    }
    let marked = rows.iter().find(|r| r.last().unwrap() == &fp).unwrap();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(marked[col("Triage status")], "in-progress");
    assert_eq!(marked[col("Note")], "rotating");
    assert_eq!(
        marked[col("JIRA URL")],
        "https://acme.atlassian.net/browse/SEC-7"
    );
    assert_eq!(marked[col("First seen")], "2026-11-01");
    // Due by the SLA; an accepted risk carries its reason and last day.
    assert!(
        rows.iter()
            .filter(|r| r[col("Severity")] == "critical")
            .all(|r| !r[col("Due date")].is_empty())
    );
    assert!(rows.iter().any(|r| r[col("Overdue")] == "yes"));
    let risk = rows
        .iter()
        .find(|r| r.last().unwrap() == &accepted)
        .unwrap();
    assert_eq!(risk[col("Risk accepted until")], "2099-01-31");
    assert_eq!(
        risk[col("Risk acceptance reason")],
        "behind the VPN until the migration"
    );
    assert_eq!(risk[col("Overdue")], "", "an accepted risk is not overdue");
    assert_eq!(marked[col("Risk acceptance reason")], "");

    let (ok, _, _) = env.run(&[
        "export",
        "sheet",
        "--no-bom",
        "--split-by",
        "owner",
        "--out",
        out.to_str().unwrap(),
        "--file",
        &input,
    ]);
    assert!(ok);
    for owner in ["SRE", "product", "backlog"] {
        let p = env.path(&format!("review-{owner}.csv"));
        assert!(!std::fs::read(&p).unwrap().starts_with(b"\xef\xbb\xbf"));
        assert!(!read_csv(&p).1.is_empty(), "{owner}");
    }
}

/// posture for `user` at `now` on the triage file `triage`.
fn as_user(
    env: &crate::common::env::TestEnv,
    user: &str,
    now: &str,
    triage: &str,
    args: &[&str],
) -> (bool, String, String) {
    let out = env
        .posture()
        .env("POSTURE_TRIAGE_FILE", env.path(triage))
        .env("POSTURE_NOW", now)
        .env("USER", user)
        .args(args)
        .output()
        .unwrap();
    crate::common::env::outcome(&out)
}

fn mark_json(env: &crate::common::env::TestEnv, triage: &str, fp: &str) -> Value {
    let (ok, out, err) = as_user(
        env,
        "x",
        "2026-11-24T09:00:00Z",
        triage,
        &["triage", "list", "--format", "json"],
    );
    assert!(ok, "{err}");
    let all: Value = serde_json::from_str(&out).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .find(|m| m["fingerprint"] == fp)
        .unwrap_or_else(|| panic!("no mark for {fp}: {out}"))
        .clone()
}

#[test]
fn an_export_is_not_a_decision_so_a_newer_teammate_decision_wins_the_import() {
    let env = crate::common::env::TestEnv::new();
    let input = fixture("export").display().to_string();
    let fps: Vec<String> = Env::new()
        .list(&[])
        .iter()
        .map(|r| r["fingerprint"].as_str().unwrap().to_string())
        .collect();
    let (fp, other) = (&fps[0], &fps[1]);
    // Ana acknowledges at 07:57:17; Bo marks it a false positive at 07:57:19.
    let (ok, _, err) = as_user(
        &env,
        "ana",
        "2026-11-24T07:57:17Z",
        "ana.toml",
        &[
            "triage",
            "set",
            fp,
            "--status",
            "acknowledged",
            "--file",
            &input,
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = as_user(
        &env,
        "bo",
        "2026-11-24T07:57:19Z",
        "bo.toml",
        &[
            "triage",
            "set",
            fp,
            other,
            "--status",
            "false-positive",
            "--file",
            &input,
        ],
    );
    assert!(ok, "{err}");
    let before = mark_json(&env, "ana.toml", fp);
    // Ana exports at 07:57:21: her mark records the export and nothing else.
    let csv = env.path("out.csv").display().to_string();
    let (ok, _, err) = as_user(
        &env,
        "ana",
        "2026-11-24T07:57:21Z",
        "ana.toml",
        &["export", "jira", "--out", &csv, "--file", &input],
    );
    assert!(ok, "{err}");
    let after = mark_json(&env, "ana.toml", fp);
    for key in ["status", "note", "by", "at"] {
        assert_eq!(after[key], before[key], "export changed {key}");
    }
    assert!(
        after["exported_at"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-11-24T07:57:21"))
    );
    // `other` had no mark: the export's record of it holds no decision.
    let fresh = mark_json(&env, "ana.toml", other);
    assert_eq!(fresh["status"], "new");
    // Ana imports Bo's marks: his newer decisions win, on both findings.
    let (ok, _, err) = as_user(
        &env,
        "bo",
        "2026-11-24T07:57:22Z",
        "bo.toml",
        &[
            "triage",
            "export",
            "--out",
            &env.path("bo-share.toml").display().to_string(),
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = as_user(
        &env,
        "ana",
        "2026-11-24T07:57:23Z",
        "ana.toml",
        &[
            "triage",
            "import",
            &env.path("bo-share.toml").display().to_string(),
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(mark_json(&env, "ana.toml", fp)["status"], "false-positive");
    assert_eq!(
        mark_json(&env, "ana.toml", other)["status"],
        "false-positive"
    );
}

#[test]
fn a_split_sheet_gives_every_account_its_own_file() {
    let env = crate::common::env::TestEnv::new();
    let record = |account: &str, id: &str| {
        serde_json::json!({
            "SchemaVersion": "2018-10-08", "Id": id, "ProductArn": "arn:p",
            "AwsAccountId": account, "Region": "eu-west-1", "Title": format!("t {id}"),
            "Severity": {"Label": "HIGH"}, "Workflow": {"Status": "NEW"},
            "RecordState": "ACTIVE", "Resources": [{"Id": format!("r-{id}")}]
        })
    };
    let accounts = ["a/b", "a_b", "a:b", "a*b", "a/b"];
    let findings: Vec<Value> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| record(a, &format!("f-{i}")))
        .collect();
    let input = env.path("findings.json");
    std::fs::write(
        &input,
        serde_json::json!({ "Findings": findings }).to_string(),
    )
    .unwrap();
    let out = env.path("sheets/sheet.csv");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let run = env
        .posture()
        .env("POSTURE_TRIAGE_FILE", env.path("triage.toml"))
        .args([
            "export",
            "sheet",
            "--split-by",
            "account",
            "--no-bom",
            "--out",
        ])
        .arg(&out)
        .arg("--file")
        .arg(&input)
        .output()
        .unwrap();
    let (ok, _, err) = crate::common::env::outcome(&run);
    assert!(ok, "{err}");
    let mut rows = 0;
    let mut files = 0;
    for e in std::fs::read_dir(out.parent().unwrap()).unwrap() {
        let (_, data) = read_csv(&e.unwrap().path());
        rows += data.len();
        files += 1;
    }
    assert_eq!(files, 4, "{err}");
    assert_eq!(rows, 5, "every row is in a file");
}

#[test]
fn an_export_that_cannot_be_recorded_exits_1_and_says_so() {
    let env = crate::common::env::TestEnv::new();
    let input = fixture("export").display().to_string();
    // A triage file that cannot be written: a directory in its place.
    std::fs::create_dir_all(env.path("triage.toml")).unwrap();
    let csv = env.path("out.csv");
    let (ok, _, err) = as_user(
        &env,
        "ana",
        "2026-11-24T09:00:00Z",
        "triage.toml",
        &[
            "export",
            "jira",
            "--out",
            &csv.display().to_string(),
            "--file",
            &input,
        ],
    );
    assert!(!ok, "exit 0 though nothing was recorded: {err}");
    assert!(
        err.contains("marking its") && err.contains("failed"),
        "{err}"
    );
    assert!(csv.exists(), "the CSV itself is written");
}

/// A ticket says what can hurt: findings in KEV carry a `kev` label and
/// their exploit, EPSS and fix lines in the description.
#[test]
fn jira_tickets_carry_the_priority_signals() {
    let env = Env::new();
    let out = env.path("kev.csv");
    let (ok, _, err) = env.run(&[
        "export",
        "jira",
        "--out",
        out.to_str().unwrap(),
        "--query",
        "kev:yes",
    ]);
    assert!(ok, "{err}");
    let (headers, rows) = read_csv(&out);
    assert!(!rows.is_empty());
    let description = headers.iter().position(|h| h == "Description").unwrap();
    let labels = headers.iter().position(|h| h == "Labels").unwrap();
    for row in &rows {
        assert!(row[labels..].iter().any(|l| l == "kev"), "{row:?}");
        let d = &row[description];
        assert!(
            d.contains("Exploit: exploited in the wild (in CISA's KEV catalogue)"),
            "{d}"
        );
        assert!(d.contains("EPSS: 0."), "{d}");
    }
}

/// `[jira]` in the config: the site's priority names, project, component
/// and epic in the CSV, the importer configuration mapping the priorities,
/// and a stable label per ticket (`posture-<fingerprint>`, or
/// `posture-rule-<hash>` for a rule's ticket) that is the same next time.
#[test]
fn jira_export_speaks_the_sites_words_and_labels_each_ticket_stably() {
    let env = Env::new();
    std::fs::write(
        env.path("config.toml"),
        "[jira]\nproject = \"SEC\"\nissue_type = \"Bug\"\ncomponent = \"security\"\nepic = \"SEC-1\"\n\
         [jira.priorities]\ncritical = \"Blocker\"\nhigh = \"Critical\"\nmedium = \"Major\"\n",
    )
    .unwrap();
    let input = fixture("export").display().to_string();
    let export = |name: &str, extra: &[&str]| {
        let out = env.path(name);
        let mut args = vec![
            "export",
            "jira",
            "--include-ticketed",
            "--file",
            &input,
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let (ok, _, err) = env.run(&args);
        assert!(ok, "{err}");
        out
    };
    let out = export("t.csv", &[]);
    let (headers, rows) = read_csv(&out);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let labels = col("Labels");
    let fingerprints: Vec<String> = env
        .list(&["--all"])
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    for row in &rows {
        assert_eq!(row[col("Issue Type")], "Bug");
        assert_eq!(row[col("Project Key")], "SEC");
        assert_eq!(row[col("Parent")], "SEC-1");
        assert!(
            ["Blocker", "Critical", "Major", "Low", "Lowest"]
                .contains(&row[col("Priority")].as_str()),
            "{row:?}"
        );
        let key: Vec<&String> = row[labels..]
            .iter()
            .filter(|l| l.starts_with("posture-"))
            .collect();
        assert_eq!(key.len(), 1, "{row:?}");
        assert!(
            fingerprints.contains(&key[0]["posture-".len()..].to_string()),
            "{key:?}"
        );
    }
    assert!(rows.iter().any(|r| r[col("Priority")] == "Blocker"));
    let config: Value =
        serde_json::from_slice(&std::fs::read(out.with_extension("json")).unwrap()).unwrap();
    assert_eq!(
        config["config.value.mappings"]["Priority"]["Blocker"],
        "Blocker"
    );
    assert_eq!(
        config["config.field.mappings"]["Parent"]["jira.field"],
        "parent"
    );
    // A rule's ticket: one label for the group, the same on the next export.
    let label_of = |path: &std::path::Path| -> Vec<String> {
        let (h, rows) = read_csv(path);
        let at = h.iter().position(|x| x == "Labels").unwrap();
        rows.iter()
            .map(|r| {
                r[at..]
                    .iter()
                    .find(|l| l.starts_with("posture-rule-"))
                    .cloned()
                    .unwrap()
            })
            .collect()
    };
    let first = label_of(&export("g1.csv", &["--group-by", "rule"]));
    let again = label_of(&export("g2.csv", &["--group-by", "rule"]));
    assert!(!first.is_empty());
    assert_eq!(first, again);
    let distinct: std::collections::BTreeSet<&String> = first.iter().collect();
    assert_eq!(distinct.len(), first.len(), "one label per ticket");
}
