//! The command line: argument parsing and the headless commands. Loading and
//! printing live here; the logic they use lives in the core modules.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::export::csv_safe::SafeCsvWriter;
use crate::model::{Finding, FindingRecord, Severity, Source, Timestamp};
use crate::query::{Filter, SortKey, sort_findings};
use crate::sources::{self, Loaded};

#[derive(Debug, Parser)]
#[command(
    name = "posture",
    version,
    about = "One severity-sorted view of Security Hub, Kubescape and Starboard/Trivy-Operator findings",
    long_about = "posture reads AWS Security Hub findings (ASFF or OCSF), Kubescape scan results and \
Starboard / Trivy-Operator reports, recognises each file by its content, and shows them as one \
severity-sorted list. Without --file it shows the shipped demo data."
)]
pub struct Cli {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Colour theme: dark, light, high-contrast, or NAME.toml in the config dir's themes/.
    #[arg(long, value_name = "NAME", global = true)]
    pub theme: Option<String>,
    /// Config file (default: config.toml in the XDG config directory).
    #[arg(long, value_name = "PATH", env = "POSTURE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct Inputs {
    /// An input file or directory (every file below it); repeatable. JSON, JSON Lines or YAML.
    #[arg(long = "file", short = 'f', value_name = "PATH", global = true)]
    pub files: Vec<PathBuf>,
    /// Use the shipped demo data (the default when no --file is given).
    #[arg(long, global = true)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print findings, most severe first, then most recently seen.
    List(ListArgs),
    /// Count findings by severity and source.
    Summary(SummaryArgs),
    /// Write the demo snapshots (maintainers: regenerates snapshots/).
    #[command(hide = true)]
    DemoSnapshots {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Args, Clone, Default)]
pub struct Selection {
    /// Include closed findings (archived, resolved, suppressed, passed).
    #[arg(long)]
    pub all: bool,
    /// Only this severity and above (critical, high, medium, low, info).
    #[arg(long, value_name = "SEVERITY")]
    pub severity: Option<Severity>,
    /// Only these sources (securityhub, kubescape, starboard); repeatable.
    #[arg(long, value_name = "SOURCE")]
    pub source: Vec<Source>,
}

impl Selection {
    pub fn filter(&self) -> Filter {
        Filter {
            include_closed: self.all,
            min_severity: self.severity,
            sources: self.source.clone(),
            text: String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum ListFormat {
    #[default]
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum SummaryFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub selection: Selection,
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
    /// With --format json: include each finding's original input record.
    #[arg(long)]
    pub raw: bool,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub selection: Selection,
    #[arg(long, value_enum, default_value_t)]
    pub format: SummaryFormat,
}

/// Exit status when any input could not be read or parsed (the others still load).
pub const EXIT_INPUT_ERROR: u8 = 2;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // `posture list | head` closing the pipe is not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "posture: {e:#}");
            ExitCode::from(1)
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::DemoSnapshots { out }) => {
            write_demo_snapshots(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::List(args)) => {
            let set = load(&cli.inputs);
            let mut shown = args.selection.filter().apply(&set.findings);
            sort_findings(&mut shown, SortKey::Severity, false);
            let mut out = std::io::stdout().lock();
            match args.format {
                ListFormat::Json => print_json(&mut out, &shown, args.raw)?,
                ListFormat::Csv => print_csv(&mut out, &shown)?,
                ListFormat::Table => print_table(&mut out, &shown)?,
            }
            Ok(set.exit_code())
        }
        Some(Command::Summary(args)) => {
            let set = load(&cli.inputs);
            let summary = Summary::of(&set.findings, &args.selection);
            let mut out = std::io::stdout().lock();
            match args.format {
                SummaryFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &summary)?;
                    writeln!(out)?;
                }
                SummaryFormat::Table => summary.print_table(&mut out, &set)?,
            }
            Ok(set.exit_code())
        }
        None => run_dashboard(&cli),
    }
}

