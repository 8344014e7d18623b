//! The main table. Only the rows in the window are built, so drawing costs the
//! same for 300 findings and for a million.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row as TRow, Table};

use super::style::{Styles, severity_short};
use crate::app::view::Row;
use crate::app::{App, TableLayout};
use std::collections::BTreeMap;

use posture_core::config::keymap::Column;
use posture_core::model::timestamp::age;
use posture_core::query::Facts;
use posture_core::triage::Status;

#[derive(Clone, Copy, PartialEq)]
enum Col {
    Pick,
    Severity,
    Source,
    Layer,
    Title,
    Resource,
    Scope,
    Owner,
    Risk,
    Status,
    Age,
}

impl Col {
    fn header(self) -> &'static str {
        match self {
            Col::Pick => "",
            Col::Severity => "SEV",
            Col::Source => "SOURCE",
            Col::Layer => "LAYER",
            Col::Title => "TITLE",
            Col::Resource => "RESOURCE",
            Col::Scope => "ACCOUNT/CLUSTER",
            Col::Owner => "OWNER",
            Col::Risk => "RISK",
            Col::Status => "STATUS",
            Col::Age => "AGE",
        }
    }
}

/// Columns that fit the width, most important first; narrow terminals drop
/// the rest, and the user's choices override.
fn columns(width: u16, chosen: &BTreeMap<Column, bool>) -> Vec<(Col, Constraint)> {
    let shown = |c: Column| crate::app::column_shown(c, width, chosen);
    let mut cols = vec![
        (Col::Pick, Constraint::Length(1)),
        (Col::Severity, Constraint::Length(4)),
    ];
    if shown(Column::Source) {
        cols.push((Col::Source, Constraint::Length(11)));
    }
    if shown(Column::Layer) {
        cols.push((Col::Layer, Constraint::Length(9)));
    }
    if shown(Column::Risk) {
        cols.push((Col::Risk, Constraint::Length(7)));
    }
    cols.push((Col::Title, Constraint::Fill(3)));
    cols.push((Col::Resource, Constraint::Fill(2)));
    if shown(Column::Scope) {
        cols.push((Col::Scope, Constraint::Length(24)));
    }
    if shown(Column::Owner) {
        cols.push((Col::Owner, Constraint::Length(10)));
    }
    // Triage is why people open posture: the status stays at every width
    // (with room for the note, JIRA and export markers).
    cols.push((Col::Status, Constraint::Length(13)));
    cols.push((Col::Age, Constraint::Length(4)));
    cols
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, st: &Styles) -> TableLayout {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(st.border());
    let inner = block.inner(area);
    if app.view.rows.is_empty() && app.session.loading() {
        let title = Span::styled(" loading… (q quits, ? help) ", st.muted());
        let body =
            ratatui::widgets::Paragraph::new(loading_lines(app, st)).block(block.title(title));
        frame.render_widget(body, area);
        return TableLayout {
            offset: 0,
            first_row_y: inner.y + 1,
            rows: 0,
            x: inner.x,
            width: inner.width,
            ..TableLayout::default()
        };
    }
    // One line for the column header.
    let rows_fit = inner.height.saturating_sub(1);
    let mut view = app.view.clone_window();
    view.ensure_visible(usize::from(rows_fit));
    let cols = columns(area.width, &app.columns);
    let widths: Vec<u16> = ratatui::layout::Layout::horizontal(cols.iter().map(|(_, w)| *w))
        .spacing(1)
        .split(inner)
        .iter()
        .map(|r| r.width)
        .collect();
    let width_of = |col: Col| {
        cols.iter()
            .position(|(c, _)| *c == col)
            .and_then(|i| widths.get(i).copied())
            .unwrap_or(u16::MAX)
    };
    let resource_width = width_of(Col::Resource);
    let title_width = width_of(Col::Title);
    let header = TRow::new(cols.iter().map(|(c, _)| Cell::from(c.header()))).style(st.muted());
    let rows: Vec<TRow> = view
        .visible(usize::from(rows_fit))
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let selected = view.offset + i == app.view.selected;
            let flat = st.flattened();
            let row = build_row(
                app,
                r,
                &cols,
                (usize::from(resource_width), usize::from(title_width)),
                if selected { &flat } else { st },
            );
            if selected {
                row.style(st.selection())
            } else {
                row
            }
        })
        .collect();
    let title = if app.view.rows.is_empty() {
        " no findings match — Esc clears the filter, 0 shows every severity, o includes closed "
            .to_string()
    } else {
        format!(" {}/{} ", app.view.selected + 1, app.view.rows.len())
    };
    let table = Table::new(rows, cols.iter().map(|(_, w)| *w))
        .header(header)
        .column_spacing(1)
        .block(block.title(Span::styled(title, st.muted())));
    frame.render_widget(table, area);
    TableLayout {
        offset: view.offset,
        first_row_y: inner.y + 1,
        rows: rows_fit,
        x: inner.x,
        width: inner.width,
        ..TableLayout::default()
    }
}

