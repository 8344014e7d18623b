//! A bound on one answer from Security Hub: an endpoint that sends
//! gigabytes is refused from its headers, before the body is read.

use aws_sdk_securityhub::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeDeserializationInterceptorContextRef,
};
use aws_sdk_securityhub::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_securityhub::error::BoxError;
use aws_smithy_types::body::SdkBody;

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

    /// An answer that declares no length (chunked) is cut off where it
    /// passes the limit, and fails to read.
    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = std::mem::replace(context.response_mut().body_mut(), SdkBody::taken());
        *context.response_mut().body_mut() = body.map(|b| {
            SdkBody::from_body_1_x(http_body_util::Limited::new(b, MAX_ANSWER_BYTES as usize))
        });
        Ok(())
    }
}
