//! Printing findings and summaries for the headless commands.

use std::collections::BTreeMap;
use std::io::Write;

use crate::export::csv_safe::SafeCsvWriter;
use crate::model::{Finding, FindingRecord, Severity, Source, Timestamp};
use crate::query::{Facts, Filter};
use crate::triage::{Marks, Status};

use super::{InputSet, Selection};

type Shown<'a> = [(&'a Finding, Facts)];

pub fn print_json(
    out: &mut impl Write,
    shown: &Shown,
    marks: &Marks,
    raw: bool,
) -> anyhow::Result<()> {
    // Streamed: a million findings need not exist twice in memory.
    out.write_all(b"[")?;
    for (i, (f, facts)) in shown.iter().enumerate() {
        out.write_all(if i == 0 { b"\n  " } else { b",\n  " })?;
        let rec = FindingRecord::from_finding(f, raw)
            .with_triage(facts, marks.get(f.fingerprint.as_str()));
        serde_json::to_writer(&mut *out, &rec)?;
    }
    out.write_all(if shown.is_empty() { b"]\n" } else { b"\n]\n" })?;
    Ok(())
}

pub fn print_csv(out: &mut impl Write, shown: &Shown, marks: &Marks) -> anyhow::Result<()> {
    let mut w = SafeCsvWriter::new(out, false)?;
    w.row([
        "fingerprint",
        "source",
        "severity",
        "title",
        "rule_id",
        "resource",
        "namespace",
        "account",
        "region",
        "cluster",
        "open",
        "first_seen",
        "last_seen",
        "status",
        "note",
        "jira",
    ])?;
    let ts = |t: Option<Timestamp>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    for (f, facts) in shown {
        let mark = marks.get(f.fingerprint.as_str());
        w.row([
            f.fingerprint.as_str(),
            f.source.as_str(),
            f.severity.as_str(),
            f.title.original(),
            f.rule_id.original(),
            f.resource.original(),
            f.namespace.original(),
            f.account.original(),
            f.region.original(),
            f.cluster.original(),
            if f.open { "true" } else { "false" },
            &ts(f.first_seen),
            &ts(f.last_seen),
            facts.status.as_str(),
            mark.map_or("", |m| m.note.as_str()),
            mark.map_or("", |m| m.jira.as_str()),
        ])?;
    }
    w.finish()?;
    Ok(())
}

pub fn print_table(out: &mut impl Write, shown: &Shown, now: Timestamp) -> anyhow::Result<()> {
    let cols = [
        ("SEVERITY", 8),
        ("SOURCE", 11),
        ("TITLE", 52),
        ("RESOURCE", 44),
        ("SCOPE", 24),
        ("STATUS", 14),
        ("AGE", 5),
    ];
    let header: Vec<String> = cols.iter().map(|(h, w)| crate::text::fit(h, *w)).collect();
    writeln!(out, "{}", header.join(" ").trim_end())?;
    for (f, facts) in shown {
        let age = f
            .first_seen
            .map(|t| crate::model::timestamp::age(t, now))
            .unwrap_or_default();
        let cells = [
            f.severity.as_str().to_string(),
            f.source.as_str().to_string(),
            f.title.display().to_string(),
            f.resource.display().to_string(),
            f.scope(),
            status_label(facts),
            age,
        ];
        let line: Vec<String> = cells
            .iter()
            .zip(cols.iter())
            .map(|(c, (_, w))| crate::text::fit(c, *w))
            .collect();
        writeln!(out, "{}", line.join(" ").trim_end())?;
    }
    Ok(())
}

/// `posture summary`: `total` and `open` count every selected finding;
/// `by_severity` and `by_source` count the open ones (with `--all`, all of them).
#[derive(Debug, serde::Serialize)]
pub struct Summary {
    pub total: usize,
    pub open: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    pub by_source: BTreeMap<Source, usize>,
    pub by_status: BTreeMap<Status, usize>,
}

impl Summary {
    pub fn of(findings: &[Finding], facts: &[Facts], sel: &Selection) -> Summary {
        let everything = Filter {
            include_closed: true,
            ..sel.filter()
        };
        let counted = sel.filter();
        let mut s = Summary {
            total: 0,
            open: 0,
            by_severity: BTreeMap::new(),
            by_source: BTreeMap::new(),
            by_status: BTreeMap::new(),
        };
        for (i, f) in findings.iter().enumerate() {
            let fx = facts.get(i).copied().unwrap_or_default();
            if !everything.matches(f, &fx) {
                continue;
            }
            s.total += 1;
            s.open += usize::from(f.open);
            if counted.matches(f, &fx) {
                *s.by_status.entry(fx.status).or_default() += 1;
                *s.by_severity.entry(f.severity).or_default() += 1;
                *s.by_source.entry(f.source).or_default() += 1;
            }
        }
        s
    }

    pub fn print_table(&self, out: &mut impl Write, set: &InputSet) -> anyhow::Result<()> {
        let loaded = set.files.iter().filter(|f| !f.failed()).count();
        let failed = set.files.len() - loaded;
        writeln!(
            out,
            "{} findings, {} open{}  ({} input{} loaded{})",
            self.total,
            self.open,
            if set.demo {
                " — demo data; pass --file PATH for your own"
            } else {
                ""
            },
            loaded,
            if loaded == 1 { "" } else { "s" },
            if failed > 0 {
                format!(", {failed} failed")
            } else {
                String::new()
            }
        )?;
        writeln!(out)?;
        writeln!(out, "{:<10} {:>7}", "SEVERITY", "COUNT")?;
        for sev in Severity::ALL_DESC {
            if let Some(n) = self.by_severity.get(&sev) {
                writeln!(out, "{:<10} {:>7}", sev.as_str(), n)?;
            }
        }
        writeln!(out)?;
        writeln!(out, "{:<12} {:>7}", "SOURCE", "COUNT")?;
        for (src, n) in &self.by_source {
            writeln!(out, "{:<12} {:>7}", src.as_str(), n)?;
        }
        writeln!(out)?;
        writeln!(out, "{:<15} {:>7}", "TRIAGE", "COUNT")?;
        for (st, n) in &self.by_status {
            writeln!(out, "{:<15} {:>7}", st.as_str(), n)?;
        }
        Ok(())
    }
}

/// `accepted-risk`, or `new (expired)` when a risk acceptance ran out.
pub fn status_label(facts: &Facts) -> String {
    if facts.expired {
        format!("{} (expired)", facts.status)
    } else {
        facts.status.as_str().to_string()
    }
}
