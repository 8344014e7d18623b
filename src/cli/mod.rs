//! The command line: argument parsing and the headless commands. Loading and
//! printing live here; the logic they use lives in the core modules.

mod about;
mod context;
mod dashboard;
mod export;
mod jira;
pub mod live;
mod load;
mod output;
mod review;
mod room;
mod triage;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use posture_core::model::{Severity, Source};
use posture_core::query::Filter;
use posture_core::triage::Status;

pub use context::Context;
pub use load::{
    InputSet, WithHistory, exit_code, load_findings, load_quietly, open_session,
    open_session_to_carry,
};
pub use output::Summary;

#[derive(Debug, Parser)]
#[command(
    name = "posture",
    version,
    about = "One severity-sorted view of Security Hub, Kubescape, Trivy-Operator and scanner findings",
    long_about = "posture reads AWS Security Hub findings (ASFF or OCSF), Kubescape scan results, \
Starboard / Trivy-Operator reports, and the reports of Trivy, Grype, kube-bench, Popeye, Prowler, \
Amazon Inspector and any SARIF code scanner; it recognises each file by its content, puts every \
finding in its 4C layer (cloud, cluster, container, code) and shows them as one severity-sorted \
list. Without --file it shows the shipped demo data."
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
    /// Triage file (default: triage.toml in the XDG data directory, or `triage_file` in the config).
    #[arg(long, value_name = "PATH", env = "POSTURE_TRIAGE_FILE", global = true)]
    pub triage_file: Option<PathBuf>,
    /// Routing rules file (`[[rules]]`, `[sla]`); default: `[routing]` in the config, else built-in.
    #[arg(long, value_name = "FILE", global = true)]
    pub routing: Option<PathBuf>,
    /// CISA's Known Exploited Vulnerabilities catalogue (the JSON from cisa.gov), to mark
    /// findings whose CVE is exploited in the wild; default: `kev_file` in the config.
    #[arg(long, value_name = "FILE", global = true)]
    pub kev: Option<PathBuf>,
    /// FIRST's EPSS scores (epss_scores-DATE.csv from first.org, decompressed), for each
    /// CVE's probability of exploitation; default: `epss_file` in the config.
    #[arg(long, value_name = "FILE", global = true)]
    pub epss: Option<PathBuf>,
    /// Errors from live sources with the SDK's debug detail too (for a bug report).
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `posture gen --format`: the core's generator formats, as clap spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenFormatArg {
    /// `aws securityhub get-findings` output: `{"Findings": [...]}`.
    Asff,
    /// One `kubescape scan --format json` result (v3), five controls per resource.
    Kubescape,
    /// A `kubectl get vulnerabilityreports -o json` List, twenty CVEs per report.
    Starboard,
}

impl From<GenFormatArg> for posture_core::demo::generate::GenFormat {
    fn from(f: GenFormatArg) -> Self {
        use posture_core::demo::generate::GenFormat;
        match f {
            GenFormatArg::Asff => GenFormat::Asff,
            GenFormatArg::Kubescape => GenFormat::Kubescape,
            GenFormatArg::Starboard => GenFormat::Starboard,
        }
    }
}

#[derive(Debug, Args, Clone, Default)]
pub struct Inputs {
    /// An input file or directory (every file below it); repeatable. JSON, JSON Lines or YAML.
    #[arg(long = "file", short = 'f', value_name = "PATH", global = true)]
    pub files: Vec<PathBuf>,
    /// Use the shipped demo data (the default when no --file or live source is given).
    #[arg(long, global = true, conflicts_with = "files")]
    pub demo: bool,
    /// Parse the input files even when they are unchanged since the
    /// dashboard last kept their parse (XDG cache dir), and keep none.
    #[arg(long, global = true)]
    pub no_parse_cache: bool,
    /// Where parses of input files are kept (unless --no-parse-cache).
    #[arg(skip)]
    pub parse_cache_dir: Option<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
}

