//! `posture export jira|sheet`: files for JIRA's CSV importer and for the
//! weekly review spreadsheet.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};

use crate::export::jira::{self, IMPORTER_ROW_LIMIT, Item, Ticket, TicketDefaults};
use crate::export::sheet::{self, SheetRow};
use crate::triage::store::write_atomic;

use super::output::status_label;
use super::{Cli, Context, Posture, Selection};

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
    /// The JIRA issue type of every ticket.
    #[arg(long, default_value = "Task")]
    pub issue_type: String,
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
    let p = Posture::load(cli, &ctx)?;
    match cmd {
        ExportCommand::Jira(args) => export_jira(&ctx, p, args),
        ExportCommand::Sheet(args) => export_sheet(&ctx, &p, args),
    }
}

fn already_handled(p: &Posture, i: usize) -> bool {
    jira::already_handled(&p.facts[i], p.mark(i))
}

/// The tickets for the selected findings: one each, or one per rule and owner.
pub fn tickets(
    p: &Posture,
    idx: &[usize],
    grouping: TicketGrouping,
    issue_type: &str,
) -> Vec<Ticket> {
    let today = p.today();
    let fallback = crate::routing::default_route(crate::model::Severity::Unknown);
    let items: Vec<Item> = idx
        .iter()
        .map(|&i| {
            let f = &p.findings()[i];
            Item {
                finding: f,
                route: p.routes.get(i).unwrap_or(&fallback),
                due: crate::routing::due_date(&p.router.sla, f.severity, f.first_seen, today),
                note: p.mark(i).map_or("", |m| m.note.as_str()),
            }
        })
        .collect();
    jira::tickets(
        &items,
        grouping == TicketGrouping::Rule,
        &TicketDefaults { issue_type },
    )
}

fn part_path(out: &Path, part: usize, parts: usize) -> PathBuf {
    if parts <= 1 {
        return out.to_path_buf();
    }
    let stem = out
        .file_stem()
        .map_or_else(|| "jira".into(), |s| s.to_string_lossy().into_owned());
    out.with_file_name(format!("{stem}-{part}.csv"))
}

fn export_jira(ctx: &Context, mut p: Posture, args: &JiraArgs) -> anyhow::Result<ExitCode> {
    let selected = p.select(&args.selection);
    let (idx, skipped): (Vec<usize>, Vec<usize>) = selected
        .iter()
        .partition(|&&i| args.include_ticketed || !already_handled(&p, i));
    let tickets = tickets(&p, &idx, args.group_by, &args.issue_type);
    let mut err = std::io::stderr().lock();
    let chunk = args.split.unwrap_or(usize::MAX).max(1);
    let parts = tickets.len().div_ceil(chunk).max(1);
    let mut written = Vec::new();
    for (n, part) in tickets.chunks(chunk).enumerate().chain(
        // An empty export still writes the header, so scripts find the file.
        (tickets.is_empty()).then_some((0, &tickets[..])),
    ) {
        let path = part_path(&args.out, n + 1, parts);
        let mut bytes = Vec::new();
        jira::write_csv(&mut bytes, part)?;
        write_atomic(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        let config_path = path.with_extension("json");
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let config = serde_json::to_vec_pretty(&jira::importer_config(part, &name))?;
        write_atomic(&config_path, &config)
            .with_context(|| format!("writing {}", config_path.display()))?;
        writeln!(
            err,
            "wrote {} ({} ticket{}) and its importer configuration {}",
            path.display(),
            part.len(),
            if part.len() == 1 { "" } else { "s" },
            config_path.display()
        )?;
        written.push((path, part));
    }
    if !skipped.is_empty() {
        writeln!(
            err,
            "skipped {} finding{} with a JIRA key, exported before, or closed by triage (--include-ticketed exports them)",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" }
        )?;
    }
    if args.split.is_none() && tickets.len() > IMPORTER_ROW_LIMIT {
        writeln!(
            err,
            "warning: {} tickets in one file; Jira's importer takes {IMPORTER_ROW_LIMIT} rows \
             unless you are an admin: use --split {IMPORTER_ROW_LIMIT}",
            tickets.len()
        )?;
    }
    // Remember what went out, so the next export does not create it again.
    let user = ctx.user();
    let by_fp: std::collections::HashMap<&str, &crate::model::Finding> = p
        .findings()
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    let mut changes = Vec::new();
    for (path, part) in &written {
        let file = path.display().to_string();
        for t in part.iter() {
            for fp in &t.fingerprints {
                let mut m = p.store.mark_or_new(fp, &user, p.now);
                m.exported = file.clone();
                m.exported_at = Some(p.now);
                m.stamp(&user, p.now, by_fp.get(fp.as_str()).copied());
                changes.push((fp.clone(), m));
            }
        }
    }
    if !changes.is_empty() {
        let n = changes.len();
        if let Err(e) = p.store.apply(changes, "export") {
            writeln!(
                err,
                "warning: the CSV is written, but marking its {n} findings as exported failed: {e}"
            )?;
            return Ok(ExitCode::from(1));
        }
    }
    Ok(p.set.exit_code())
}

fn export_sheet(ctx: &Context, p: &Posture, args: &SheetArgs) -> anyhow::Result<ExitCode> {
    let idx = p.select(&args.selection);
    let base = ctx.config.jira_url.as_deref();
    let row = |i: usize| {
        let mark = p.mark(i);
        SheetRow {
            finding: &p.findings()[i],
            owner: p.routes.owner(i),
            status: status_label(&p.facts[i]),
            note: mark.map_or("", |m| m.note.as_str()),
            jira: mark.map_or("", |m| m.jira.as_str()),
            jira_base_url: base,
        }
    };
    let mut files: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    match args.split_by {
        None => {
            files.insert(String::new(), idx);
        }
        Some(by) => {
            for i in idx {
                let key = match by {
                    SplitBy::Account => p.findings()[i].scope(),
                    SplitBy::Owner => p.routes.owner(i).to_string(),
                };
                files.entry(key).or_default().push(i);
            }
        }
    }
    let mut err = std::io::stderr().lock();
    for (key, members) in files {
        let path = if key.is_empty() {
            args.out.clone()
        } else {
            let stem = args
                .out
                .file_stem()
                .map_or_else(|| "sheet".into(), |s| s.to_string_lossy().into_owned());
            args.out.with_file_name(format!(
                "{stem}-{}.csv",
                crate::text::file_component(&key, "none")
            ))
        };
        let rows: Vec<SheetRow> = members.iter().map(|&i| row(i)).collect();
        let bytes = sheet::write(Vec::new(), &rows, !args.no_bom)?;
        write_atomic(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        writeln!(err, "wrote {} ({} rows)", path.display(), rows.len())?;
    }
    Ok(p.set.exit_code())
}
