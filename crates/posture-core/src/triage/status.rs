//! The decision a team took on a finding.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Nobody has decided yet (also what an expired risk acceptance falls back to).
    #[default]
    New,
    Acknowledged,
    InProgress,
    /// Needs a reason and an expiry date.
    AcceptedRisk,
    FalsePositive,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::New,
        Status::Acknowledged,
        Status::InProgress,
        Status::AcceptedRisk,
        Status::FalsePositive,
        Status::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Acknowledged => "acknowledged",
            Status::InProgress => "in-progress",
            Status::AcceptedRisk => "accepted-risk",
            Status::FalsePositive => "false-positive",
            Status::Resolved => "resolved",
        }
    }

    /// Someone still has to act: the default work list of a triage session.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Status::New | Status::Acknowledged | Status::InProgress
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown triage status {0:?}: new, acknowledged, in-progress, accepted-risk, false-positive or resolved"
)]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;

    /// Lenient about case and `_` / space for `-`, as people type them.
    fn from_str(s: &str) -> Result<Status, UnknownStatus> {
        let norm: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '_' | ' ' => '-',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        let alias = match norm.as_str() {
            "ack" => Some(Status::Acknowledged),
            "wip" | "inprogress" => Some(Status::InProgress),
            "accepted" | "risk-accepted" => Some(Status::AcceptedRisk),
            "fp" | "false" => Some(Status::FalsePositive),
            "fixed" | "done" => Some(Status::Resolved),
            _ => None,
        };
        alias
            .or_else(|| Status::ALL.into_iter().find(|st| st.as_str() == norm))
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// Parses `new,acknowledged` (or repeated flags) into a set.
pub fn parse_list(s: &str) -> Result<Vec<Status>, UnknownStatus> {
    let mut out = Vec::new();
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        let st: Status = part.parse()?;
        if !out.contains(&st) {
            out.push(st);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_aliases() {
        for st in Status::ALL {
            assert_eq!(st.as_str().parse::<Status>(), Ok(st));
        }
        assert_eq!("In_Progress".parse::<Status>(), Ok(Status::InProgress));
        assert_eq!("fp".parse::<Status>(), Ok(Status::FalsePositive));
        assert!("closed".parse::<Status>().is_err());
        assert_eq!(
            parse_list("new, ack,new").unwrap(),
            vec![Status::New, Status::Acknowledged]
        );
    }
}
