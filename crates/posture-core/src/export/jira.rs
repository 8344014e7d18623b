//! JIRA-ready CSV for Jira Cloud's CSV importer (External System Import), and
//! the importer configuration that maps every column in one go.

use std::io::Write;

use serde_json::{Value, json};
use time::Date;

use crate::model::{Finding, Severity};
use crate::routing::Route;

use super::csv_safe::SafeCsvWriter;

/// The non-admin importer's row limit.
pub const IMPORTER_ROW_LIMIT: usize = 250;
const SUMMARY_MAX_CHARS: usize = 255;
pub const DATE_FORMAT: &str = "yyyy-MM-dd";

/// One issue to create.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub summary: String,
    pub description: String,
    pub issue_type: String,
    /// The site's name for the priority (`[jira.priorities]`).
    pub priority: String,
    pub labels: Vec<String>,
    pub component: Option<String>,
    pub assignee: Option<String>,
    pub due: Option<Date>,
    pub project: Option<String>,
    /// The epic the ticket goes under (its key), from `[jira] epic`.
    pub parent: Option<String>,
    /// `posture-<fingerprint>`, or `posture-rule-<hash>` for a rule's group:
    /// the same ticket always has it, so Jira can be asked what exists.
    pub key_label: String,
    /// The findings this ticket covers (one, or a rule's group).
    pub fingerprints: Vec<String>,
}

/// A finding that already has a ticket (a JIRA key, or an earlier export) or
/// needs none (closed by triage) is not exported again by default.
pub fn already_handled(facts: &crate::query::Facts, mark: Option<&crate::triage::Mark>) -> bool {
    use crate::triage::Status;
    let closed = matches!(
        facts.status,
        Status::AcceptedRisk | Status::FalsePositive | Status::Resolved
    );
    closed || mark.is_some_and(|m| !m.jira.is_empty() || !m.exported.is_empty())
}

/// Jira's default name for a severity's priority.
pub fn priority(s: Severity) -> &'static str {
    crate::config::jira::default_priority(s)
}

/// The label of one finding's ticket.
pub fn finding_label(fingerprint: &str) -> String {
    format!("posture-{fingerprint}")
}

/// The label of a rule's ticket: its source, rule and route, hashed.
pub fn rule_label(source: &str, rule: &str, route: &Route) -> String {
    let owner = route.project.as_deref().unwrap_or_default();
    let key = [source, rule, &route.owner, owner].join("\u{1f}");
    format!("posture-rule-{}", crate::text::short_hash(&key))
}

/// JIRA labels cannot contain spaces; commas would split them on import.
pub fn clean_label(s: &str) -> Option<String> {
    let l: String = s
        .trim()
        .chars()
        .map(|c| {
            if c.is_whitespace() || c == ',' {
                '-'
            } else {
                c
            }
        })
        .collect();
    (!l.is_empty()).then_some(l)
}

fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Context that is the same for every ticket of an export.
pub struct TicketDefaults<'a> {
    pub issue_type: &'a str,
    /// The site's vocabulary: priorities, project, component, epic.
    pub site: &'a crate::config::jira::JiraSite,
}

impl TicketDefaults<'_> {
    /// The route's project, else the site's.
    fn project(&self, route: &Route) -> Option<String> {
        route.project.clone().or_else(|| self.site.project.clone())
    }

    /// The route's component, else the site's.
    fn component(&self, route: &Route) -> Option<String> {
        route
            .component
            .clone()
            .or_else(|| self.site.component.clone())
    }
}

/// What the exported finding needs beside itself.
#[derive(Clone, Copy)]
pub struct Item<'a> {
    pub finding: &'a Finding,
    pub route: &'a Route,
    pub due: Option<Date>,
    pub note: &'a str,
}

fn base_labels(f: &Finding, route: &Route) -> Vec<String> {
    let mut labels = vec![
        "posture".to_string(),
        "security".to_string(),
        f.source.as_str().to_string(),
        format!("severity-{}", f.severity),
    ];
    // What a ticket queue filters on first: exploited in the wild, exploitable.
    if f.signals.kev {
        labels.push("kev".to_string());
    } else if f.signals.exploited() {
        labels.push("exploit-available".to_string());
    }
    labels.extend(route.labels.iter().cloned());
    let mut out: Vec<String> = labels.iter().filter_map(|l| clean_label(l)).collect();
    out.dedup();
    out.sort();
    out.dedup();
    out
}