/// `posture` with no subcommand: the dashboard.
fn run_dashboard(cli: &Cli) -> anyhow::Result<ExitCode> {
    use anyhow::Context;

    let paths = crate::config::paths::Paths::discover();
    let config_path = cli.config.clone().or_else(|| paths.config_file());
    let config = match &config_path {
        Some(p) => crate::config::Config::load(p)?,
        None => crate::config::Config::default(),
    };
    let keymap = config.keymap().with_context(|| {
        format!(
            "in {}",
            config_path
                .as_deref()
                .map_or("config".into(), |p| p.display().to_string())
        )
    })?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme_name = cli
        .theme
        .clone()
        .or(config.theme.clone())
        .unwrap_or_else(|| "dark".to_string());
    let user_themes = paths.user_themes();
    let theme = if no_color {
        crate::config::theme::Theme::monochrome()
    } else {
        crate::config::theme::load(&theme_name, user_themes.as_deref())?
    };
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the dashboard needs a terminal; for scripts use `posture list` or `posture summary`"
        );
    }
    let mut inputs = cli.inputs.clone();
    if inputs.files.is_empty() {
        inputs.files = config.files.iter().map(|p| expand_home(p)).collect();
    }
    let set = load_quietly(&inputs);
    let code = set.exit_code();
    let sources = source_statuses(&set);
    let mut app = crate::app::App::new(set.findings, sources, theme, keymap);
    app.demo = set.demo;
    app.user_theme_dir = user_themes;
    if config.include_closed {
        app.view.filter.include_closed = true;
        app.refresh_view();
    }
    crate::term::run(app)?;
    Ok(code)
}

/// `~/scans` in a config file means the home directory, as in a shell.
fn expand_home(p: &std::path::Path) -> PathBuf {
    match (p.strip_prefix("~"), directories::BaseDirs::new()) {
        (Ok(rest), Some(b)) => b.home_dir().join(rest),
        _ => p.to_path_buf(),
    }
}

