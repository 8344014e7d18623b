//! The posture for those who never open posture: metrics for Grafana (a
//! file, a Pushgateway), what is new in the team's chat (a webhook), and
//! `diff --exit-code` for cron. Every service is a real HTTP server on
//! 127.0.0.1 that the test starts and stops.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::common::http::{Reply, TestServer};

struct Env(crate::common::env::TestEnv);

impl Env {
    fn new() -> Env {
        Env(crate::common::env::TestEnv::new())
    }
    fn posture(&self) -> assert_cmd::Command {
        let mut c = self.0.posture();
        c.env("POSTURE_NOW", "2026-11-24T10:00:00Z")
            .env_remove("POSTURE_WEBHOOK_URL")
            .env_remove("POSTURE_PUSHGATEWAY_URL");
        c
    }
    fn out(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = self.posture().args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// `posture_findings` samples summed by one label.
fn sums(text: &str, label: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("posture_findings{")) {
        let (labels, n) = line.rsplit_once(' ').unwrap();
        let key = format!("{label}=\"");
        let at = labels.find(&key).unwrap() + key.len();
        let value = &labels[at..at + labels[at..].find('"').unwrap()];
        *out.entry(value.to_string()).or_default() += n.parse::<u64>().unwrap();
    }
    out
}

#[test]
fn metrics_add_up_to_summary_and_reach_a_pushgateway() {
    let env = Env::new();
    let (code, text, err) = env.out(&["metrics"]);
    assert_eq!(code, Some(0), "{err}");
    let summary: Value =
        serde_json::from_str(&env.out(&["summary", "--format", "json"]).1).unwrap();
    let open: u64 = sums(&text, "severity").values().sum();
    assert_eq!(open, summary["open"].as_u64().unwrap());
    // trivy-operator's spelling of severities; posture's own counts agree.
    let by_severity = sums(&text, "severity");
    assert_eq!(
        by_severity.get("Critical").copied(),
        summary["by_severity"]["critical"].as_u64()
    );
    for family in [
        "# TYPE posture_findings gauge",
        "# TYPE posture_findings_overdue gauge",
        "# TYPE posture_findings_new gauge",
        "# TYPE posture_oldest_open_age_seconds gauge",
    ] {
        assert!(text.contains(family), "{family}");
    }
    assert!(text.ends_with("# EOF\n"));
    // New since the demo's previous week, as `diff` counts it.
    let diff: Value = serde_json::from_str(&env.out(&["diff", "--format", "json"]).1).unwrap();
    let new: u64 = text
        .lines()
        .filter(|l| l.starts_with("posture_findings_new{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(new, diff["new"].as_array().unwrap().len() as u64);

    let gateway = TestServer::start(|_| Reply::Response {
        status: 200,
        content_type: "text/plain",
        body: String::new(),
    });
    let file = env.0.dir.path().join("posture.prom");
    let url = format!("{}/metrics/job/posture", gateway.url);
    let (code, stdout, err) =
        env.out(&["metrics", "--push", &url, "--out", file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(stdout.is_empty());
    let sent = gateway.requests.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].path, "/metrics/job/posture");
    assert_eq!(sent[0].body, text);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

#[test]
fn notify_posts_what_is_new_once_and_never_says_the_url() {
    let env = Env::new();
    let chat = TestServer::start(|_| Reply::Response {
        status: 200,
        content_type: "text/plain",
        body: "ok".into(),
    });
    let secret = format!("{}/services/T000/B000/very-secret-token", chat.url);
    let (code, _, err) = env.out(&["notify", "--webhook", &secret, "--severity", "high"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("very-secret-token"), "{err}");
    let sent = chat.requests.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("content-type"), Some("application/json"));
    let message: Value = serde_json::from_str(&sent[0].body).unwrap();
    let text = message["text"].as_str().unwrap();
    assert!(
        text.contains("new finding") && text.contains("(high and above)"),
        "{text}"
    );
    assert_eq!(message["blocks"].as_array().unwrap().len(), 4);
    // The same message, printed instead of posted.
    let (code, printed, _) = env.out(&["notify", "--dry-run", "--severity", "high"]);
    assert_eq!(code, Some(0));
    let printed: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(printed, message);
    assert_eq!(
        chat.requests.lock().unwrap().len(),
        1,
        "a dry run posts nothing"
    );
    // Nothing new at this level (the demo has nothing new that is `info`
    // and above for a query that passes nothing): nothing posted, exit 0.
    let (code, _, err) = env.out(&[
        "notify",
        "--webhook",
        &secret,
        "--query",
        "rule:NO-SUCH-RULE",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("nothing new"), "{err}");
    assert_eq!(chat.requests.lock().unwrap().len(), 1);
    // From the environment, as cron would have it.
    let (code, _, err) = {
        let out = env
            .posture()
            .env("POSTURE_WEBHOOK_URL", &secret)
            .args(["notify"])
            .output()
            .unwrap();
        (
            out.status.code(),
            (),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(chat.requests.lock().unwrap().len(), 2);
}

#[test]
fn a_failing_webhook_is_an_error_with_its_status_after_one_retry() {
    let env = Env::new();
    let down = TestServer::start(|_| Reply::Response {
        status: 503,
        content_type: "text/plain",
        body: "maintenance".into(),
    });
    let secret = format!("{}/hooks/secret-abc", down.url);
    let (code, _, err) = env.out(&["notify", "--webhook", &secret]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("HTTP 503") && err.contains("maintenance"),
        "{err}"
    );
    assert!(
        !err.contains("secret-abc") && !err.contains(&down.url),
        "{err}"
    );
    assert_eq!(down.requests.lock().unwrap().len(), 2, "one retry");
    // A 4xx is not retried; a hung service times out (bounded).
    let refused = TestServer::start(|_| Reply::Response {
        status: 404,
        content_type: "text/plain",
        body: "no_service".into(),
    });
    let (code, _, err) = env.out(&["notify", "--webhook", &format!("{}/x", refused.url)]);
    assert_eq!(code, Some(1));
    assert!(err.contains("HTTP 404"), "{err}");
    assert_eq!(refused.requests.lock().unwrap().len(), 1);
    let hung = TestServer::start(|_| Reply::Slow(Duration::from_secs(5), Box::new(Reply::Hangup)));
    let started = std::time::Instant::now();
    let (code, _, err) = env.out(&[
        "notify",
        "--timeout",
        "1",
        "--webhook",
        &format!("{}/x", hung.url),
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no answer within 1 s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let (code, _, err) = env.out(&["notify", "--webhook", "ftp://example/x"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("not an http"), "{err}");
}

#[test]
fn diff_exit_code_says_whether_something_new_appeared() {
    let env = Env::new();
    // The demo has new findings since its previous week, criticals among them.
    let (code, _, _) = env.out(&["diff", "--exit-code"]);
    assert_eq!(code, Some(1));
    let (code, _, _) = env.out(&["diff", "--exit-code", "--severity", "critical"]);
    assert_eq!(code, Some(1));
    let (code, _, _) = env.out(&["diff", "--exit-code", "--query", "rule:NO-SUCH-RULE"]);
    assert_eq!(code, Some(0));
    let (code, _, _) = env.out(&["diff"]);
    assert_eq!(
        code,
        Some(0),
        "without --exit-code, new findings are not an error"
    );
}

/// The shipped Grafana dashboard asks only for metrics and labels that
/// `posture metrics` writes.
#[test]
fn the_grafana_dashboard_asks_for_what_posture_writes() {
    let env = Env::new();
    let text = env.out(&["metrics"]).1;
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("grafana/posture-dashboard.json");
    let dash: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut exprs: Vec<String> = Vec::new();
    for panel in dash["panels"].as_array().unwrap() {
        for t in panel["targets"].as_array().unwrap() {
            exprs.push(t["expr"].as_str().unwrap().to_string());
        }
    }
    for v in dash["templating"]["list"].as_array().unwrap() {
        if let Some(q) = v["query"]["query"].as_str() {
            exprs.push(q.to_string());
        }
    }
    assert!(exprs.len() >= 10);
    let written: std::collections::BTreeSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('{').next())
        .collect();
    let words = |e: &str| -> Vec<String> {
        e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let labels = [
        "severity",
        "source",
        "layer",
        "owner",
        "status",
        "account",
        "cluster",
        "namespace",
    ];
    for e in &exprs {
        let metrics: Vec<String> = words(e)
            .into_iter()
            .filter(|w| w.starts_with("posture_"))
            .collect();
        assert!(!metrics.is_empty(), "{e}");
        for m in &metrics {
            assert!(written.contains(m.as_str()), "{e}: {m} is not written");
        }
        // Every `by (…)` label is one posture writes.
        if let Some(by) = e.split("by (").nth(1) {
            for l in by.split(')').next().unwrap().split(',') {
                assert!(labels.contains(&l.trim()), "{e}: label {l}");
            }
        }
    }
}
