//! posture's integration tests, one binary (one link of the AWS and
//! Kubernetes clients instead of one per file). Each module is one area.

mod common;

mod cli;
mod dashboard_triage;
mod export;
mod jira_push;
mod kube;
mod render;
mod report_html;
mod review;
mod room;
mod securityhub;
mod triage;
