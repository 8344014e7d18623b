//! Live Kubernetes against API-shaped servers on 127.0.0.1: the real list
//! endpoints with `limit`/`continue` paging, 404 for absent CRDs, 403 for a
//! forbidden kind, and the Kubescape aggregated API's `fullSpec` rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::common::http::{Reply, Request, TestServer};

use crate::common::env::fixture;

const FILES: [&str; 4] = [
    "starboard/vulnerabilityreports-list.yaml",
    "starboard/polaris-configaudit.json",
    "starboard/assessments.yaml",
    "kubescape/operator-objects.yaml",
];

/// Every object of the fixture files, `List`s flattened.
fn objects() -> Vec<Value> {
    let mut out = Vec::new();
    for f in FILES {
        let text = std::fs::read_to_string(fixture(f)).unwrap();
        for doc in serde_yaml_ng::Deserializer::from_str(&text) {
            let v: Value = serde::Deserialize::deserialize(doc).unwrap();
            match v["kind"].as_str() {
                Some("List") => out.extend(v["items"].as_array().unwrap().iter().cloned()),
                _ => out.push(v),
            }
        }
    }
    out
}

fn plural(kind: &str) -> String {
    format!("{}s", kind.to_ascii_lowercase())
}

/// An API server holding `objects`: lists by group/version/plural, paging
/// one item at a time whatever the limit (servers may), 404 for kinds it
/// has none of, 403 for `forbidden`.
fn api_server(objects: Vec<Value>, forbidden: &'static str) -> TestServer {
    let mut by_path: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for o in objects {
        let api = o["apiVersion"].as_str().unwrap().to_string();
        let kind = o["kind"].as_str().unwrap().to_string();
        let mut item = o.clone();
        // Items of a real list carry neither.
        item.as_object_mut().unwrap().remove("apiVersion");
        item.as_object_mut().unwrap().remove("kind");
        by_path
            .entry(format!("/apis/{api}/{}", plural(&kind)))
            .or_default()
            .push(item);
    }
    let by_path = Arc::new(by_path);
    TestServer::start(move |req: &Request| {
        let status = |code: u16, reason: &str| {
            Reply::json(
                code,
                &json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                        "message": format!("{reason} {}", req.path), "reason": reason, "code": code}),
            )
        };
        if req.path.ends_with(forbidden) {
            return status(403, "Forbidden");
        }
        // Namespaced form: /apis/g/v/namespaces/ns/plural.
        let parts: Vec<&str> = req.path.split('/').collect();
        let (key, ns) = match parts.as_slice() {
            ["", "apis", g, v, "namespaces", ns, p] => (format!("/apis/{g}/{v}/{p}"), Some(*ns)),
            _ => (req.path.clone(), None),
        };
        let Some(items) = by_path.get(&key) else {
            return status(404, "NotFound");
        };
        let items: Vec<&Value> = items
            .iter()
            .filter(|i| ns.is_none_or(|n| i["metadata"]["namespace"] == n))
            .collect();
        let query: BTreeMap<String, String> = req
            .query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), percent_decode(v)))
            .collect();
        let start: usize = query
            .get("continue")
            .and_then(|c| c.strip_prefix("tok=+/"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let full_spec = query.get("resourceVersion").map(String::as_str) == Some("fullSpec");
        let page: Vec<Value> = items
            .iter()
            .skip(start)
            .take(1)
            .map(|&i| {
                if key.contains("kubescape") && !full_spec {
                    // The aggregated API's default: metadata only.
                    json!({"metadata": i["metadata"]})
                } else {
                    i.clone()
                }
            })
            .collect();
        let mut meta = json!({"resourceVersion": "1"});
        if start + 1 < items.len() {
            meta["continue"] = json!(format!("tok=+/{}", start + 1));
        }
        Reply::json(
            200,
            &json!({"kind": "List", "apiVersion": "v1", "metadata": meta, "items": page}),
        )
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len() + 1
            && let Some(v) = std::str::from_utf8(&b[i + 1..(i + 3).min(b.len())])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn kubeconfig(dir: &Path, clusters: &[(&str, &str)]) -> PathBuf {
    let mut y = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (name, url) in clusters {
        y.push_str(&format!("- name: {name}\n  cluster:\n    server: {url}\n"));
    }
    y.push_str("users:\n- name: reader\n  user:\n    token: test-token\ncontexts:\n");
    for (name, _) in clusters {
        y.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}\n    user: reader\n"
        ));
    }
    y.push_str(&format!("current-context: {}\n", clusters[0].0));
    let path = dir.join("kubeconfig");
    std::fs::write(&path, y).unwrap();
    path
}

use crate::common::env::isolated as posture;

/// `posture list --kube --format json --all` with a kubeconfig and `extra` flags.
fn kube_list(dir: &Path, kubeconfig: &Path, extra: &[&str]) -> std::process::Output {
    posture(dir)
        .args([
            "list",
            "--kube",
            "--format",
            "json",
            "--all",
            "--kubeconfig",
        ])
        .arg(kubeconfig)
        .args(extra)
        .output()
        .unwrap()
}

fn count_by(v: &Value, key: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for f in v.as_array().unwrap() {
        *m.entry(f[key].as_str().unwrap_or("").to_string())
            .or_default() += 1;
    }
    m
}

