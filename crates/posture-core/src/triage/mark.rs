//! One finding's triage mark and what it means on a given day.

use time::Date;

use crate::model::Timestamp;

use super::status::Status;

/// A decision on one finding, keyed by its fingerprint in the store. Texts are
/// kept as typed; they are made display-safe where they are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub status: Status,
    pub note: String,
    /// Why the risk is accepted (required for `accepted-risk`).
    pub reason: String,
    /// Last day the risk acceptance holds (required for `accepted-risk`).
    pub expires: Option<Date>,
    pub jira: String,
    pub by: String,
    pub at: Timestamp,
    /// The finding's title and resource when it was marked, so that a mark
    /// whose finding has gone still says what it was about.
    pub title: String,
    pub resource: String,
    /// For Security Hub control findings: control, resource, account and
    /// region, so that the mark follows the finding when Security Hub
    /// replaces it with a consolidated control finding (new Id).
    pub control: String,
    /// The JIRA CSV this finding was last exported to, and when: exports skip
    /// it afterwards, so that no ticket is created twice.
    pub exported: String,
    pub exported_at: Option<Timestamp>,
}

/// The status a finding has today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Effective {
    pub status: Status,
    /// An accepted risk whose expiry date has passed: back to `new`, flagged.
    pub expired: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkError {
    #[error("accepted-risk needs a reason (--reason or --note)")]
    MissingReason,
    #[error("accepted-risk needs an expiry date (--expires YYYY-MM-DD or e.g. 90d)")]
    MissingExpiry,
    #[error("expiry {0} is in the past")]
    ExpiryInPast(Date),
    #[error("not a JIRA issue key: {0:?} (want e.g. SEC-123)")]
    BadJiraKey(String),
}

impl Mark {
    pub fn new(status: Status, by: &str, at: Timestamp) -> Mark {
        Mark {
            status,
            note: String::new(),
            reason: String::new(),
            expires: None,
            jira: String::new(),
            by: by.to_string(),
            at,
            title: String::new(),
            resource: String::new(),
            control: String::new(),
            exported: String::new(),
            exported_at: None,
        }
    }

    /// A mark that holds no decision yet (only, say, that the finding was
    /// exported): no author, and the epoch as its time, so that any real
    /// decision is newer when marks are merged.
    pub fn undecided(finding: Option<&crate::model::Finding>) -> Mark {
        let mut m = Mark::new(Status::New, "", Timestamp::from_unix(0));
        m.describe(finding);
        m
    }

    /// Whether anyone has decided anything on this finding.
    pub fn is_decided(&self) -> bool {
        !self.by.is_empty()
    }

    /// Records who changed the mark and when, and what the finding was (kept
    /// for the "gone" view) when it is loaded.
    pub fn stamp(&mut self, by: &str, at: Timestamp, finding: Option<&crate::model::Finding>) {
        self.by = by.to_string();
        self.at = at;
        self.describe(finding);
    }

    /// Keeps what the finding was (title, resource, control key), for the
    /// "gone" view and for carrying the mark to a consolidated finding.
    fn describe(&mut self, finding: Option<&crate::model::Finding>) {
        if let Some(f) = finding {
            self.title = excerpt(f.title.original());
            self.resource = excerpt(f.resource.original());
            if let Some(key) = super::carry::control_key(f) {
                self.control = key;
            }
        }
    }

    pub fn effective(&self, today: Date) -> Effective {
        match (self.status, self.expires) {
            (Status::AcceptedRisk, Some(last_day)) if today > last_day => Effective {
                status: Status::New,
                expired: true,
            },
            (status, _) => Effective {
                status,
                expired: false,
            },
        }
    }

    /// The rules a mark must meet when it is set (a file read back is checked
    /// with the same rules, except that an expiry may since have passed).
    pub fn validate(&self) -> Result<(), MarkError> {
        if self.status == Status::AcceptedRisk {
            if self.reason.trim().is_empty() {
                return Err(MarkError::MissingReason);
            }
            if self.expires.is_none() {
                return Err(MarkError::MissingExpiry);
            }
        }
        if !self.jira.is_empty() && !is_jira_key(&self.jira) {
            return Err(MarkError::BadJiraKey(self.jira.clone()));
        }
        Ok(())
    }

    /// Same decision, regardless of who and when: for merge conflict reports.
    pub fn same_decision(&self, other: &Mark) -> bool {
        self.status == other.status
            && self.note == other.note
            && self.reason == other.reason
            && self.expires == other.expires
            && self.jira == other.jira
    }
}

/// How much of a finding's title or resource a mark keeps: enough to say
/// what it was about, never a 10 MB title copied into the triage file.
pub const EXCERPT_CHARS: usize = 300;

/// The first [`EXCERPT_CHARS`] characters, `…` where it was cut.
pub fn excerpt(s: &str) -> String {
    match s.char_indices().nth(EXCERPT_CHARS) {
        None => s.to_string(),
        Some((cut, _)) => format!("{}…", &s[..cut]),
    }
}

/// `PROJ-123`: an uppercase project key (letter first) and a number.
pub fn is_jira_key(s: &str) -> bool {
    let Some((project, number)) = s.split_once('-') else {
        return false;
    };
    let mut p = project.chars();
    p.next().is_some_and(|c| c.is_ascii_uppercase())
        && p.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn risk(expires: Date) -> Mark {
        Mark {
            reason: "compensating WAF rule".into(),
            expires: Some(expires),
            ..Mark::new(Status::AcceptedRisk, "alice", Timestamp::from_unix(0))
        }
    }

    #[test]
    fn accepted_risk_expires_after_its_last_day() {
        let m = risk(date!(2026 - 12 - 31));
        assert_eq!(
            m.effective(date!(2026 - 12 - 31)),
            Effective {
                status: Status::AcceptedRisk,
                expired: false
            }
        );
        assert_eq!(
            m.effective(date!(2027 - 01 - 01)),
            Effective {
                status: Status::New,
                expired: true
            }
        );
    }

    #[test]
    fn accepted_risk_needs_reason_and_expiry() {
        let mut m = Mark::new(Status::AcceptedRisk, "a", Timestamp::from_unix(0));
        assert_eq!(m.validate(), Err(MarkError::MissingReason));
        m.reason = "vendor fix pending".into();
        assert_eq!(m.validate(), Err(MarkError::MissingExpiry));
        m.expires = Some(date!(2027 - 01 - 01));
        assert_eq!(m.validate(), Ok(()));
        m.jira = "sec 12".into();
        assert!(matches!(m.validate(), Err(MarkError::BadJiraKey(_))));
        m.jira = "SEC-12".into();
        assert_eq!(m.validate(), Ok(()));
    }
}
