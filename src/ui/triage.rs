//! Triage popups: the status picker, the text prompts and the list of marks
//! whose finding has gone.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::help::centered;
use super::style::Styles;
use crate::app::{App, Mode};
use posture_core::config::keymap::{Action, Context};
use posture_core::model::SafeText;
use posture_core::model::date::{day_of, format_date};
use posture_core::triage::Status;

fn popup_block<'a>(title: String, st: &Styles) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(st.border())
        .title(Span::styled(title, st.accent()))
}

fn target_label(app: &App) -> String {
    let n = crate::app::triage::targets(app).len();
    format!("{n} finding{}", if n == 1 { "" } else { "s" })
}

/// The picker lists each status with its keys from the keymap (remappable).
pub fn draw_status_picker(frame: &mut Frame, area: Rect, app: &App, st: &Styles) {
    let mut lines = Vec::new();
    for status in Status::ALL {
        let keys: Vec<String> = app
            .keymap
            .keys_in(Context::Picker, Action::Mark(status))
            .iter()
            .map(ToString::to_string)
            .collect();
        lines.push(Line::from(vec![
            Span::styled(format!(" {} ", keys.join(" ")), st.accent()),
            Span::raw(status.as_str()),
            Span::styled(
                if status == Status::AcceptedRisk {
                    "  (asks reason and expiry)"
                } else {
                    ""
                },
                st.muted(),
            ),
        ]));
    }
    lines.push(Line::styled(" any other key cancels", st.muted()));
    let height = lines.len() as u16 + 2;
    let title = format!(" status of {} ", target_label(app));
    show_popup(frame, centered(area, 46, height), title, lines, st);
}

/// A popup over the table: cleared, framed and titled, long lines wrapped.
pub(super) fn show_popup(
    frame: &mut Frame,
    popup: Rect,
    title: String,
    lines: Vec<Line>,
    st: &Styles,
) {
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup_block(title, st))
            .style(st.base())
            .wrap(Wrap { trim: false }),
        popup,
    );
}

