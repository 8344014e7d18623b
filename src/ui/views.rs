//! The saved views' picker (`V`): each view numbered, with what it does.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::help::centered;
use super::style::Styles;
use crate::app::{App, Modal};
use posture_core::model::SafeText;

pub fn draw_view_picker(frame: &mut Frame, area: Rect, app: &App, st: &Styles) {
    let Some(Modal::ViewPicker { marked }) = &app.modal else {
        return;
    };
    let mut lines = Vec::new();
    for (i, (name, view)) in app.views.iter().enumerate() {
        let key = if i < 9 {
            format!(" {} ", i + 1)
        } else {
            "   ".to_string()
        };
        let mut what = Vec::new();
        if let Some(q) = &view.query {
            what.push(q.text.clone());
        }
        if let Some(sort) = view.sort {
            what.push(format!("sort {}", sort.name()));
        }
        if let Some(group) = view.group {
            what.push(format!(
                "group {}",
                group.map_or("off", posture_core::query::grouping::GroupBy::name)
            ));
        }
        let shown = app.current_view.as_deref() == Some(name.as_str());
        let name_style = if i == *marked {
            st.selection()
        } else {
            st.base()
        };
        lines.push(Line::from(vec![
            Span::styled(key, st.accent()),
            Span::styled(
                format!(
                    "{}{}",
                    SafeText::line(name).display(),
                    if shown { " (shown)" } else { "" }
                ),
                name_style,
            ),
            Span::styled(
                format!("  {}", SafeText::line(&what.join(" · ")).display()),
                st.muted(),
            ),
        ]));
    }
    lines.push(Line::styled(
        " 1-9 shows one · enter the marked · j/k move · esc closes",
        st.muted(),
    ));
    let height = (lines.len() as u16 + 2).min(area.height);
    super::triage::show_popup(
        frame,
        centered(area, 72, height),
        " saved views ".to_string(),
        lines,
        st,
    );
}

/// `c`: each optional column with its number and whether it shows now.
pub fn draw_column_picker(frame: &mut Frame, area: Rect, app: &App, st: &Styles) {
    use posture_core::config::keymap::Column;
    let width = app.layout.width;
    let mut lines = Vec::new();
    for (i, c) in Column::ALL.iter().enumerate() {
        let shown = crate::app::column_shown(*c, width, &app.columns);
        let why = match app.columns.get(c) {
            Some(_) => "your choice",
            None => "as the width allows",
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {} ", i + 1), st.accent()),
            Span::raw(format!(
                "[{}] {:<8}",
                if shown { "x" } else { " " },
                c.name()
            )),
            Span::styled(format!("  {why}"), st.muted()),
        ]));
    }
    lines.push(Line::styled(
        " 1-5 shows or hides one · any other key closes",
        st.muted(),
    ));
    let height = lines.len() as u16 + 2;
    super::triage::show_popup(
        frame,
        centered(area, 50, height),
        " columns ".to_string(),
        lines,
        st,
    );
}
