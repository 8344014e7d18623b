//! BatchUpdateFindings as sent, checked with the SDK's replay client: the
//! exact requests (path, body) and per-finding failures in the report.

use aws_sdk_securityhub::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use posture_core::triage::sync::{Batch, Update};
use posture_live::sync::push;

fn update(i: usize, workflow: &'static str, note: Option<&str>) -> Update {
    Update {
        fingerprint: format!("sh-{i}"),
        region: "eu-west-1".into(),
        product_arn: "arn:aws:securityhub:eu-west-1::product/aws/securityhub".into(),
        id: format!("finding-{i}"),
        workflow,
        note: note.map(str::to_string),
        current: "NEW".into(),
    }
}

fn request(body: serde_json::Value) -> http::Request<SdkBody> {
    http::Request::builder()
        .method("POST")
        .uri("https://securityhub.eu-west-1.amazonaws.com/findings/batchupdate")
        .header("content-type", "application/json")
        .body(SdkBody::from(body.to_string()))
        .unwrap()
}

fn response(body: serde_json::Value) -> http::Response<SdkBody> {
    http::Response::builder()
        .status(200)
        .body(SdkBody::from(body.to_string()))
        .unwrap()
}

fn identifiers(batch: &Batch) -> serde_json::Value {
    batch
        .items
        .iter()
        .map(|u| serde_json::json!({"Id": u.id, "ProductArn": u.product_arn}))
        .collect()
}

#[tokio::test]
async fn batches_are_sent_as_planned_and_refusals_are_reported_per_finding() {
    let updates: Vec<Update> = (0..150)
        .map(|i| update(i, "NOTIFIED", None))
        .chain([update(
            900,
            "SUPPRESSED",
            Some("Accepted risk until 2027-01-01: legacy"),
        )])
        .collect();
    let batches = posture_core::triage::sync::batches(updates);
    assert_eq!(batches.len(), 3);

    let expected = |b: &Batch| {
        let mut body = serde_json::json!({
            "FindingIdentifiers": identifiers(b),
            "Workflow": {"Status": b.workflow},
        });
        if let Some(n) = &b.note {
            body["Note"] = serde_json::json!({"Text": n, "UpdatedBy": "ana"});
        }
        body
    };
    let ok = |b: &Batch| {
        response(
            serde_json::json!({"ProcessedFindings": identifiers(b), "UnprocessedFindings": []}),
        )
    };
    // The second NOTIFIED batch has one finding refused.
    let refused = &batches[1].items[0];
    let partial = response(serde_json::json!({
        "ProcessedFindings": identifiers(&Batch { items: batches[1].items[1..].to_vec(), ..batches[1].clone() }),
        "UnprocessedFindings": [{
            "FindingIdentifier": {"Id": refused.id, "ProductArn": refused.product_arn},
            "ErrorCode": "FindingNotFound",
            "ErrorMessage": "Finding not found"
        }]
    }));
    let client_http = StaticReplayClient::new(vec![
        ReplayEvent::new(request(expected(&batches[0])), ok(&batches[0])),
        ReplayEvent::new(request(expected(&batches[1])), partial),
        ReplayEvent::new(request(expected(&batches[2])), ok(&batches[2])),
    ]);
    let conf = aws_sdk_securityhub::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::for_tests())
        .http_client(client_http.clone())
        .build();
    let client = aws_sdk_securityhub::Client::from_conf(conf);

    let report = push(&client, &batches, "ana").await;

    client_http.relaxed_requests_match();
    assert_eq!(report.processed, 150);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].id, refused.id);
    assert_eq!(report.failures[0].code, "FindingNotFound");
    // The order the plan gave: NOTIFIED 100, NOTIFIED 50, SUPPRESSED 1 with its note.
    let sizes: Vec<usize> = batches.iter().map(|b| b.items.len()).collect();
    assert_eq!(sizes, [100, 50, 1]);
    assert_eq!(batches[2].workflow, "SUPPRESSED");
}
