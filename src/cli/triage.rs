//! `posture triage ...`: set, show, list, export, import and recover marks.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};

use posture_core::model::date::{day_of, format_date, parse_date};
use posture_core::model::{Finding, SafeText};
use posture_core::triage::file::{self, Marks};
use posture_core::triage::store::{Store, history_path};
use posture_core::triage::{Mark, Status};

use super::{Cli, Context, load_findings};
use posture_core::session::{Session, SessionParts};

#[derive(Debug, Subcommand)]
pub enum TriageCommand {
    /// Mark findings: status, note, risk acceptance, JIRA key. Fields not given are kept.
    Set(SetArgs),
    /// A finding's mark and its history.
    Show {
        /// Fingerprints (as `posture list` prints them).
        #[arg(required = true)]
        fingerprints: Vec<String>,
    },
    /// Every mark; with --gone, only those whose finding is not in the inputs.
    List {
        /// Only marks whose finding no longer appears in the loaded inputs.
        #[arg(long)]
        gone: bool,
        #[arg(long, value_enum, default_value_t)]
        format: MarksFormat,
    },
    /// Write the marks in the triage file format, for a teammate to import.
    Export {
        /// Output file (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Merge marks from triage files: the newest decision per finding wins; conflicts are listed.
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Replace a broken triage file with its last good backup (the broken file is kept beside it).
    /// Says which marks that loses; marks saved after the backup that still parse are kept
    /// only with --keep-parsable (or given up with --discard).
    Recover {
        /// Keep the marks of the broken file that still parse, over the backup.
        #[arg(long, conflicts_with = "discard")]
        keep_parsable: bool,
        /// Give up the marks saved after the backup.
        #[arg(long)]
        discard: bool,
    },
    /// Save the marks that follow Security Hub's consolidated control findings
    /// (one to one: same control, resource, account and region); other
    /// commands only say how many would move.
    Carry,
    /// Send triage decisions to Security Hub with BatchUpdateFindings (status →
    /// Workflow.Status, note → Note). Needs --securityhub; the plan is printed first.
    Sync {
        /// Print what would be sent and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum MarksFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// Fingerprints to mark; `-` reads them from standard input (one per line).
    #[arg(required = true)]
    pub fingerprints: Vec<String>,
    /// new, acknowledged, in-progress, accepted-risk, false-positive or resolved.
    #[arg(long)]
    pub status: Option<Status>,
    /// Free text; an empty string clears it.
    #[arg(long)]
    pub note: Option<String>,
    /// Why a risk is accepted (default for accepted-risk: the note).
    #[arg(long)]
    pub reason: Option<String>,
    /// Last day a risk acceptance holds: YYYY-MM-DD, or days/weeks from today (90d, 12w).
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// JIRA issue key (e.g. SEC-123); an empty string clears it.
    #[arg(long, value_name = "KEY")]
    pub jira: Option<String>,
    /// Mark fingerprints posture has never seen (not in the inputs, the live
    /// cache, the saved snapshots or the triage file), e.g. from another tool.
    #[arg(long)]
    pub force: bool,
}

pub fn run(cli: &Cli, cmd: &TriageCommand) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(cli)?;
    match cmd {
        TriageCommand::Set(args) => set(cli, &ctx, args),
        TriageCommand::Show { fingerprints } => show(&ctx, fingerprints),
        TriageCommand::List { gone, format } => list(cli, &ctx, *gone, *format),
        TriageCommand::Export { out } => export(&ctx, out.as_ref()),
        TriageCommand::Import { files } => import(&ctx, files),
        TriageCommand::Sync { dry_run } => sync(cli, &ctx, *dry_run),
        TriageCommand::Carry => carry(cli, &ctx),
        TriageCommand::Recover {
            keep_parsable,
            discard,
        } => recover(&ctx, *keep_parsable, *discard),
    }
}

/// Of `fps`, those posture has never seen.
fn unknown_fingerprints<'a>(
    cli: &Cli,
    ctx: &Context,
    loaded: &[Finding],
    fps: &'a [String],
) -> Vec<&'a String> {
    let mut known: HashSet<String> = loaded.iter().map(|f| f.fingerprint.to_string()).collect();
    let missing = |known: &HashSet<String>| fps.iter().filter(|fp| !known.contains(*fp)).count();
    if missing(&known) > 0
        && let Ok(store) = ctx.open_store()
    {
        known.extend(store.marks().keys().cloned());
    }
    if missing(&known) > 0
        && let Some(dir) = &cli.inputs.live.cache_dir
    {
        known.extend(posture_live::cache::fingerprints(dir));
    }
    if missing(&known) > 0
        && let Ok(dir) = posture_core::snapshots::dir(ctx.paths.data_dir.as_deref())
    {
        known.extend(posture_core::snapshots::fingerprints(&dir));
    }
    fps.iter().filter(|fp| !known.contains(*fp)).collect()
}