/// Live sources, with aws-cli conventions.
#[derive(Debug, Args, Clone, Default)]
pub struct LiveArgs {
    /// Pull findings from AWS Security Hub (GetFindings, ASFF), with the default
    /// credential chain (AWS_PROFILE, SSO, environment, instance role).
    #[arg(long, global = true, help_heading = "Live sources")]
    pub securityhub: bool,
    /// Pull from the 2025 Security Hub API instead (GetFindingsV2, OCSF).
    #[arg(
        long = "securityhub-v2",
        global = true,
        help_heading = "Live sources",
        conflicts_with = "securityhub"
    )]
    pub securityhub_v2: bool,
    /// AWS profile (default: AWS_PROFILE, else `default`).
    #[arg(
        long,
        value_name = "NAME",
        global = true,
        help_heading = "Live sources"
    )]
    pub profile: Option<String>,
    /// AWS region; repeatable or comma-separated, all pulled concurrently
    /// (default: AWS_REGION or the profile's region).
    #[arg(
        long,
        value_name = "REGION",
        global = true,
        value_delimiter = ',',
        help_heading = "Live sources"
    )]
    pub region: Vec<String>,
    /// Send Security Hub requests here (a local test endpoint); AWS_ENDPOINT_URL
    /// and AWS_ENDPOINT_URL_SECURITYHUB work too.
    #[arg(long, value_name = "URL", global = true, help_heading = "Live sources")]
    pub endpoint_url: Option<String>,
    /// Read Starboard / Trivy-Operator reports and Kubescape operator results
    /// from the cluster (KUBECONFIG, or ~/.kube/config).
    #[arg(long, global = true, help_heading = "Live sources")]
    pub kube: bool,
    /// Kubernetes context; repeatable (several clusters in one view). Default: the current one.
    #[arg(
        long = "context",
        value_name = "NAME",
        global = true,
        help_heading = "Live sources"
    )]
    pub contexts: Vec<String>,
    /// Only this namespace (default: all namespaces).
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        global = true,
        help_heading = "Live sources"
    )]
    pub namespace: Option<String>,
    /// Kubeconfig file (default: KUBECONFIG, else ~/.kube/config).
    #[arg(
        long,
        value_name = "PATH",
        global = true,
        help_heading = "Live sources"
    )]
    pub kubeconfig: Option<PathBuf>,
    /// Seconds one answer from a live source may take, its retries included, before it fails.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 30,
        global = true,
        help_heading = "Live sources"
    )]
    pub timeout: u64,
    /// Pages of one Security Hub region (100 findings each) before a pull is stopped as endless.
    #[arg(
        long,
        value_name = "N",
        default_value_t = posture_live::securityhub::DEFAULT_MAX_PAGES,
        global = true,
        help_heading = "Live sources"
    )]
    pub max_pages: usize,
    /// Neither show nor keep the last pull (XDG cache dir); pull everything.
    #[arg(long, global = true, help_heading = "Live sources")]
    pub no_cache: bool,
    /// Closed findings too (the command's --all).
    #[arg(skip)]
    pub all: bool,
    /// The command's --severity, also applied server-side.
    #[arg(skip)]
    pub min_severity: Option<Severity>,
    #[arg(skip)]
    pub cache_dir: Option<PathBuf>,
}

