//! Printing findings, summaries and route explanations for the headless commands.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use posture_core::export::csv_safe::SafeCsvWriter;
use posture_core::model::{Layer, SafeText, Severity, Source, Timestamp};
use posture_core::query::Filter;
use posture_core::triage::Status;

use super::{Selection, SummaryBy};
use posture_core::session::Session;

pub fn print_json(
    out: &mut impl Write,
    p: &Session,
    shown: &[usize],
    raw: bool,
) -> anyhow::Result<()> {
    // Streamed: a million findings need not exist twice in memory.
    out.write_all(b"[")?;
    for (n, &i) in shown.iter().enumerate() {
        out.write_all(if n == 0 { b"\n  " } else { b",\n  " })?;
        serde_json::to_writer(&mut *out, &p.record(i, raw))?;
    }
    out.write_all(if shown.is_empty() { b"]\n" } else { b"\n]\n" })?;
    Ok(())
}

pub fn print_csv(out: &mut impl Write, p: &Session, shown: &[usize]) -> anyhow::Result<()> {
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
        "owner",
        "status",
        "note",
        "jira",
        "exploit",
        "kev",
        "epss",
        "fix",
    ])?;
    let ts = |t: Option<Timestamp>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let yes_no = |v: Option<bool>| match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    for &i in shown {
        let f = &p.findings[i];
        let mark = p.mark(i);
        let epss = f.signals.epss.map(|e| e.to_string()).unwrap_or_default();
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
            p.routes.owner(i),
            p.facts[i].status.as_str(),
            mark.map_or("", |m| m.note.as_str()),
            mark.map_or("", |m| m.jira.as_str()),
            yes_no(f.signals.exploit_known()),
            if f.signals.kev { "yes" } else { "" },
            &epss,
            yes_no(f.signals.fix),
        ])?;
    }
    w.finish()?;
    Ok(())
}

pub fn print_table(out: &mut impl Write, p: &Session, shown: &[usize]) -> anyhow::Result<()> {
    let cols = [
        ("SEVERITY", 8),
        ("SOURCE", 11),
        ("RISK", 7),
        ("TITLE", 50),
        ("RESOURCE", 40),
        ("SCOPE", 22),
        ("OWNER", 10),
        ("STATUS", 14),
        ("AGE", 5),
    ];
    let header: Vec<String> = cols
        .iter()
        .map(|(h, w)| posture_core::text::fit(h, *w))
        .collect();
    writeln!(out, "{}", header.join(" ").trim_end())?;
    for &i in shown {
        let f = &p.findings[i];
        let age = f
            .first_seen
            .map(|t| posture_core::model::timestamp::age(t, p.now))
            .unwrap_or_default();
        let cells = [
            f.severity.as_str().to_string(),
            f.source.as_str().to_string(),
            f.signals.badges().to_string(),
            f.title.display().to_string(),
            f.resource.display().to_string(),
            f.scope(),
            SafeText::line(p.routes.owner(i)).display().to_string(),
            p.facts[i].status_label(),
            age,
        ];
        let line: Vec<String> = cells
            .iter()
            .zip(cols.iter())
            .map(|(c, (_, w))| posture_core::text::fit(c, *w))
            .collect();
        writeln!(out, "{}", line.join(" ").trim_end())?;
    }
    Ok(())
}

/// `posture summary`: `total` and `open` count every selected finding;
/// `by_severity`, `by_source`, `by_status` (and `by_owner`: owner → severity →
/// count) count the open ones (with `--all`, all of them).
#[derive(Debug, serde::Serialize)]
pub struct Summary {
    pub total: usize,
    pub open: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    pub by_source: BTreeMap<Source, usize>,
    pub by_status: BTreeMap<Status, usize>,
    /// Counted findings with an exploit known (KEV included), in KEV, with a fix.
    pub exploit: usize,
    pub kev: usize,
    pub fix: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_owner: Option<BTreeMap<String, BTreeMap<Severity, usize>>>,
    /// `--by layer`: 4C layer → severity → count, the layers outside in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_layer: Option<BTreeMap<Layer, BTreeMap<Severity, usize>>>,
}

/// A table of counts per severity, a row per `name`, with totals.
fn print_by_severity<'a>(
    out: &mut impl Write,
    heading: &str,
    rows: impl Iterator<Item = (String, &'a BTreeMap<Severity, usize>)>,
) -> anyhow::Result<()> {
    writeln!(out)?;
    write!(out, "{heading:<20}")?;
    for sev in Severity::ALL_DESC {
        write!(out, " {:>8}", sev.as_str())?;
    }
    writeln!(out, " {:>8}", "total")?;
    for (name, counts) in rows {
        write!(out, "{:<20}", posture_core::text::fit(&name, 20))?;
        for sev in Severity::ALL_DESC {
            write!(out, " {:>8}", counts.get(&sev).copied().unwrap_or(0))?;
        }
        writeln!(out, " {:>8}", counts.values().sum::<usize>())?;
    }
    Ok(())
}

