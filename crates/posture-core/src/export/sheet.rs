//! The weekly-review tracking sheet: one row per finding with its decision,
//! for Excel and Google Sheets.

use std::io::Write;

use crate::model::Finding;

use super::csv_safe::SafeCsvWriter;

pub const COLUMNS: [&str; 17] = [
    "Account/Cluster",
    "Severity",
    "Title",
    "Resource",
    "Suggested fix",
    "Owner",
    "Triage status",
    "Note",
    "JIRA key",
    "JIRA URL",
    "Due date",
    "Overdue",
    "Risk accepted until",
    "Risk acceptance reason",
    "First seen",
    "Last seen",
    "Fingerprint",
];

pub struct SheetRow<'a> {
    pub finding: &'a Finding,
    pub owner: &'a str,
    pub status: String,
    pub note: &'a str,
    pub jira: &'a str,
    /// `https://acme.atlassian.net` from the config, for clickable keys.
    pub jira_base_url: Option<&'a str>,
    /// Due by the owner's SLA, and whether it is past that and still to act on.
    pub due: Option<time::Date>,
    pub overdue: bool,
    /// An accepted risk's last day and reason (empty otherwise).
    pub risk_until: Option<time::Date>,
    pub risk_reason: &'a str,
}

/// `bom`: Excel (notably in Japanese and other non-UTF-8 locales) reads UTF-8
/// only with it; Google Sheets does not mind either way.
pub fn write<W: Write>(out: W, rows: &[SheetRow], bom: bool) -> csv::Result<W> {
    let mut w = SafeCsvWriter::new(out, bom)?;
    w.row(COLUMNS)?;
    let day = |t: Option<crate::model::Timestamp>| {
        t.map(|t| crate::model::date::format_date(crate::model::date::day_of(t)))
            .unwrap_or_default()
    };
    for r in rows {
        let f = r.finding;
        let mut fix = f.remediation.text.original().to_string();
        if let Some(u) = &f.remediation.url {
            if !fix.is_empty() {
                fix.push('\n');
            }
            fix.push_str(u.original());
        }
        let url = match (r.jira_base_url, r.jira.is_empty()) {
            (Some(base), false) => format!("{}/browse/{}", base.trim_end_matches('/'), r.jira),
            _ => String::new(),
        };
        w.row([
            f.scope().as_str(),
            f.severity.as_str(),
            f.title.original(),
            f.resource.original(),
            &fix,
            r.owner,
            &r.status,
            r.note,
            r.jira,
            &url,
            &r.due
                .map(crate::model::date::format_date)
                .unwrap_or_default(),
            if r.overdue { "yes" } else { "" },
            &r.risk_until
                .map(crate::model::date::format_date)
                .unwrap_or_default(),
            r.risk_reason,
            &day(f.first_seen),
            &day(f.last_seen),
            f.fingerprint.as_str(),
        ])?;
    }
    w.finish()
}
