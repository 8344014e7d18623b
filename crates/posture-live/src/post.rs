//! One HTTP POST or PUT of a body to a URL the user gave (a chat webhook, a
//! Pushgateway), bounded in time, with one retry for failures that may pass.
//!
//! The URL is a secret (an incoming webhook's URL is its credential): no
//! error or message says it, only what went wrong.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

/// What went wrong; never the URL.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("the URL is not an http:// or https:// address")]
    BadUrl,
    #[error("no answer within {0} s")]
    Timeout(u64),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("answered HTTP {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status { status: u16, body: String },
}

/// How a body is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Put,
    Get,
}

/// The first bytes of an error answer kept for the message.
pub const ANSWER_SHOWN: usize = 200;

/// Sends `body` to `url`; each try has `timeout`, and a failure to connect,
/// a timeout or a 5xx or 429 answer is tried once more after a second.
/// Ok is a 2xx answer.
pub fn send(
    url: &str,
    method: Method,
    content_type: &str,
    body: Vec<u8>,
    timeout: Duration,
) -> Result<u16, PostError> {
    let uri: hyper::Uri = url.parse().map_err(|_| PostError::BadUrl)?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(PostError::BadUrl);
    }
    // Two providers are compiled in (see Cargo.toml); an error only means
    // one was installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PostError::Connect(e.to_string()))?;
    runtime.block_on(async {
        let mut last = None;
        for attempt in 0..2 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            let once =
                tokio::time::timeout(timeout, send_once(&uri, method, content_type, body.clone()))
                    .await
                    .unwrap_or(Err(PostError::Timeout(timeout.as_secs())));
            match once {
                Ok(status) => return Ok(status),
                Err(e) if retry(&e) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(PostError::Timeout(timeout.as_secs())))
    })
}

fn retry(e: &PostError) -> bool {
    match e {
        PostError::Timeout(_) | PostError::Connect(_) => true,
        PostError::Status { status, .. } => *status >= 500 || *status == 429,
        PostError::BadUrl => false,
    }
}

async fn send_once(
    uri: &hyper::Uri,
    method: Method,
    content_type: &str,
    body: Vec<u8>,
) -> Result<u16, PostError> {
    let answer = exchange(
        uri,
        method,
        &[(hyper::header::CONTENT_TYPE.as_str(), content_type)],
        body,
        ANSWER_SHOWN,
    )
    .await?;
    if (200..300).contains(&answer.status) {
        return Ok(answer.status);
    }
    Err(PostError::Status {
        status: answer.status,
        body: shown(&answer.body),
    })
}

/// An answer: its status, its first bytes, and `Retry-After` in seconds.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub retry_after: Option<u64>,
}

/// The first [`ANSWER_SHOWN`] bytes of an answer, as one safe line.
pub fn shown(body: &[u8]) -> String {
    let cut = &body[..body.len().min(ANSWER_SHOWN)];
    posture_core::model::SafeText::line(String::from_utf8_lossy(cut).trim())
        .display()
        .to_string()
}

/// One request and its answer, at most `keep` bytes of its body read (an
/// endless answer is cut, not read to its end).
pub async fn exchange(
    uri: &hyper::Uri,
    method: Method,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    keep: usize,
) -> Result<Answer, PostError> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| PostError::Connect(format!("no TLS roots: {e}")))?
        .https_or_http()
        .enable_http1()
        .build();
    let client: hyper_util::client::legacy::Client<_, Full<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(https);
    let mut request = hyper::Request::builder()
        .method(match method {
            Method::Post => hyper::Method::POST,
            Method::Put => hyper::Method::PUT,
            Method::Get => hyper::Method::GET,
        })
        .uri(uri.clone())
        .header(hyper::header::USER_AGENT, "posture");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|_| PostError::BadUrl)?;
    let answer = client
        .request(request)
        .await
        .map_err(|e| PostError::Connect(without_url(&e)))?;
    let status = answer.status().as_u16();
    let retry_after = answer
        .headers()
        .get(hyper::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let mut kept = Vec::new();
    let mut body = answer.into_body();
    while kept.len() < keep {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    kept.extend_from_slice(data);
                }
            }
            _ => break,
        }
    }
    kept.truncate(keep);
    Ok(Answer {
        status,
        body: kept,
        retry_after,
    })
}

/// A connection error's chain of causes, which name the host at most, not
/// the URL's path and query (where a webhook's secret is).
fn without_url(e: &hyper_util::client::legacy::Error) -> String {
    let mut parts = vec![if e.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    }];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}
