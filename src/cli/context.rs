//! What every command resolves the same way: the config file, where the
//! triage file lives, who is acting, and the clock.

use std::path::PathBuf;

use anyhow::Context as _;

use posture_core::catalogue::Catalogues;
use posture_core::config::Config;
use posture_core::config::paths::Paths;
use posture_core::model::Timestamp;
use posture_core::routing::Router;
use posture_core::session::SourceStatus;
use posture_core::triage::Store;

use super::Cli;

pub struct Context {
    pub paths: Paths,
    pub config: Config,
    pub config_path: Option<PathBuf>,
    pub triage_file: Option<PathBuf>,
    pub now: Timestamp,
    /// POSTURE_NOW set: the clock stands still.
    pub clock_fixed: bool,
}

impl Context {
    pub fn load(cli: &Cli) -> anyhow::Result<Context> {
        let paths = Paths::discover();
        let config_path = cli.config.clone().or_else(|| paths.config_file());
        let config = match &config_path {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        let triage_file = cli
            .triage_file
            .clone()
            .or_else(|| config.triage_file.as_deref().map(expand_home))
            .or_else(|| paths.data_dir.as_ref().map(|d| d.join("triage.toml")));
        let (now, clock_fixed) = now()?;
        Ok(Context {
            now,
            clock_fixed,
            paths,
            config,
            config_path,
            triage_file,
        })
    }

    /// Who is making a change: `user` in the config, else the login name.
    pub fn user(&self) -> String {
        self.config
            .user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "unknown".to_string())
    }

    pub fn triage_path(&self) -> anyhow::Result<&PathBuf> {
        self.triage_file.as_ref().context(
            "no home directory to keep triage marks in: pass --triage-file PATH \
             or set triage_file in the config",
        )
    }

    pub fn open_store(&self) -> anyhow::Result<Store> {
        Ok(Store::open(self.triage_path()?))
    }

    /// Routing rules: `--routing FILE`, else `[routing]` in the config, else
    /// the built-in default. Invalid rules stop the command at start.
    pub fn router(&self, cli: &Cli) -> anyhow::Result<Router> {
        if let Some(p) = &cli.routing {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading routing rules {}", p.display()))?;
            let spec =
                posture_core::routing::parse_file(&text, p).map_err(|e| anyhow::anyhow!("{e}"))?;
            return Ok(Router::new(spec));
        }
        Ok(self
            .config
            .routing
            .clone()
            .map(Router::new)
            .unwrap_or_default())
    }
}

impl Context {
    /// The KEV and EPSS catalogues: `--kev`/`--epss`, else `kev_file` and
    /// `epss_file` in the config, each with its line for the source list.
    /// One that cannot be read is an input error: the command goes on
    /// without it (and exits 2), as with a broken input file.
    pub fn catalogues(&self, cli: &Cli) -> (Catalogues, Vec<SourceStatus>) {
        let kev = cli
            .kev
            .clone()
            .or_else(|| self.config.kev_file.as_deref().map(expand_home));
        let epss = cli
            .epss
            .clone()
            .or_else(|| self.config.epss_file.as_deref().map(expand_home));
        Catalogues::read(kev.as_deref(), epss.as_deref())
    }
}

/// `POSTURE_NOW` (RFC 3339) fixes the clock: to see which risk acceptances
/// had expired on a given day, and for tests.
fn now() -> anyhow::Result<(Timestamp, bool)> {
    match std::env::var("POSTURE_NOW") {
        Ok(s) if !s.is_empty() => Timestamp::parse(&s)
            .map(|t| (t, true))
            .with_context(|| format!("POSTURE_NOW={s:?} is not an RFC 3339 time")),
        _ => Ok((Timestamp::now(), false)),
    }
}

/// `~/scans` in a config file means the home directory, as in a shell.
pub fn expand_home(p: &std::path::Path) -> PathBuf {
    match (p.strip_prefix("~"), directories::BaseDirs::new()) {
        (Ok(rest), Some(b)) => b.home_dir().join(rest),
        _ => p.to_path_buf(),
    }
}