impl Summary {
    pub fn of(p: &Session, sel: &Selection, by: Option<SummaryBy>) -> Summary {
        let counted = sel.filter(p);
        let everything = Filter {
            include_closed: true,
            ..counted.clone()
        };
        let mut s = Summary {
            total: 0,
            open: 0,
            by_severity: BTreeMap::new(),
            by_source: BTreeMap::new(),
            by_status: BTreeMap::new(),
            exploit: 0,
            kev: 0,
            fix: 0,
            by_owner: (by == Some(SummaryBy::Owner)).then(BTreeMap::new),
            by_layer: (by == Some(SummaryBy::Layer)).then(BTreeMap::new),
        };
        for (i, f) in p.findings.iter().enumerate() {
            let fx = &p.facts[i];
            if !everything.matches(f, fx) {
                continue;
            }
            s.total += 1;
            s.open += usize::from(f.open);
            if counted.matches(f, fx) {
                *s.by_status.entry(fx.status).or_default() += 1;
                *s.by_severity.entry(f.severity).or_default() += 1;
                *s.by_source.entry(f.source).or_default() += 1;
                s.exploit += usize::from(f.signals.exploited());
                s.kev += usize::from(f.signals.kev);
                s.fix += usize::from(f.signals.fix == Some(true));
                if let Some(o) = &mut s.by_owner {
                    *o.entry(p.routes.owner(i).to_string())
                        .or_default()
                        .entry(f.severity)
                        .or_default() += 1;
                }
                if let Some(l) = &mut s.by_layer {
                    *l.entry(f.layer).or_default().entry(f.severity).or_default() += 1;
                }
            }
        }
        s
    }

    pub fn print_table(&self, out: &mut impl Write, p: &Session) -> anyhow::Result<()> {
        let failed = p.sources.iter().filter(|s| s.error_count > 0).count();
        let loaded = p
            .sources
            .iter()
            .filter(|s| s.error_count == 0 && !s.catalogue)
            .count();
        writeln!(
            out,
            "{} findings, {} open{}  ({} input{} loaded{})",
            self.total,
            self.open,
            if p.demo {
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
        // SARIF tools' names can be longer than the fixed sources'.
        let width = self
            .by_source
            .keys()
            .map(|s| s.as_str().len())
            .max()
            .unwrap_or(0)
            .max(12);
        writeln!(out, "{:<width$} {:>7}", "SOURCE", "COUNT")?;
        for (src, n) in &self.by_source {
            writeln!(out, "{:<width$} {:>7}", src.as_str(), n)?;
        }
        if self.exploit + self.fix > 0 {
            writeln!(out)?;
            writeln!(out, "{:<15} {:>7}", "SIGNAL", "COUNT")?;
            for (name, n) in [
                ("exploit known", self.exploit),
                ("in KEV", self.kev),
                ("fix available", self.fix),
            ] {
                writeln!(out, "{name:<15} {n:>7}")?;
            }
        }
        writeln!(out)?;
        writeln!(out, "{:<15} {:>7}", "TRIAGE", "COUNT")?;
        for (st, n) in &self.by_status {
            writeln!(out, "{:<15} {:>7}", st.as_str(), n)?;
        }
        if let Some(by_owner) = &self.by_owner {
            let rows = by_owner
                .iter()
                .map(|(owner, counts)| (SafeText::line(owner).display().to_string(), counts));
            print_by_severity(out, "OWNER", rows)?;
        }
        if let Some(by_layer) = &self.by_layer {
            let rows = by_layer
                .iter()
                .map(|(layer, counts)| (layer.as_str().to_string(), counts));
            print_by_severity(out, "LAYER", rows)?;
        }
        Ok(())
    }
}

/// `posture route explain`: each rule tried, why it did not match, the result.
pub fn explain_routes(
    out: &mut impl Write,
    p: &Session,
    fingerprints: &[String],
) -> anyhow::Result<ExitCode> {
    let mut missing = 0;
    for fp in fingerprints {
        let Some(f) = p.findings.iter().find(|f| f.fingerprint.as_str() == fp) else {
            writeln!(
                out,
                "{}: not in the loaded inputs",
                SafeText::line(fp).display()
            )?;
            missing += 1;
            continue;
        };
        writeln!(out, "{}  {}", f.fingerprint, f.title.display())?;
        let (steps, route) = p.router.explain(f);
        for s in &steps {
            match &s.miss {
                None => writeln!(out, "  ✓ {}: matches", SafeText::line(&s.rule).display())?,
                Some(why) => writeln!(
                    out,
                    "  ✗ {}: {}",
                    SafeText::line(&s.rule).display(),
                    SafeText::line(why).display()
                )?,
            }
        }
        if route.rule.is_none() {
            writeln!(
                out,
                "  → {} ({})",
                route.owner,
                posture_core::routing::router::DEFAULT_RULE_TEXT
            )?;
        } else {
            writeln!(out, "  → owner {}", SafeText::line(&route.owner).display())?;
        }
        for (k, v) in [
            ("project", route.project.as_deref()),
            ("component", route.component.as_deref()),
            ("assignee", route.assignee.as_deref()),
        ] {
            if let Some(v) = v {
                writeln!(out, "    {k}: {}", SafeText::line(v).display())?;
            }
        }
        if !route.labels.is_empty() {
            writeln!(
                out,
                "    labels: {}",
                SafeText::line(&route.labels.join(" ")).display()
            )?;
        }
    }
    Ok(if missing == fingerprints.len() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
