//! `[jira]` in config.toml: the site's own words, so that tickets import
//! (and are pushed) first time — its project, issue type, priority names,
//! component and epic.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::Severity;

/// A Jira site's vocabulary. Every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraSite {
    /// The project key tickets go to when routing names none (`SEC`).
    pub project: Option<String>,
    /// The issue type (default `Task`).
    pub issue_type: Option<String>,
    /// Severity → the site's priority name (`critical = "Blocker"`); the
    /// rest keep Jira's default names (Highest, High, Medium, Low, Lowest).
    #[serde(default)]
    pub priorities: BTreeMap<Severity, String>,
    /// The component when routing names none.
    pub component: Option<String>,
    /// The epic (its issue key) every ticket goes under.
    pub epic: Option<String>,
}

impl JiraSite {
    /// The site's name for a severity's priority.
    pub fn priority(&self, s: Severity) -> String {
        match self.priorities.get(&s) {
            Some(name) if !name.trim().is_empty() => name.trim().to_string(),
            _ => default_priority(s).to_string(),
        }
    }

    pub fn issue_type(&self) -> &str {
        self.issue_type
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or("Task")
    }
}

/// Jira's default priority scheme.
pub fn default_priority(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Highest",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info | Severity::Unknown => "Lowest",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_names_its_own_priorities_and_the_rest_keep_jiras() {
        let site: JiraSite = toml::from_str(
            "project = \"SEC\"\n[priorities]\ncritical = \"Blocker\"\nhigh = \"Critical\"\n",
        )
        .unwrap();
        assert_eq!(site.priority(Severity::Critical), "Blocker");
        assert_eq!(site.priority(Severity::High), "Critical");
        assert_eq!(site.priority(Severity::Low), "Low");
        assert_eq!(site.issue_type(), "Task");
        let bad = toml::from_str::<JiraSite>("[priorities]\nurgent = \"Blocker\"\n").unwrap_err();
        assert!(bad.to_string().contains("urgent"), "{bad}");
    }
}
