//! Jira Cloud's REST API v3 (Data Center's v2 answers the same calls): which
//! of posture's labels exist already (`POST /rest/api/3/search/jql`, paged),
//! and bulk create (`POST /rest/api/3/issue/bulk`). Credentials from the
//! environment: `JIRA_USER` + `JIRA_API_TOKEN` (Basic), or `JIRA_PAT`
//! (Bearer). The token is never printed.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::post::{Answer, Method, PostError, exchange, shown};
use posture_core::export::jira_rest::{self, BULK_MAX, Bulk, LABELS_PER_SEARCH};

/// Pages of one search at most (a hundred issues each).
const MAX_PAGES: usize = 1_000;
/// Times one request is tried when Jira asks to wait (429).
const TRIES: usize = 4;
/// The longest wait a `Retry-After` is taken for.
const LONGEST_WAIT: u64 = 60;
/// Answers kept (a search page or a bulk answer is far smaller).
const ANSWER_MAX: usize = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum JiraError {
    #[error(
        "Jira credentials missing: set JIRA_USER and JIRA_API_TOKEN (Jira Cloud) or JIRA_PAT (Data Center)"
    )]
    NoCredentials,
    #[error(
        "Jira refused the credentials (HTTP {0}): check JIRA_USER and JIRA_API_TOKEN, or JIRA_PAT"
    )]
    Refused(u16),
    #[error("Jira answered HTTP 404: is jira_url the site's address, and does the project exist?")]
    NotFound,
    #[error("Jira kept answering 429 (too many requests) after {TRIES} tries")]
    TooBusy,
    #[error("Jira answered HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("Jira's answer is not what the API documents: {0}")]
    Unexpected(String),
    #[error("{0}")]
    Http(#[from] PostError),
}

pub struct Jira {
    base: String,
    auth: String,
    timeout: Duration,
    runtime: tokio::runtime::Runtime,
}

/// How posture signs in to Jira: the `Authorization` header's value. Its
/// `Debug` says nothing of the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials(String);

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(…)")
    }
}

impl Credentials {
    /// `JIRA_USER` + `JIRA_API_TOKEN` (Basic), else `JIRA_PAT` (Bearer).
    pub fn from_env() -> Option<Credentials> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        match (var("JIRA_USER"), var("JIRA_API_TOKEN"), var("JIRA_PAT")) {
            (Some(user), Some(token), _) => Some(Credentials::basic(&user, &token)),
            (_, _, Some(pat)) => Some(Credentials(format!("Bearer {pat}"))),
            _ => None,
        }
    }

    pub fn basic(user: &str, token: &str) -> Credentials {
        Credentials(format!(
            "Basic {}",
            posture_core::text::base64(format!("{user}:{token}").as_bytes())
        ))
    }
}

impl Jira {
    /// A client for the site at `base_url` with the environment's credentials.
    pub fn from_env(base_url: &str, timeout: Duration) -> Result<Jira, JiraError> {
        let credentials = Credentials::from_env().ok_or(JiraError::NoCredentials)?;
        Jira::new(base_url, &credentials, timeout)
    }

