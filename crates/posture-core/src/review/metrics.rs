//! The posture as OpenMetrics / Prometheus text, for node_exporter's
//! textfile collector or a Pushgateway, and Grafana behind them.
//!
//! Label names follow trivy-operator's where they mean the same
//! (`namespace`, `severity`, its values capitalised as `Critical`), so
//! panels made for it can be pointed here. Nothing per CVE or per resource
//! is a label: the series stay as many as severities × sources × layers ×
//! owners × statuses × accounts × clusters × namespaces that occur.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::report::Current;
use crate::model::{SafeText, Severity};

/// trivy-operator's spelling of a severity.
fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
        Severity::Unknown => "Unknown",
    }
}

/// A label value: display-safe, then `\`, `"` and line breaks escaped.
fn value(s: &str) -> String {
    let safe = SafeText::line(s);
    let mut out = String::with_capacity(safe.display().len());
    for c in safe.display().chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", value(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// The metrics of the open findings in `cur`; `new` are the indices of
/// those new since the last snapshot, if there is one.
pub fn render(cur: &Current, new: Option<&[usize]>) -> String {
    let today = crate::model::date::day_of(cur.now);
    type Key = (
        Severity,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
    );
    let mut findings: BTreeMap<Key, u64> = BTreeMap::new();
    let mut overdue: BTreeMap<(String, Severity), u64> = BTreeMap::new();
    let mut oldest: BTreeMap<Severity, i64> = BTreeMap::new();
    for (i, f) in cur.findings.iter().enumerate() {
        if !f.open {
            continue;
        }
        let facts = cur.facts.get(i).copied().unwrap_or_default();
        let owner = cur.routes.owner(i).to_string();
        let key = (
            f.severity,
            f.source.as_str().to_string(),
            f.layer.as_str().to_string(),
            owner.clone(),
            facts.status.as_str().to_string(),
            f.account.original().to_string(),
            f.cluster.original().to_string(),
            f.namespace.original().to_string(),
        );
        *findings.entry(key).or_default() += 1;
        if crate::routing::is_overdue(&cur.router.sla, f, facts.status.is_active(), today) {
            *overdue.entry((owner, f.severity)).or_default() += 1;
        }
        if let Some(seen) = f.first_seen {
            let age = cur.now.unix() - seen.unix();
            let e = oldest.entry(f.severity).or_insert(age);
            *e = (*e).max(age);
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP posture_findings Open findings by severity, source, 4C layer, owner, triage status, account, cluster and namespace."
    );
    let _ = writeln!(out, "# TYPE posture_findings gauge");
    for ((sev, source, layer, owner, status, account, cluster, namespace), n) in &findings {
        let _ = writeln!(
            out,
            "posture_findings{} {n}",
            labels(&[
                ("severity", severity_label(*sev)),
                ("source", source),
                ("layer", layer),
                ("owner", owner),
                ("status", status),
                ("account", account),
                ("cluster", cluster),
                ("namespace", namespace),
            ])
        );
    }
    let _ = writeln!(
        out,
        "# HELP posture_findings_overdue Open findings still to act on past their SLA due date, by owner and severity."
    );
    let _ = writeln!(out, "# TYPE posture_findings_overdue gauge");
    for ((owner, sev), n) in &overdue {
        let _ = writeln!(
            out,
            "posture_findings_overdue{} {n}",
            labels(&[("owner", owner), ("severity", severity_label(*sev))])
        );
    }
    if let Some(new) = new {
        let mut by: BTreeMap<Severity, u64> = BTreeMap::new();
        for &i in new {
            if let Some(f) = cur.findings.get(i) {
                *by.entry(f.severity).or_default() += 1;
            }
        }
        let _ = writeln!(
            out,
            "# HELP posture_findings_new Findings open now and not open in the last snapshot, by severity."
        );
        let _ = writeln!(out, "# TYPE posture_findings_new gauge");
        for sev in Severity::ALL_DESC {
            let n = by.get(&sev).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "posture_findings_new{} {n}",
                labels(&[("severity", severity_label(sev))])
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP posture_oldest_open_age_seconds Age of the oldest open finding of each severity, from when it was first seen."
    );
    let _ = writeln!(out, "# TYPE posture_oldest_open_age_seconds gauge");
    let _ = writeln!(out, "# UNIT posture_oldest_open_age_seconds seconds");
    for (sev, age) in &oldest {
        let _ = writeln!(
            out,
            "posture_oldest_open_age_seconds{} {}",
            labels(&[("severity", severity_label(*sev))]),
            age.max(&0)
        );
    }
    out.push_str("# EOF\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_safe() {
        assert_eq!(value("a\"b\\c"), "a\\\"b\\\\c");
        // The display form `\x1b`, its backslash escaped in turn.
        assert_eq!(value("x\u{1b}[31m"), "x\\\\x1b[31m");
        assert_eq!(
            labels(&[("owner", "pay\"ments"), ("severity", "High")]),
            "{owner=\"pay\\\"ments\",severity=\"High\"}"
        );
    }

    #[test]
    fn the_sum_of_posture_findings_is_the_open_count() {
        let session = crate::session::Session::new(crate::session::SessionParts {
            findings: crate::demo::load_current().findings,
            now: crate::model::Timestamp::parse("2026-11-17T09:00:00Z"),
            ..Default::default()
        });
        let text = session.metrics();
        let open = session.findings.iter().filter(|f| f.open).count() as u64;
        let sum: u64 = text
            .lines()
            .filter(|l| l.starts_with("posture_findings{"))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(sum, open);
        assert!(text.ends_with("# EOF\n"));
        assert!(text.contains("posture_oldest_open_age_seconds{severity=\"Critical\"}"));
        // Every sample line is NAME{LABELS} VALUE.
        for l in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, rest) = l.split_once('{').unwrap();
            assert!(name.starts_with("posture_"), "{l}");
            let (_, n) = rest.rsplit_once("} ").unwrap();
            assert!(n.parse::<f64>().is_ok(), "{l}");
        }
    }
}
