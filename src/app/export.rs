//! `E`: the picked findings (or everything shown) as JIRA-ready CSV, written
//! beside the importer configuration, and remembered as exported. It says
//! what it would write (tickets, file, split) and asks first; the writing is
//! an effect, whose answer comes back as [`Event::Exported`].
//!
//! [`Event::Exported`]: super::effect::Event::Exported

use std::path::Path;

use posture_core::config::keymap::Action;
use posture_core::export::jira;
use posture_core::model::SafeText;
use posture_core::query::grouping::GroupBy;
use posture_core::session::export::JiraExported;

use super::effect::Effect;
use super::modal::{ExportPlan, Modal};
use super::state::App;

pub fn export_jira(app: &mut App) {
    let idx: Vec<usize> = if app.picked.is_empty() {
        app.view.shown.clone()
    } else {
        app.picked.iter().copied().collect()
    };
    // Same rule as `posture export jira`: no second ticket for what has one.
    let findings: Vec<usize> = idx
        .into_iter()
        .filter(|&i| !app.session.already_handled(i))
        .collect();
    if findings.is_empty() {
        app.status =
            Some("nothing to export: every finding here has a ticket or a decision".into());
        return;
    }
    let by_rule = app.view.grouped && app.view.group_by == GroupBy::Rule;
    let tickets = app.session.tickets(&findings, by_rule, None).len();
    let stamp = app.session.now.to_rfc3339().replace([':', '-'], "");
    app.modal = Some(Modal::ConfirmExport(ExportPlan {
        findings,
        by_rule,
        tickets,
        out: app.export_dir.join(format!("posture-jira-{stamp}.csv")),
        // Jira's importer takes this many rows unless one is an admin.
        split: (tickets > jira::IMPORTER_ROW_LIMIT).then_some(jira::IMPORTER_ROW_LIMIT),
    }));
}

/// The answer to the question: only a yes writes; `p` pushes to Jira
/// instead, when Jira is set up.
pub fn answer(app: &mut App, plan: ExportPlan, action: Option<Action>) -> Vec<Effect> {
    if action == Some(Action::PushJira) && app.jira_push {
        app.status = Some(format!(
            "pushing {} ticket{} to Jira…",
            plan.tickets,
            if plan.tickets == 1 { "" } else { "s" }
        ));
        return vec![Effect::PushJira {
            findings: plan.findings,
            by_rule: plan.by_rule,
        }];
    }
    if action != Some(Action::Confirm) {
        app.status = Some("export cancelled: nothing written".into());
        return Vec::new();
    }
    vec![Effect::ExportJira {
        findings: plan.findings,
        by_rule: plan.by_rule,
        out: plan.out,
        split: plan.split,
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
    let files: Vec<String> = done
        .files
        .iter()
        .map(|f| f.csv.display().to_string())
        .collect();
    let mut note = format!(
        "exported {} ticket{} to {}",
        done.tickets,
        if done.tickets == 1 { "" } else { "s" },
        files.join(", ")
    );
    if let Some((_, e)) = &done.not_recorded {
        note.push_str(&format!(" — but not marked exported: {e}"));
    }
    app.picked.clear();
    app.view.facts_changed();
    app.refresh_view();
    app.status = Some(SafeText::line(&note).display().to_string());
}

/// A push's answer: its keys go on the marks (an effect), or its error is said.
pub fn pushed(app: &mut App, result: Result<posture_live::jira::Pushed, String>) -> Vec<Effect> {
    match result {
        Ok(done) => vec![Effect::RecordPushed(done)],
        Err(e) => {
            app.status = Some(format!(
                "push to Jira failed: {}",
                SafeText::line(&e).display()
            ));
            Vec::new()
        }
    }
}