/// What the loading view says: which inputs, how much is read and parsed,
/// how fast.
fn loading_lines<'a>(app: &'a App, st: &Styles) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from("")];
    for s in app.session.sources.iter().filter(|s| s.busy) {
        lines.push(Line::from(format!("  reading {}…", s.label)));
    }
    if let Some((counts, elapsed)) = app.load_progress {
        let seconds = elapsed.as_secs_f64();
        let rate = if seconds > 0.0 {
            (counts.findings as f64 / seconds) as u64
        } else {
            0
        };
        // Files are read side by side: none may be done for a while, while
        // bytes and findings move.
        let done = match counts.files_done {
            0 => String::new(),
            1 => "1 file done · ".to_string(),
            n => format!("{n} files done · "),
        };
        lines.push(Line::from(format!(
            "  {done}{} MB read · {} findings parsed · {}/s · {:.1} s",
            counts.bytes_read >> 20,
            thousands(counts.findings),
            thousands(rate),
            seconds
        )));
    }
    lines.push(Line::from(Span::styled(
        "  the table fills in when the inputs are read; q quits, ? shows the keys",
        st.muted(),
    )));
    lines
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn build_row<'a>(
    app: &'a App,
    r: &Row,
    cols: &[(Col, Constraint)],
    (resource_width, title_width): (usize, usize),
    st: &Styles,
) -> TRow<'a> {
    let cells = cols.iter().map(|(c, _)| match r {
        Row::Finding(i) => {
            let Some(f) = app.session.findings.get(*i) else {
                return Cell::from("");
            };
            match c {
                Col::Pick => pick_cell(app.picked.contains(i), st),
                Col::Severity => Cell::from(Span::styled(
                    severity_short(f.severity),
                    st.severity(f.severity),
                )),
                Col::Source => Cell::from(f.source.as_str()),
                Col::Layer => Cell::from(f.layer.as_str()),
                Col::Risk => Cell::from(Line::from(badges(&f.signals, st))),
                Col::Title => {
                    let mut spans = Vec::with_capacity(3);
                    if app.session.facts_of(*i).new {
                        spans.push(Span::styled("NEW ", st.accent()));
                    } else if !f.open {
                        spans.push(Span::styled("[closed] ", st.muted()));
                    }
                    // Without the risk column, an exploit still shows.
                    if !cols.iter().any(|(c, _)| *c == Col::Risk) && f.signals.exploited() {
                        spans.push(Span::styled(
                            if f.signals.kev { "KEV " } else { "EXP " },
                            st.error(),
                        ));
                    }
                    // Cut with "…" where the column ends, not mid-word silently.
                    let used: usize = spans.iter().map(Span::width).sum();
                    let room = title_width.saturating_sub(used);
                    let title = posture_core::text::fit(f.title.display(), room);
                    spans.push(Span::raw(title.trim_end().to_string()));
                    Cell::from(Line::from(spans))
                }
                Col::Resource => Cell::from(posture_core::text::keep_tail(
                    f.resource.display(),
                    resource_width,
                )),
                Col::Scope => Cell::from(f.scope()),
                Col::Owner => Cell::from(
                    posture_core::model::SafeText::line(app.session.routes.owner(*i))
                        .display()
                        .to_string(),
                ),
                Col::Status => {
                    let mut cell = status_spans(Some(app.session.facts_of(*i)), st);
                    cell.extend(mark_markers(app.session.mark(*i), st));
                    Cell::from(Line::from(cell))
                }
                Col::Age => Cell::from(
                    f.first_seen
                        .map(|t| age(t, app.session.now))
                        .unwrap_or_default(),
                ),
            }
        }
        Row::Group(g) => match c {
            // A rule's group: its CVE's signals, as its labelling finding has them.
            Col::Risk => match g.label {
                posture_core::query::group::Label::Rule(i) => {
                    app.session.findings.get(i).map_or(Cell::from(""), |f| {
                        Cell::from(Line::from(badges(&f.signals, st)))
                    })
                }
                _ => Cell::from(""),
            },
            Col::Pick => pick_cell(
                !g.members.is_empty() && g.members.iter().all(|i| app.picked.contains(i)),
                st,
            ),
            Col::Status => match g.facts {
                Some(facts) => status_cell(Some(facts), st),
                None => Cell::from(Span::styled("mixed", st.muted())),
            },
            Col::Severity => Cell::from(Span::styled(
                severity_short(g.severity),
                st.severity(g.severity),
            )),
            Col::Source => match g.source {
                Some(s) => Cell::from(s.as_str()),
                None => Cell::from(Span::styled("several", st.muted())),
            },
            Col::Layer => match g.layer {
                Some(l) => Cell::from(l.as_str()),
                None => Cell::from(Span::styled("several", st.muted())),
            },
            Col::Title => {
                // Vulnerability titles usually start with their CVE already.
                let findings = &app.session.findings;
                let (rule_id, title) = (g.rule_id(findings), g.title(findings));
                let rest = title.strip_prefix(rule_id).map(str::trim_start);
                Cell::from(Line::from(vec![
                    Span::styled(format!("{rule_id} "), st.accent()),
                    Span::raw(rest.unwrap_or(title).to_string()),
                ]))
            }
            Col::Resource => Cell::from(if g.members.len() == g.resources {
                format!(
                    "{} resource{}",
                    g.resources,
                    if g.resources == 1 { "" } else { "s" }
                )
            } else {
                format!("{} on {} resources", g.members.len(), g.resources)
            }),
            Col::Scope => Cell::from(if g.scopes == 1 {
                g.scope_of
                    .and_then(|i| app.session.findings.get(i))
                    .map(|f| f.scope())
                    .unwrap_or_default()
            } else {
                format!("{} scopes", g.scopes)
            }),
            Col::Owner => match g
                .owner
                .and_then(|r| app.session.routes.routes.get(r as usize))
            {
                Some(route) => Cell::from(
                    posture_core::model::SafeText::line(&route.owner)
                        .display()
                        .to_string(),
                ),
                None => Cell::from(Span::styled("several", st.muted())),
            },
            Col::Age => Cell::from(
                g.oldest
                    .map(|t| age(t, app.session.now))
                    .unwrap_or_default(),
            ),
        },
    });
    TRow::new(cells)
}