    pub fn new(
        base_url: &str,
        credentials: &Credentials,
        timeout: Duration,
    ) -> Result<Jira, JiraError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| PostError::Connect(e.to_string()))?;
        Ok(Jira {
            base: base_url.trim_end_matches('/').to_string(),
            auth: credentials.0.clone(),
            timeout,
            runtime,
        })
    }

    /// A JSON request, tried again when Jira asks to wait (429, honouring
    /// `Retry-After`); a non-2xx answer is an error saying what Jira said.
    fn call(&self, path: &str, body: &Value) -> Result<Value, JiraError> {
        let uri: hyper::Uri = format!("{}{path}", self.base)
            .parse()
            .map_err(|_| PostError::BadUrl)?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) {
            return Err(PostError::BadUrl.into());
        }
        let bytes = serde_json::to_vec(body).map_err(|e| JiraError::Unexpected(e.to_string()))?;
        for _ in 0..TRIES {
            let headers = [
                ("content-type", "application/json"),
                ("accept", "application/json"),
                ("authorization", self.auth.as_str()),
            ];
            let answer: Answer = self.runtime.block_on(async {
                tokio::time::timeout(
                    self.timeout,
                    exchange(&uri, Method::Post, &headers, bytes.clone(), ANSWER_MAX),
                )
                .await
                .unwrap_or(Err(PostError::Timeout(self.timeout.as_secs())))
            })?;
            // A bulk create that failed for every issue answers 400 with
            // the same per-issue errors as a partial one.
            let bulk_errors =
                answer.status == 400 && path.ends_with("/bulk") && answer.body.starts_with(b"{");
            if (200..300).contains(&answer.status) || bulk_errors {
                return serde_json::from_slice(&answer.body)
                    .map_err(|e| JiraError::Unexpected(e.to_string()));
            }
            match answer.status {
                401 | 403 => return Err(JiraError::Refused(answer.status)),
                404 => return Err(JiraError::NotFound),
                429 => {
                    let wait = answer.retry_after.unwrap_or(1).min(LONGEST_WAIT);
                    std::thread::sleep(Duration::from_secs(wait));
                }
                status => {
                    return Err(JiraError::Status {
                        status,
                        message: jira_message(&answer.body),
                    });
                }
            }
        }
        Err(JiraError::TooBusy)
    }

    /// Which of `labels` some issue carries: label → that issue's key.
    pub fn existing(&self, labels: &[&str]) -> Result<BTreeMap<String, String>, JiraError> {
        let mut out = BTreeMap::new();
        for chunk in labels.chunks(LABELS_PER_SEARCH) {
            let jql = jira_rest::labels_jql(chunk);
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let mut body = json!({"jql": jql, "fields": ["labels"], "maxResults": 100});
                if let Some(t) = &token {
                    body["nextPageToken"] = json!(t);
                }
                let answer = self.call("/rest/api/3/search/jql", &body)?;
                for (key, issue_labels) in jira_rest::found(&answer) {
                    for l in issue_labels {
                        if chunk.contains(&l.as_str()) {
                            out.entry(l).or_insert_with(|| key.clone());
                        }
                    }
                }
                token = answer["nextPageToken"].as_str().map(str::to_string);
                if token.is_none() || answer["isLast"].as_bool() == Some(true) {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Creates the issues (their `fields`), [`BULK_MAX`] per request; the
    /// keys in the order given, and each failure's message.
    pub fn create(&self, issues: &[Value]) -> Result<Bulk, JiraError> {
        let mut all = Bulk::default();
        for (n, chunk) in issues.chunks(BULK_MAX).enumerate() {
            let updates: Vec<Value> = chunk.iter().map(|f| json!({"fields": f})).collect();
            let answer = self.call("/rest/api/3/issue/bulk", &json!({"issueUpdates": updates}))?;
            let part = jira_rest::bulk_answer(&answer, chunk.len());
            all.created.extend(part.created);
            all.failed
                .extend(part.failed.into_iter().map(|(i, m)| (n * BULK_MAX + i, m)));
        }
        Ok(all)
    }
}

/// What a push did: each issue created or found with its findings' fingerprints,
/// the keys created, how many existed, and what Jira refused (summary, why).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pushed {
    pub keys: Vec<(Vec<String>, String)>,
    pub created: Vec<String>,
    pub existed: usize,
    pub failed: Vec<(String, String)>,
}

impl Pushed {
    /// One line for the user.
    pub fn summary(&self) -> String {
        format!(
            "created {} issue{}{}; {} existed already; {} failed",
            self.created.len(),
            if self.created.len() == 1 { "" } else { "s" },
            if self.created.is_empty() {
                String::new()
            } else {
                format!(" ({})", self.created.join(", "))
            },
            self.existed,
            self.failed.len()
        )
    }
}

/// Creates the `tickets` (with their `fields`) that Jira has no issue for
/// yet, asking first by their labels: the ones found are returned with
/// their keys, as the ones created are.
pub fn push(
    jira: &Jira,
    tickets: &[posture_core::export::jira::Ticket],
    fields: &[Value],
) -> Result<Pushed, JiraError> {
    let labels: Vec<&str> = tickets.iter().map(|t| t.key_label.as_str()).collect();
    let existing = jira.existing(&labels)?;
    let mut out = Pushed::default();
    let mut to_create = Vec::new();
    for (t, f) in tickets.iter().zip(fields) {
        match existing.get(&t.key_label) {
            Some(key) => out.keys.push((t.fingerprints.clone(), key.clone())),
            None => to_create.push((t, f.clone())),
        }
    }
    out.existed = out.keys.len();
    let made = jira.create(&to_create.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>())?;
    for ((t, _), key) in to_create.iter().zip(&made.created) {
        if let Some(key) = key {
            out.keys.push((t.fingerprints.clone(), key.clone()));
            out.created.push(key.clone());
        }
    }
    for (n, message) in made.failed {
        if let Some((t, _)) = to_create.get(n) {
            out.failed.push((t.summary.clone(), message));
        }
    }
    Ok(out)
}

/// What a Jira error answer says (`errorMessages`, `errors`), else its start.
fn jira_message(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return shown(body);
    };
    let said = jira_rest::error_messages(&v);
    if said.is_empty() {
        shown(body)
    } else {
        posture_core::model::SafeText::line(&said.join("; "))
            .display()
            .to_string()
    }
}
