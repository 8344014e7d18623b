//! `posture jira push` against a Jira-shaped server on 127.0.0.1: Basic
//! authentication, JQL by label (paged), bulk create with per-issue errors,
//! 429 with `Retry-After`; each issue created once, even when the triage
//! file is lost; keys recorded on the marks; the token never printed.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::http::{Reply, Request, TestServer};

const USER: &str = "ana@example.com";
const TOKEN: &str = "tok-very-secret";

/// The issues the fake Jira holds: key and labels.
type Issues = Arc<Mutex<Vec<(String, Vec<String>)>>>;

/// A Jira Cloud–shaped server: search/jql answers two issues a page; bulk
/// create refuses the priority `Bogus` per issue; the first bulk request
/// is told to wait a second.
fn jira(issues: Issues) -> TestServer {
    let waited = Arc::new(Mutex::new(false));
    TestServer::start(move |r: &Request| {
        let basic = format!("Basic {}", b64(&format!("{USER}:{TOKEN}")));
        if r.header("authorization") != Some(basic.as_str()) {
            return Reply::json(
                401,
                &json!({"errorMessages": ["Client must be authenticated"]}),
            );
        }
        let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/rest/api/3/search/jql") => {
                let jql = body["jql"].as_str().unwrap_or_default();
                let wanted: Vec<String> = jql
                    .split('"')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect();
                let all = issues.lock().unwrap();
                let hits: Vec<&(String, Vec<String>)> = all
                    .iter()
                    .filter(|(_, labels)| labels.iter().any(|l| wanted.contains(l)))
                    .collect();
                let from: usize = body["nextPageToken"]
                    .as_str()
                    .map_or(0, |t| t.parse().unwrap());
                let page: Vec<Value> = hits
                    .iter()
                    .skip(from)
                    .take(2)
                    .map(|(k, l)| json!({"key": k, "fields": {"labels": l}}))
                    .collect();
                let mut answer = json!({"issues": page});
                if from + 2 < hits.len() {
                    answer["nextPageToken"] = json!((from + 2).to_string());
                } else {
                    answer["isLast"] = json!(true);
                }
                Reply::json(200, &answer)
            }
            ("POST", "/rest/api/3/issue/bulk") => {
                let mut w = waited.lock().unwrap();
                if !*w {
                    *w = true;
                    return Reply::TooMany(1);
                }
                let mut all = issues.lock().unwrap();
                let mut created = Vec::new();
                let mut errors = Vec::new();
                for (n, u) in body["issueUpdates"].as_array().unwrap().iter().enumerate() {
                    let f = &u["fields"];
                    if f["priority"]["name"] == "Bogus" {
                        errors.push(json!({"status": 400, "failedElementNumber": n,
                            "elementErrors": {"errorMessages": [], "errors": {"priority": "Specify a valid priority"}}}));
                        continue;
                    }
                    assert_eq!(f["description"]["type"], "doc", "ADF");
                    assert_eq!(f["project"]["key"], "SEC");
                    let key = format!("SEC-{}", all.len() + 1);
                    let labels = f["labels"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|l| l.as_str().unwrap().to_string())
                        .collect();
                    all.push((key.clone(), labels));
                    created.push(json!({"id": "1", "key": key, "self": "x"}));
                }
                let status = if created.is_empty() { 400 } else { 201 };
                Reply::json(status, &json!({"issues": created, "errors": errors}))
            }
            _ => Reply::json(404, &json!({"errorMessages": ["no such endpoint"]})),
        }
    })
}

fn b64(s: &str) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = s.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize])
            } else {
                '='
            });
        }
    }
    out
}

struct Env {
    env: crate::common::env::TestEnv,
    input: String,
}

