//! The `?` overlay: every binding, straight from the action table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::style::Styles;
use crate::app::App;
use posture_core::config::keymap::ACTIONS;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, st: &Styles) {
    let mut lines = vec![
        Line::styled(
            "Keys — j/k scroll, any other key closes; rebind in config.toml [keys]",
            st.muted(),
        ),
        Line::raw(""),
    ];
    for a in ACTIONS {
        let keys: Vec<String> = app
            .keymap
            .keys(a.action)
            .iter()
            .map(ToString::to_string)
            .collect();
        lines.push(Line::from(vec![
            Span::styled(format!("{:<22}", keys.join(" ")), st.accent()),
            Span::raw(a.help),
            Span::styled(format!("  :{}", a.name), st.muted()),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        ":sort COLUMN  :severity LEVEL|all  :source NAME|all  :filter TEXT  :theme NAME  :quit",
        st.muted(),
    ));
    lines.push(Line::styled(
        ":mark STATUS  :note TEXT  :jira KEY  :status-filter new,acknowledged|all",
        st.muted(),
    ));
    lines.push(Line::styled(
        "Mouse: wheel scrolls, click selects.",
        st.muted(),
    ));
    let popup = centered(area, 96, lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(st.border())
        .title(Span::styled(" help ", st.accent()));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(st.base())
            .scroll((app.help_scroll, 0)),
        popup,
    );
}

/// A popup of at most `width` × `height`, centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    popup
}
