//! The detail pane: everything about the selected finding (or rule group), and
//! the raw input record on request. Scrolls independently of the table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::style::{Styles, severity_short};
use crate::app::App;
use crate::app::view::Row;
use posture_core::model::timestamp::age;
use posture_core::model::{Finding, SafeText};
use posture_core::query::Group;

/// Draws the pane; returns how far it can scroll.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, st: &Styles) -> u16 {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(st.border())
        .title(Span::styled(
            if app.raw {
                " raw record (r: details, J/K scroll) "
            } else {
                " detail (r: raw record, J/K scroll) "
            },
            st.muted(),
        ));
    let lines = match app.view.selected_row() {
        None => vec![Line::styled("Nothing selected.", st.muted())],
        Some(Row::Finding(i)) => match app.session.findings.get(*i) {
            Some(f) if app.raw => raw_lines(f, st),
            Some(f) => finding_lines(app, *i, f, st),
            None => Vec::new(),
        },
        Some(Row::Group(g)) => group_lines(app, g, st),
    };
    let inner = block.inner(area);
    let max = super::scroll_max(&lines, inner.width, inner.height);
    let p = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((app.detail_scroll.offset.min(max), 0));
    frame.render_widget(p, area);
    max
}

fn field(label: &str, value: String, st: &Styles) -> Option<Line<'static>> {
    (!value.is_empty()).then(|| {
        Line::from(vec![
            Span::styled(format!("{label:<12}"), st.muted()),
            Span::raw(value),
        ])
    })
}

fn finding_lines<'a>(app: &App, i: usize, f: &'a Finding, st: &Styles) -> Vec<Line<'a>> {
    let mut out = vec![
        Line::from(vec![
            Span::styled(
                format!(" {} ", severity_short(f.severity)),
                st.severity_badge(f.severity),
            ),
            Span::raw(" "),
            Span::styled(f.title.display(), st.accent()),
        ]),
        Line::from(
            [
                Span::styled(f.source.as_str(), st.muted()),
                Span::styled(
                    if f.open { "  open  " } else { "  closed  " },
                    if f.open { st.error() } else { st.ok() },
                ),
            ]
            .into_iter()
            .chain(super::table::badges(&f.signals, st))
            .collect::<Vec<_>>(),
        ),
        Line::raw(""),
    ];
    let ts = |t: Option<posture_core::model::Timestamp>| {
        t.map(|t| format!("{t} ({} ago)", age(t, app.session.now)))
            .unwrap_or_default()
    };
    let first = ts(f.first_seen);
    let last = ts(f.last_seen);
    let mut rows: Vec<(&str, String)> = vec![
        ("Rule", f.rule_id.display().to_string()),
        ("Resource", f.resource.display().to_string()),
        ("Namespace", f.namespace.display().to_string()),
        ("Account", f.account.display().to_string()),
        ("Region", f.region.display().to_string()),
        ("Cluster", f.cluster.display().to_string()),
        ("First seen", first),
        ("Last seen", last),
        ("Fingerprint", f.fingerprint.to_string()),
        ("Owner", owner_text(app, i)),
    ];
    rows.extend(f.signals.described());
    for (label, value) in rows {
        out.extend(field(label, value, st));
    }
    if [&f.title, &f.resource, &f.description]
        .iter()
        .any(|t| t.was_altered())
    {
        out.push(Line::styled(
            "⚠ this finding contained control or invisible characters; they are shown escaped",
            st.error(),
        ));
    }
    out.extend(triage_lines(app, f, st));
    out.push(Line::raw(""));
    out.push(Line::styled("Description", st.accent()));
    for l in f.description.display().lines() {
        out.push(Line::raw(l));
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Remediation", st.accent()));
    for l in f.remediation.text.display().lines() {
        out.push(Line::raw(l));
    }
    if let Some(url) = &f.remediation.url {
        out.push(Line::styled(url.display(), st.accent()));
    }
    out
}

/// The owner and the rule that decided it (`posture route explain` has the details).
fn owner_text(app: &App, i: usize) -> String {
    let Some(route) = app.session.routes.get(i) else {
        return String::new();
    };
    let why = match route.rule {
        Some(r) => format!("rule \"{}\"", app.session.router.rule_name(r)),
        None => "built-in default".to_string(),
    };
    let mut s = format!("{} — {why}", route.owner);
    if let Some(p) = &route.project {
        s.push_str(&format!(", JIRA {p}"));
    }
    if let Some(a) = &route.assignee {
        s.push_str(&format!(", {a}"));
    }
    SafeText::line(&s).display().to_string()
}