impl Env {
    fn new(jira_url: &str, extra_config: &str) -> Env {
        let env = crate::common::env::TestEnv::new();
        std::fs::write(
            env.dir.path().join("config.toml"),
            format!("jira_url = \"{jira_url}\"\n[jira]\nproject = \"SEC\"\n{extra_config}"),
        )
        .unwrap();
        let input = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/export")
            .display()
            .to_string();
        Env { env, input }
    }
    fn push(&self, triage: &str, extra: &[&str], token: &str) -> (Option<i32>, String, String) {
        let out = self
            .env
            .posture()
            .env("POSTURE_CONFIG", self.env.dir.path().join("config.toml"))
            .env("POSTURE_TRIAGE_FILE", self.env.dir.path().join(triage))
            .env("JIRA_USER", USER)
            .env("JIRA_API_TOKEN", token)
            .env_remove("JIRA_PAT")
            .args(["jira", "push", "--file", &self.input, "--timeout", "10"])
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
    fn keys(&self, triage: &str) -> Vec<String> {
        let out = self
            .env
            .posture()
            .env("POSTURE_CONFIG", self.env.dir.path().join("config.toml"))
            .env("POSTURE_TRIAGE_FILE", self.env.dir.path().join(triage))
            .args(["list", "--all", "--format", "json", "--file", &self.input])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["jira"].as_str().map(str::to_string))
            .collect()
    }
}

#[test]
fn each_finding_gets_one_issue_even_with_the_triage_file_lost() {
    let issues: Issues = Arc::default();
    let server = jira(issues.clone());
    let env = Env::new(&server.url, "");
    let (code, out, err) = env.push("t.toml", &[], TOKEN);
    assert_eq!(code, Some(0), "{out}{err}");
    let made = issues.lock().unwrap().len();
    assert!(made >= 5, "{made} issues; {out}");
    assert!(out.contains(&format!("created {made} issues")), "{out}");
    // The 429 was waited out, and every key is on its finding's mark.
    assert!(server.count(|r| r.path.ends_with("/bulk")) >= 2);
    let mut keys = env.keys("t.toml");
    keys.sort();
    assert_eq!(keys.len(), made);
    // Again: every finding has its ticket; nothing is asked or created.
    let before = server.count(|_| true);
    let (code, _, err) = env.push("t.toml", &[], TOKEN);
    assert_eq!(code, Some(0));
    assert!(err.contains("nothing to push"), "{err}");
    assert_eq!(server.count(|_| true), before);
    // The triage file lost: Jira is asked by label, nothing is created twice,
    // and the keys come back onto the marks.
    let (code, out, err) = env.push("lost.toml", &[], TOKEN);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(&format!("created 0 issues; {made} existed already")),
        "{out}"
    );
    assert_eq!(issues.lock().unwrap().len(), made);
    let mut again = env.keys("lost.toml");
    again.sort();
    assert_eq!(again, keys);
    for s in [&out, &err] {
        assert!(!s.contains(TOKEN));
    }
}

#[test]
fn wrong_credentials_bad_priorities_and_dry_runs_say_so_once() {
    let issues: Issues = Arc::default();
    let server = jira(issues.clone());
    let env = Env::new(&server.url, "[jira.priorities]\ncritical = \"Bogus\"\n");
    let (code, out, err) = env.push("t.toml", &[], "wrong-token");
    assert_eq!(code, Some(1));
    assert!(
        err.contains("Jira refused the credentials (HTTP 401)"),
        "{err}"
    );
    assert!(!err.contains("wrong-token") && !out.contains("wrong-token"));
    assert!(env.keys("t.toml").is_empty(), "nothing recorded");
    // A dry run asks nothing.
    let before = server.count(|_| true);
    let (code, plan, _) = env.push("t.toml", &["--dry-run"], TOKEN);
    assert_eq!(code, Some(0));
    let plan: Value = serde_json::from_str(&plan).unwrap();
    let planned = plan.as_array().unwrap();
    assert!(!planned.is_empty());
    assert!(
        planned
            .iter()
            .all(|p| p["label"].as_str().unwrap().starts_with("posture-"))
    );
    assert_eq!(server.count(|_| true), before);
    // The criticals' priority is refused by the site: each one says why,
    // the rest are created, and the command fails.
    let criticals = planned
        .iter()
        .filter(|p| p["fields"]["priority"]["name"] == "Bogus")
        .count();
    assert!(criticals > 0);
    let (code, out, err) = env.push("t.toml", &[], TOKEN);
    assert_eq!(code, Some(1), "{out}{err}");
    assert_eq!(
        err.matches("Specify a valid priority").count(),
        criticals,
        "{err}"
    );
    assert_eq!(issues.lock().unwrap().len(), planned.len() - criticals);
    assert_eq!(env.keys("t.toml").len(), planned.len() - criticals);
}

