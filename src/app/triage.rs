//! Triage from the dashboard: picking findings, setting status, note, risk
//! acceptance and JIRA key, and saving through the store.

use posture_core::model::date::parse_date;
use posture_core::triage::{Mark, Status};

use super::state::{App, Mode};
use super::view::Row;

/// The findings a triage action applies to: the picked ones, else the row
/// under the cursor (every member of a group).
pub fn targets(app: &App) -> Vec<usize> {
    if !app.picked.is_empty() {
        return app.picked.iter().copied().collect();
    }
    match app.view.selected_row() {
        Some(Row::Finding(i)) => vec![*i],
        Some(Row::Group(g)) => g.members.clone(),
        None => Vec::new(),
    }
}

/// Space: picks or unpicks the row (a group: all its members), then moves on.
pub fn toggle_pick(app: &mut App) {
    let members = match app.view.selected_row() {
        Some(Row::Finding(i)) => vec![*i],
        Some(Row::Group(g)) => g.members.clone(),
        None => return,
    };
    if members.iter().all(|i| app.picked.contains(i)) {
        for i in &members {
            app.picked.remove(i);
        }
    } else {
        app.picked.extend(members);
    }
    app.view.move_by(1);
    app.view.ensure_visible(app.page_size());
    app.status = Some(picked_status(app));
}

/// `v`: picks everything the filter shows, or unpicks all if that is done already.
pub fn pick_all(app: &mut App) {
    let shown = &app.view.shown;
    if !shown.is_empty() && shown.iter().all(|i| app.picked.contains(i)) {
        app.picked.clear();
    } else {
        app.picked.extend(shown.iter().copied());
    }
    app.status = Some(picked_status(app));
}

fn picked_status(app: &App) -> String {
    match app.picked.len() {
        0 => "nothing picked".to_string(),
        n => format!("{n} picked — m sets status, n adds a note, esc unpicks"),
    }
}

/// Opens a triage prompt, unless there is nothing to act on or nowhere to save.
pub fn begin(app: &mut App, mode: Mode) {
    if targets(app).is_empty() {
        app.status = Some("no finding selected".to_string());
        return;
    }
    if let Some(problem) = save_problem(app) {
        app.status = Some(problem);
        return;
    }
    app.input = match mode {
        Mode::Note => common(app, |m| m.note.clone()),
        Mode::Jira => common(app, |m| m.jira.clone()),
        _ => String::new(),
    };
    app.status = None;
    app.mode = mode;
}

/// Why marks cannot be saved right now, if they cannot.
pub fn save_problem(app: &App) -> Option<String> {
    app.session.save_problem().map(|e| e.to_string())
}

/// A field's value when every target has the same one (else empty), to prefill prompts.
fn common(app: &App, field: impl Fn(&Mark) -> String) -> String {
    let mut values = targets(app)
        .into_iter()
        .map(|i| app.session.mark(i).map(&field).unwrap_or_default());
    let first = values.next().unwrap_or_default();
    if values.all(|v| v == first) {
        first
    } else {
        String::new()
    }
}

/// The status picker's choice. Accepting a risk asks for a reason and an expiry first.
pub fn choose_status(app: &mut App, status: Status) {
    if status == Status::AcceptedRisk {
        app.input = common(app, |m| m.reason.clone());
        app.status = None;
        app.mode = Mode::RiskReason;
        return;
    }
    app.mode = Mode::Normal;
    update_marks(app, &format!("marked {status}"), |m| {
        m.status = status;
        m.reason.clear();
        m.expires = None;
    });
}

/// Enter in a prompt.
pub fn submit(app: &mut App) {
    let text = std::mem::take(&mut app.input);
    match app.mode {
        Mode::Note => {
            app.mode = Mode::Normal;
            update_marks(app, "note saved", |m| m.note = text.trim_end().to_string());
        }
        Mode::Jira => {
            let key = text.trim().to_uppercase();
            if !key.is_empty() && !posture_core::triage::mark::is_jira_key(&key) {
                app.status = Some(format!("{key:?} is not a JIRA key (e.g. SEC-123)"));
                app.input = text;
                return;
            }
            app.mode = Mode::Normal;
            update_marks(app, "JIRA key saved", |m| m.jira = key.clone());
        }
        Mode::RiskReason => {
            if text.trim().is_empty() {
                app.status = Some("accepting a risk needs a reason".to_string());
                return;
            }
            app.risk_reason = text.trim().to_string();
            app.input = "90d".to_string();
            app.mode = Mode::RiskExpiry;
        }
        Mode::RiskExpiry => {
            let today = app.session.today();
            match parse_date(&text, today) {
                Ok(d) if d >= today => {
                    app.mode = Mode::Normal;
                    let reason = std::mem::take(&mut app.risk_reason);
                    update_marks(app, "risk accepted", |m| {
                        m.status = Status::AcceptedRisk;
                        m.reason = reason.clone();
                        m.expires = Some(d);
                    });
                }
                Ok(d) => {
                    app.status = Some(format!(
                        "{} is in the past",
                        posture_core::model::date::format_date(d)
                    ));
                    app.input = text;
                }
                Err(e) => {
                    app.status = Some(e.to_string());
                    app.input = text;
                }
            }
        }
        _ => app.mode = Mode::Normal,
    }
}

/// Changes the targets' marks and saves them. On failure nothing changes on
/// screen or on disk, and the status line says why.
fn update_marks(app: &mut App, done: &str, change: impl Fn(&mut Mark)) {
    let idx = targets(app);
    match app.session.update_marks(&idx, "tui", change) {
        Ok(n) => {
            app.picked.clear();
            app.view.facts_changed();
            app.refresh_view();
            app.status = Some(format!(
                "{done}: {n} finding{}",
                if n == 1 { "" } else { "s" }
            ));
        }
        Err(e) => app.status = Some(e.to_string()),
    }
}