/// The finding's triage mark and its history, newest change first.
fn triage_lines(app: &App, f: &Finding, st: &Styles) -> Vec<Line<'static>> {
    let mut out = vec![Line::raw(""), Line::styled("Triage", st.accent())];
    let Some(store) = app.session.store() else {
        out.push(Line::styled("not saved: no triage file", st.muted()));
        return out;
    };
    let fp = f.fingerprint.as_str();
    let Some(m) = store.get(fp) else {
        out.push(Line::styled(
            "new — not triaged yet (m: set status, n: note)",
            st.muted(),
        ));
        return out;
    };
    let today = posture_core::model::date::day_of(app.session.now);
    let eff = m.effective(today);
    let date = |d: Option<time::Date>| {
        d.map(posture_core::model::date::format_date)
            .unwrap_or_default()
    };
    if eff.expired {
        out.push(Line::styled(
            format!(
                "new — risk acceptance expired on {} (decide again)",
                date(m.expires)
            ),
            st.error(),
        ));
    } else {
        out.extend(field("Status", m.status.to_string(), st));
    }
    let text = |s: &str| SafeText::multi(s).display().to_string();
    out.extend(field("Reason", text(&m.reason), st));
    out.extend(field("Expires", date(m.expires), st));
    out.extend(field("JIRA", text(&m.jira), st));
    out.extend(field(
        "Marked",
        if m.is_decided() {
            format!("by {} at {}", text(&m.by), m.at)
        } else {
            "no decision yet".to_string()
        },
        st,
    ));
    if !m.note.is_empty() {
        out.push(Line::styled("Note", st.muted()));
        for l in text(&m.note).lines() {
            out.push(Line::raw(format!("  {l}")));
        }
    }
    let history = store.history(fp);
    if !history.is_empty() {
        out.push(Line::styled("History", st.muted()));
        for h in history.iter().rev().take(20) {
            // A change that kept the status changed something else: say what.
            let what = match h.from {
                Some(from) if from == h.status => {
                    let mut parts = vec![format!("{} (kept)", h.status)];
                    if !h.note.is_empty() {
                        parts.push("note edited".to_string());
                    }
                    if !h.reason.is_empty() {
                        parts.push("reason edited".to_string());
                    }
                    if parts.len() == 1 {
                        parts.push("details edited".to_string());
                    }
                    parts.join(", ")
                }
                from => format!("{} → {}", from.map_or("(none)", |s| s.as_str()), h.status),
            };
            out.push(Line::raw(format!(
                "  {}  {}  {what}",
                h.at,
                SafeText::line(&h.by).display(),
            )));
        }
    }
    out
}

fn raw_lines<'a>(f: &Finding, st: &Styles) -> Vec<Line<'a>> {
    let Some(raw) = f.raw.as_deref() else {
        return vec![Line::styled(
            "No raw record: this finding came from a snapshot, or from an input past about its first 100,000 findings (raw records are not kept beyond that, to keep memory in check).",
            st.muted(),
        )];
    };
    let pretty = serde_json::from_str::<serde_json::Value>(raw)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| raw.to_string());
    // JSON escapes C0 controls but not C1 or BiDi characters.
    let safe = SafeText::multi(&pretty);
    safe.display()
        .lines()
        .map(|l| Line::raw(l.to_string()))
        .collect()
}

fn group_lines<'a>(app: &'a App, g: &'a Group, st: &Styles) -> Vec<Line<'a>> {
    let mut out = vec![
        Line::from(vec![
            Span::styled(
                format!(" {} ", severity_short(g.severity)),
                st.severity_badge(g.severity),
            ),
            Span::raw(" "),
            Span::styled(g.rule_id(&app.session.findings), st.accent()),
            Span::raw(" "),
            Span::raw(g.title(&app.session.findings)),
        ]),
        Line::styled(
            format!(
                "{} findings on {} resources (worst severity {})",
                g.members.len(),
                g.resources,
                g.severity
            ),
            st.muted(),
        ),
        Line::raw(""),
    ];
    if let Some(f) = g.members.first().and_then(|i| app.session.findings.get(*i)) {
        out.push(Line::styled("Remediation", st.accent()));
        for l in f.remediation.text.display().lines() {
            out.push(Line::raw(l));
        }
        if let Some(url) = &f.remediation.url {
            out.push(Line::styled(url.display(), st.accent()));
        }
        out.push(Line::raw(""));
    }
    // Counted by status first, named after: a group can have a million
    // members, and this runs on every frame.
    let mut by_status: std::collections::BTreeMap<(bool, &'static str), usize> = Default::default();
    for i in g.members.iter() {
        let fx = app.session.facts_of(*i);
        *by_status
            .entry((fx.expired, fx.status.as_str()))
            .or_default() += 1;
    }
    let counts: std::collections::BTreeMap<&str, usize> =
        by_status
            .into_iter()
            .fold(Default::default(), |mut m, ((expired, status), n)| {
                *m.entry(if expired { "risk expired" } else { status })
                    .or_default() += n;
                m
            });
    out.push(Line::styled("Triage", st.accent()));
    out.push(Line::raw(
        counts
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(" · "),
    ));
    out.push(Line::raw(""));
    out.push(Line::styled("Affected", st.accent()));
    for f in g
        .members
        .iter()
        .take(AFFECTED_SHOWN)
        .filter_map(|i| app.session.findings.get(*i))
    {
        out.push(Line::from(vec![
            Span::styled(
                format!("{:<5}", severity_short(f.severity)),
                st.severity(f.severity),
            ),
            Span::raw(f.resource.display()),
            Span::styled(format!("  {}", f.scope()), st.muted()),
        ]));
    }
    if g.members.len() > AFFECTED_SHOWN {
        out.push(Line::styled(
            format!(
                "… and {} more (export the group for the full list)",
                g.members.len() - AFFECTED_SHOWN
            ),
            st.muted(),
        ));
    }
    out
}

/// Members listed in a group's detail: the pane is read, not scrolled
/// through a million lines.
const AFFECTED_SHOWN: usize = 500;
