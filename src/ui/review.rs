//! The weekly review screen: severity × owner, the period's new and resolved,
//! the oldest criticals, overdue by SLA, and the trend chart.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Clear, Dataset, GraphType, Paragraph};

use super::style::Styles;
use crate::app::App;
use posture_core::model::{SafeText, Severity};
use posture_core::review::Review;
use posture_core::review::report::{Counted, in_columns};

/// Draws the review; returns how far its lists can scroll.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, st: &Styles) -> u16 {
    let Some(crate::app::Modal::Review { review: r, scroll }) = &app.modal else {
        return 0;
    };
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(
            " weekly review — any key closes, j/k scroll ",
            st.accent(),
        ))
        .style(st.base());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [head, inner] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(headline(r, st)).wrap(ratatui::widgets::Wrap { trim: true }),
        head,
    );
    let chart_height = if inner.height >= 24 {
        12
    } else {
        inner.height / 2
    };
    let [top, bottom] =
        Layout::vertical([Constraint::Length(chart_height), Constraint::Min(1)]).areas(inner);
    let [owners, chart] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
    frame.render_widget(Paragraph::new(owner_lines(r, st)), owners);
    draw_trend(frame, chart, r, st);
    let lines = list_lines(r, st);
    let max = super::scroll_max(&lines, u16::MAX, bottom.height);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll.offset.min(max), 0)),
        bottom,
    );
    max
}

const COLS: [Severity; 6] = Severity::ALL_DESC;

fn short(s: Severity) -> &'static str {
    super::style::severity_short(s)
}

/// The numbers the meeting starts from, on one line across the screen.
fn headline(r: &Review, st: &Styles) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{} open", r.open), st.accent())];
    match &r.since {
        Some(s) => {
            spans.push(Span::raw(format!(
                " · since {} ({}): ",
                SafeText::line(&s.name).display(),
                s.taken_at.date()
            )));
            spans.push(Span::styled(format!("{} new", r.new.count), st.accent()));
            spans.push(Span::raw(format!(", {} resolved", r.resolved.count)));
        }
        None => spans.push(Span::raw(" · no snapshot yet (posture snapshot save)")),
    }
    spans.push(Span::raw(" · "));
    spans.push(Span::styled(
        format!("{} overdue", r.overdue.count),
        st.error(),
    ));
    Line::from(spans)
}

fn owner_lines(r: &Review, st: &Styles) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut head = vec![Span::styled(format!("{:<16}", "owner"), st.muted())];
    for s in COLS {
        head.push(Span::styled(format!("{:>6}", short(s)), st.severity(s)));
    }
    head.push(Span::styled(
        format!("{:>7}{:>6}", "total", "late"),
        st.muted(),
    ));
    lines.push(Line::from(head));
    for (owner, counts) in &r.by_owner {
        let mut spans = vec![Span::raw(posture_core::text::fit(
            SafeText::line(owner).display(),
            16,
        ))];
        for n in in_columns(counts) {
            spans.push(Span::raw(format!("{n:>6}")));
        }
        spans.push(Span::raw(format!(
            "{:>7}{:>6}",
            counts.values().sum::<usize>(),
            r.overdue_by_owner.get(owner).copied().unwrap_or(0)
        )));
        lines.push(Line::from(spans));
    }
    let mut total = vec![Span::styled(format!("{:<16}", "all"), st.accent())];
    for n in in_columns(&r.by_severity) {
        total.push(Span::styled(format!("{n:>6}"), st.accent()));
    }
    total.push(Span::styled(
        format!("{:>7}{:>6}", r.open, r.overdue.count),
        st.accent(),
    ));
    lines.push(Line::from(total));
    lines
}

fn draw_trend(frame: &mut Frame, area: Rect, r: &Review, st: &Styles) {
    let series: Vec<(Severity, Vec<(f64, f64)>)> = COLS
        .iter()
        .filter(|&&s| s >= Severity::Low)
        .map(|&s| {
            let points = r
                .trend
                .iter()
                .enumerate()
                .map(|(i, p)| (i as f64, p.open.get(&s).copied().unwrap_or(0) as f64))
                .collect();
            (s, points)
        })
        .collect();
    let max = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .fold(1.0_f64, f64::max);
    let datasets: Vec<Dataset> = series
        .iter()
        .map(|(s, points)| {
            Dataset::default()
                .name(short(*s))
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(st.severity(*s))
                .data(points)
        })
        .collect();
    let first = r
        .trend
        .first()
        .map(|p| p.taken_at.date().chars().skip(5).collect::<String>());
    let last = r
        .trend
        .last()
        .map(|p| p.taken_at.date().chars().skip(5).collect::<String>());
    let x_labels: Vec<Line> = [first, last]
        .into_iter()
        .flatten()
        .map(Line::from)
        .collect();
    let chart = Chart::new(datasets)
        .block(Block::default().borders(Borders::LEFT).title(Span::styled(
            format!(" open per severity, {} snapshots ", r.trend.len()),
            st.muted(),
        )))
        .x_axis(
            Axis::default()
                .bounds([0.0, (r.trend.len().max(2) - 1) as f64])
                .labels(x_labels)
                .style(st.muted()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, max * 1.1])
                .labels(vec![Line::from("0"), Line::from(format!("{max:.0}"))])
                .style(st.muted()),
        )
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 1)))
        .style(Style::default());
    frame.render_widget(chart, area);
}

fn list_lines(r: &Review, st: &Styles) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let section = |title: &str, c: &Counted, lines: &mut Vec<Line<'static>>| {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("{title}: {}", c.count), st.accent()));
        for it in &c.items {
            let mut extra = format!("{}d old", it.age_days);
            if let Some(d) = it.overdue_days {
                extra.push_str(&format!(", {d}d overdue"));
            }
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<5}", short(it.severity)),
                    st.severity(it.severity),
                ),
                Span::raw(posture_core::text::fit(
                    SafeText::line(&it.title).display(),
                    52,
                )),
                Span::raw(" "),
                Span::styled(
                    posture_core::text::fit(SafeText::line(&it.owner).display(), 12),
                    st.muted(),
                ),
                Span::raw(format!(" {extra}")),
            ]));
        }
    };
    if r.since.is_some() {
        section("New this period", &r.new, &mut lines);
        section("Resolved this period", &r.resolved, &mut lines);
    }
    section("Oldest open criticals", &r.oldest_criticals, &mut lines);
    section("Overdue by SLA", &r.overdue, &mut lines);
    lines
}
