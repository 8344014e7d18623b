//! `posture metrics` and `posture notify`: the posture for the people who
//! never open posture — Grafana's panels and the team's chat.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::{Cli, Context, QueryArgs, WithHistory, exit_code, open_session};
use posture_core::model::Severity;
use posture_live::post::{Method, send};

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Write here (for node_exporter's textfile collector: a `.prom` file in its directory).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// POST to a Pushgateway, e.g. http://pushgateway:9091/metrics/job/posture.
    #[arg(
        long,
        value_name = "URL",
        env = "POSTURE_PUSHGATEWAY_URL",
        hide_env_values = true
    )]
    pub push: Option<String>,
    #[command(flatten)]
    pub only: QueryArgs,
}

#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// A Slack-compatible incoming webhook. A secret: never printed.
    #[arg(
        long,
        value_name = "URL",
        env = "POSTURE_WEBHOOK_URL",
        hide_env_values = true
    )]
    pub webhook: Option<String>,
    /// Only new findings of this severity and above.
    #[arg(long, value_name = "SEVERITY")]
    pub severity: Option<Severity>,
    /// The snapshot to compare with: a name, a date or a file (default: the newest).
    #[arg(long, value_name = "NAME|DATE")]
    pub since: Option<String>,
    /// Print the message that would be posted, and post nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub only: QueryArgs,
}

pub fn metrics(cli: &Cli, args: &MetricsArgs) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(cli)?;
    let query = args.only.resolve(&ctx.config)?;
    let mut p = open_session(cli, &ctx, WithHistory::Since(None))?;
    if let Some(q) = &query {
        p.keep_only(q);
    }
    let text = p.metrics();
    if let Some(path) = &args.out {
        posture_core::storage::write_atomic(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(url) = &args.push {
        let timeout = Duration::from_secs(cli.inputs.live.timeout.max(1));
        send(
            url,
            Method::Post,
            "text/plain; version=0.0.4",
            text.clone().into_bytes(),
            timeout,
        )
        .map_err(|e| anyhow::anyhow!("pushing the metrics: {e}"))?;
    }
    if args.out.is_none() && args.push.is_none() {
        std::io::stdout().lock().write_all(text.as_bytes())?;
    }
    Ok(exit_code(p.input_failed()))
}

pub fn notify(cli: &Cli, args: &NotifyArgs) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(cli)?;
    let query = args.only.resolve(&ctx.config)?;
    let url = match (&args.webhook, args.dry_run) {
        (Some(u), _) => Some(u.clone()),
        (None, true) => None,
        (None, false) => {
            anyhow::bail!(
                "no webhook: give --webhook URL or set POSTURE_WEBHOOK_URL (or --dry-run)"
            )
        }
    };
    let mut p = open_session(cli, &ctx, WithHistory::Since(args.since.as_deref()))?;
    if let Some(q) = &query {
        p.keep_only(q);
    }
    let Some(baseline) = &p.baseline else {
        anyhow::bail!("no snapshot to compare with: save one with `posture snapshot save`");
    };
    let d = posture_core::review::diff(&baseline.findings, &p.findings);
    let floor = args.severity.unwrap_or(Severity::Unknown);
    let new: Vec<posture_core::review::notify::New> = d
        .new
        .iter()
        .filter(|&&i| p.findings[i].severity >= floor)
        .map(|&i| posture_core::review::notify::New {
            finding: &p.findings[i],
            owner: p.routes.owner(i),
        })
        .collect();
    let code = exit_code(p.input_failed());
    let Some(message) =
        posture_core::review::notify::message(&new, &baseline.since(), args.severity)
    else {
        eprintln!(
            "posture: nothing new since {}: nothing posted",
            posture_core::model::SafeText::line(&baseline.name).display()
        );
        return Ok(code);
    };
    let body = serde_json::to_vec(&message)?;
    match url {
        None => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &message)?;
            writeln!(out)?;
        }
        Some(url) => {
            let timeout = Duration::from_secs(cli.inputs.live.timeout.max(1));
            send(&url, Method::Post, "application/json", body, timeout)
                .map_err(|e| anyhow::anyhow!("posting to the webhook: {e}"))?;
            eprintln!(
                "posture: posted {} new finding{}",
                new.len(),
                if new.len() == 1 { "" } else { "s" }
            );
        }
    }
    Ok(code)
}
