//! Triage from the dashboard: picking findings, the status picker and the
//! prompts for note, risk acceptance and JIRA key. Saving is an effect.

use posture_core::model::date::{format_date, parse_date};
use posture_core::triage::{Mark, Status};

use super::effect::{Effect, MarkChange};
use super::modal::{Modal, Prompt, PromptKind};
use super::state::App;
use super::view::Row;

/// The findings a triage action applies to: the picked ones, else the row
/// under the cursor (every member of a group).
pub fn targets(app: &App) -> Vec<usize> {
    if !app.picked.is_empty() {
        return app.picked.iter().copied().collect();
    }
    match app.view.selected_row() {
        Some(Row::Finding(i)) => vec![*i],
        // The last grouping's members, while the new one is worked out,
        // may not be what the filter shows.
        Some(Row::Group(_)) if app.view.groups_pending() => Vec::new(),
        Some(Row::Group(g)) => g.members.to_vec(),
        None => Vec::new(),
    }
}

/// Space: picks or unpicks the row (a group: all its members), then moves on.
pub fn toggle_pick(app: &mut App) {
    let members = match app.view.selected_row() {
        Some(Row::Finding(i)) => vec![*i],
        Some(Row::Group(_)) if app.view.groups_pending() => {
            app.status = Some("still grouping — press space again in a moment".to_string());
            return;
        }
        Some(Row::Group(g)) => g.members.to_vec(),
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

/// Why triage cannot start: nothing to act on, or nowhere to save.
fn cannot_start(app: &App) -> Option<String> {
    if targets(app).is_empty() {
        return Some(if app.view.groups_pending() {
            "still grouping — try again in a moment".to_string()
        } else {
            "no finding selected".to_string()
        });
    }
    app.session.save_problem().map(|e| e.to_string())
}

/// Opens the status picker.
pub fn open_picker(app: &mut App) {
    match cannot_start(app) {
        Some(problem) => app.status = Some(problem),
        None => {
            app.status = None;
            app.modal = Some(Modal::StatusPicker);
        }
    }
}

/// Opens a text prompt, prefilled with the targets' common value.
pub fn begin(app: &mut App, kind: PromptKind) {
    if let Some(problem) = cannot_start(app) {
        app.status = Some(problem);
        return;
    }
    let text = match kind {
        PromptKind::Note => common(app, |m| m.note.clone()),
        PromptKind::Jira => common(app, |m| m.jira.clone()),
        PromptKind::RiskReason => common(app, |m| m.reason.clone()),
        PromptKind::RiskExpiry { .. } => String::new(),
    };
    app.status = None;
    app.modal = Some(Modal::Prompt(Prompt { kind, text }));
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

/// `mark STATUS` straight from a key or the command line.
pub fn mark(app: &mut App, status: Status) -> Vec<Effect> {
    if let Some(problem) = cannot_start(app) {
        app.status = Some(problem);
        return Vec::new();
    }
    choose_status(app, status)
}

/// The status picker's choice. Accepting a risk asks for a reason and an expiry first.
pub fn choose_status(app: &mut App, status: Status) -> Vec<Effect> {
    if status == Status::AcceptedRisk {
        begin(app, PromptKind::RiskReason);
        return Vec::new();
    }
    advance_after(app);
    save(app, MarkChange::Status(status), format!("marked {status}"))
}

/// A decision on the row under the cursor (nothing picked) moves the cursor
/// on to the next row once saved, as k9s and lazygit do; see [`saved`].
fn advance_after(app: &mut App) {
    let single = app.picked.is_empty();
    app.advance_from = single
        .then(|| app.view.selected_row().map(|_| app.view.selected))
        .flatten();
    app.advance_fingerprint = single
        .then(|| app.selected_finding().map(|f| f.fingerprint.to_string()))
        .flatten();
}

/// Enter in a prompt.
pub fn submit(app: &mut App, prompt: Prompt) -> Vec<Effect> {
    let Prompt { kind, text } = prompt;
    match kind {
        PromptKind::Note => save(
            app,
            MarkChange::Note(text.trim_end().to_string()),
            "note saved".into(),
        ),
        PromptKind::Jira => {
            let key = text.trim().to_uppercase();
            if !key.is_empty() && !posture_core::triage::mark::is_jira_key(&key) {
                app.status = Some(format!("{key:?} is not a JIRA key (e.g. SEC-123)"));
                app.modal = Some(Modal::Prompt(Prompt {
                    kind: PromptKind::Jira,
                    text,
                }));
                return Vec::new();
            }
            save(app, MarkChange::Jira(key), "JIRA key saved".into())
        }
        PromptKind::RiskReason => {
            if text.trim().is_empty() {
                app.status = Some("accepting a risk needs a reason".to_string());
                app.modal = Some(Modal::Prompt(Prompt {
                    kind: PromptKind::RiskReason,
                    text,
                }));
                return Vec::new();
            }
            app.modal = Some(Modal::Prompt(Prompt {
                kind: PromptKind::RiskExpiry {
                    reason: text.trim().to_string(),
                },
                text: "90d".to_string(),
            }));
            Vec::new()
        }
        PromptKind::RiskExpiry { reason } => {
            let today = app.session.today();
            let refused = match parse_date(&text, today) {
                Ok(d) if d >= today => {
                    let change = MarkChange::AcceptRisk { reason, expires: d };
                    advance_after(app);
                    return save(app, change, "risk accepted".into());
                }
                Ok(d) => format!("{} is in the past", format_date(d)),
                Err(e) => e.to_string(),
            };
            app.status = Some(refused);
            app.modal = Some(Modal::Prompt(Prompt {
                kind: PromptKind::RiskExpiry { reason },
                text,
            }));
            Vec::new()
        }
    }
}

fn save(app: &mut App, change: MarkChange, done: String) -> Vec<Effect> {
    vec![Effect::SaveMarks {
        targets: targets(app),
        change,
        done,
    }]
}

/// The answer to a save. On failure nothing changed on disk or on screen,
/// and the status line says why.
pub fn saved(app: &mut App, result: Result<usize, String>, done: &str) {
    match result {
        Ok(n) => {
            app.picked.clear();
            app.view.facts_changed();
            app.refresh_view();
            // Still there after the save (no filter hid it): on to the next.
            // Hidden, the next row has already moved up under the cursor.
            if let Some(row) = app.advance_from.take()
                && app.view.selected == row
                && row + 1 < app.view.rows.len()
                && still_shown(app, row)
            {
                super::actions::move_selection(app, 1);
            }
            app.status = Some(format!(
                "{done}: {n} finding{}",
                if n == 1 { "" } else { "s" }
            ));
        }
        Err(e) => {
            app.advance_from = None;
            app.status = Some(e);
        }
    }
}

/// Whether the row at `row` is the one that was marked: the save kept it
/// in view (its fingerprint was remembered as the cursor's).
fn still_shown(app: &App, row: usize) -> bool {
    app.advance_fingerprint.as_deref().is_some_and(|fp| {
        app.view
            .rows
            .get(row)
            .and_then(|r| match r {
                super::view::Row::Finding(i) => app.session.findings.get(*i),
                super::view::Row::Group(g) => {
                    g.members.first().and_then(|i| app.session.findings.get(*i))
                }
            })
            .is_some_and(|f| f.fingerprint.as_str() == fp)
    })
}