/// `KEV` (in red), else `EXP` (an exploit is available), then `FIX` (a
/// fixed version exists).
pub fn badges<'a>(s: &posture_core::model::Signals, st: &Styles) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    if s.kev {
        spans.push(Span::styled("KEV", st.error()));
    } else if s.exploit == Some(true) {
        spans.push(Span::styled("EXP", st.error()));
    }
    if s.fix == Some(true) {
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled("FIX", st.ok()));
    }
    spans
}

fn pick_cell<'a>(picked: bool, st: &Styles) -> Cell<'a> {
    if picked {
        Cell::from(Span::styled("●", st.accent()))
    } else {
        Cell::from("")
    }
}

/// Short labels: the column is narrow and the detail pane spells them out.
fn status_cell<'a>(facts: Option<Facts>, st: &Styles) -> Cell<'a> {
    Cell::from(Line::from(status_spans(facts, st)))
}

fn status_spans<'a>(facts: Option<Facts>, st: &Styles) -> Vec<Span<'a>> {
    let Some(facts) = facts else {
        return Vec::new();
    };
    if facts.expired {
        return vec![Span::styled("expired!", st.error())];
    }
    let (label, style) = match facts.status {
        Status::New => ("new", st.muted()),
        Status::Acknowledged => ("ack", st.accent()),
        Status::InProgress => ("in-prog", st.accent()),
        Status::AcceptedRisk => ("risk-ok", st.ok()),
        Status::FalsePositive => ("false-pos", st.ok()),
        Status::Resolved => ("resolved", st.ok()),
    };
    vec![Span::styled(label, style)]
}

/// What else the mark holds, a letter each after the status: `n` a note,
/// `J` a JIRA key, `E` exported (in a CSV or pushed).
fn mark_markers<'a>(mark: Option<&posture_core::triage::Mark>, st: &Styles) -> Vec<Span<'a>> {
    let Some(m) = mark else {
        return Vec::new();
    };
    let mut flags = String::new();
    if !m.note.is_empty() {
        flags.push('n');
    }
    if !m.jira.is_empty() {
        flags.push('J');
    }
    if !m.exported.is_empty() {
        flags.push('E');
    }
    if flags.is_empty() {
        return Vec::new();
    }
    vec![Span::styled(format!(" {flags}"), st.accent())]
}