#[test]
fn two_clusters_page_by_page_match_the_file_parse() {
    let dir = tempfile::tempdir().unwrap();
    let a = api_server(objects(), "/rbacassessmentreports");
    let b = api_server(objects(), "/rbacassessmentreports");
    let dead = format!("http://127.0.0.1:{}", crate::common::moto::free_port());
    let config = kubeconfig(
        dir.path(),
        &[("prod-a", &a.url), ("prod-b", &b.url), ("gone", &dead)],
    );

    // What the files give, for comparison.
    let mut files = posture(dir.path());
    files.args(["list", "--format", "json", "--all"]);
    for f in FILES {
        files.arg("--file").arg(fixture(f));
    }
    let files = files.output().unwrap();
    let want: Value = serde_json::from_slice(&files.stdout).unwrap();
    let want = count_by(&want, "source");
    assert!(want["kubescape"] > 0 && want["starboard"] > 0, "{want:?}");

    let out = kube_list(
        dir.path(),
        &config,
        &[
            "--context",
            "prod-a",
            "--context",
            "prod-b",
            "--context",
            "gone",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The unreachable cluster and the forbidden kind are errors: exit 2, the rest loads.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    for cluster in ["prod-a", "prod-b"] {
        let mine: Value = got
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["cluster"] == cluster)
            .cloned()
            .collect();
        assert_eq!(count_by(&mine, "source"), want, "{cluster}: {stderr}");
    }
    assert!(
        got.as_array()
            .unwrap()
            .iter()
            .all(|f| f["cluster"] != "gone")
    );
    // Each problem named where it happened.
    assert!(
        stderr.contains("rbacassessmentreports.aquasecurity.github.io")
            && stderr.contains("forbidden: needs `list`"),
        "{stderr}"
    );
    assert!(stderr.contains("not installed"), "{stderr}");
    let gone: Vec<&str> = stderr.lines().filter(|l| l.contains("gone")).collect();
    assert!(
        !gone.is_empty() && gone.iter().all(|l| l.contains("cannot reach")),
        "{stderr}"
    );
    // Every Kubescape page asked for the full spec (the server strips it otherwise).
    for s in [&a, &b] {
        let reqs = s.requests.lock().unwrap();
        let ks: Vec<&Request> = reqs
            .iter()
            .filter(|r| r.path.contains("kubescape"))
            .collect();
        assert!(!ks.is_empty());
        assert!(
            ks.iter()
                .all(|r| r.query.contains("resourceVersion=fullSpec"))
        );
        // And paging happened: some request carried a continue token.
        assert!(
            reqs.iter()
                .any(|r| r.query.contains("continue=tok%3D%2B%2F"))
        );
        assert!(
            reqs.iter()
                .all(|r| r.header("authorization") == Some("Bearer test-token"))
        );
    }
}

#[test]
fn a_namespace_narrows_the_lists_and_the_cache_serves_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let a = api_server(objects(), "/nothing-forbidden");
    let config = kubeconfig(dir.path(), &[("prod-a", &a.url)]);
    let run = |dir: &Path| kube_list(dir, &config, &["-n", "default"]);
    let out = run(dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!got.as_array().unwrap().is_empty());
    let reqs = a.requests.lock().unwrap().clone();
    // Namespaced kinds asked in the namespace; cluster-scoped ones as they are.
    assert!(
        reqs.iter()
            .any(|r| r.path.contains("/namespaces/default/vulnerabilityreports"))
    );
    assert!(
        reqs.iter()
            .any(|r| r.path.ends_with("/clusterrbacassessmentreports"))
    );
    let cache = dir.path().join("cache/posture/live/kube/prod-a");
    assert!(
        cache.join("starboard.ns-default.json").exists(),
        "{cache:?}"
    );

    // The cluster goes away: the next start shows the cached pull and says the refresh failed.
    let dead = format!("http://127.0.0.1:{}", crate::common::moto::free_port());
    let offline = kubeconfig(&dir.path().join("cache"), &[("prod-a", &dead)]);
    let again = kube_list(dir.path(), &offline, &["-n", "default"]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("refresh failed, showing the cached pull"),
        "{stderr}"
    );
    let cached: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        cached.as_array().unwrap().len(),
        got.as_array().unwrap().len()
    );
}

#[test]
fn a_malformed_list_is_an_error_on_its_kind_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    let good = api_server(objects(), "/nothing-forbidden");
    let good_url = good.url.clone();
    // A proxy in front of the good server that breaks one kind's answer.
    let proxy = TestServer::start(move |req: &Request| {
        if req.path.ends_with("/vulnerabilityreports") {
            return Reply::Response {
                status: 200,
                content_type: "application/json",
                body: "{\"kind\": \"List\", \"items\": [{\"metadata\": ".into(),
            };
        }
        let url = format!("{good_url}{}?{}", req.path, req.query);
        let body = http_get(&url);
        Reply::Response {
            status: body.0,
            content_type: "application/json",
            body: body.1,
        }
    });
    let config = kubeconfig(dir.path(), &[("prod-a", &proxy.url)]);
    let out = kube_list(dir.path(), &config, &["--no-cache"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("vulnerabilityreports.aquasecurity.github.io")
            && stderr.contains("not JSON"),
        "{stderr}"
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources = count_by(&got, "source");
    assert!(
        sources.get("kubescape").copied().unwrap_or(0) > 0,
        "{sources:?}"
    );
    assert!(
        sources.get("starboard").copied().unwrap_or(0) > 0,
        "other starboard kinds load: {sources:?}"
    );
}

/// A plain HTTP/1.1 GET on loopback: (status, body).
fn http_get(url: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(500);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}
