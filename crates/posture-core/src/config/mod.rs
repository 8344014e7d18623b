//! Configuration: `config.toml` in the config directory (or `--config`), key
//! bindings and colour themes. Pure: reading the file is the only I/O.

pub mod action;
pub mod bindings;
pub mod jira;
pub mod keymap;
pub mod paths;
pub mod theme;
pub mod views;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The config file. Every key is optional; unknown keys are an error so that a
/// typo is reported rather than ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Colour theme name: dark (default), light, high-contrast, or a user theme.
    pub theme: Option<String>,
    /// Input files or directories read when no --file is given.
    #[serde(default)]
    pub files: Vec<PathBuf>,
    /// Show closed findings too (default false: open only).
    #[serde(default)]
    pub include_closed: bool,
    /// The triage file (default: triage.toml in the XDG data directory).
    pub triage_file: Option<PathBuf>,
    /// Who triage marks are by (default: $USER).
    pub user: Option<String>,
    /// CISA's Known Exploited Vulnerabilities catalogue (JSON), as `--kev`.
    pub kev_file: Option<PathBuf>,
    /// FIRST's EPSS scores (CSV, decompressed), as `--epss`.
    pub epss_file: Option<PathBuf>,
    /// Your JIRA site (`https://acme.atlassian.net`), for issue links in sheets.
    pub jira_url: Option<String>,
    /// The site's vocabulary: project, issue type, priority names, component, epic.
    #[serde(default)]
    pub jira: jira::JiraSite,
    /// Ownership rules and SLA days (`[[routing.rules]]`, `[routing.sla]`).
    pub routing: Option<crate::routing::RoutingSpec>,
    /// Action (`quit`, `floor high`, `popup: scroll down`) → keys, replacing
    /// that action's default keys.
    #[serde(default)]
    pub keys: BTreeMap<String, Vec<String>>,
    /// Saved views by name (`[views.NAME]`): `--view NAME`, `:view NAME`.
    #[serde(default)]
    pub views: BTreeMap<String, views::ViewSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Read { path: String, message: String },
}

impl Config {
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        crate::sources::error::SourceError::parse_toml(text, path).map_err(|e| {
            ConfigError::Invalid {
                path: path.display().to_string(),
                line: e.location.line,
                column: e.location.column,
                message: e.message,
            }
        })
    }

    /// A missing file is the defaults; an unreadable or broken one is an error.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(ConfigError::Read {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }

    pub fn keymap(&self) -> Result<keymap::Keymap, keymap::KeymapError> {
        keymap::Keymap::with_overrides(self.keys.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_locates_errors() {
        let c = Config::parse(
            Path::new("c.toml"),
            "theme = \"light\"\n[keys]\nquit = [\"x\"]\n",
        )
        .unwrap();
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert!(c.keymap().is_ok());
        let e = Config::parse(Path::new("c.toml"), "theme = \"light\"\nthem = 1\n").unwrap_err();
        assert!(e.to_string().starts_with("c.toml:2:"), "{e}");
    }
}