/// The header's source list: one entry per input, failed ones with their first error.
pub fn source_statuses(set: &InputSet) -> Vec<crate::app::SourceStatus> {
    set.files
        .iter()
        .map(|f| {
            let label = f.path.file_name().map_or_else(
                || f.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            crate::app::SourceStatus {
                label: crate::model::SafeText::line(&label).display().to_string(),
                findings: f.findings_count,
                error: f.errors.first().map(ToString::to_string),
                error_count: f.errors.len(),
            }
        })
        .collect()
}

/// Everything loaded for one command.
pub struct InputSet {
    pub findings: Vec<Finding>,
    pub files: Vec<Loaded>,
    pub demo: bool,
}

impl InputSet {
    pub fn exit_code(&self) -> ExitCode {
        if self.files.iter().any(Loaded::failed) {
            ExitCode::from(EXIT_INPUT_ERROR)
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// Loads the inputs, reporting every problem on stderr as `path:line:column: message`.
pub fn load(inputs: &Inputs) -> InputSet {
    let set = load_quietly(inputs);
    report(&set);
    set
}

/// Loads without printing: the dashboard shows problems in its header instead,
/// where they cannot corrupt the screen.
pub fn load_quietly(inputs: &Inputs) -> InputSet {
    let demo = inputs.demo || inputs.files.is_empty();
    let mut files = if inputs.files.is_empty() {
        Vec::new()
    } else {
        sources::load_all(&inputs.files)
    };
    if demo {
        files.push(crate::demo::load_current());
    }
    for f in &mut files {
        f.findings_count = f.findings.len();
    }
    let findings = files
        .iter_mut()
        .flat_map(|f| std::mem::take(&mut f.findings))
        .collect();
    InputSet {
        findings,
        files,
        demo,
    }
}

fn report(set: &InputSet) {
    let mut err = std::io::stderr().lock();
    if set.demo && err.is_terminal() {
        let _ = writeln!(
            err,
            "posture: showing the shipped demo data (pass --file PATH for your own)"
        );
    }
    for f in &set.files {
        for e in &f.errors {
            let _ = writeln!(err, "{e}");
        }
        for w in &f.warnings {
            let _ = writeln!(
                err,
                "{}:{}:{}: warning: {}",
                w.path.display(),
                w.location.line,
                w.location.column,
                crate::model::SafeText::line(&w.message).display()
            );
        }
    }
}

fn print_json(out: &mut impl Write, shown: &[&Finding], raw: bool) -> anyhow::Result<()> {
    // Streamed: a million findings need not exist twice in memory.
    out.write_all(b"[")?;
    for (i, f) in shown.iter().enumerate() {
        out.write_all(if i == 0 { b"\n  " } else { b",\n  " })?;
        serde_json::to_writer(&mut *out, &FindingRecord::from_finding(f, raw))?;
    }
    out.write_all(if shown.is_empty() { b"]\n" } else { b"\n]\n" })?;
    Ok(())
}

fn print_csv(out: &mut impl Write, shown: &[&Finding]) -> anyhow::Result<()> {
    let mut w = SafeCsvWriter::new(out, false)?;
    w.row([
        "fingerprint",
        "source",
        "severity",
        "title",
        "rule_id",
        "resource",
        "namespace",
        "account",
        "region",
        "cluster",
        "open",
        "first_seen",
        "last_seen",
    ])?;
    let ts = |t: Option<Timestamp>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    for f in shown {
        w.row([
            f.fingerprint.as_str(),
            f.source.as_str(),
            f.severity.as_str(),
            f.title.original(),
            f.rule_id.original(),
            f.resource.original(),
            f.namespace.original(),
            f.account.original(),
            f.region.original(),
            f.cluster.original(),
            if f.open { "true" } else { "false" },
            &ts(f.first_seen),
            &ts(f.last_seen),
        ])?;
    }
    w.finish()?;
    Ok(())
}

fn print_table(out: &mut impl Write, shown: &[&Finding]) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let cols = [
        ("SEVERITY", 8),
        ("SOURCE", 11),
        ("TITLE", 58),
        ("RESOURCE", 48),
        ("SCOPE", 24),
        ("AGE", 5),
    ];
    let header: Vec<String> = cols.iter().map(|(h, w)| crate::text::fit(h, *w)).collect();
    writeln!(out, "{}", header.join(" ").trim_end())?;
    for f in shown {
        let age = f
            .first_seen
            .map(|t| crate::model::timestamp::age(t, now))
            .unwrap_or_default();
        let cells = [
            f.severity.as_str().to_string(),
            f.source.as_str().to_string(),
            f.title.display().to_string(),
            f.resource.display().to_string(),
            f.scope(),
            age,
        ];
        let line: Vec<String> = cells
            .iter()
            .zip(cols.iter())
            .map(|(c, (_, w))| crate::text::fit(c, *w))
            .collect();
        writeln!(out, "{}", line.join(" ").trim_end())?;
    }
    Ok(())
}

/// `posture summary`: `total` and `open` count every selected finding;
/// `by_severity` and `by_source` count the open ones (with `--all`, all of them).
#[derive(Debug, serde::Serialize)]
pub struct Summary {
    pub total: usize,
    pub open: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    pub by_source: BTreeMap<Source, usize>,
}

impl Summary {
    pub fn of(findings: &[Finding], sel: &Selection) -> Summary {
        let everything = Filter {
            include_closed: true,
            ..sel.filter()
        };
        let counted = sel.filter();
        let mut s = Summary {
            total: 0,
            open: 0,
            by_severity: BTreeMap::new(),
            by_source: BTreeMap::new(),
        };
        for f in findings.iter().filter(|f| everything.matches(f)) {
            s.total += 1;
            s.open += usize::from(f.open);
            if counted.matches(f) {
                *s.by_severity.entry(f.severity).or_default() += 1;
                *s.by_source.entry(f.source).or_default() += 1;
            }
        }
        s
    }

    fn print_table(&self, out: &mut impl Write, set: &InputSet) -> anyhow::Result<()> {
        let loaded = set.files.iter().filter(|f| !f.failed()).count();
        let failed = set.files.len() - loaded;
        writeln!(
            out,
            "{} findings, {} open{}  ({} input{} loaded{})",
            self.total,
            self.open,
            if set.demo {
                " — demo data; pass --file PATH for your own"
            } else {
                ""
            },
            loaded,
            if loaded == 1 { "" } else { "s" },
            if failed > 0 {
                format!(", {failed} failed")
            } else {
                String::new()
            }
        )?;
        writeln!(out)?;
        writeln!(out, "{:<10} {:>7}", "SEVERITY", "COUNT")?;
        for sev in Severity::ALL_DESC {
            if let Some(n) = self.by_severity.get(&sev) {
                writeln!(out, "{:<10} {:>7}", sev.as_str(), n)?;
            }
        }
        writeln!(out)?;
        writeln!(out, "{:<12} {:>7}", "SOURCE", "COUNT")?;
        for (src, n) in &self.by_source {
            writeln!(out, "{:<12} {:>7}", src.as_str(), n)?;
        }
        Ok(())
    }
}

fn write_demo_snapshots(dir: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (week, (file, _, _)) in crate::demo::WEEKS.iter().enumerate() {
        let snap = crate::demo::generate(week);
        let path = dir.join(file);
        std::fs::write(&path, snap.to_json())
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "wrote {} ({} findings)",
            path.display(),
            snap.findings.len()
        );
    }
    Ok(())
}
