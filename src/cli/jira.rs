//! `posture jira push`: tickets straight into Jira, once each. Jira is asked
//! first which of the tickets' labels exist (so nothing is created twice,
//! even with the triage file lost); the rest are created in bulk; every key
//! goes on its findings' marks.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::{Cli, Context, Selection, WithHistory, exit_code, open_session};
use posture_core::export::jira_rest;
use posture_live::jira::Jira;

#[derive(Debug, Subcommand)]
pub enum JiraCommand {
    /// Create a Jira issue for each finding (or rule) that has none yet.
    Push(PushArgs),
}

#[derive(Debug, Args)]
pub struct PushArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// One issue per finding, or one per rule and owner.
    #[arg(long, value_enum, default_value = "finding")]
    pub group_by: super::export::TicketGrouping,
    /// Also findings that have a JIRA key, were exported before, or were closed by triage.
    #[arg(long)]
    pub include_ticketed: bool,
    /// The issue type (default: `[jira] issue_type` in the config, else Task).
    #[arg(long, value_name = "TYPE")]
    pub issue_type: Option<String>,
    /// Print the issues that would be created; ask and create nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(cli: &Cli, cmd: &JiraCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        JiraCommand::Push(args) => push(cli, args),
    }
}

fn push(cli: &Cli, args: &PushArgs) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(cli)?;
    let (selection, _) = args.selection.with_view(&ctx.config)?;
    let mut p = open_session(cli, &ctx, WithHistory::No)?;
    let shown = p.select(&selection.filter(&p));
    let idx: Vec<usize> = shown
        .into_iter()
        .filter(|&i| args.include_ticketed || !p.already_handled(i))
        .collect();
    let by_rule = args.group_by == super::export::TicketGrouping::Rule;
    let tickets = p.tickets(&idx, by_rule, args.issue_type.as_deref());
    // Every ticket must have a project before anything is asked or made.
    let fields = tickets
        .iter()
        .map(jira_rest::issue_fields)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!(e))?;
    if args.dry_run {
        let plan: Vec<serde_json::Value> = tickets
            .iter()
            .zip(&fields)
            .map(|(t, f)| {
                serde_json::json!({"label": t.key_label, "fingerprints": t.fingerprints, "fields": f})
            })
            .collect();
        serde_json::to_writer_pretty(std::io::stdout().lock(), &plan)?;
        println!();
        eprintln!(
            "posture: {} issue{} would be created, unless Jira has them already (nothing asked, nothing created)",
            tickets.len(),
            if tickets.len() == 1 { "" } else { "s" }
        );
        return Ok(exit_code(p.input_failed()));
    }
    if tickets.is_empty() {
        eprintln!("posture: nothing to push: every finding shown has a ticket or a decision");
        return Ok(exit_code(p.input_failed()));
    }
    let Some(url) = ctx.config.jira_url.as_deref() else {
        anyhow::bail!("no Jira site: set jira_url = \"https://acme.atlassian.net\" in the config");
    };
    let timeout = Duration::from_secs(cli.inputs.live.timeout.max(1));
    let jira = Jira::from_env(url, timeout)?;
    let pushed = posture_live::jira::push(&jira, &tickets, &fields)?;
    for (summary, message) in &pushed.failed {
        eprintln!(
            "posture: Jira did not create {:?}: {message}",
            posture_core::model::SafeText::line(summary).display()
        );
    }
    let recorded: Vec<(&[String], &str)> = pushed
        .keys
        .iter()
        .map(|(f, k)| (f.as_slice(), k.as_str()))
        .collect();
    let saved = p.record_pushed(&recorded);
    println!("{}", pushed.summary());
    if let Err(e) = saved {
        anyhow::bail!(
            "the issues are in Jira, but their keys could not be saved in the triage file: {e} \
             (the next push finds them by label and saves them)"
        );
    }
    if !pushed.failed.is_empty() {
        return Ok(ExitCode::from(1));
    }
    Ok(exit_code(p.input_failed()))
}
