//! `posture export jira|sheet`: files for JIRA's CSV importer and for the
//! weekly review spreadsheet.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use posture_core::export::jira::IMPORTER_ROW_LIMIT;
use posture_core::session::export::JiraRequest;

use super::{Cli, Context, Selection, WithHistory, exit_code, open_session};
use posture_core::session::Session;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// CSV for Jira Cloud's CSV importer, plus the importer configuration (FILE.json).
    Jira(JiraArgs),
    /// The tracking sheet for the weekly review (Excel / Google Sheets).
    Sheet(SheetArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TicketGrouping {
    /// One ticket per finding.
    Finding,
    /// One ticket per rule (and owner), listing every affected resource.
    Rule,
}

#[derive(Debug, Args)]
pub struct JiraArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// The CSV to write; the importer configuration goes beside it as FILE.json.
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value = "finding")]
    pub group_by: TicketGrouping,
    /// At most N tickets per file (FILE-1.csv, FILE-2.csv, ...); the non-admin importer takes 250.
    #[arg(long, value_name = "N")]
    pub split: Option<usize>,
    /// Also export findings that have a JIRA key, were exported before, or were closed by triage.
    #[arg(long)]
    pub include_ticketed: bool,
    /// The JIRA issue type of every ticket (default: `[jira] issue_type` in the config, else Task).
    #[arg(long, value_name = "TYPE")]
    pub issue_type: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SplitBy {
    Account,
    Owner,
}

#[derive(Debug, Args)]
pub struct SheetArgs {
    #[command(flatten)]
    pub selection: Selection,
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
    /// One file per account (or cluster) or per owner: FILE-NAME.csv.
    #[arg(long, value_enum)]
    pub split_by: Option<SplitBy>,
    /// No byte-order mark (Excel needs it to read UTF-8; other tools may not want it).
    #[arg(long)]
    pub no_bom: bool,
}

pub fn run(cli: &Cli, cmd: &ExportCommand) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(cli)?;
    let p = open_session(cli, &ctx, WithHistory::No)?;
    match cmd {
        ExportCommand::Jira(args) => {
            let (selection, _) = args.selection.with_view(&ctx.config)?;
            export_jira(p, args, &selection)
        }
        ExportCommand::Sheet(args) => {
            let (selection, _) = args.selection.with_view(&ctx.config)?;
            export_sheet(&ctx, &p, args, &selection)
        }
    }
}

fn export_jira(mut p: Session, args: &JiraArgs, selection: &Selection) -> anyhow::Result<ExitCode> {
    let selected = p.select(&selection.filter(&p));
    let request = JiraRequest {
        findings: &selected,
        include_ticketed: args.include_ticketed,
        by_rule: args.group_by == TicketGrouping::Rule,
        issue_type: args.issue_type.as_deref(),
        out: &args.out,
        split: args.split,
    };
    let done = p.export_jira(&request)?;
    let mut err = std::io::stderr().lock();
    for f in &done.files {
        writeln!(
            err,
            "wrote {} ({} ticket{}) and its importer configuration {}",
            f.csv.display(),
            f.tickets,
            if f.tickets == 1 { "" } else { "s" },
            f.config.display()
        )?;
    }
    if done.skipped > 0 {
        writeln!(
            err,
            "skipped {} finding{} with a JIRA key, exported before, or closed by triage (--include-ticketed exports them)",
            done.skipped,
            if done.skipped == 1 { "" } else { "s" }
        )?;
    }
    if args.split.is_none() && done.tickets > IMPORTER_ROW_LIMIT {
        writeln!(
            err,
            "warning: {} tickets in one file; Jira's importer takes {IMPORTER_ROW_LIMIT} rows \
             unless you are an admin: use --split {IMPORTER_ROW_LIMIT}",
            done.tickets
        )?;
    }
    if let Some((n, e)) = &done.not_recorded {
        writeln!(
            err,
            "warning: the CSV is written, but marking its {n} findings as exported failed: {e}"
        )?;
        return Ok(ExitCode::from(1));
    }
    Ok(exit_code(p.input_failed()))
}

fn export_sheet(
    ctx: &Context,
    p: &Session,
    args: &SheetArgs,
    selection: &Selection,
) -> anyhow::Result<ExitCode> {
    let idx = p.select(&selection.filter(p));
    let key = |i: usize| match args.split_by {
        Some(SplitBy::Account) => p.findings[i].scope(),
        Some(SplitBy::Owner) | None => p.routes.owner(i).to_string(),
    };
    let split: Option<&dyn Fn(usize) -> String> = args.split_by.map(|_| &key as _);
    let written = p.export_sheet(
        &idx,
        &args.out,
        split,
        !args.no_bom,
        ctx.config.jira_url.as_deref(),
    )?;
    let mut err = std::io::stderr().lock();
    for (path, rows) in written {
        writeln!(err, "wrote {} ({rows} rows)", path.display())?;
    }
    Ok(exit_code(p.input_failed()))
}
