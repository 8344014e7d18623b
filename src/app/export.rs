//! `E`: the picked findings (or everything shown) as JIRA-ready CSV, written
//! beside the importer configuration, and remembered as exported. The
//! writing is an effect; its answer comes back as [`Event::Exported`].
//!
//! [`Event::Exported`]: super::effect::Event::Exported

use std::path::Path;

use posture_core::export::jira;
use posture_core::model::SafeText;
use posture_core::session::export::JiraExported;

use super::effect::Effect;
use super::state::App;

pub fn export_jira(app: &mut App) -> Vec<Effect> {
    let idx: Vec<usize> = if app.picked.is_empty() {
        app.view.shown.clone()
    } else {
        app.picked.iter().copied().collect()
    };
    // Same rule as `posture export jira`: no second ticket for what has one.
    if idx.iter().all(|&i| app.session.already_handled(i)) {
        app.status =
            Some("nothing to export: every finding here has a ticket or a decision".into());
        return Vec::new();
    }
    let stamp = app.session.now.to_rfc3339().replace([':', '-'], "");
    vec![Effect::ExportJira {
        findings: idx,
        by_rule: app.view.grouped && !app.view.by_owner,
        out: app.export_dir.join(format!("posture-jira-{stamp}.csv")),
    }]
}

pub fn exported(app: &mut App, path: &Path, result: Result<JiraExported, String>) {
    let done = match result {
        Ok(done) => done,
        Err(e) => {
            app.status = Some(format!(
                "export failed: {}: {}",
                path.display(),
                SafeText::line(&e).display()
            ));
            return;
        }
    };
    let mut note = format!(
        "exported {} ticket{} to {}",
        done.tickets,
        if done.tickets == 1 { "" } else { "s" },
        path.display()
    );
    if let Some((_, e)) = &done.not_recorded {
        note.push_str(&format!(" — but not marked exported: {e}"));
    }
    if done.tickets > jira::IMPORTER_ROW_LIMIT {
        note.push_str(" (over 250 rows: use `posture export jira --split 250`)");
    }
    app.picked.clear();
    app.view.facts_changed();
    app.refresh_view();
    app.status = Some(SafeText::line(&note).display().to_string());
}
