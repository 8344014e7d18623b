//! Sends triage decisions to Security Hub with BatchUpdateFindings. Only run
//! when the user asks (`posture triage sync --securityhub`).

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::types::{
    AwsSecurityFindingIdentifier, NoteUpdate, WorkflowStatus, WorkflowUpdate,
};

use super::aws_error::explain;
use super::safe;
pub use posture_core::triage::sync::{Batch, Failure, Report};

/// Sends the batches of one region; a failed request fails all its findings
/// and the rest go on.
pub async fn push(client: &Client, batches: &[Batch], by: &str) -> Report {
    let mut report = Report::default();
    for batch in batches {
        let ids: Vec<AwsSecurityFindingIdentifier> = batch
            .items
            .iter()
            .map(|u| {
                AwsSecurityFindingIdentifier::builder()
                    .id(&u.id)
                    .product_arn(&u.product_arn)
                    .build()
            })
            .collect();
        let mut req = client
            .batch_update_findings()
            .set_finding_identifiers(Some(ids))
            .workflow(
                WorkflowUpdate::builder()
                    .status(WorkflowStatus::from(batch.workflow))
                    .build(),
            );
        if let Some(text) = &batch.note {
            req = req.note(NoteUpdate::builder().text(text).updated_by(by).build());
        }
        match req.send().await {
            Ok(out) => {
                report.processed += out.processed_findings().len();
                for u in out.unprocessed_findings() {
                    let ident = u.finding_identifier();
                    report.failures.push(Failure {
                        id: safe(ident.and_then(|i| i.id()).unwrap_or("")),
                        product_arn: safe(ident.and_then(|i| i.product_arn()).unwrap_or("")),
                        code: safe(u.error_code().unwrap_or("")),
                        message: safe(u.error_message().unwrap_or("")),
                    });
                }
            }
            Err(e) => {
                let e = explain(&e, "securityhub:BatchUpdateFindings", &batch.region);
                for u in &batch.items {
                    report.failures.push(Failure {
                        id: safe(&u.id),
                        product_arn: safe(&u.product_arn),
                        code: "RequestFailed".into(),
                        message: e.message.clone(),
                    });
                }
            }
        }
    }
    report
}

/// Sends every batch, each in its own region, and waits for all.
pub fn push_blocking(plan: &super::securityhub::Plan, batches: Vec<Batch>, by: &str) -> Report {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return Report {
                processed: 0,
                failures: vec![Failure {
                    id: String::new(),
                    product_arn: String::new(),
                    code: "Runtime".into(),
                    message: format!("cannot start the network runtime: {e}"),
                }],
            };
        }
    };
    runtime.block_on(async {
        let base = super::securityhub::sdk_config(plan).await;
        let mut report = Report::default();
        let mut regions: Vec<&str> = batches.iter().map(|b| b.region.as_str()).collect();
        regions.dedup();
        for region in regions {
            let mine: Vec<Batch> = batches
                .iter()
                .filter(|b| b.region == region)
                .cloned()
                .collect();
            let client = super::securityhub::client(&base, region);
            let r = push(&client, &mine, by).await;
            report.processed += r.processed;
            report.failures.extend(r.failures);
        }
        report
    })
}
