//! The `:` command line: any action in its text form (`floor high`, `sort
//! title`, `mark false-positive`, `group`), plus the commands that take
//! free text (`filter`, `theme`, `status-filter`, `owner`, `source`, `layer`,
//! `view`, `note`, `jira`).

use posture_core::config::keymap::{Action, ActionError};
use posture_core::model::Source;

use super::actions::{apply, set_status_filter, set_theme};
use super::effect::Effect;
use super::modal::{Modal, PromptKind};
use super::state::App;
use super::triage;

pub fn run(app: &mut App, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else {
        return Vec::new();
    };
    let arg = words.collect::<Vec<_>>().join(" ");
    match (cmd, arg.as_str()) {
        ("q" | "exit", _) => app.quit = true,
        ("source", s) if !s.is_empty() => set_source(app, s),
        ("layer", s) if !s.is_empty() => set_layer(app, s),
        ("view", "") => super::views::open_picker(app),
        ("view", name) => super::views::apply(app, name),
        ("filter", text) => {
            app.view.filter.text = text.to_string();
            app.refresh_view();
        }
        ("theme", name) if !name.is_empty() => return set_theme(app, name),
        ("status-filter", s) if !s.is_empty() => {
            if s == "all" {
                set_status_filter(app, Vec::new());
            } else {
                match posture_core::triage::status::parse_list(s) {
                    Ok(list) => set_status_filter(app, list),
                    Err(e) => app.status = Some(e.to_string()),
                }
            }
        }
        ("owner", s) if !s.is_empty() => set_owner(app, s),
        ("note" | "jira", text) if !text.is_empty() => {
            let kind = if cmd == "note" {
                PromptKind::Note
            } else {
                PromptKind::Jira
            };
            triage::begin(app, kind);
            if let Some(Modal::Prompt(mut prompt)) = app.modal.take() {
                prompt.text = text.to_string();
                return triage::submit(app, prompt);
            }
        }
        _ => match Action::parse(line) {
            Ok(action) => return apply(app, action),
            Err(ActionError::Unknown(_)) => {
                app.status = Some(format!("unknown command {cmd:?}: press ? for the list"))
            }
            Err(e) => app.status = Some(e.to_string()),
        },
    }
    Vec::new()
}

fn set_source(app: &mut App, s: &str) {
    if s == "all" {
        app.view.filter.sources.clear();
    } else {
        match s.parse::<Source>() {
            Ok(src) => app.view.filter.sources = vec![src],
            Err(e) => {
                app.status = Some(e.to_string());
                return;
            }
        }
    }
    app.refresh_view();
    app.status = Some(format!("source: {s}"));
}

fn set_layer(app: &mut App, s: &str) {
    if s == "all" {
        app.view.filter.layers.clear();
    } else {
        match s.parse::<posture_core::model::Layer>() {
            Ok(layer) => app.view.filter.layers = vec![layer],
            Err(e) => {
                app.status = Some(e.to_string());
                return;
            }
        }
    }
    app.refresh_view();
    app.status = Some(format!("layer: {s}"));
}

fn set_owner(app: &mut App, s: &str) {
    if s == "all" {
        app.view.filter.routes = None;
        app.status = Some("every owner".to_string());
    } else {
        let names: Vec<String> = s.split(',').map(|n| n.trim().to_string()).collect();
        let routes = &app.session.routes;
        let ids = routes.ids_of_owners(&names);
        app.status = Some(if ids.is_empty() {
            format!(
                "no finding is owned by {s:?}; owners: {}",
                routes.owners().join(", ")
            )
        } else {
            format!("owner: {s}")
        });
        app.view.filter.routes = Some(ids);
    }
    app.refresh_view();
}
