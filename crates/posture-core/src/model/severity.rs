//! Severity: one ordered scale for every source.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Ordered from least to most severe so that `Ord` sorts naturally; the dashboard
/// sorts descending.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Unknown,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Most severe first: the order of every table and summary.
    pub const ALL_DESC: [Severity; 6] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
        Severity::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
            Severity::Unknown => "unknown",
        }
    }

    /// Lenient reading of the labels the three tools write (any case).
    /// Returns `None` for a word no tool uses, so callers can fall back.
    pub fn from_label(label: &str) -> Option<Severity> {
        let l = label.trim().to_ascii_lowercase();
        Some(match l.as_str() {
            "critical" | "danger" => Severity::Critical,
            "high" => Severity::High,
            "medium" | "moderate" => Severity::Medium,
            "low" | "warning" => Severity::Low,
            "informational" | "info" | "none" | "negligible" => Severity::Info,
            "unknown" | "undefined" | "" => Severity::Unknown,
            _ => return None,
        })
    }

    /// ASFF `Severity.Normalized` (0-100).
    pub fn from_normalized(n: f64) -> Severity {
        if !n.is_finite() || n < 0.0 {
            Severity::Unknown
        } else if n >= 90.0 {
            Severity::Critical
        } else if n >= 70.0 {
            Severity::High
        } else if n >= 40.0 {
            Severity::Medium
        } else if n >= 1.0 {
            Severity::Low
        } else {
            Severity::Info
        }
    }

    /// Kubescape's control `scoreFactor` (0-10); `None` below 1 so the caller can
    /// fall back to the control's severity string.
    pub fn from_score_factor(f: f64) -> Option<Severity> {
        if !f.is_finite() {
            None
        } else if f >= 9.0 {
            Some(Severity::Critical)
        } else if f >= 7.0 {
            Some(Severity::High)
        } else if f >= 4.0 {
            Some(Severity::Medium)
        } else if f >= 1.0 {
            Some(Severity::Low)
        } else {
            None
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown severity {0:?} (expected critical, high, medium, low, info or unknown)")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" => Ok(Severity::Critical),
            "high" => Ok(Severity::High),
            "medium" => Ok(Severity::Medium),
            "low" => Ok(Severity::Low),
            "info" | "informational" => Ok(Severity::Info),
            "unknown" => Ok(Severity::Unknown),
            _ => Err(UnknownSeverity(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_critical_first() {
        let mut v = vec![
            Severity::Low,
            Severity::Critical,
            Severity::Unknown,
            Severity::High,
        ];
        v.sort_by(|a, b| b.cmp(a));
        assert_eq!(
            v,
            vec![
                Severity::Critical,
                Severity::High,
                Severity::Low,
                Severity::Unknown
            ]
        );
    }

    #[test]
    fn normalized_bands() {
        assert_eq!(Severity::from_normalized(0.0), Severity::Info);
        assert_eq!(Severity::from_normalized(1.0), Severity::Low);
        assert_eq!(Severity::from_normalized(39.0), Severity::Low);
        assert_eq!(Severity::from_normalized(40.0), Severity::Medium);
        assert_eq!(Severity::from_normalized(69.0), Severity::Medium);
        assert_eq!(Severity::from_normalized(70.0), Severity::High);
        assert_eq!(Severity::from_normalized(89.0), Severity::High);
        assert_eq!(Severity::from_normalized(90.0), Severity::Critical);
        assert_eq!(Severity::from_normalized(100.0), Severity::Critical);
    }

    #[test]
    fn score_factor_bands() {
        assert_eq!(Severity::from_score_factor(9.0), Some(Severity::Critical));
        assert_eq!(Severity::from_score_factor(7.0), Some(Severity::High));
        assert_eq!(Severity::from_score_factor(6.0), Some(Severity::Medium));
        assert_eq!(Severity::from_score_factor(1.0), Some(Severity::Low));
        assert_eq!(Severity::from_score_factor(0.5), None);
    }

    #[test]
    fn labels_any_case() {
        assert_eq!(Severity::from_label("INFORMATIONAL"), Some(Severity::Info));
        assert_eq!(Severity::from_label("Negligible"), Some(Severity::Info));
        assert_eq!(Severity::from_label("danger"), Some(Severity::Critical));
        assert_eq!(Severity::from_label("warning"), Some(Severity::Low));
        assert_eq!(Severity::from_label("bogus"), None);
        assert!("bogus".parse::<Severity>().is_err());
    }
}