fn facts_block(f: &Finding) -> String {
    let mut d = String::new();
    let mut line = |k: &str, v: &str| {
        if !v.is_empty() {
            d.push_str(&format!("{k}: {v}\n"));
        }
    };
    line("Severity", &format!("{} ({})", f.severity, f.source));
    line("Rule", f.rule_id.original());
    line("Resource", f.resource.original());
    line("Account", f.account.original());
    line("Region", f.region.original());
    line("Cluster", f.cluster.original());
    line("Namespace", f.namespace.original());
    for (label, value) in f.signals.described() {
        line(label, &value);
    }
    let ts = |t: Option<crate::model::Timestamp>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    line("First seen", &ts(f.first_seen));
    line("Last seen", &ts(f.last_seen));
    line("Fingerprint", f.fingerprint.as_str());
    d
}

fn remediation_block(f: &Finding) -> String {
    let mut d = String::new();
    let text = f.remediation.text.original();
    let url = f.remediation.url.as_ref().map(|u| u.original());
    if !text.is_empty() || url.is_some() {
        d.push_str("\nRemediation:\n");
        if !text.is_empty() {
            d.push_str(text);
            d.push('\n');
        }
        if let Some(u) = url {
            d.push_str(u);
            d.push('\n');
        }
    }
    d
}

/// One ticket for one finding.
pub fn ticket(item: &Item, defaults: &TicketDefaults) -> Ticket {
    let f = item.finding;
    let mut summary = format!("[{}] {}", severity_tag(f.severity), f.title.original());
    if !f.resource.is_empty() {
        summary.push_str(" — ");
        summary.push_str(f.resource.original());
    }
    let mut description = facts_block(f);
    if !f.description.is_empty() {
        description.push('\n');
        description.push_str(f.description.original());
        description.push('\n');
    }
    description.push_str(&remediation_block(f));
    if !item.note.is_empty() {
        description.push_str("\nTriage note:\n");
        description.push_str(item.note);
        description.push('\n');
    }
    let key_label = finding_label(f.fingerprint.as_str());
    let mut labels = base_labels(f, item.route);
    labels.insert(0, key_label.clone());
    Ticket {
        summary: truncate_chars(&summary, SUMMARY_MAX_CHARS),
        description: description.trim_end().to_string(),
        issue_type: defaults.issue_type.to_string(),
        priority: defaults.site.priority(f.severity),
        labels,
        component: defaults.component(item.route),
        assignee: item.route.assignee.clone(),
        due: item.due,
        project: defaults.project(item.route),
        parent: defaults.site.epic.clone(),
        key_label,
        fingerprints: vec![f.fingerprint.to_string()],
    }
}

/// One ticket for every finding of a rule (same route): the affected
/// resources listed, the worst severity and the earliest due date.
pub fn group_ticket(items: &[Item], defaults: &TicketDefaults) -> Option<Ticket> {
    let worst = items.iter().max_by_key(|i| i.finding.severity)?;
    let f = worst.finding;
    let rule = if f.rule_id.is_empty() {
        f.title.original()
    } else {
        f.rule_id.original()
    };
    let title = f.title.original();
    let head = if title.starts_with(rule) {
        title.to_string()
    } else {
        format!("{rule} {title}")
    };
    let summary = format!(
        "[{}] {head} ({} resource{})",
        severity_tag(f.severity),
        items.len(),
        if items.len() == 1 { "" } else { "s" }
    );
    let mut description = format!(
        "{} finding{} of {rule} (worst severity {}, {}).\n",
        items.len(),
        if items.len() == 1 { "" } else { "s" },
        f.severity,
        f.source
    );
    // A description that names its own finding's resource ("failed on
    // Deployment/x") would tell a group's ticket about one member only: the
    // list below names them all.
    let about_one = items.len() > 1
        && !f.resource.is_empty()
        && f.description.original().contains(f.resource.original());
    if !f.description.is_empty() && !about_one {
        description.push('\n');
        description.push_str(f.description.original());
        description.push('\n');
    }
    description.push_str(&remediation_block(f));
    description.push_str("\nAffected:\n");
    for i in items {
        let g = i.finding;
        description.push_str(&format!(
            "- {} [{}] {} {}\n",
            g.resource.original(),
            g.severity,
            g.scope(),
            g.fingerprint
        ));
        if !i.note.is_empty() {
            description.push_str(&format!("  note: {}\n", i.note.replace('\n', " ")));
        }
    }
    let mut labels = Vec::new();
    for i in items {
        labels.extend(base_labels(i.finding, i.route));
    }
    labels.sort();
    labels.dedup();
    let key_label = rule_label(f.source.as_str(), rule, worst.route);
    labels.insert(0, key_label.clone());
    Some(Ticket {
        summary: truncate_chars(&summary, SUMMARY_MAX_CHARS),
        description: description.trim_end().to_string(),
        issue_type: defaults.issue_type.to_string(),
        priority: defaults.site.priority(f.severity),
        labels,
        component: defaults.component(worst.route),
        assignee: worst.route.assignee.clone(),
        due: items.iter().filter_map(|i| i.due).min(),
        project: defaults.project(worst.route),
        parent: defaults.site.epic.clone(),
        key_label,
        fingerprints: items
            .iter()
            .map(|i| i.finding.fingerprint.to_string())
            .collect(),
    })
}

