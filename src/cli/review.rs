//! `posture snapshot`, `posture diff` and `posture review`: the weekly meeting.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use serde_json::{Value, json};

use super::{Cli, Context, WithHistory, exit_code, open_session};
use posture_core::model::{Finding, FindingRecord, SafeText};
use posture_core::review::report::{Item, Since};
use posture_core::review::{Diff, Review, diff, markdown};
use posture_core::routing::RouteTable;
use posture_core::snapshots;

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Save the current posture (every finding, with triage status and owner).
    Save {
        /// Default: today's date.
        #[arg(long)]
        name: Option<String>,
        /// Write here instead of the snapshots directory.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// Replace a snapshot of the same name (otherwise it is kept and nothing is written).
        #[arg(long)]
        force: bool,
    },
    /// The saved snapshots, oldest first.
    List {
        #[arg(long, value_enum, default_value_t)]
        format: TableOrJson,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum TableOrJson {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum ReviewFormat {
    #[default]
    Table,
    Markdown,
    Json,
    Html,
}

/// What `posture review` was asked for.
pub struct ReviewArgs<'a> {
    pub since: Option<&'a str>,
    pub format: ReviewFormat,
    pub out: Option<&'a std::path::Path>,
    pub owner: Option<&'a str>,
    pub only: &'a super::QueryArgs,
}

fn snapshot_dir(ctx: &Context) -> Result<PathBuf, snapshots::SnapshotError> {
    snapshots::dir(ctx.paths.data_dir.as_deref())
}

pub fn snapshot(cli: &Cli, cmd: &SnapshotCommand) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(cli)?;
    match cmd {
        SnapshotCommand::Save { name, out, force } => {
            let p = open_session(cli, &ctx, WithHistory::No)?;
            let name = name.clone().unwrap_or_else(|| p.now.date());
            let path = match out {
                Some(o) => o.clone(),
                None => snapshot_dir(&ctx)?.join(snapshots::file_name(&name)),
            };
            if path.exists() && !force {
                anyhow::bail!(
                    "a snapshot is saved at {} already: kept, nothing written \
                     (--name NAME saves another one, --force replaces it)",
                    path.display()
                );
            }
            let file = p
                .save_snapshot(&name, &path)
                .with_context(|| format!("writing {}", path.display()))?;
            let open = p.findings.iter().filter(|f| f.open).count();
            println!(
                "saved {:?}: {} findings ({open} open) to {}",
                name,
                file.findings.len(),
                path.display()
            );
            Ok(exit_code(p.input_failed()))
        }
        SnapshotCommand::List { format } => {
            let dir = snapshot_dir(&ctx)?;
            let (saved, skipped) = snapshots::list(&dir);
            for e in &skipped {
                eprintln!("posture: warning: skipping {e}");
            }
            let mut out = std::io::stdout().lock();
            match format {
                TableOrJson::Json => {
                    let v: Vec<Value> = saved
                        .iter()
                        .map(|s| {
                            json!({"name": s.name, "taken_at": s.taken_at, "findings": s.findings,
                                   "open": s.open, "path": s.path})
                        })
                        .collect();
                    serde_json::to_writer_pretty(&mut out, &v)?;
                    writeln!(out)?;
                }
                TableOrJson::Table => {
                    if saved.is_empty() {
                        writeln!(
                            out,
                            "no snapshots in {} yet: `posture snapshot save`",
                            dir.display()
                        )?;
                    }
                    for s in &saved {
                        writeln!(
                            out,
                            "{:<24} {}  {:>6} findings {:>6} open  {}",
                            SafeText::line(&s.name).display(),
                            s.taken_at.prefix(16),
                            s.findings,
                            s.open,
                            s.path.display()
                        )?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One side of a diff: its findings, owners and label.
struct Side {
    label: Since,
    findings: Vec<Finding>,
    routes: RouteTable,
    /// Triage and owner records, when the side is the current posture.
    records: Option<Vec<FindingRecord>>,
}

impl Side {
    fn record(&self, i: usize) -> Value {
        let rec = match &self.records {
            Some(r) => r[i].clone(),
            None => {
                let mut r = FindingRecord::from_finding(&self.findings[i], false);
                r.owner = Some(self.routes.owner(i).to_string());
                r
            }
        };
        serde_json::to_value(rec).unwrap_or(Value::Null)
    }
}

fn file_side(
    path: &std::path::Path,
    router: &posture_core::routing::Router,
    only: Option<(&posture_core::query::Query, &Context)>,
) -> anyhow::Result<Side> {
    let mut findings = snapshots::findings(path)?;
    if let Some((query, ctx)) = only {
        // Owners by today's rules, statuses by today's triage marks.
        let store = ctx.open_store()?;
        let today = posture_core::model::date::day_of(ctx.now);
        let passing =
            posture_core::query::lang::passing(&findings, query, router, store.marks(), today);
        findings = passing.into_iter().map(|i| findings[i].clone()).collect();
    }
    let label = match snapshots::read_header(path) {
        Ok(h) => Since {
            name: h.name,
            taken_at: h.taken_at,
        },
        Err(_) => Since {
            name: path.display().to_string(),
            taken_at: posture_core::model::Timestamp::from_unix(0),
        },
    };
    let routes = RouteTable::build(router, &findings);
    Ok(Side {
        label,
        findings,
        routes,
        records: None,
    })
}

pub fn diff_command(
    cli: &Cli,
    files: &[PathBuf],
    since: Option<&str>,
    format: TableOrJson,
    only: &super::QueryArgs,
    new_fails_at: Option<posture_core::model::Severity>,
) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(cli)?;
    let router = ctx.router(cli)?;
    let query = only.resolve(&ctx.config)?;
    let (old, new, code) = match files {
        [old, new] => (
            file_side(old, &router, query.as_ref().map(|q| (q, &ctx)))?,
            file_side(new, &router, query.as_ref().map(|q| (q, &ctx)))?,
            ExitCode::SUCCESS,
        ),
        [] => {
            let mut p = open_session(cli, &ctx, WithHistory::Since(since))?;
            if let Some(q) = &query {
                p.keep_only(q);
            }
            let Some(baseline) = p.baseline.take() else {
                anyhow::bail!(
                    "no snapshot to compare with: save one with `posture snapshot save`, or give OLD NEW"
                );
            };
            let routes = RouteTable::build(&router, &baseline.findings);
            let old = Side {
                label: baseline.since(),
                findings: baseline.findings,
                routes,
                records: None,
            };
            let records = (0..p.findings.len()).map(|i| p.record(i, false)).collect();
            let code = exit_code(p.input_failed());
            let new = Side {
                label: Since {
                    name: "now".into(),
                    taken_at: p.now,
                },
                findings: p.take_findings(),
                routes: std::sync::Arc::unwrap_or_clone(p.routes),
                records: Some(records),
            };
            (old, new, code)
        }
        _ => anyhow::bail!("give two snapshot files (OLD NEW), or none with --since NAME|DATE"),
    };
    let d = diff(&old.findings, &new.findings);
    let mut out = std::io::stdout().lock();
    match format {
        TableOrJson::Json => {
            let changed: Vec<Value> = d
                .severity_changed
                .iter()
                .map(|&(i, j)| {
                    let mut v = new.record(i);
                    v["previous_severity"] = json!(old.findings[j].severity);
                    v
                })
                .collect();
            let v = json!({
                "from": old.label,
                "to": new.label,
                "new": d.new.iter().map(|&i| new.record(i)).collect::<Vec<_>>(),
                "resolved": d.resolved.iter().map(|r| old.record(r.old)).collect::<Vec<_>>(),
                "still_open": d.still_open.iter().map(|&i| new.record(i)).collect::<Vec<_>>(),
                "severity_changed": changed,
            });
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        TableOrJson::Table => print_diff(&mut out, &old, &new, &d)?,
    }
    // `--exit-code`: something new at or above the floor is a 1, unless an
    // input failed (2 says more).
    let appeared =
        new_fails_at.is_some_and(|floor| d.new.iter().any(|&i| new.findings[i].severity >= floor));
    if appeared && code == ExitCode::SUCCESS {
        return Ok(ExitCode::from(1));
    }
    Ok(code)
}

fn print_diff(out: &mut impl Write, old: &Side, new: &Side, d: &Diff) -> anyhow::Result<()> {
    writeln!(
        out,
        "{} ({}) → {} ({}): {} new · {} resolved · {} still open · {} severity changed",
        SafeText::line(&old.label.name).display(),
        old.label.taken_at.date(),
        SafeText::line(&new.label.name).display(),
        new.label.taken_at.date(),
        d.new.len(),
        d.resolved.len(),
        d.still_open.len(),
        d.severity_changed.len()
    )?;
    let line = |out: &mut dyn Write, side: &Side, i: usize, extra: &str| -> std::io::Result<()> {
        let f = &side.findings[i];
        writeln!(
            out,
            "  {:<8} {} {} {}{extra}",
            f.severity.as_str(),
            posture_core::text::fit(f.title.display(), 60),
            posture_core::text::fit(f.resource.display(), 40),
            SafeText::line(side.routes.owner(i)).display()
        )
    };
    let mut sorted_new = d.new.clone();
    sorted_new.sort_by(|&a, &b| new.findings[b].severity.cmp(&new.findings[a].severity));
    if !sorted_new.is_empty() {
        writeln!(out, "\nNEW")?;
        for i in sorted_new {
            line(out, new, i, "")?;
        }
    }
    if !d.resolved.is_empty() {
        writeln!(out, "\nRESOLVED")?;
        for r in &d.resolved {
            let how = if r.closed_in_new.is_some() {
                "  (closed)"
            } else {
                "  (gone)"
            };
            line(out, old, r.old, how)?;
        }
    }
    if !d.severity_changed.is_empty() {
        writeln!(out, "\nSEVERITY CHANGED")?;
        for &(i, j) in &d.severity_changed {
            let extra = format!("  (was {})", old.findings[j].severity);
            line(out, new, i, &extra)?;
        }
    }
    Ok(())
}

/// The review from the current inputs and the saved snapshots, narrowed
/// to `query` if given, with the names of its inputs.
pub fn build_review(
    cli: &Cli,
    ctx: &Context,
    since: Option<&str>,
    query: Option<&posture_core::query::Query>,
) -> anyhow::Result<(Review, Vec<String>, ExitCode)> {
    let mut p = open_session(cli, ctx, WithHistory::Since(since))?;
    if let Some(q) = query {
        p.keep_only(q);
    }
    let mut review = p.review();
    if let Some(q) = query {
        review.query = Some(q.text.clone());
        review.trend.clear();
    }
    let sources = p
        .sources
        .iter()
        .map(|s| {
            if s.catalogue {
                s.label.clone()
            } else {
                format!("{} ({} findings)", s.label, s.findings)
            }
        })
        .collect();
    Ok((review, sources, exit_code(p.input_failed())))
}

pub fn review_command(cli: &Cli, args: &ReviewArgs) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(cli)?;
    let asked = args.only.resolve(&ctx.config)?;
    let team = args.owner.map(posture_core::query::Query::owner_is);
    let query = match (team, asked.clone()) {
        (Some(t), Some(q)) => Some(t.and(q)),
        (t, q) => t.or(q),
    };
    let (mut review, sources, code) = build_review(cli, &ctx, args.since, query.as_ref())?;
    if let Some(owner) = args.owner {
        // Whose review it is, and what else narrows it.
        review.owner = Some(owner.to_string());
        review.query = asked.map(|q| q.text);
    }
    let mut bytes = Vec::new();
    match args.format {
        ReviewFormat::Json => {
            serde_json::to_writer_pretty(&mut bytes, &review)?;
            writeln!(bytes)?;
        }
        ReviewFormat::Markdown => bytes.extend_from_slice(markdown::render(&review).as_bytes()),
        ReviewFormat::Table => print_review(&mut bytes, &review)?,
        ReviewFormat::Html => {
            let page = posture_core::review::html::render(
                &review,
                &posture_core::review::html::Context { sources },
            );
            bytes.extend_from_slice(page.as_bytes());
        }
    }
    match args.out {
        Some(path) => posture_core::storage::write_atomic(path, &bytes)
            .with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(code)
}

fn print_items(
    out: &mut impl Write,
    title: &str,
    count: usize,
    items: &[Item],
) -> std::io::Result<()> {
    writeln!(out, "\n{title}: {count}")?;
    for it in items {
        let mut extra = format!("{} days old", it.age_days);
        if let Some(d) = it.overdue_days {
            extra.push_str(&format!(", {d} days overdue"));
        }
        if let Some(prev) = it.previous_severity {
            extra = format!("was {prev}, {extra}");
        }
        writeln!(
            out,
            "  {:<8} {} {} {}",
            it.severity.as_str(),
            posture_core::text::fit(SafeText::line(&it.title).display(), 56),
            posture_core::text::fit(SafeText::line(&it.owner).display(), 14),
            extra
        )?;
    }
    Ok(())
}

/// Severity counts as fixed-width table cells.
fn columns(counts: &std::collections::BTreeMap<posture_core::model::Severity, usize>) -> String {
    posture_core::review::report::in_columns(counts)
        .iter()
        .map(|n| format!("{n:>9}"))
        .collect()
}

fn print_review(out: &mut impl Write, r: &Review) -> std::io::Result<()> {
    use posture_core::model::Severity;
    let cols = Severity::ALL_DESC;
    if let Some(o) = &r.owner {
        writeln!(out, "owner: {}", SafeText::line(o).display())?;
    }
    match &r.since {
        Some(s) => writeln!(
            out,
            "{} open · since {} ({}): {} new, {} resolved, {} severity changed",
            r.open,
            SafeText::line(&s.name).display(),
            s.taken_at.date(),
            r.new.count,
            r.resolved.count,
            r.severity_changed.count
        )?,
        None => writeln!(
            out,
            "{} open · no earlier snapshot (posture snapshot save)",
            r.open
        )?,
    }
    let head: String = cols.iter().map(|s| format!("{:>9}", s.as_str())).collect();
    writeln!(out, "\n{:<20}{head}  total overdue", "OWNER")?;
    for (owner, counts) in &r.by_owner {
        let cells = columns(counts);
        writeln!(
            out,
            "{:<20}{cells}  {:>5} {:>7}",
            posture_core::text::fit(SafeText::line(owner).display(), 19),
            counts.values().sum::<usize>(),
            r.overdue_by_owner.get(owner).copied().unwrap_or(0)
        )?;
    }
    if r.since.is_some() {
        print_items(out, "NEW", r.new.count, &r.new.items)?;
        print_items(out, "RESOLVED", r.resolved.count, &r.resolved.items)?;
        if r.severity_changed.count > 0 {
            print_items(
                out,
                "SEVERITY CHANGED",
                r.severity_changed.count,
                &r.severity_changed.items,
            )?;
        }
    }
    print_items(
        out,
        "OLDEST OPEN CRITICALS",
        r.oldest_criticals.count,
        &r.oldest_criticals.items,
    )?;
    print_items(out, "OVERDUE BY SLA", r.overdue.count, &r.overdue.items)?;
    if let Some(q) = &r.query {
        writeln!(
            out,
            "\nTREND: not shown for a query (snapshots count every finding): {}",
            SafeText::line(q).display()
        )?;
        return Ok(());
    }
    writeln!(out, "\nTREND (open){:<14}{head}  total", "")?;
    for p in &r.trend {
        let cells = columns(&p.open);
        writeln!(
            out,
            "{:<15} {}{cells}  {:>5}",
            posture_core::text::fit(SafeText::line(&p.name).display(), 15),
            p.taken_at.date(),
            p.total()
        )?;
    }
    Ok(())
}
