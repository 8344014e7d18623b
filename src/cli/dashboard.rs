//! `posture` with no subcommand: the dashboard.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context as _;

use super::Cli;
use super::context::{Context, expand_home};
use posture_core::session::{Baseline, Session, SessionParts, SourceStatus};
use posture_core::triage::Store;

/// Keeps a fresh parse of the inputs for the next start, on a thread of its
/// own while the dashboard runs (a failure only means parsing next time).
fn keep_parse(
    keep: posture_core::session::inputs::ToCache,
    findings: std::sync::Arc<Vec<posture_core::model::Finding>>,
) {
    let _ = std::thread::Builder::new()
        .name("posture-keep-parse".into())
        .spawn(move || {
            let _ = keep.write(&findings);
        });
}

pub fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(cli)?;
    let config = &ctx.config;
    let keymap = config.keymap().with_context(|| {
        format!(
            "in {}",
            ctx.config_path
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
    let user_themes = ctx.paths.user_themes();
    let theme = if no_color {
        posture_core::config::theme::Theme::monochrome()
    } else {
        posture_core::config::theme::load(&theme_name, user_themes.as_deref())?
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
    let router = ctx.router(cli)?;
    let (catalogues, catalogue_statuses) = ctx.catalogues(cli);
    let demo = inputs.demo || (inputs.files.is_empty() && !inputs.live.any());
    // The last snapshot before the session is built: routes and facts are
    // computed once the files are in, with the NEW flags.
    let snapshot_dir = posture_core::snapshots::dir(ctx.paths.data_dir.as_deref()).ok();
    let (history, history_problem) =
        match posture_core::snapshots::history(snapshot_dir.as_deref(), demo, None) {
            Ok(h) => (h, None),
            Err(e) => (Default::default(), Some(format!("snapshots not read: {e}"))),
        };
    // The files are read in the background: a large or slow input never
    // keeps the dashboard from answering `q`.
    let loading = SourceStatus {
        label: if demo {
            "demo data".to_string()
        } else {
            format!(
                "{} input{}",
                inputs.files.len(),
                if inputs.files.len() == 1 { "" } else { "s" }
            )
        },
        note: "loading…".to_string(),
        busy: true,
        ..SourceStatus::default()
    };
    let session = Session::new(SessionParts {
        findings: Vec::new(),
        sources: std::iter::once(loading).chain(catalogue_statuses).collect(),
        demo,
        store: ctx.triage_file.as_deref().map(Store::open),
        user: ctx.user(),
        router,
        baseline: Baseline::from_history(history.baseline),
        trend: history.trend,
        now: Some(ctx.now),
        catalogues: std::sync::Arc::new(catalogues),
        jira: config.jira.clone(),
    });
    let mut view = crate::app::view::View::default();
    view.filter.include_closed = config.include_closed;
    let mut app = crate::app::App::with_view(session, theme, keymap, view);
    app.clock_fixed = ctx.clock_fixed;
    app.views = config.views.clone();
    app.status = history_problem;
    let runner = crate::term::Runner {
        sync_plan: cli
            .inputs
            .live
            .securityhub
            .then(|| super::live::securityhub_plan(&cli.inputs.live))
            .flatten(),
        user_theme_dir: user_themes,
        events: None,
        jira: config
            .jira_url
            .clone()
            .zip(posture_live::jira::Credentials::from_env()),
        jira_timeout: std::time::Duration::from_secs(cli.inputs.live.timeout.max(1)),
        terminal: true,
    };
    app.jira_push = runner.jira.is_some();
    app.sync.available = runner.sync_plan.is_some();
    let live = super::live::start(&cli.inputs.live);
    // With live sources the findings change while the dashboard runs, and a
    // change waits for every reader of them: no writer of the parse cache
    // then (it reads them for seconds at a million findings).
    let keep_allowed = !cli.inputs.live.any();
    let files: crate::term::Loader = Box::new(move || {
        let (set, _, keep) = super::load::read_cached(&inputs);
        let findings = std::sync::Arc::new(set.findings);
        if let Some(keep) = keep.filter(|_| keep_allowed) {
            keep_parse(keep, findings.clone());
        }
        (findings, set.sources)
    });
    let app = crate::term::run(app, runner, Some(files), live)?;
    Ok(super::exit_code(app.session.input_failed()))
}
