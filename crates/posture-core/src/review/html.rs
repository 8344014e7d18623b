//! The review as one self-contained HTML page for the room: inline CSS and
//! SVG, no script, font or image from anywhere (it works offline and as an
//! email attachment), readable on a projector and printable. Every text
//! from a finding is escaped where it is written, so a title such as
//! `<img src=x onerror=…>` stays text; nothing from a finding becomes a link.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::report::{Counted, Review, TrendPoint, in_columns};
use crate::model::{SafeText, Severity};

/// What the page says about where its numbers come from.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The inputs, as the source line names them.
    pub sources: Vec<String>,
}

/// Text for HTML: display-safe (no control or invisible characters), then
/// `& < > " '` escaped.
pub fn esc(s: &str) -> String {
    let safe = SafeText::line(s);
    let mut out = String::with_capacity(safe.display().len());
    for c in safe.display().chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font:18px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:2rem;margin:0 0 .3rem}h2{font-size:1.35rem;margin:2rem 0 .6rem;border-bottom:2px solid #d0d7de;padding-bottom:.2rem}
p.meta{color:#57606a;margin:.2rem 0}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1.2rem 0}
.card{border:1px solid #d0d7de;border-radius:.5rem;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:2rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
th,td{border:1px solid #d0d7de;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.sev{font-weight:600}.critical{color:#a40e26}.high{color:#bc4c00}.medium{color:#7d4e00}.low{color:#0550ae}.info,.unknown{color:#57606a}
.none{color:#57606a;font-style:italic}td.when{white-space:nowrap}
svg text{font:14px system-ui,sans-serif;fill:#1b1f24}
@media print{body{margin:0;max-width:none;font-size:12pt}h2{break-after:avoid}table,svg{break-inside:avoid}}
";

/// The colour of each severity's line in the trend chart.
fn colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#a40e26",
        Severity::High => "#bc4c00",
        Severity::Medium => "#9a6700",
        Severity::Low => "#0550ae",
        Severity::Info => "#6e7781",
        Severity::Unknown => "#8c959f",
    }
}

pub fn render(r: &Review, ctx: &Context) -> String {
    let mut out = String::with_capacity(64 << 10);
    let title = match &r.owner {
        Some(o) => format!("Security review — {} — {}", esc(o), r.taken_at.date()),
        None => format!("Security review — {}", r.taken_at.date()),
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n"
    );
    let period = match &r.since {
        Some(s) => format!(
            "Since snapshot <b>{}</b> ({}) to {}.",
            esc(&s.name),
            s.taken_at.date(),
            r.taken_at.date()
        ),
        None => "No earlier snapshot: save one with <code>posture snapshot save</code> to see what changes.".to_string(),
    };
    let _ = writeln!(out, "<p class=\"meta\">{period}</p>");
    if !ctx.sources.is_empty() {
        let names: Vec<String> = ctx.sources.iter().map(|s| esc(s)).collect();
        let _ = writeln!(out, "<p class=\"meta\">Sources: {}.</p>", names.join(", "));
    }
    if let Some(q) = &r.query {
        let _ = writeln!(
            out,
            "<p class=\"meta\">Findings matching <code>{}</code>.</p>",
            esc(q)
        );
    }
    cards(&mut out, r);
    let _ = writeln!(out, "<h2 id=\"section-owners\">Open findings by owner</h2>");
    let owners: Vec<(String, &BTreeMap<Severity, usize>, Option<usize>)> = r
        .by_owner
        .iter()
        .map(|(o, c)| {
            (
                o.clone(),
                c,
                Some(r.overdue_by_owner.get(o).copied().unwrap_or(0)),
            )
        })
        .collect();
    counts_table(&mut out, "owner", "owners", &owners, Some(r.overdue.count));
    let _ = writeln!(
        out,
        "<h2 id=\"section-layers\">Open findings by 4C layer</h2>"
    );
    let layers: Vec<(String, &BTreeMap<Severity, usize>, Option<usize>)> = r
        .by_layer
        .iter()
        .map(|(l, c)| (l.as_str().to_string(), c, None))
        .collect();
    counts_table(&mut out, "layer", "layers", &layers, None);
    if r.since.is_some() {
        items(
            &mut out,
            "new",
            "New since the last snapshot",
            &r.new,
            Extra::Age,
        );
        items(
            &mut out,
            "resolved",
            "Resolved since the last snapshot",
            &r.resolved,
            Extra::Age,
        );
        if r.severity_changed.count > 0 {
            items(
                &mut out,
                "changed",
                "Severity changed",
                &r.severity_changed,
                Extra::Was,
            );
        }
    }
    items(
        &mut out,
        "criticals",
        "Oldest open criticals",
        &r.oldest_criticals,
        Extra::Age,
    );
    items(
        &mut out,
        "overdue",
        "Overdue by SLA",
        &r.overdue,
        Extra::Overdue,
    );
    items(
        &mut out,
        "expiring",
        "Accepted risks expiring in the next 14 days",
        &r.expiring,
        Extra::Expires,
    );
    trend(&mut out, r);
    let _ = writeln!(
        out,
        "<h2 id=\"section-scopes\">Open findings by account and cluster</h2>"
    );
    let scopes: Vec<(String, &BTreeMap<Severity, usize>, Option<usize>)> = r
        .by_scope
        .iter()
        .map(|(s, c)| {
            (
                if s.is_empty() {
                    "(none)".to_string()
                } else {
                    s.clone()
                },
                c,
                None,
            )
        })
        .collect();
    counts_table(&mut out, "account / cluster", "scopes", &scopes, None);
    let _ = writeln!(
        out,
        "<p class=\"meta\">Made by posture from the same numbers as <code>posture review</code> and <code>posture summary</code>.</p>\n</body></html>"
    );
    out
}

fn cards(out: &mut String, r: &Review) {
    let mut shown = vec![
        ("open", "open", r.open),
        (
            "critical",
            "open critical",
            r.by_severity.get(&Severity::Critical).copied().unwrap_or(0),
        ),
    ];
    if r.since.is_some() {
        shown.push(("new", "new", r.new.count));
        shown.push(("resolved", "resolved", r.resolved.count));
    }
    shown.push(("overdue", "overdue", r.overdue.count));
    shown.push(("expiring", "risks expiring", r.expiring.count));
    out.push_str("<div class=\"cards\">");
    for (id, label, n) in shown {
        let _ = write!(
            out,
            "<div class=\"card\" id=\"card-{id}\"><b>{n}</b>{label}</div>"
        );
    }
    out.push_str("</div>\n");
}

/// Rows of severity counts with their totals (and, for owners, overdue).
fn counts_table(
    out: &mut String,
    what: &str,
    id: &str,
    rows: &[(String, &BTreeMap<Severity, usize>, Option<usize>)],
    overdue_total: Option<usize>,
) {
    if rows.is_empty() {
        let _ = writeln!(out, "<p class=\"none\">Nothing open.</p>");
        return;
    }
    let _ = write!(out, "<table id=\"{id}\"><thead><tr><th>{what}</th>");
    for s in Severity::ALL_DESC {
        let _ = write!(out, "<th class=\"n {s}\">{s}</th>");
    }
    out.push_str("<th class=\"n\">total</th>");
    if overdue_total.is_some() {
        out.push_str("<th class=\"n\">overdue</th>");
    }
    out.push_str("</tr></thead><tbody>\n");
    let mut totals: BTreeMap<Severity, usize> = BTreeMap::new();
    for (name, counts, overdue) in rows {
        let _ = write!(out, "<tr><td>{}</td>", esc(name));
        for (s, n) in Severity::ALL_DESC.iter().zip(in_columns(counts)) {
            let _ = write!(out, "<td class=\"n\" data-severity=\"{s}\">{n}</td>");
            *totals.entry(*s).or_default() += n;
        }
        let _ = write!(
            out,
            "<td class=\"n\" data-total>{}</td>",
            counts.values().sum::<usize>()
        );
        if let Some(o) = overdue {
            let _ = write!(out, "<td class=\"n\" data-overdue>{o}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("<tr><th>all</th>");
    for n in in_columns(&totals) {
        let _ = write!(out, "<th class=\"n\">{n}</th>");
    }
    let _ = write!(
        out,
        "<th class=\"n\">{}</th>",
        totals.values().sum::<usize>()
    );
    if let Some(o) = overdue_total {
        let _ = write!(out, "<th class=\"n\">{o}</th>");
    }
    out.push_str("</tr></tbody></table>\n");
}

/// What the last column of a list says.
#[derive(Clone, Copy)]
enum Extra {
    Age,
    Was,
    Overdue,
    Expires,
}

fn items(out: &mut String, id: &str, title: &str, c: &Counted, extra: Extra) {
    let _ = writeln!(out, "<h2 id=\"section-{id}\">{title}: {}</h2>", c.count);
    if c.items.is_empty() {
        let _ = writeln!(out, "<p class=\"none\">None.</p>");
        return;
    }
    let last = match extra {
        Extra::Age => "age",
        Extra::Was => "was",
        Extra::Overdue => "overdue",
        Extra::Expires => "expires · reason",
    };
    let _ = writeln!(
        out,
        "<table id=\"list-{id}\"><thead><tr><th>severity</th><th>title</th><th>resource</th><th>owner</th><th>{last}</th></tr></thead><tbody>"
    );
    for it in &c.items {
        let value = match extra {
            Extra::Age => format!("{} days", it.age_days),
            Extra::Was => it
                .previous_severity
                .map(|s| s.to_string())
                .unwrap_or_default(),
            Extra::Overdue => format!("{} days", it.overdue_days.unwrap_or(0)),
            Extra::Expires => format!(
                "{} · {}",
                esc(it.expires.as_deref().unwrap_or_default()),
                esc(it.reason.as_deref().unwrap_or_default())
            ),
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"sev {s}\">{s}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{when}\">{value}</td></tr>",
            esc(&it.title),
            esc(&it.resource),
            esc(&it.owner),
            s = it.severity,
            when = if matches!(extra, Extra::Expires) {
                ""
            } else {
                "when"
            },
        );
    }
    out.push_str("</tbody></table>\n");
    if c.count > c.items.len() {
        let _ = writeln!(
            out,
            "<p class=\"meta\">…and {} more.</p>",
            c.count - c.items.len()
        );
    }
}

/// Open findings per severity across the snapshots: an SVG chart (each
/// point's value in its tooltip) and the same numbers as a table.
fn trend(out: &mut String, r: &Review) {
    let _ = writeln!(
        out,
        "<h2 id=\"section-trend\">Trend: open findings per severity</h2>"
    );
    if r.trend.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"none\">No trend for a part of the findings: the snapshots count every finding.</p>"
        );
        return;
    }
    chart(out, &r.trend);
    out.push_str("<table id=\"trend-table\"><thead><tr><th>snapshot</th><th>date</th>");
    for s in Severity::ALL_DESC {
        let _ = write!(out, "<th class=\"n {s}\">{s}</th>");
    }
    out.push_str("<th class=\"n\">total</th></tr></thead><tbody>\n");
    for p in &r.trend {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td>",
            esc(&p.name),
            p.taken_at.date()
        );
        for n in in_columns(&p.open) {
            let _ = write!(out, "<td class=\"n\">{n}</td>");
        }
        let _ = writeln!(out, "<td class=\"n\">{}</td></tr>", p.total());
    }
    out.push_str("</tbody></table>\n");
}

fn chart(out: &mut String, points: &[TrendPoint]) {
    const W: f64 = 900.0;
    const H: f64 = 300.0;
    const LEFT: f64 = 60.0;
    const BOTTOM: f64 = 40.0;
    let top = points
        .iter()
        .flat_map(|p| p.open.values().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let x = |i: usize| {
        if points.len() == 1 {
            LEFT + (W - LEFT - 20.0) / 2.0
        } else {
            LEFT + (W - LEFT - 20.0) * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |n: usize| 10.0 + (H - BOTTOM - 10.0) * (1.0 - n as f64 / top);
    let _ = write!(
        out,
        "<svg id=\"trend-chart\" viewBox=\"0 0 {W} {H}\" width=\"100%\" role=\"img\" aria-label=\"open findings per severity per snapshot\">"
    );
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#8c959f\"/><text x=\"4\" y=\"20\">{}</text><text x=\"4\" y=\"{}\">0</text>",
        H - BOTTOM,
        W - 10.0,
        H - BOTTOM,
        top as usize,
        H - BOTTOM
    );
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x(i),
            H - 12.0,
            p.taken_at.date()
        );
    }
    for s in Severity::ALL_DESC {
        if points
            .iter()
            .all(|p| p.open.get(&s).copied().unwrap_or(0) == 0)
        {
            continue;
        }
        let path: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.open.get(&s).copied().unwrap_or(0))))
            .collect();
        let _ = write!(
            out,
            "<polyline fill=\"none\" stroke-width=\"3\" stroke=\"{}\" points=\"{}\"/>",
            colour(s),
            path.join(" ")
        );
        for (i, p) in points.iter().enumerate() {
            let n = p.open.get(&s).copied().unwrap_or(0);
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"6\" fill=\"{}\"><title>{}: {s} {n}</title></circle>",
                x(i),
                y(n),
                colour(s),
                esc(&p.name)
            );
        }
    }
    let _ = writeln!(out, "</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review() -> Review {
        let mut findings = crate::demo::load_current().findings;
        findings[0].title = SafeText::line("<img src=x onerror=alert(1)> & \"quotes\"");
        findings[0].open = true;
        // The oldest open critical: first in its list.
        findings[0].severity = Severity::Critical;
        findings[0].first_seen = crate::model::Timestamp::parse("2020-01-01T00:00:00Z");
        let session = crate::session::Session::new(crate::session::SessionParts {
            findings,
            baseline: crate::session::Baseline::from_history(Some((
                crate::review::report::Since {
                    name: "last <b>week</b>".into(),
                    taken_at: crate::model::Timestamp::parse("2026-11-09T09:00:00Z").unwrap(),
                },
                crate::demo::load_previous().findings,
            ))),
            now: crate::model::Timestamp::parse("2026-11-17T09:00:00Z"),
            ..Default::default()
        });
        session.review()
    }

    #[test]
    fn the_page_is_self_contained_and_every_finding_text_is_escaped() {
        let mut r = review();
        r.owner = Some("SRE".into());
        let page = render(
            &r,
            &Context {
                sources: vec!["demo <data>".into()],
            },
        );
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(!page.contains("<img"), "a title became a tag");
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;"));
        assert!(page.contains("last &lt;b&gt;week&lt;/b&gt;"));
        assert!(page.contains("demo &lt;data&gt;"));
        // Nothing loaded from anywhere, no link: no such tag or attribute
        // (quoted attribute values cannot come from escaped text).
        for outside in [
            "<script", "<link", "<a ", "<iframe", " src=\"", " href=\"", "url(", "@import",
        ] {
            assert!(!page.contains(outside), "{outside}");
        }
        assert!(page.contains("<svg id=\"trend-chart\""));
        assert!(page.contains(&format!("<b>{}</b>open</div>", r.open)));
        assert!(page.ends_with("</body></html>\n"));
    }
}
