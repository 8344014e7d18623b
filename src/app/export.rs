//! `E`: the picked findings (or everything shown) as JIRA-ready CSV, written
//! beside the importer configuration, and remembered as exported.

use crate::export::jira::{self, Item, TicketDefaults};
use crate::model::SafeText;
use crate::triage::Mark;
use crate::triage::store::write_atomic;

use super::state::App;

pub fn export_jira(app: &mut App) {
    let idx: Vec<usize> = if app.picked.is_empty() {
        app.view.shown.clone()
    } else {
        app.picked.iter().copied().collect()
    };
    // Same rule as `posture export jira`: no second ticket for what has one.
    let handled = |i: usize| {
        let mark = app
            .findings
            .get(i)
            .and_then(|f| app.marks()?.get(f.fingerprint.as_str()));
        jira::already_handled(&app.facts_of(i), mark)
    };
    let idx: Vec<usize> = idx.into_iter().filter(|&i| !handled(i)).collect();
    if idx.is_empty() {
        app.status =
            Some("nothing to export: every finding here has a ticket or a decision".into());
        return;
    }
    let today = crate::triage::mark::day_of(app.now);
    let fallback = crate::routing::default_route(crate::model::Severity::Unknown);
    let marks = app.marks();
    let items: Vec<Item> = idx
        .iter()
        .filter_map(|&i| {
            let f = app.findings.get(i)?;
            Some(Item {
                finding: f,
                route: app.routes.get(i).unwrap_or(&fallback),
                due: crate::routing::due_date(&app.router.sla, f.severity, f.first_seen, today),
                note: marks
                    .and_then(|m| m.get(f.fingerprint.as_str()))
                    .map_or("", |m| m.note.as_str()),
            })
        })
        .collect();
    let tickets = jira::tickets(
        &items,
        app.view.grouped && !app.view.by_owner,
        &TicketDefaults { issue_type: "Task" },
    );
    let stamp = app.now.to_rfc3339().replace([':', '-'], "");
    let path = app.export_dir.join(format!("posture-jira-{stamp}.csv"));
    let written = jira::write_csv(Vec::new(), &tickets)
        .map_err(|e| e.to_string())
        .and_then(|bytes| write_atomic(&path, &bytes).map_err(|e| e.to_string()))
        .and_then(|()| {
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let config = serde_json::to_vec_pretty(&jira::importer_config(&tickets, &name))
                .map_err(|e| e.to_string())?;
            write_atomic(&path.with_extension("json"), &config).map_err(|e| e.to_string())
        });
    if let Err(e) = written {
        app.status = Some(format!(
            "export failed: {}: {}",
            path.display(),
            SafeText::line(&e).display()
        ));
        return;
    }
    let file = path.display().to_string();
    let user = app.triage.user.clone();
    let now = app.now;
    let mut note = format!(
        "exported {} ticket{} to {file}",
        tickets.len(),
        if tickets.len() == 1 { "" } else { "s" }
    );
    if let Some(store) = app.triage.store.as_mut() {
        let changes: Vec<(String, Mark)> = idx
            .iter()
            .filter_map(|&i| {
                let f = app.findings.get(i)?;
                let fp = f.fingerprint.to_string();
                let mut m = store.mark_or_new(&fp, &user, now);
                m.exported = file.clone();
                m.exported_at = Some(now);
                m.stamp(&user, now, Some(f));
                Some((fp, m))
            })
            .collect();
        if let Err(e) = store.apply(changes, "export") {
            note.push_str(&format!(" — but not marked exported: {e}"));
        }
    }
    if tickets.len() > jira::IMPORTER_ROW_LIMIT {
        note.push_str(" (over 250 rows: use `posture export jira --split 250`)");
    }
    app.picked.clear();
    app.refresh_facts();
    app.status = Some(SafeText::line(&note).display().to_string());
}
