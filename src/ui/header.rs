//! The top lines: severity counts for what is shown, the loaded sources and their
//! errors, and the demo banner.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::style::{Styles, severity_short};
use crate::app::App;

pub fn severity_bar(frame: &mut Frame, area: Rect, app: &App, st: &Styles) {
    let counts = app.view.severity_counts();
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let mut spans = vec![
        Span::styled(" posture ", st.accent()),
        Span::styled(format!("{total} shown "), st.header()),
    ];
    let narrow = area.width < 100;
    for (sev, n) in counts {
        if n == 0 && matches!(sev, posture_core::model::Severity::Unknown) {
            continue;
        }
        let label = if narrow {
            &severity_short(sev)[..1]
        } else {
            severity_short(sev)
        };
        spans.push(Span::styled(
            format!(" {label} {n} "),
            st.severity_badge(sev),
        ));
        spans.push(Span::styled(if narrow { "" } else { " " }, st.header()));
    }
    let f = &app.view.filter;
    let mut scope = Vec::new();
    if !f.include_closed {
        scope.push("open".to_string());
    } else {
        scope.push("open+closed".to_string());
    }
    if let Some(s) = f.min_severity {
        scope.push(format!("≥{s}"));
    }
    if let Some(view) = &app.current_view {
        scope.push(format!(
            "view:{}",
            posture_core::model::SafeText::line(view).display()
        ));
    }
    if !f.sources.is_empty() {
        let names: Vec<&str> = f.sources.iter().map(|s| s.as_str()).collect();
        scope.push(format!("source:{}", names.join(",")));
    }
    if !f.layers.is_empty() {
        let names: Vec<&str> = f.layers.iter().map(|l| l.as_str()).collect();
        scope.push(format!("layer:{}", names.join(",")));
    }
    // `:owner`: the owners of the routes kept.
    if let Some(routes) = &f.routes {
        let mut owners: Vec<&str> = routes
            .iter()
            .filter_map(|&r| app.session.routes.routes.get(r as usize))
            .map(|r| r.owner.as_str())
            .collect();
        owners.sort_unstable();
        owners.dedup();
        scope.push(format!(
            "owner:{}",
            posture_core::model::SafeText::line(&owners.join(",")).display()
        ));
    }
    // The active query, always in sight (shortened; the footer has it whole).
    if let Some(q) = &f.query {
        let text = posture_core::model::SafeText::line(&q.query().text);
        scope.push(format!(
            "/{}",
            posture_core::text::fit(text.display(), 40).trim_end()
        ));
    }
    if f.new_only
        && let Some(b) = &app.session.baseline
    {
        scope.push(format!(
            "new since {}",
            posture_core::model::SafeText::line(&b.name).display()
        ));
    }
    if !f.statuses.is_empty() {
        scope.push(format!(
            "triage:{}",
            crate::app::actions::status_filter_label(&f.statuses)
        ));
    }
    if app.view.waiting_groups || app.view.groups_pending() {
        scope.push("grouping…".to_string());
    } else if app.view.grouped {
        scope.push(format!("by {}", app.view.group_by.name()));
    }
    scope.push(format!(
        "sort:{}{}{}",
        app.view.sort.name(),
        if app.view.reverse { "↑" } else { "" },
        if app.view.waiting.is_some() {
            " (sorting…)"
        } else {
            ""
        }
    ));
    spans.push(Span::styled(format!(" [{}]", scope.join(" ")), st.muted()));
    frame.render_widget(Paragraph::new(Line::from(spans)).style(st.header()), area);
}

pub fn sources_line(frame: &mut Frame, area: Rect, app: &App, st: &Styles) {
    let mut spans = vec![Span::styled(" sources: ", st.muted())];
    for (i, s) in app.session.sources.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", st.muted()));
        }
        if s.error.is_some() {
            spans.push(Span::styled(format!("✗ {}", s.label), st.error()));
            if s.findings > 0 {
                spans.push(Span::styled(
                    format!(" ({} loaded)", s.findings),
                    st.muted(),
                ));
            }
        } else {
            spans.push(Span::styled(s.label.clone(), st.ok()));
            // A catalogue brings no findings: its note says what it holds.
            if !s.catalogue {
                spans.push(Span::styled(format!(" ({})", s.findings), st.muted()));
            }
        }
        if !s.note.is_empty() {
            let mark = if s.busy { " ⟳ " } else { " " };
            spans.push(Span::styled(format!("{mark}{}", s.note), st.muted()));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Lines needed for the input errors and a broken triage file (0 when all is well).
pub fn error_lines(app: &App) -> u16 {
    u16::from(app.session.sources.iter().any(|s| s.error.is_some()))
        + u16::from(triage_problem(app).is_some())
}

fn triage_problem(app: &App) -> Option<String> {
    let e = app.session.store()?.broken()?;
    Some(format!(
        " ✗ triage file: {e} — marks are not saved until it is fixed (or `posture triage recover`)"
    ))
}

/// The first error in full, and how many more there are.
pub fn errors_line(frame: &mut Frame, area: Rect, app: &App, st: &Styles) {
    let mut area = area;
    if let Some(problem) = triage_problem(app) {
        let line = Rect { height: 1, ..area };
        frame.render_widget(Paragraph::new(Span::styled(problem, st.error())), line);
        area.y += 1;
        area.height = area.height.saturating_sub(1);
    }
    if area.height == 0 {
        return;
    }
    let failed: Vec<_> = app
        .session
        .sources
        .iter()
        .filter(|s| s.error.is_some())
        .collect();
    let Some(first) = failed.first() else { return };
    let total: usize = failed.iter().map(|s| s.error_count).sum();
    let mut spans = vec![Span::styled(
        format!(" ✗ {}", first.error.as_deref().unwrap_or("")),
        st.error(),
    )];
    if total > 1 {
        spans.push(Span::styled(
            format!("  (+{} more; `posture list` prints every one)", total - 1),
            st.muted(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn demo_banner(frame: &mut Frame, area: Rect, st: &Styles) {
    let text = " DEMO DATA · see your own: posture --file PATH (Security Hub, Kubescape, Trivy-Operator output) ";
    frame.render_widget(Paragraph::new(text).style(st.banner()), area);
}
