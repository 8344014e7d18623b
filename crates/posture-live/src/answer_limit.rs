//! A bound on one answer from Security Hub: an endpoint that sends
//! gigabytes is refused from its headers, before the body is read.

use aws_sdk_securityhub::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_securityhub::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_securityhub::error::BoxError;

/// One page of 100 findings is at most a few MB; this is far above it.
pub const MAX_ANSWER_BYTES: u64 = 64 << 20;

#[derive(Debug, Default)]
pub struct AnswerLimit;

impl Intercept for AnswerLimit {
    fn name(&self) -> &'static str {
        "posture-answer-limit"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let length = context
            .response()
            .headers()
            .get("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        match length {
            Some(n) if n > MAX_ANSWER_BYTES => Err(format!(
                "the answer is {} MiB, over the {} MiB allowed for one answer: refused",
                n >> 20,
                MAX_ANSWER_BYTES >> 20
            )
            .into()),
            _ => Ok(()),
        }
    }
}
