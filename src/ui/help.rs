//! The `?` overlay: every binding of every context, straight from the keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::style::Styles;
use crate::app::App;
use posture_core::config::keymap::Context;

/// The query grammar, as `?` shows it.
const QUERY_HELP: &[&str] = &[
    "  cve 2023            every word, anywhere in title, resource, rule, account, namespace, owner, source, cluster",
    "  \"a phrase\"  ~regex  words in that order; a regular expression (case-insensitive)",
    "  sev:critical,high   a set; also sev>=high sev<medium; age>30d age<=2w",
    "  ns:pay*  owner:sre  globs on namespace (ns), account, region, cluster, rule, resource, title, owner, source",
    "  layer:code  status:new,acknowledged  new:yes  overdue:yes  tag:Owner=pay*  label:team=pay*",
    "  exploit:yes  kev:yes  fix:no  epss>=0.5 (or 50%)   exploit known (KEV counts), in KEV, no fix, EPSS",
    "  !term  a or b       not; either side (or binds last: a b or c is (a and b) or c)",
];

/// Draws the overlay; returns how far it can scroll.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, st: &Styles) -> u16 {
    let mut lines = vec![Line::styled(
        "Keys — j/k scroll, any other key closes; rebind in config.toml [keys] \
             (\"ACTION\" or \"CONTEXT: ACTION\" = [KEYS])",
        st.muted(),
    )];
    let mut context = None;
    for (c, action, help, keys) in app.keymap.listed() {
        if context != Some(c) {
            context = Some(c);
            lines.push(Line::raw(""));
            lines.push(Line::styled(context_title(c), st.accent()));
        }
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        let name = match c {
            Context::Table => format!("  :{action}"),
            c => format!("  {}: {action}", c.name()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<22}", keys.join(" ")), st.accent()),
            Span::raw(help),
            Span::styled(format!("  {}", name.trim_start()), st.muted()),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        ":sort COLUMN  :floor LEVEL|all  :source NAME|all  :filter TEXT  :theme NAME  :quit",
        st.muted(),
    ));
    lines.push(Line::styled(
        ":mark STATUS  :note TEXT  :jira KEY  :status-filter new,acknowledged|all  :owner NAME",
        st.muted(),
    ));
    lines.push(Line::styled(
        ":layer LAYER|all  :group rule|owner|layer|off  :column source|layer|scope|owner|risk  :view [NAME]",
        st.muted(),
    ));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "The / query (also --query on the commands)",
        st.accent(),
    ));
    for line in QUERY_HELP {
        lines.push(Line::raw(*line));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Mouse: wheel scrolls, click selects.",
        st.muted(),
    ));
    let scroll = match &app.modal {
        Some(crate::app::Modal::Help(s)) => s.offset,
        _ => 0,
    };
    // `/` in help: only the lines that hold the filter (case-insensitive).
    let filter = app
        .help_filter
        .as_deref()
        .unwrap_or_default()
        .to_lowercase();
    if !filter.is_empty() {
        lines.retain(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            text.to_lowercase().contains(&filter)
        });
        if lines.is_empty() {
            lines.push(Line::styled("nothing matches", st.muted()));
        }
    }
    let title = match &app.help_filter {
        Some(f) => format!(
            " help /{}{} ",
            posture_core::model::SafeText::line(f).display(),
            if app.help_typing { "█" } else { "" }
        ),
        None => " help (/ filters) ".to_string(),
    };
    // As wide as the terminal allows (lines wrap rather than being cut),
    // as high as its lines need.
    let width = area.width.saturating_sub(2).min(160);
    let rows = super::scroll_max(&lines, width.saturating_sub(2), 0);
    let popup = centered(area, width, rows.saturating_add(2));
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(st.border())
        .title(Span::styled(title, st.accent()));
    let inner = block.inner(popup);
    let max = super::scroll_max(&lines, inner.width, inner.height);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(st.base())
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((scroll.min(max), 0)),
        popup,
    );
    max
}

fn context_title(c: Context) -> &'static str {
    match c {
        Context::Table => "The table",
        Context::Picker => "Status picker (m)",
        Context::Confirm => "Questions",
        Context::Input => "Typing: filter, command line, prompts",
        Context::Popup => "Help, gone marks, review",
    }
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