pub fn draw_prompt(frame: &mut Frame, area: Rect, app: &App, st: &Styles) {
    let Some(crate::app::Modal::Prompt(prompt)) = &app.modal else {
        return;
    };
    let (title, help) = match app.mode() {
        Mode::Note => (
            "note",
            "enter saves · alt-enter / ctrl-j new line · ctrl-u clears · esc cancels",
        ),
        Mode::Jira => ("JIRA key", "e.g. SEC-123 · empty clears · esc cancels"),
        Mode::RiskReason => (
            "accept risk: why?",
            "enter: next (expiry date) · esc cancels",
        ),
        Mode::RiskExpiry => (
            "accept risk until",
            "YYYY-MM-DD, or 30d / 12w from today · enter saves · esc cancels",
        ),
        _ => return,
    };
    let shown = SafeText::multi(&prompt.text).display().to_string();
    let mut lines: Vec<Line> = shown
        .split('\n')
        .map(|l| Line::raw(l.to_string()))
        .collect();
    if let Some(last) = lines.last_mut() {
        last.spans.push(Span::styled("█", st.accent()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(help, st.muted()));
    if let Some(s) = &app.status
        && matches!(app.mode(), Mode::Jira | Mode::RiskReason | Mode::RiskExpiry)
    {
        lines.push(Line::styled(s.clone(), st.error()));
    }
    let height = lines.len() as u16 + 4;
    let title = format!(" {title} — {} ", target_label(app));
    show_popup(frame, centered(area, 76, height), title, lines, st);
}

pub fn draw_confirm_sync(frame: &mut Frame, area: Rect, app: &App, st: &Styles) {
    let Some(crate::app::Modal::ConfirmSync(batches)) = &app.modal else {
        return;
    };
    let n: usize = batches.iter().map(|b| b.items.len()).sum();
    let mut lines = vec![Line::raw(format!(
        "Send {n} workflow update{} to Security Hub (BatchUpdateFindings)?",
        if n == 1 { "" } else { "s" }
    ))];
    for b in batches.iter().take(8) {
        lines.push(Line::styled(
            format!(
                "  {} × {}{} in {}",
                b.items.len(),
                b.workflow,
                if b.note.is_some() { " + note" } else { "" },
                SafeText::line(&b.region).display()
            ),
            st.muted(),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("{} sends · any other key cancels", confirm_keys(app)),
        st.accent(),
    ));
    let height = lines.len() as u16 + 2;
    let title = " sync to Security Hub ".to_string();
    show_popup(frame, centered(area, 70, height), title, lines, st);
}

/// `E`'s question: how many tickets, which file or files, and that a no
/// writes nothing.
pub fn draw_confirm_export(frame: &mut Frame, area: Rect, app: &App, st: &Styles) {
    let Some(crate::app::Modal::ConfirmExport(plan)) = &app.modal else {
        return;
    };
    let file = plan.out.display().to_string();
    let mut lines = vec![Line::raw(format!(
        "Write {} JIRA ticket{} for {} finding{}?",
        plan.tickets,
        if plan.tickets == 1 { "" } else { "s" },
        plan.findings.len(),
        if plan.findings.len() == 1 { "" } else { "s" },
    ))];
    match plan.split {
        Some(n) if plan.files() > 1 => {
            let stem = file.strip_suffix(".csv").unwrap_or(&file);
            lines.push(Line::styled(
                format!(
                    "  {} files of at most {n}: {stem}-1.csv … -{}.csv",
                    plan.files(),
                    plan.files()
                ),
                st.muted(),
            ));
        }
        _ => lines.push(Line::styled(format!("  to {file}"), st.muted())),
    }
    lines.push(Line::styled(
        "  with the importer configuration beside each; the findings are remembered as exported",
        st.muted(),
    ));
    lines.push(Line::raw(""));
    let push = if app.jira_push {
        let keys: Vec<String> = app
            .keymap
            .keys_in(Context::Confirm, Action::PushJira)
            .iter()
            .map(ToString::to_string)
            .collect();
        format!(
            " · {} pushes to Jira instead (nothing created twice)",
            keys.join("/")
        )
    } else {
        String::new()
    };
    lines.push(Line::styled(
        format!(
            "{} writes the CSV{push} · any other key cancels",
            confirm_keys(app)
        ),
        st.accent(),
    ));
    let height = lines.len() as u16 + 4;
    let title = " export to JIRA ".to_string();
    show_popup(frame, centered(area, 96, height), title, lines, st);
}

fn confirm_keys(app: &App) -> String {
    let keys: Vec<String> = app
        .keymap
        .keys_in(Context::Confirm, Action::Confirm)
        .iter()
        .map(ToString::to_string)
        .collect();
    keys.join(" / ")
}

/// Draws the gone marks; returns how far the list can scroll.
pub fn draw_gone(frame: &mut Frame, area: Rect, app: &App, st: &Styles) -> u16 {
    let gone = app.session.gone();
    let today = day_of(app.session.now);
    let mut lines = vec![
        Line::styled(
            "Marked findings not in the current inputs (fixed, or not loaded). Kept, never dropped.",
            st.muted(),
        ),
        Line::raw(""),
    ];
    if gone.is_empty() {
        lines.push(Line::raw("None: every mark's finding is loaded."));
    }
    for (fp, m) in &gone {
        let eff = m.effective(today);
        let status = if eff.expired {
            format!(
                "risk expired {}",
                m.expires.map(format_date).unwrap_or_default()
            )
        } else {
            m.status.to_string()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<16}", status), st.accent()),
            Span::raw(SafeText::line(&m.title).display().to_string()),
        ]));
        lines.push(Line::styled(
            format!(
                "  {}  {}  by {} at {}",
                SafeText::line(fp).display(),
                SafeText::line(&m.resource).display(),
                SafeText::line(&m.by).display(),
                m.at
            ),
            st.muted(),
        ));
    }
    let popup = centered(area, 110, area.height.saturating_sub(4));
    frame.render_widget(Clear, popup);
    let block = popup_block(
        format!(
            " gone: {} mark{} (j/k scroll, any key closes) ",
            gone.len(),
            if gone.len() == 1 { "" } else { "s" }
        ),
        st,
    );
    let inner = block.inner(popup);
    let max = super::scroll_max(&lines, inner.width, inner.height);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(st.base())
            .wrap(Wrap { trim: false })
            .scroll((gone_scroll(app).min(max), 0)),
        popup,
    );
    max
}

fn gone_scroll(app: &App) -> u16 {
    match &app.modal {
        Some(crate::app::Modal::Gone(scroll)) => scroll.offset,
        _ => 0,
    }
}
