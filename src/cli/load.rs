//! Reading the inputs for a command, reporting their problems, and opening
//! the session the command works on.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use posture_core::model::{Finding, SafeText};
use posture_core::session::{Baseline, Session, SessionParts, SourceStatus};
use posture_core::sources::{self, Loaded};

use super::{Cli, Context, EXIT_INPUT_ERROR, Inputs};

/// What the files (and the demo data) gave: findings and one status per input.
pub struct InputSet {
    pub findings: Vec<Finding>,
    pub sources: Vec<SourceStatus>,
    pub demo: bool,
}

/// Exit 1 when an input could not be read in full.
pub fn exit_code(input_failed: bool) -> ExitCode {
    if input_failed {
        ExitCode::from(EXIT_INPUT_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}

/// Reads the files without printing: the dashboard shows problems in its
/// header instead, where they cannot corrupt the screen.
pub fn load_quietly(inputs: &Inputs) -> InputSet {
    let (set, _) = read(inputs);
    set
}

fn read(inputs: &Inputs) -> (InputSet, Vec<Loaded>) {
    let (set, files, _) = read_cached(inputs);
    (set, files)
}

/// The inputs, through the parse cache when there is one; the third value
/// says where to keep a fresh parse (see `read_cached` in the core).
pub fn read_cached(
    inputs: &Inputs,
) -> (
    InputSet,
    Vec<Loaded>,
    Option<posture_core::session::inputs::ToCache>,
) {
    let demo = inputs.demo || (inputs.files.is_empty() && !inputs.live.any());
    let (read, keep) = match &inputs.parse_cache_dir {
        Some(dir) => posture_core::session::inputs::read_cached(&inputs.files, demo, dir),
        None => (
            posture_core::session::inputs::read(&inputs.files, demo),
            None,
        ),
    };
    let set = InputSet {
        findings: read.findings,
        sources: read.sources,
        demo: read.demo,
    };
    (set, read.files, keep)
}

/// Reads the files, reporting every problem on stderr as `path:line:column: message`.
fn read_reported(inputs: &Inputs) -> InputSet {
    let (set, files) = read(inputs);
    let mut err = std::io::stderr().lock();
    // A directory with nothing to read would otherwise say nothing at all.
    for dir in inputs.files.iter().filter(|p| p.is_dir()) {
        if sources::expand_inputs(std::slice::from_ref(dir))
            .0
            .is_empty()
        {
            let _ = writeln!(
                err,
                "{}: warning: no input files in this directory (hidden files and .md/.txt/.csv/.toml are skipped)",
                dir.display()
            );
        }
    }
    if set.demo && err.is_terminal() {
        let _ = writeln!(
            err,
            "posture: showing the shipped demo data (pass --file PATH for your own)"
        );
    }
    for f in &files {
        for e in &f.errors {
            let _ = writeln!(err, "{e}");
        }
        for w in &f.warnings {
            let msg = SafeText::line(&w.message);
            let _ = if w.location == sources::Location::NOWHERE {
                writeln!(err, "{}: warning: {}", w.path.display(), msg.display())
            } else {
                writeln!(
                    err,
                    "{}:{}:{}: warning: {}",
                    w.path.display(),
                    w.location.line,
                    w.location.column,
                    msg.display()
                )
            };
        }
    }
    set
}

/// The findings of the files and the live sources, problems reported on
/// stderr; true in the second place when an input failed.
pub fn load_findings(inputs: &Inputs) -> (Vec<Finding>, bool) {
    let set = read_reported(inputs);
    let mut s = Session::assemble(SessionParts {
        findings: set.findings,
        sources: set.sources,
        ..SessionParts::default()
    });
    super::live::pull(&mut s, &inputs.live);
    let failed = s.input_failed();
    (s.take_findings(), failed)
}

/// What a command compares against, if anything.
#[derive(Debug, Clone, Copy)]
pub enum WithHistory<'a> {
    No,
    /// The saved snapshots, the baseline picked by `--since` (default: the newest).
    Since(Option<&'a str>),
}

/// The session a headless command works on: the inputs (problems on
/// stderr, live sources pulled to the end), the triage file, the routing
/// rules and, if asked, the snapshot history. Routes and facts are built once.
pub fn open_session(cli: &Cli, ctx: &Context, history: WithHistory) -> anyhow::Result<Session> {
    open(cli, ctx, history, false)
}

/// [`open_session`] for `posture triage carry`, which saves what the others
/// only mention.
pub fn open_session_to_carry(cli: &Cli, ctx: &Context) -> anyhow::Result<Session> {
    open(cli, ctx, WithHistory::No, true)
}

fn open(
    cli: &Cli,
    ctx: &Context,
    history: WithHistory,
    quiet_carry: bool,
) -> anyhow::Result<Session> {
    let router = ctx.router(cli)?;
    let (catalogues, catalogue_statuses) = ctx.catalogues(cli);
    for s in &catalogue_statuses {
        for line in s.error.iter().chain(&s.warnings) {
            eprintln!("{line}");
        }
    }
    let mut set = read_reported(&cli.inputs);
    set.sources.extend(catalogue_statuses);
    let store = ctx.open_store()?;
    let (baseline, trend) = match history {
        WithHistory::No => (None, Vec::new()),
        WithHistory::Since(since) => {
            let dir = posture_core::snapshots::dir(ctx.paths.data_dir.as_deref()).ok();
            let h = posture_core::snapshots::history(dir.as_deref(), set.demo, since)?;
            for e in &h.skipped {
                eprintln!("posture: warning: skipping {e}");
            }
            (Baseline::from_history(h.baseline), h.trend)
        }
    };
    let mut session = Session::assemble(SessionParts {
        findings: set.findings,
        sources: set.sources,
        demo: set.demo,
        store: Some(store),
        user: ctx.user(),
        router,
        baseline,
        trend,
        now: Some(ctx.now),
        catalogues: std::sync::Arc::new(catalogues),
        jira: ctx.config.jira.clone(),
    });
    super::live::pull(&mut session, &cli.inputs.live);
    if let Some(e) = session.store().and_then(|s| s.broken()) {
        eprintln!("posture: warning: triage marks not read: {e}");
    }
    // Shown, never saved here: only a command that writes saves them.
    let carried = session.carry_marks();
    if carried > 0 && !quiet_carry {
        eprintln!(
            "posture: {carried} triage mark{} would move to Security Hub's consolidated control \
             findings (same control, resource, account and region; shown here, not saved): \
             run `posture triage carry` to save {}",
            if carried == 1 { "" } else { "s" },
            if carried == 1 { "it" } else { "them" },
        );
    }
    session.settle();
    Ok(session)
}
