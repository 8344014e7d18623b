//! Around the program: shell completions, the man page (both from clap's
//! own description of the commands), and `posture info` — where posture
//! reads and keeps things on this machine.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, ValueEnum};

use super::{Cli, Context};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

/// `posture completions SHELL`: the script, on standard output.
pub fn completions(shell: Shell) -> anyhow::Result<ExitCode> {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Elvish => S::Elvish,
        Shell::Powershell => S::PowerShell,
    };
    let mut cmd = Cli::command();
    // Into memory first: the generator panics on a write error, and a
    // closed pipe (`| head`) is not one worth a panic.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "posture", &mut script);
    std::io::stdout().lock().write_all(&script)?;
    Ok(ExitCode::SUCCESS)
}

/// `posture man`: the man page (roff), on standard output.
pub fn man() -> anyhow::Result<ExitCode> {
    let page = clap_mangen::Man::new(Cli::command());
    let mut out = Vec::new();
    page.render(&mut out)?;
    std::io::stdout().lock().write_all(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// `posture info`: the config, data and cache paths, and what is in effect.
pub fn info(cli: &Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(cli)?;
    let mut out = std::io::stdout().lock();
    let state = |p: &Path| {
        if p.is_file() {
            "present"
        } else if p.is_dir() {
            "directory"
        } else {
            "not there (yet)"
        }
    };
    let line = |out: &mut dyn Write, label: &str, p: Option<&Path>| -> std::io::Result<()> {
        match p {
            Some(p) => writeln!(out, "{label:<18} {}  ({})", p.display(), state(p)),
            None => writeln!(out, "{label:<18} (none: no home directory)"),
        }
    };
    writeln!(out, "posture {}", env!("CARGO_PKG_VERSION"))?;
    line(&mut out, "config file", ctx.config_path.as_deref())?;
    line(&mut out, "themes", ctx.paths.user_themes().as_deref())?;
    line(&mut out, "triage file", ctx.triage_file.as_deref())?;
    let snapshots = posture_core::snapshots::dir(ctx.paths.data_dir.as_deref()).ok();
    line(&mut out, "snapshots", snapshots.as_deref())?;
    let cache = ctx.paths.cache_dir.as_deref();
    line(
        &mut out,
        "parse cache",
        cache.map(|c| c.join("parsed")).as_deref(),
    )?;
    line(
        &mut out,
        "live cache",
        cache.map(|c| c.join("live")).as_deref(),
    )?;
    let files = if cli.inputs.files.is_empty() {
        ctx.config.files.clone()
    } else {
        cli.inputs.files.clone()
    };
    if files.is_empty() {
        writeln!(out, "{:<18} (none: the demo data)", "inputs")?;
    }
    for f in &files {
        line(&mut out, "input", Some(f))?;
    }
    let kev = cli.kev.clone().or_else(|| ctx.config.kev_file.clone());
    let epss = cli.epss.clone().or_else(|| ctx.config.epss_file.clone());
    if let Some(k) = &kev {
        line(&mut out, "KEV catalogue", Some(k))?;
    }
    if let Some(e) = &epss {
        line(&mut out, "EPSS scores", Some(e))?;
    }
    let routing = match (&cli.routing, &ctx.config.routing) {
        (Some(p), _) => format!("{} (--routing)", p.display()),
        (None, Some(_)) => "[routing] in the config file".to_string(),
        (None, None) => "built-in (critical → SRE, high → product, the rest → backlog)".to_string(),
    };
    writeln!(out, "{:<18} {routing}", "routing")?;
    writeln!(
        out,
        "{:<18} {}",
        "saved views",
        if ctx.config.views.is_empty() {
            "none".to_string()
        } else {
            ctx.config
                .views
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        }
    )?;
    writeln!(
        out,
        "{:<18} {}",
        "jira",
        match &ctx.config.jira_url {
            Some(u) => format!(
                "{} ({})",
                posture_core::model::SafeText::line(u).display(),
                if posture_live::jira::Credentials::from_env().is_some() {
                    "credentials set"
                } else {
                    "no credentials: JIRA_USER + JIRA_API_TOKEN, or JIRA_PAT"
                }
            ),
            None => "not set (jira_url)".to_string(),
        }
    )?;
    Ok(ExitCode::SUCCESS)
}