impl LiveArgs {
    pub fn any(&self) -> bool {
        self.securityhub || self.securityhub_v2 || self.kube
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print findings, most severe first, then most recently seen.
    List(ListArgs),
    /// Count findings by severity and source.
    Summary(SummaryArgs),
    /// Set, show, share and recover triage marks.
    #[command(subcommand)]
    Triage(triage::TriageCommand),
    /// Which team owns a finding, and why.
    #[command(subcommand)]
    Route(RouteCommand),
    /// JIRA-ready CSV, and the weekly tracking sheet.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Save and list snapshots of the posture, for week-over-week review.
    #[command(subcommand)]
    Snapshot(review::SnapshotCommand),
    /// The open findings as OpenMetrics / Prometheus text (textfile collector, Pushgateway).
    Metrics(room::MetricsArgs),
    /// Post what is new since the last snapshot to a Slack-compatible webhook.
    Notify(room::NotifyArgs),
    /// Tickets straight into Jira (REST), once each.
    #[command(subcommand)]
    Jira(jira::JiraCommand),
    /// Shell completions, on standard output.
    Completions { shell: about::Shell },
    /// The man page (roff), on standard output: `posture man | man -l -`.
    Man,
    /// Where posture reads and keeps things here: config, triage, snapshots, caches, inputs.
    Info,
    /// What changed between two snapshots (OLD NEW), or since a snapshot (--since).
    Diff {
        /// Two snapshot files: OLD NEW. Without them: the current inputs against
        /// the newest snapshot, or --since.
        #[arg(value_name = "SNAPSHOT", num_args = 0..=2)]
        snapshots: Vec<PathBuf>,
        /// A snapshot name, a date (the newest snapshot taken then or before) or a file.
        #[arg(long, value_name = "NAME|DATE")]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: review::TableOrJson,
        /// For cron: exit 1 when something new (at or above --severity) appeared, else 0.
        #[arg(long)]
        exit_code: bool,
        /// With --exit-code: only new findings of this severity and above count.
        #[arg(long, value_name = "SEVERITY", requires = "exit_code")]
        severity: Option<Severity>,
        #[command(flatten)]
        only: QueryArgs,
    },
    /// The weekly review: severity × owner, new and resolved, oldest criticals,
    /// overdue by SLA, and the trend across snapshots.
    Review {
        #[arg(long, value_name = "NAME|DATE")]
        since: Option<String>,
        /// table, markdown, json, or html (one self-contained page for the room).
        #[arg(long, value_enum, default_value_t)]
        format: review::ReviewFormat,
        /// Write here instead of standard output (replaced whole, never half-written).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// One team's review: only the findings routed to this owner, now and in the
        /// snapshot compared with.
        #[arg(long, value_name = "NAME")]
        owner: Option<String>,
        #[command(flatten)]
        only: QueryArgs,
    },
    /// Generate realistic inputs of any size (benchmarks, scale tests).
    Gen {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum)]
        format: GenFormatArg,
        /// Output file (default: standard output).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
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
    /// Only these sources (securityhub, kubescape, starboard, trivy, grype,
    /// kube-bench, popeye, prowler, inspector, or a SARIF tool's name such as
    /// codeql); comma-separated or repeated.
    #[arg(long, value_name = "SOURCE", value_delimiter = ',')]
    pub source: Vec<Source>,
    /// Only these 4C layers (cloud, cluster, container, code); comma-separated
    /// or repeated.
    #[arg(long, value_name = "LAYER", value_delimiter = ',')]
    pub layer: Vec<posture_core::model::Layer>,
    /// Only these triage statuses (new, acknowledged, in-progress, accepted-risk,
    /// false-positive, resolved); comma-separated or repeated.
    #[arg(long, value_name = "STATUS", value_delimiter = ',')]
    pub status: Vec<Status>,
    /// Only findings routed to these owners (teams); comma-separated or repeated.
    #[arg(long, value_name = "OWNER", value_delimiter = ',')]
    pub owner: Vec<String>,
    /// Only findings this query passes: words (all must appear), "a phrase",
    /// ~regex, field:value globs and sets (sev:critical,high  ns:pay*
    /// layer:code  owner:SRE  status:new  tag:Owner=payments), comparisons
    /// (sev>=high  age>30d), !term to negate, `or` between groups of terms.
    #[arg(long, value_name = "QUERY", value_parser = parse_query)]
    pub query: Option<posture_core::query::Query>,
    /// A saved view (`[views.NAME]` in the config): its query (with --query,
    /// both must pass) and its sort.
    #[arg(long, value_name = "NAME")]
    pub view: Option<String>,
}

/// A `--query` as clap reads it: a malformed query is a usage error (exit 2)
/// that names its term.
fn parse_query(text: &str) -> Result<posture_core::query::Query, String> {
    posture_core::query::Query::parse(text).map_err(|e| e.to_string())
}

#[derive(Debug, Subcommand)]
pub enum RouteCommand {
    /// Show each rule tried for a finding and the one that matched.
    Explain {
        #[arg(required = true)]
        fingerprints: Vec<String>,
    },
}

/// `--query` and `--view` for the commands that take no other filter
/// (`review`, `diff`).
#[derive(Debug, Args, Clone, Default)]
pub struct QueryArgs {
    /// Only the findings this query passes (the grammar of `list --query`), now
    /// and in the snapshot compared with.
    #[arg(long, value_name = "QUERY", value_parser = parse_query)]
    pub query: Option<posture_core::query::Query>,
    /// A saved view's query (`[views.NAME]` in the config); with --query, both must pass.
    #[arg(long, value_name = "NAME")]
    pub view: Option<String>,
}

impl QueryArgs {
    /// The query to apply, the view's and `--query` together, if any.
    pub fn resolve(
        &self,
        config: &posture_core::config::Config,
    ) -> anyhow::Result<Option<posture_core::query::Query>> {
        Ok(view_and_query(config, self.view.as_deref(), self.query.clone())?.0)
    }
}

