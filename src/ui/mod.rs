//! Draws the dashboard from the app state. Nothing here changes state: `draw`
//! returns where the table landed, for mouse clicks and page sizes.

mod detail;
mod header;
mod help;
mod review;
pub mod style;
mod table;
mod triage;
mod views;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::app::{App, Mode, TableLayout};
use posture_core::config::keymap::Action;
use style::Styles;

/// Below this width the detail pane goes under the table instead of beside it.
const SIDE_BY_SIDE_MIN_WIDTH: u16 = 140;

/// How far `lines` can scroll in a box of `width` × `height`, wrapped at
/// the width as the paragraph wraps them: scrolling stops at the last line.
pub fn scroll_max(lines: &[ratatui::text::Line], width: u16, height: u16) -> u16 {
    let rows = ratatui::widgets::Paragraph::new(lines.to_vec())
        .wrap(ratatui::widgets::Wrap { trim: false })
        .line_count(width.max(1));
    u16::try_from(rows.saturating_sub(usize::from(height))).unwrap_or(u16::MAX)
}

pub fn draw(frame: &mut Frame, app: &App) -> TableLayout {
    let st = Styles::new(&app.theme);
    let area = frame.area();
    frame.render_widget(Block::default().style(st.base()), area);
    let banner = u16::from(app.session.demo);
    let [bar, sources, errors, banner_area, main, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(header::error_lines(app)),
        Constraint::Length(banner),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    header::severity_bar(frame, bar, app, &st);
    header::sources_line(frame, sources, app, &st);
    header::errors_line(frame, errors, app, &st);
    if app.session.demo {
        header::demo_banner(frame, banner_area, &st);
    }
    let mut layout = if app.detail {
        let (table_area, detail_area) = if main.width >= SIDE_BY_SIDE_MIN_WIDTH {
            let [t, d] =
                Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
                    .areas(main);
            (t, d)
        } else {
            let [t, d] = Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(main);
            (t, d)
        };
        let mut l = table::draw(frame, table_area, app, &st);
        l.detail_max = detail::draw(frame, detail_area, app, &st);
        l
    } else {
        table::draw(frame, main, app, &st)
    };
    draw_footer(frame, footer, app, &st);
    layout.popup_max = match app.mode() {
        Mode::Help => help::draw(frame, area, app, &st),
        Mode::Gone => triage::draw_gone(frame, area, app, &st),
        Mode::Review => review::draw(frame, area, app, &st),
        _ => 0,
    };
    match app.mode() {
        Mode::Help | Mode::Gone | Mode::Review => {}
        Mode::StatusPick => triage::draw_status_picker(frame, area, app, &st),
        Mode::Note | Mode::Jira | Mode::RiskReason | Mode::RiskExpiry => {
            triage::draw_prompt(frame, area, app, &st)
        }
        Mode::ConfirmSync => triage::draw_confirm_sync(frame, area, app, &st),
        Mode::ConfirmExport => triage::draw_confirm_export(frame, area, app, &st),
        Mode::ViewPick => views::draw_view_picker(frame, area, app, &st),
        Mode::ColumnPick => views::draw_column_picker(frame, area, app, &st),
        Mode::Normal | Mode::Filter | Mode::Command => {}
    }
    layout
}

fn draw_footer(frame: &mut Frame, area: ratatui::layout::Rect, app: &App, st: &Styles) {
    let line = match app.mode() {
        Mode::Filter => Line::from(vec![
            Span::styled("/", st.accent()),
            Span::raw(
                posture_core::model::SafeText::line(&app.view.filter.text)
                    .display()
                    .to_string(),
            ),
            Span::styled("█", st.accent()),
            match &app.view.query_error {
                Some(e) => Span::styled(
                    format!(
                        "   {}",
                        posture_core::model::SafeText::line(&e.to_string()).display()
                    ),
                    st.error(),
                ),
                None => Span::styled("   enter keeps · esc clears", st.muted()),
            },
        ]),
        Mode::Command => Line::from(vec![
            Span::styled(":", st.accent()),
            Span::raw(
                posture_core::model::SafeText::line(match &app.modal {
                    Some(crate::app::Modal::Command(line)) => line.as_str(),
                    _ => "",
                })
                .display()
                .to_string(),
            ),
            Span::styled("█", st.accent()),
        ]),
        // A popup or a prompt: its own keys, from the keymap (gitui's
        // context line).
        Mode::Help
        | Mode::StatusPick
        | Mode::Note
        | Mode::Jira
        | Mode::RiskReason
        | Mode::RiskExpiry
        | Mode::Gone
        | Mode::ConfirmSync
        | Mode::ConfirmExport
        | Mode::Review
        | Mode::ViewPick
        | Mode::ColumnPick => {
            let context = app
                .modal
                .as_ref()
                .map_or(posture_core::config::keymap::Context::Table, |m| {
                    m.context()
                });
            let mut spans = Vec::new();
            if let Some(s) = &app.status {
                spans.push(Span::styled(format!("{s}  "), st.muted()));
            }
            for (c, action, _, keys) in app.keymap.listed() {
                if c != context {
                    continue;
                }
                if let Some(k) = keys.first() {
                    spans.push(Span::styled(format!("{k}"), st.accent()));
                    spans.push(Span::styled(format!(" {action}  "), st.muted()));
                }
            }
            Line::from(spans)
        }
        Mode::Normal => {
            let mut spans = Vec::new();
            if !app.view.filter.text.is_empty() {
                spans.push(Span::styled(
                    format!(
                        "filter: {} ",
                        posture_core::model::SafeText::line(&app.view.filter.text).display()
                    ),
                    st.accent(),
                ));
            }
            if let Some(e) = &app.view.query_error {
                spans.push(Span::styled(
                    format!(
                        "{}  ",
                        posture_core::model::SafeText::line(&e.to_string()).display()
                    ),
                    st.error(),
                ));
            }
            if let Some(s) = &app.status {
                spans.push(Span::styled(format!("{s}  "), st.muted()));
            }
            if !app.picked.is_empty() {
                spans.push(Span::styled(
                    format!("{} picked ", app.picked.len()),
                    st.accent(),
                ));
            }
            for (action, label) in [
                (Action::Help, "help"),
                (Action::Filter, "filter"),
                (Action::PickStatus, "mark"),
                (Action::ToggleDetail, "detail"),
                (Action::ToggleGroup, "group"),
                (Action::CycleSort, "sort"),
                (
                    Action::SetFloor(Some(posture_core::model::Severity::Critical)),
                    "crit only",
                ),
                (Action::ToggleOpenOnly, "closed"),
                (Action::Quit, "quit"),
            ] {
                if let Some(k) = app.keymap.keys(action).first() {
                    spans.push(Span::styled(format!("{k}"), st.accent()));
                    spans.push(Span::styled(format!(" {label}  "), st.muted()));
                }
            }
            Line::from(spans)
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}
