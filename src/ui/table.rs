//! The main table. Only the rows in the window are built, so drawing costs the
//! same for 300 findings and for a million.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row as TRow, Table};

use super::style::{Styles, severity_short};
use crate::app::view::Row;
use crate::app::{App, TableLayout};
use crate::model::timestamp::age;

#[derive(Clone, Copy, PartialEq)]
enum Col {
    Severity,
    Source,
    Title,
    Resource,
    Scope,
    Owner,
    Status,
    Age,
}

impl Col {
    fn header(self) -> &'static str {
        match self {
            Col::Severity => "SEV",
            Col::Source => "SOURCE",
            Col::Title => "TITLE",
            Col::Resource => "RESOURCE",
            Col::Scope => "ACCOUNT/CLUSTER",
            Col::Owner => "OWNER",
            Col::Status => "STATUS",
            Col::Age => "AGE",
        }
    }
}

/// Columns that fit the width, most important first; narrow terminals drop the rest.
fn columns(width: u16) -> Vec<(Col, Constraint)> {
    let mut cols = vec![(Col::Severity, Constraint::Length(4))];
    if width >= 100 {
        cols.push((Col::Source, Constraint::Length(11)));
    }
    cols.push((Col::Title, Constraint::Fill(3)));
    cols.push((Col::Resource, Constraint::Fill(2)));
    if width >= 110 {
        cols.push((Col::Scope, Constraint::Length(24)));
    }
    if width >= 140 {
        cols.push((Col::Owner, Constraint::Length(10)));
    }
    if width >= 120 {
        cols.push((Col::Status, Constraint::Length(8)));
    }
    cols.push((Col::Age, Constraint::Length(4)));
    cols
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, st: &Styles) -> TableLayout {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(st.border());
    let inner = block.inner(area);
    // One line for the column header.
    let rows_fit = inner.height.saturating_sub(1);
    let mut view = app.view.clone_window();
    view.ensure_visible(usize::from(rows_fit));
    let cols = columns(area.width);
    let widths: Vec<u16> = ratatui::layout::Layout::horizontal(cols.iter().map(|(_, w)| *w))
        .spacing(1)
        .split(inner)
        .iter()
        .map(|r| r.width)
        .collect();
    let resource_width = cols
        .iter()
        .position(|(c, _)| *c == Col::Resource)
        .and_then(|i| widths.get(i).copied())
        .unwrap_or(u16::MAX);
    let header = TRow::new(cols.iter().map(|(c, _)| Cell::from(c.header()))).style(st.muted());
    let rows: Vec<TRow> = view
        .visible(usize::from(rows_fit))
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let selected = view.offset + i == app.view.selected;
            let row = build_row(app, r, &cols, usize::from(resource_width), st);
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
    }
}

fn build_row<'a>(
    app: &'a App,
    r: &Row,
    cols: &[(Col, Constraint)],
    resource_width: usize,
    st: &Styles,
) -> TRow<'a> {
    let cells = cols.iter().map(|(c, _)| match r {
        Row::Finding(i) => {
            let Some(f) = app.findings.get(*i) else {
                return Cell::from("");
            };
            match c {
                Col::Severity => Cell::from(Span::styled(
                    severity_short(f.severity),
                    st.severity(f.severity),
                )),
                Col::Source => Cell::from(f.source.as_str()),
                Col::Title => {
                    if f.open {
                        Cell::from(f.title.display())
                    } else {
                        Cell::from(Line::from(vec![
                            Span::styled("[closed] ", st.muted()),
                            Span::raw(f.title.display()),
                        ]))
                    }
                }
                Col::Resource => {
                    Cell::from(crate::text::keep_tail(f.resource.display(), resource_width))
                }
                Col::Scope => Cell::from(f.scope()),
                Col::Owner => Cell::from(""),
                Col::Status => Cell::from(Span::styled("new", st.muted())),
                Col::Age => Cell::from(f.first_seen.map(|t| age(t, app.now)).unwrap_or_default()),
            }
        }
        Row::Group(g) => match c {
            Col::Severity => Cell::from(Span::styled(
                severity_short(g.severity),
                st.severity(g.severity),
            )),
            Col::Source => Cell::from(
                g.members
                    .first()
                    .and_then(|i| app.findings.get(*i))
                    .map_or("", |f| f.source.as_str()),
            ),
            Col::Title => {
                // Vulnerability titles usually start with their CVE already.
                let rest = g
                    .title
                    .strip_prefix(g.rule_id.as_str())
                    .map(str::trim_start);
                Cell::from(Line::from(vec![
                    Span::styled(format!("{} ", g.rule_id), st.accent()),
                    Span::raw(rest.unwrap_or(&g.title).to_string()),
                ]))
            }
            Col::Resource => Cell::from(format!(
                "{} finding{} on {} resource{}",
                g.members.len(),
                if g.members.len() == 1 { "" } else { "s" },
                g.resources,
                if g.resources == 1 { "" } else { "s" }
            )),
            Col::Scope => {
                let mut scopes: Vec<String> = g
                    .members
                    .iter()
                    .filter_map(|i| app.findings.get(*i))
                    .map(|f| f.scope())
                    .collect();
                scopes.sort();
                scopes.dedup();
                Cell::from(if scopes.len() == 1 {
                    scopes.remove(0)
                } else {
                    format!("{} scopes", scopes.len())
                })
            }
            Col::Owner | Col::Status => Cell::from(""),
            Col::Age => Cell::from(
                g.members
                    .iter()
                    .filter_map(|i| app.findings.get(*i)?.first_seen)
                    .min()
                    .map(|t| age(t, app.now))
                    .unwrap_or_default(),
            ),
        },
    });
    TRow::new(cells)
}