#[test]
fn a_missing_project_is_one_clear_message_before_anything_is_asked() {
    let issues: Issues = Arc::default();
    let server = jira(issues);
    let env = Env::new(&server.url, "");
    std::fs::write(
        env.env.dir.path().join("config.toml"),
        format!("jira_url = \"{}\"\n", server.url),
    )
    .unwrap();
    let (code, _, err) = env.push("t.toml", &[], TOKEN);
    assert_eq!(code, Some(1));
    assert!(err.contains("no project for"), "{err}");
    assert_eq!(server.count(|_| true), 0);
}

/// The dashboard's `E`: with Jira set up, `p` pushes instead of writing a
/// CSV; the keys land on the marks; a second push creates nothing.
#[test]
fn the_dashboard_pushes_the_picked_findings_once() {
    use posture::app::{App, Mode};
    use posture_core::config::keymap::{Key, Keymap};
    use posture_core::session::{Session, SessionParts};

    let issues: Issues = Arc::default();
    let server = jira(issues.clone());
    let dir = tempfile::tempdir().unwrap();
    let triage = dir.path().join("t.toml");
    let session = Session::new(SessionParts {
        findings: posture_core::demo::load_current().findings,
        store: Some(posture_core::triage::Store::open(&triage)),
        user: "carol".into(),
        now: posture_core::model::Timestamp::parse("2026-11-24T09:00:00Z"),
        jira: posture_core::config::jira::JiraSite {
            project: Some("SEC".into()),
            ..Default::default()
        },
        ..SessionParts::default()
    });
    let mut app = App::new(
        session,
        posture_core::config::theme::Theme::monochrome(),
        Keymap::defaults(),
    );
    app.jira_push = true;
    let runner = posture::term::Runner {
        jira: Some((
            server.url.clone(),
            posture_live::jira::Credentials::basic(USER, TOKEN),
        )),
        jira_timeout: std::time::Duration::from_secs(10),
        ..Default::default()
    };
    let key = |app: &mut App, k: Key| runner.handle(app, posture::app::Event::Key(k));
    // Pick three findings, then `E` and `p`.
    for _ in 0..3 {
        key(&mut app, Key::char(' '));
        key(&mut app, Key::char('j'));
    }
    let picked = app.picked.clone();
    assert_eq!(picked.len(), 3);
    key(&mut app, Key::char('E'));
    assert_eq!(app.mode(), Mode::ConfirmExport);
    key(&mut app, Key::char('p'));
    let status = app.status.clone().unwrap_or_default();
    assert!(status.contains("created 3 issues"), "{status}");
    assert_eq!(issues.lock().unwrap().len(), 3);
    let marks = posture_core::triage::store::read_marks(&triage).unwrap();
    let keys: Vec<&str> = marks
        .values()
        .map(|m| m.jira.as_str())
        .filter(|k| !k.is_empty())
        .collect();
    assert_eq!(keys.len(), 3);
    // The same findings again: each has its ticket, nothing is exported.
    app.picked = picked;
    key(&mut app, Key::char('E'));
    assert_ne!(app.mode(), Mode::ConfirmExport);
    assert!(
        app.status
            .clone()
            .unwrap_or_default()
            .contains("nothing to export")
    );
    assert_eq!(issues.lock().unwrap().len(), 3);
}