/// Tickets for `items` (in the order given): one each, or one per rule and
/// route, so that every ticket has a single owner.
pub fn tickets(items: &[Item], by_rule: bool, defaults: &TicketDefaults) -> Vec<Ticket> {
    if !by_rule {
        return items.iter().map(|i| ticket(i, defaults)).collect();
    }
    let mut order: Vec<(&str, &str, &Route)> = Vec::new();
    let mut groups: std::collections::HashMap<(&str, &str, &Route), Vec<usize>> =
        std::collections::HashMap::new();
    for (n, it) in items.iter().enumerate() {
        let f = it.finding;
        let rule = if f.rule_id.is_empty() {
            f.title.original()
        } else {
            f.rule_id.original()
        };
        let key = (f.source.as_str(), rule, it.route);
        groups
            .entry(key)
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(n);
    }
    order
        .iter()
        .filter_map(|k| {
            let members: Vec<Item> = groups.get(k)?.iter().map(|&n| items[n]).collect();
            group_ticket(&members, defaults)
        })
        .collect()
}

fn severity_tag(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
        Severity::Unknown => "UNKNOWN",
    }
}

/// The columns of an export: `Labels` repeated as often as the most-labelled
/// ticket needs; `Project Key` only when routing set a project.
pub fn columns(tickets: &[Ticket]) -> Vec<&'static str> {
    let mut cols = vec![
        "Summary",
        "Description",
        "Issue Type",
        "Priority",
        "Component",
        "Assignee",
        "Due Date",
    ];
    if tickets.iter().any(|t| t.project.is_some()) {
        cols.push("Project Key");
    }
    if tickets.iter().any(|t| t.parent.is_some()) {
        cols.push("Parent");
    }
    let labels = tickets.iter().map(|t| t.labels.len()).max().unwrap_or(0);
    cols.extend(std::iter::repeat_n("Labels", labels));
    cols
}

/// UTF-8 without BOM (the importer reads the BOM as part of the first header),
/// RFC 4180 quoting, CRLF, every cell guarded against formula injection.
pub fn write_csv<W: Write>(out: W, tickets: &[Ticket]) -> csv::Result<W> {
    let cols = columns(tickets);
    let with_project = cols.contains(&"Project Key");
    let with_parent = cols.contains(&"Parent");
    let labels = cols.iter().filter(|c| **c == "Labels").count();
    let mut w = SafeCsvWriter::new(out, false)?;
    w.row(cols.iter().copied())?;
    for t in tickets {
        let mut row: Vec<String> = vec![
            t.summary.clone(),
            t.description.clone(),
            t.issue_type.clone(),
            t.priority.clone(),
            t.component.clone().unwrap_or_default(),
            t.assignee.clone().unwrap_or_default(),
            t.due
                .map(crate::model::date::format_date)
                .unwrap_or_default(),
        ];
        if with_project {
            row.push(t.project.clone().unwrap_or_default());
        }
        if with_parent {
            row.push(t.parent.clone().unwrap_or_default());
        }
        for i in 0..labels {
            row.push(t.labels.get(i).cloned().unwrap_or_default());
        }
        w.row(row)?;
    }
    w.finish()
}

/// The importer's configuration file ("Use an existing configuration file"
/// in the wizard): every column mapped, the date format set.
pub fn importer_config(tickets: &[Ticket], csv_file_name: &str) -> Value {
    let cols = columns(tickets);
    let field = |c: &str| match c {
        "Summary" => "summary",
        "Description" => "description",
        "Issue Type" => "issuetype",
        "Priority" => "priority",
        "Component" => "components",
        "Assignee" => "assignee",
        "Due Date" => "duedate",
        "Project Key" => "project.key",
        "Parent" => "parent",
        _ => "labels",
    };
    let mut mappings = serde_json::Map::new();
    for c in cols.iter() {
        mappings.insert(
            c.to_string(),
            json!({ "jira.field": field(c), "userChanged": "true", "manualMapping": "false" }),
        );
    }
    let priority_names: serde_json::Map<String, Value> = tickets
        .iter()
        .map(|t| (t.priority.clone(), Value::String(t.priority.clone())))
        .collect();
    json!({
        "config.version": "2.0",
        "config.project.from.csv": if cols.contains(&"Project Key") { "true" } else { "false" },
        "config.encoding": "UTF-8",
        "config.email.suffix": "@",
        "config.file.name": csv_file_name,
        "config.delimiter": ",",
        "config.date.format": DATE_FORMAT,
        "config.field.mappings": Value::Object(mappings),
        // The site's priority names, each to itself: the importer then
        // takes them without asking, whatever the site's scheme.
        "config.value.mappings": { "Priority": priority_names },
    })
}