/// `--view NAME`'s query folded into `--query`'s (both must pass), and
/// the view's sort; an unknown view is an error naming the known ones.
fn view_and_query(
    config: &posture_core::config::Config,
    view: Option<&str>,
    query: Option<posture_core::query::Query>,
) -> anyhow::Result<(
    Option<posture_core::query::Query>,
    Option<posture_core::query::SortKey>,
)> {
    let Some(name) = view else {
        return Ok((query, None));
    };
    let Some(view) = config.views.get(name) else {
        let known: Vec<&str> = config.views.keys().map(String::as_str).collect();
        anyhow::bail!(
            "no view {name:?} in the config (views: {})",
            if known.is_empty() {
                "none; add [views.NAME] to config.toml".to_string()
            } else {
                known.join(", ")
            }
        );
    };
    let query = match (view.query.clone(), query) {
        (Some(v), Some(q)) => Some(v.and(q)),
        (v, q) => v.or(q),
    };
    Ok((query, view.sort))
}

impl Selection {
    /// This selection with its saved view's query folded in, and the
    /// view's sort, if any; an unknown view is an error naming the known.
    pub fn with_view(
        &self,
        config: &posture_core::config::Config,
    ) -> anyhow::Result<(Selection, Option<posture_core::query::SortKey>)> {
        let (query, sort) = view_and_query(config, self.view.as_deref(), self.query.clone())?;
        Ok((
            Selection {
                query,
                ..self.clone()
            },
            sort,
        ))
    }

    pub fn filter(&self, p: &posture_core::session::Session) -> Filter {
        let routes = &p.routes;
        Filter {
            query: self
                .query
                .clone()
                .map(|q| q.bind(routes, &p.router.sla, p.today())),
            include_closed: self.all,
            min_severity: self.severity,
            sources: self.source.clone(),
            layers: self.layer.clone(),
            text: String::new(),
            statuses: self.status.clone(),
            routes: (!self.owner.is_empty()).then(|| routes.ids_of_owners(&self.owner)),
            new_only: false,
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
    /// Order: severity (default: most severe, then most recent), source, title,
    /// resource, scope, age (oldest first), or risk (in KEV, then an exploit
    /// available, then the higher EPSS score, then severity, then the oldest).
    #[arg(long, value_name = "KEY", value_parser = parse_sort)]
    pub sort: Option<posture_core::query::SortKey>,
}

/// A `--sort` key by name.
fn parse_sort(name: &str) -> Result<posture_core::query::SortKey, String> {
    use posture_core::query::SortKey;
    SortKey::ALL
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            let names: Vec<&str> = SortKey::ALL.iter().map(|k| k.name()).collect();
            format!("unknown sort {name:?} (sorts: {})", names.join(", "))
        })
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub selection: Selection,
    #[arg(long, value_enum, default_value_t)]
    pub format: SummaryFormat,
    /// Also count severity × owner (`by_owner` in JSON) or × 4C layer (`by_layer`).
    #[arg(long, value_enum)]
    pub by: Option<SummaryBy>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SummaryBy {
    Owner,
    /// The 4C layer: cloud, cluster, container, code.
    Layer,
}

/// Exit status when any input could not be read or parsed (the others still load).
pub const EXIT_INPUT_ERROR: u8 = 2;

pub fn main() -> ExitCode {
    crate::memory::tune();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // `posture list | head` closing the pipe is not an error.
        Err(e) if e.chain().any(is_broken_pipe) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "posture: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// A write to a closed pipe, however it is wrapped: directly, or inside the
/// JSON or CSV writer's error (which is how `--format json | head` fails).
fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return io.kind() == BrokenPipe || io.get_ref().is_some_and(|inner| is_broken_pipe(inner));
    }
    if let Some(j) = e.downcast_ref::<serde_json::Error>() {
        return j.io_error_kind() == Some(BrokenPipe);
    }
    if let Some(c) = e.downcast_ref::<csv::Error>() {
        return matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe);
    }
    e.source().is_some_and(is_broken_pipe)
}

