//! The errors a user meets with AWS, said so that they know what to do.

use aws_sdk_securityhub::config::http::HttpResponse;
use aws_sdk_securityhub::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// What kind of failure, for tests and for deciding whether to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NoCredentials,
    ExpiredCredentials,
    RejectedCredentials,
    AccessDenied,
    NotEnabled,
    Throttled,
    Timeout,
    Unreachable,
    /// The operation does not exist there (a local test endpoint, an old partition).
    Unsupported,
    Other,
}

#[derive(Debug, Clone)]
pub struct AwsError {
    pub kind: Kind,
    pub message: String,
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `-v`: errors carry the SDK's debug form too (request and connector
/// structures), for a bug report.
pub fn set_verbose(on: bool) {
    VERBOSE.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// The error and its causes as one sentence: each cause's own words once,
/// no debug structures (`DispatchFailure(ConnectorError { … })`) and no
/// response headers, unless `-v` asked for them.
fn sentence(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        let said = err.to_string();
        if !said.is_empty() && !parts.iter().any(|p| p.contains(&said)) {
            parts.push(said);
        }
        next = err.source();
    }
    parts.join(": ")
}

/// `op` is the IAM action (`securityhub:GetFindings`), for the hint.
pub fn explain<E>(e: &SdkError<E, HttpResponse>, op: &str, region: &str) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let detail = if VERBOSE.load(std::sync::atomic::Ordering::Relaxed) {
        super::safe(&DisplayErrorContext(e).to_string())
    } else {
        super::safe(&sentence(e))
    };
    let lower = detail.to_ascii_lowercase();
    let make = |kind, message: String| AwsError { kind, message };
    if lower.contains("no credentials")
        || lower.contains("failed to load credentials")
        || lower.contains("credentials provider was not enabled")
        || lower.contains("could not find credentials")
        || (lower.contains("credential") && lower.contains("not loaded"))
    {
        return make(
            Kind::NoCredentials,
            "no AWS credentials found: set AWS_PROFILE or --profile, run `aws sso login`, \
             or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                .to_string(),
        );
    }
    match e {
        SdkError::TimeoutError(_) => make(
            Kind::Timeout,
            format!("{op} in {region} timed out (no answer within the time limit)"),
        ),
        SdkError::DispatchFailure(d) if d.is_timeout() => make(
            Kind::Timeout,
            format!("{op} in {region} timed out: {detail}"),
        ),
        SdkError::DispatchFailure(_) => make(
            Kind::Unreachable,
            format!(
                "cannot reach the {} endpoint in {region}: {detail}",
                service_of(op)
            ),
        ),
        SdkError::ResponseError(_) if lower.contains("length limit exceeded") => make(
            Kind::Other,
            format!(
                "the answer to {op} in {region} is over the {} MiB allowed for one answer: refused",
                crate::answer_limit::MAX_ANSWER_BYTES >> 20
            ),
        ),
        SdkError::ResponseError(_) => make(
            Kind::Other,
            format!("unreadable answer to {op} in {region}: {detail}"),
        ),
        SdkError::ServiceError(s) => {
            let err = s.err();
            let code = err.code().unwrap_or("");
            let msg = super::safe(err.message().unwrap_or(""));
            let status = s.raw().status().as_u16();
            service(code, &msg, status, op, region)
        }
        _ => make(Kind::Other, format!("{op} in {region} failed: {detail}")),
    }
}

fn service_of(op: &str) -> &str {
    op.split(':').next().unwrap_or(op)
}

fn service(code: &str, msg: &str, status: u16, op: &str, region: &str) -> AwsError {
    let make = |kind, message: String| AwsError { kind, message };
    match code {
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => make(
            Kind::ExpiredCredentials,
            format!("AWS credentials have expired ({msg}): refresh them, e.g. `aws sso login`"),
        ),
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature" => make(
            Kind::RejectedCredentials,
            format!("AWS rejected the credentials ({code}: {msg})"),
        ),
        "AccessDeniedException" | "AccessDenied" => make(
            Kind::AccessDenied,
            format!("access denied in {region}: the credentials need {op} ({msg})"),
        ),
        "InvalidAccessException" => make(
            Kind::NotEnabled,
            format!("Security Hub is not enabled in {region} for this account ({msg})"),
        ),
        "ThrottlingException"
        | "TooManyRequestsException"
        | "LimitExceededException"
        | "Throttling" => make(
            Kind::Throttled,
            format!("{op} in {region} is still throttled after retries ({msg}); try again later"),
        ),
        // A success status whose body did not parse: a broken or impostor endpoint.
        _ if (200..300).contains(&status) => make(
            Kind::Other,
            format!(
                "unreadable answer to {op} in {region} (HTTP {status}, but not a valid response{})",
                if msg.is_empty() {
                    String::new()
                } else {
                    format!(": {msg}")
                }
            ),
        ),
        _ if status == 429 => make(
            Kind::Throttled,
            format!("{op} in {region} is still throttled after retries (HTTP 429)"),
        ),
        _ if status == 403 => make(
            Kind::AccessDenied,
            format!(
                "access denied in {region} (HTTP 403{}): the credentials need {op}",
                if code.is_empty() {
                    String::new()
                } else {
                    format!(", {code}")
                }
            ),
        ),
        _ if status == 404 || code.contains("UnknownOperation") || code == "NotImplemented" => {
            make(
                Kind::Unsupported,
                format!("{op} is not offered by this endpoint in {region} ({code} {msg})"),
            )
        }
        _ => make(
            Kind::Other,
            format!(
                "{op} in {region} failed: {}{}{}",
                if code.is_empty() { "error" } else { code },
                if status > 0 {
                    format!(" (HTTP {status})")
                } else {
                    String::new()
                },
                if msg.is_empty() {
                    String::new()
                } else {
                    format!(": {msg}")
                }
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes_become_advice() {
        let e = service(
            "InvalidAccessException",
            "not subscribed",
            401,
            "securityhub:GetFindings",
            "eu-west-1",
        );
        assert_eq!(e.kind, Kind::NotEnabled);
        assert!(e.message.contains("not enabled in eu-west-1"));
        let e = service(
            "AccessDeniedException",
            "no",
            403,
            "securityhub:GetFindings",
            "r",
        );
        assert!(e.message.contains("securityhub:GetFindings"));
        assert_eq!(
            service("", "", 429, "GetFindings", "r").kind,
            Kind::Throttled
        );
        assert_eq!(service("", "", 500, "GetFindings", "r").kind, Kind::Other);
        assert_eq!(
            service("ExpiredTokenException", "", 400, "GetFindings", "r").kind,
            Kind::ExpiredCredentials
        );
    }
}
