//! `posture` with no subcommand: the dashboard.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context as _;

use super::context::{Context, expand_home};
use super::{Cli, load_quietly, source_statuses};
use crate::triage::Store;

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
    let router = ctx.router(cli)?;
    let set = load_quietly(&inputs);
    let code = set.exit_code();
    let sources = source_statuses(&set);
    let mut app = crate::app::App::new(set.findings, sources, theme, keymap);
    app.demo = set.demo;
    app.user_theme_dir = user_themes;
    app.now = ctx.now;
    app.clock_fixed = ctx.clock_fixed;
    // The last snapshot before the triage and routing facts: they are
    // computed once, with the NEW flags.
    match super::snapshots::history(&ctx, app.demo, None) {
        Ok(h) => {
            app.baseline = h.baseline.map(|(since, findings)| {
                crate::app::review::Baseline::new(since.name, since.taken_at, findings)
            });
            app.trend = h.trend;
        }
        Err(e) => app.status = Some(format!("snapshots not read: {e:#}")),
    }
    if config.include_closed {
        app.view.filter.include_closed = true;
    }
    app.attach(
        router,
        ctx.triage_file.as_deref().map(Store::open),
        ctx.user(),
    );
    if cli.inputs.live.securityhub {
        app.sync.plan = super::live::securityhub_plan(&cli.inputs.live);
    }
    let live = super::live::start(&cli.inputs.live);
    crate::term::run(app, live)?;
    Ok(code)
}