fn carry(cli: &Cli, ctx: &Context) -> anyhow::Result<ExitCode> {
    open_writable(ctx)?;
    let mut session = super::open_session_to_carry(cli, ctx)?;
    let n = session.save_carried()?;
    eprintln!(
        "carried {n} triage mark{} to Security Hub's consolidated control findings \
         (same control, resource, account and region)",
        if n == 1 { "" } else { "s" }
    );
    Ok(super::exit_code(session.input_failed()))
}

fn recover(ctx: &Context, keep_parsable: bool, discard: bool) -> anyhow::Result<ExitCode> {
    let path = ctx.triage_path()?;
    if Store::open(path).broken().is_none() {
        bail!("{} is not broken: nothing to recover", path.display());
    }
    let plan = Store::recovery_plan(path)?;
    let mut err = std::io::stderr().lock();
    for (fp, line) in &plan.unreadable {
        let shown = SafeText::line(fp);
        match plan.backup.get(fp) {
            Some(m) => writeln!(
                err,
                "from the backup: {} {} ({}:{line} does not parse)",
                shown.display(),
                m.status,
                path.display()
            )?,
            None => writeln!(
                err,
                "lost: {} ({}:{line} does not parse; it stays in the broken file, kept beside)",
                shown.display(),
                path.display()
            )?,
        }
    }
    if !plan.newer.is_empty() && !keep_parsable {
        let verb = if discard { "lost" } else { "would be lost" };
        for (fp, m) in &plan.newer {
            writeln!(
                err,
                "{verb}: {} {} by {} at {} (saved after the backup; it still parses)",
                SafeText::line(fp).display(),
                m.status,
                SafeText::line(&m.by).display(),
                m.at
            )?;
        }
        if !discard {
            writeln!(
                err,
                "nothing recovered: `posture triage recover --keep-parsable` keeps {} over the \
                 backup, `--discard` gives {} up",
                if plan.newer.len() == 1 {
                    "this mark".to_string()
                } else {
                    format!("these {} marks", plan.newer.len())
                },
                if plan.newer.len() == 1 { "it" } else { "them" },
            )?;
            return Ok(ExitCode::from(1));
        }
    }
    let keep = if keep_parsable {
        plan.newer
    } else {
        Default::default()
    };
    let kept = keep.len();
    let stamp = ctx.now.to_rfc3339().replace(':', "");
    let aside = Store::recover(path, &stamp, keep)?;
    println!(
        "restored {} from its backup{}; the broken file is kept as {}",
        path.display(),
        if kept > 0 {
            format!(
                " with {kept} newer mark{} that still parse",
                if kept == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        },
        aside.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn open_writable(ctx: &Context) -> anyhow::Result<Store> {
    let store = ctx.open_store()?;
    if let Some(e) = store.broken() {
        return Err(posture_core::triage::StoreError::Broken(e.clone()).into());
    }
    Ok(store)
}

fn read_fingerprints(args: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for a in args {
        if a == "-" {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading fingerprints from standard input")?;
            out.extend(s.split_whitespace().map(str::to_string));
        } else {
            out.push(a.trim().to_string());
        }
    }
    if let Some(bad) = out.iter().find(|f| !is_fingerprint_like(f)) {
        bail!(
            "{:?} is not a fingerprint (they look like sh-0123abcd…; see `posture list`)",
            SafeText::line(bad).display()
        );
    }
    Ok(out)
}

/// Fingerprints are ours (`sh-`/`ks-`/`sb-` + hex) but a triage file from
/// elsewhere may use any printable key; refuse only what cannot be one.
fn is_fingerprint_like(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

fn set(cli: &Cli, ctx: &Context, args: &SetArgs) -> anyhow::Result<ExitCode> {
    let fps = read_fingerprints(&args.fingerprints)?;
    if args.status.is_none()
        && args.note.is_none()
        && args.reason.is_none()
        && args.expires.is_none()
        && args.jira.is_none()
    {
        bail!("nothing to set: give --status, --note, --reason, --expires or --jira");
    }
    let today = day_of(ctx.now);
    let expires = args
        .expires
        .as_deref()
        .map(|s| parse_date(s, today))
        .transpose()?;
    if let Some(d) = expires
        && d < today
    {
        bail!(posture_core::triage::MarkError::ExpiryInPast(d));
    }
    // The inputs name what was marked (kept for the "gone" view); they, the
    // live cache, the snapshots and the marks say which fingerprints exist.
    let known = load_findings(&cli.inputs).0;
    if !args.force {
        let unknown = unknown_fingerprints(cli, ctx, &known, &fps);
        if !unknown.is_empty() {
            for fp in unknown.iter().take(5) {
                eprintln!(
                    "posture: not marked: {} is not among the loaded findings, the live cache, \
                     the saved snapshots or the triage file (a typo?)",
                    SafeText::line(fp).display()
                );
            }
            eprintln!(
                "posture: {} unknown fingerprint{}: nothing marked; pass --file for the inputs \
                 that hold {}, or --force to mark {} anyway",
                unknown.len(),
                if unknown.len() == 1 { "" } else { "s" },
                if unknown.len() == 1 { "it" } else { "them" },
                if unknown.len() == 1 { "it" } else { "them" },
            );
            return Ok(ExitCode::from(super::EXIT_INPUT_ERROR));
        }
    }
    let store = open_writable(ctx)?;
    let path = store.path().to_path_buf();
    let mut session = Session::assemble(SessionParts {
        findings: known,
        store: Some(store),
        user: ctx.user(),
        now: Some(ctx.now),
        ..SessionParts::default()
    });
    let n = session.set_marks(&fps, "cli", |m| {
        if let Some(st) = args.status {
            m.status = st;
        }
        if let Some(n) = &args.note {
            m.note = n.clone();
        }
        if let Some(r) = &args.reason {
            m.reason = r.clone();
        }
        if m.status == Status::AcceptedRisk && m.reason.is_empty() {
            m.reason = m.note.clone();
        }
        if expires.is_some() {
            m.expires = expires;
        }
        if m.status != Status::AcceptedRisk {
            m.reason.clear();
            m.expires = None;
        }
        if let Some(j) = &args.jira {
            m.jira = j.trim().to_string();
        }
    })?;
    eprintln!(
        "marked {n} finding{} in {}",
        if n == 1 { "" } else { "s" },
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn show(ctx: &Context, fps: &[String]) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    if let Some(e) = store.broken() {
        bail!("{e}");
    }
    let today = day_of(ctx.now);
    let mut out = std::io::stdout().lock();
    let mut missing = 0;
    for fp in fps {
        writeln!(out, "{}", SafeText::line(fp).display())?;
        match store.get(fp).cloned() {
            None => {
                missing += 1;
                writeln!(out, "  status: new (not marked)")?;
            }
            Some(m) => write_mark(&mut out, &m, today)?,
        }
        let hist = store.history(fp);
        if !hist.is_empty() {
            writeln!(out, "  history:")?;
            for h in hist {
                writeln!(
                    out,
                    "    {}  {:<12} {} → {}{}",
                    h.at,
                    SafeText::line(&h.by).display(),
                    h.from.map_or("(none)", |s| s.as_str()),
                    h.status,
                    if h.via.is_empty() {
                        String::new()
                    } else {
                        format!("  via {}", SafeText::line(&h.via).display())
                    }
                )?;
            }
        }
    }
    Ok(if missing == fps.len() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_mark(out: &mut impl Write, m: &Mark, today: time::Date) -> anyhow::Result<()> {
    let eff = m.effective(today);
    if eff.expired {
        writeln!(
            out,
            "  status: new — risk acceptance expired (was accepted-risk until {})",
            m.expires.map(format_date).unwrap_or_default()
        )?;
    } else {
        writeln!(out, "  status: {}", m.status)?;
    }
    let line = |k: &str, v: &str, out: &mut dyn Write| -> std::io::Result<()> {
        if v.is_empty() {
            Ok(())
        } else {
            writeln!(out, "  {k}: {}", SafeText::multi(v).display())
        }
    };
    line("reason", &m.reason, out)?;
    if let Some(d) = m.expires {
        writeln!(out, "  expires: {}", format_date(d))?;
    }
    line("note", &m.note, out)?;
    line("jira", &m.jira, out)?;
    line("title", &m.title, out)?;
    line("resource", &m.resource, out)?;
    if m.is_decided() {
        writeln!(out, "  by: {} at {}", SafeText::line(&m.by).display(), m.at)?;
    } else {
        writeln!(out, "  by: no decision yet")?;
    }
    Ok(())
}

fn list(cli: &Cli, ctx: &Context, gone: bool, format: MarksFormat) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    if let Some(e) = store.broken() {
        bail!("{e}");
    }
    let present: std::collections::HashSet<String> = if gone {
        load_findings(&cli.inputs)
            .0
            .iter()
            .map(|f| f.fingerprint.to_string())
            .collect()
    } else {
        Default::default()
    };
    let today = day_of(ctx.now);
    let marks: Vec<(&String, &Mark)> = store
        .marks()
        .iter()
        .filter(|(fp, _)| !gone || !present.contains(*fp))
        .collect();
    let mut out = std::io::stdout().lock();
    match format {
        MarksFormat::Json => {
            let rows: Vec<serde_json::Value> = marks
                .iter()
                .map(|(fp, m)| {
                    let eff = m.effective(today);
                    serde_json::json!({
                        "fingerprint": fp,
                        "status": eff.status,
                        "risk_expired": eff.expired,
                        "note": m.note,
                        "reason": m.reason,
                        "expires": m.expires.map(format_date),
                        "jira": m.jira,
                        "by": m.by,
                        "at": m.at,
                        "title": m.title,
                        "resource": m.resource,
                        "exported": m.exported,
                        "exported_at": m.exported_at,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        MarksFormat::Table => {
            writeln!(
                out,
                "{:<24} {:<24} {:<12} {:<20} TITLE",
                "FINGERPRINT", "STATUS", "BY", "AT"
            )?;
            for (fp, m) in marks {
                let eff = m.effective(today);
                let status = if eff.expired {
                    "new (risk expired)".to_string()
                } else {
                    eff.status.to_string()
                };
                writeln!(
                    out,
                    "{:<24} {:<24} {:<12} {:<20} {}",
                    SafeText::line(fp).display(),
                    status,
                    posture_core::text::fit(SafeText::line(&m.by).display(), 12),
                    m.at,
                    posture_core::text::fit(SafeText::line(&m.title).display(), 60),
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn export(ctx: &Context, out: Option<&PathBuf>) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    if let Some(e) = store.broken() {
        bail!("{e}");
    }
    let session = Session::assemble(SessionParts {
        store: Some(store),
        ..SessionParts::default()
    });
    match out {
        Some(p) => {
            let n = session
                .export_marks(p)
                .with_context(|| format!("writing {}", p.display()))?;
            eprintln!("exported {n} marks to {}", p.display());
        }
        None => {
            let empty = Marks::new();
            let text = file::render(session.marks().unwrap_or(&empty));
            std::io::stdout().lock().write_all(text.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn import(ctx: &Context, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let store = open_writable(ctx)?;
    let path = store.path().to_path_buf();
    let mut session = Session::assemble(SessionParts {
        store: Some(store),
        user: ctx.user(),
        now: Some(ctx.now),
        ..SessionParts::default()
    });
    // Read every file first: one broken file imports nothing.
    let mut all: Vec<(PathBuf, Marks)> = Vec::new();
    for f in files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        let marks = file::parse(&text, f).map_err(|e| anyhow::anyhow!("{e}"))?;
        all.push((f.clone(), marks));
    }
    let mut err = std::io::stderr().lock();
    for (f, marks) in all {
        let report = session.import_marks(marks)?;
        writeln!(
            err,
            "{}: {} added, {} updated, {} unchanged, {} conflict{}",
            f.display(),
            report.added,
            report.updated,
            report.unchanged,
            report.conflicts.len(),
            if report.conflicts.len() == 1 { "" } else { "s" }
        )?;
        for c in &report.conflicts {
            let (kept, dropped) = if c.took_theirs {
                (&c.theirs, &c.ours)
            } else {
                (&c.ours, &c.theirs)
            };
            writeln!(
                err,
                "  conflict {}: kept {} ({} at {}), over {} ({} at {})",
                SafeText::line(&c.fingerprint).display(),
                kept.status,
                SafeText::line(&kept.by).display(),
                kept.at,
                dropped.status,
                SafeText::line(&dropped.by).display(),
                dropped.at,
            )?;
        }
    }
    writeln!(
        err,
        "history of the changes: {}",
        history_path(&path).display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn sync(cli: &Cli, ctx: &Context, dry_run: bool) -> anyhow::Result<ExitCode> {
    let live = &cli.inputs.live;
    if !live.securityhub {
        if live.securityhub_v2 {
            bail!(
                "triage sync updates GetFindings (ASFF) findings; pass --securityhub (BatchUpdateFindingsV2 is not supported yet)"
            );
        }
        bail!("triage sync needs --securityhub (with --region, --profile as for pulling)");
    }
    let store = open_writable(ctx)?;
    // Closed findings too: a mark may need to reopen one.
    let mut live = live.clone();
    live.all = true;
    let mut pulled = Session::assemble(SessionParts::default());
    super::live::pull(&mut pulled, &live);
    let pulled_ok = !pulled.input_failed();
    let findings = pulled.findings;
    let today = day_of(ctx.now);
    let updates = posture_core::triage::sync::plan(
        &findings,
        |f| store.get(f.fingerprint.as_str()).cloned(),
        today,
    );
    let mut out = std::io::stdout().lock();
    if updates.is_empty() {
        writeln!(
            out,
            "Security Hub already agrees with every triage mark ({} findings read)",
            findings.len()
        )?;
        return Ok(if pulled_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(super::EXIT_INPUT_ERROR)
        });
    }
    let n = updates.len();
    writeln!(
        out,
        "{n} finding{} to update in Security Hub:",
        if n == 1 { "" } else { "s" }
    )?;
    for u in &updates {
        writeln!(
            out,
            "  {}  {} → {}{}  {}",
            u.fingerprint,
            SafeText::line(&u.current).display(),
            u.workflow,
            if u.note.is_some() { " + note" } else { "" },
            SafeText::line(&u.id).display()
        )?;
    }
    if dry_run {
        writeln!(out, "dry run: nothing sent")?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(plan) = super::live::securityhub_plan(&live) else {
        bail!("triage sync needs --securityhub");
    };
    let batches = posture_core::triage::sync::batches(updates);
    let report = posture_live::sync::push_blocking(&plan, batches, &ctx.user());
    writeln!(out, "updated {} of {n}", report.processed)?;
    for f in &report.failures {
        eprintln!(
            "posture: securityhub: not updated: {} ({}): {}: {}",
            f.id, f.product_arn, f.code, f.message
        );
    }
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