pub fn run(mut cli: Cli) -> anyhow::Result<ExitCode> {
    posture_live::aws_error::set_verbose(cli.verbose);
    if !cli.inputs.no_parse_cache {
        cli.inputs.parse_cache_dir = posture_core::config::paths::Paths::discover()
            .cache_dir
            .map(|d| d.join("parsed"));
    }
    let live = &mut cli.inputs.live;
    if !live.no_cache {
        live.cache_dir = posture_core::config::paths::Paths::discover()
            .cache_dir
            .map(|d| d.join("live"));
    }
    let selection = match &cli.command {
        Some(Command::List(a)) => Some(&a.selection),
        Some(Command::Summary(a)) => Some(&a.selection),
        _ => None,
    };
    if let Some(sel) = selection {
        live.all = sel.all;
        live.min_severity = sel.severity;
    }
    match &cli.command {
        Some(Command::DemoSnapshots { out }) => {
            write_demo_snapshots(out)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::List(args)) => {
            let ctx = Context::load(&cli)?;
            let (selection, sort) = args.selection.with_view(&ctx.config)?;
            let p = open_session(&cli, &ctx, WithHistory::No)?;
            let mut shown = p.select(&selection.filter(&p));
            if let Some(key) = args.sort.or(sort) {
                posture_core::query::sort_indices(&p.findings, &mut shown, key, false);
            }
            let mut out = std::io::stdout().lock();
            match args.format {
                ListFormat::Json => output::print_json(&mut out, &p, &shown, args.raw)?,
                ListFormat::Csv => output::print_csv(&mut out, &p, &shown)?,
                ListFormat::Table => output::print_table(&mut out, &p, &shown)?,
            }
            Ok(exit_code(leave(p)))
        }
        Some(Command::Summary(args)) => {
            let ctx = Context::load(&cli)?;
            let (selection, _) = args.selection.with_view(&ctx.config)?;
            let p = open_session(&cli, &ctx, WithHistory::No)?;
            let summary = Summary::of(&p, &selection, args.by);
            let mut out = std::io::stdout().lock();
            match args.format {
                SummaryFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &summary)?;
                    writeln!(out)?;
                }
                SummaryFormat::Table => summary.print_table(&mut out, &p)?,
            }
            Ok(exit_code(leave(p)))
        }
        Some(Command::Route(RouteCommand::Explain { fingerprints })) => {
            let ctx = Context::load(&cli)?;
            let p = open_session(&cli, &ctx, WithHistory::No)?;
            output::explain_routes(&mut std::io::stdout().lock(), &p, fingerprints)
        }
        Some(Command::Export(cmd)) => export::run(&cli, cmd),
        Some(Command::Snapshot(cmd)) => review::snapshot(&cli, cmd),
        Some(Command::Metrics(args)) => room::metrics(&cli, args),
        Some(Command::Notify(args)) => room::notify(&cli, args),
        Some(Command::Jira(cmd)) => jira::run(&cli, cmd),
        Some(Command::Completions { shell }) => about::completions(*shell),
        Some(Command::Man) => about::man(),
        Some(Command::Info) => about::info(&cli),
        Some(Command::Gen {
            count,
            seed,
            format,
            out,
        }) => {
            use anyhow::Context as _;
            match out {
                Some(p) => {
                    let f = std::fs::File::create(p)
                        .with_context(|| format!("creating {}", p.display()))?;
                    let mut w = std::io::BufWriter::new(f);
                    posture_core::demo::generate::write((*format).into(), *count, *seed, &mut w)?;
                    w.flush()?;
                }
                None => {
                    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                    posture_core::demo::generate::write((*format).into(), *count, *seed, &mut w)?;
                    w.flush()?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Diff {
            snapshots,
            since,
            format,
            exit_code,
            severity,
            only,
        }) => review::diff_command(
            &cli,
            snapshots,
            since.as_deref(),
            *format,
            only,
            exit_code.then(|| severity.unwrap_or(Severity::Unknown)),
        ),
        Some(Command::Review {
            since,
            format,
            out,
            owner,
            only,
        }) => review::review_command(
            &cli,
            &review::ReviewArgs {
                since: since.as_deref(),
                format: *format,
                out: out.as_deref(),
                owner: owner.as_deref(),
                only,
            },
        ),
        Some(Command::Triage(cmd)) => triage::run(&cli, cmd),
        None => dashboard::run(&cli),
    }
}

fn write_demo_snapshots(dir: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (week, (file, _, _)) in posture_core::demo::WEEKS.iter().enumerate() {
        let snap = posture_core::demo::generate(week);
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

/// Whether an input failed, the session left as it is: the command is over
/// and the process ends, and freeing a million findings one allocation at
/// a time took a tenth of a second. Only for sessions that wrote nothing
/// and hold nothing to flush.
fn leave(p: posture_core::session::Session) -> bool {
    let failed = p.input_failed();
    std::mem::forget(p);
    failed
}
