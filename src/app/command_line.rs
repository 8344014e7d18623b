//! The `:` line's memory and completion: Up and Down walk the commands run
//! before (as a shell's history), Tab completes a command's name, then its
//! value (sort keys, views, owners, layers, sources, themes, statuses).

use posture_core::config::keymap::{Action, Column};
use posture_core::model::{Layer, Severity, Source};
use posture_core::query::SortKey;
use posture_core::query::grouping::GroupBy;
use posture_core::triage::Status;

use super::state::App;

/// Commands remembered.
pub const HISTORY_MAX: usize = 100;

/// Commands that take free text (the rest are actions).
const TEXT_COMMANDS: [&str; 10] = [
    "q",
    "source",
    "layer",
    "view",
    "filter",
    "theme",
    "status-filter",
    "owner",
    "note",
    "jira",
];

/// Remembers a command run (not twice in a row).
pub fn remember(app: &mut App, line: &str) {
    let line = line.trim();
    if line.is_empty() || app.command_history.last().is_some_and(|l| l == line) {
        return;
    }
    app.command_history.push(line.to_string());
    if app.command_history.len() > HISTORY_MAX {
        app.command_history.remove(0);
    }
}

/// Up (`back`) or Down in the history: the line to show instead of `line`.
pub fn walk(app: &mut App, line: &str, back: bool) -> String {
    let n = app.command_history.len();
    let at = match (app.history_at, back) {
        (None, true) if n > 0 => Some(n - 1),
        (None, _) => None,
        (Some(i), true) => Some(i.saturating_sub(1)),
        (Some(i), false) if i + 1 < n => Some(i + 1),
        (Some(_), false) => None,
    };
    app.history_at = at;
    match at {
        Some(i) => app.command_history[i].clone(),
        None if back => line.to_string(),
        None => String::new(),
    }
}

/// The values a command takes, for completion.
fn values(app: &App, cmd: &str) -> Vec<String> {
    let names = |v: Vec<&str>| v.into_iter().map(str::to_string).collect();
    match cmd {
        "sort" => names(SortKey::ALL.iter().map(|k| k.name()).collect()),
        "column" => names(Column::ALL.iter().map(|c| c.name()).collect()),
        "group" => names(vec![
            GroupBy::Rule.name(),
            GroupBy::Owner.name(),
            GroupBy::Layer.name(),
            "off",
        ]),
        "layer" => {
            let mut v: Vec<String> = Layer::ALL.iter().map(|l| l.as_str().to_string()).collect();
            v.push("all".into());
            v
        }
        "source" => {
            let mut v: Vec<String> = Source::known()
                .iter()
                .map(|s| s.as_str().to_string())
                .collect();
            v.push("all".into());
            v
        }
        "floor" => {
            let mut v: Vec<String> = Severity::ALL_DESC
                .iter()
                .map(|s| s.as_str().to_string())
                .collect();
            v.push("all".into());
            v
        }
        "mark" | "status-filter" => names(Status::ALL.iter().map(|s| s.as_str()).collect()),
        "view" => app.views.keys().cloned().collect(),
        "owner" => app.session.routes.owners(),
        "theme" => names(vec!["dark", "light", "high-contrast"]),
        _ => Vec::new(),
    }
}

/// Tab: `line` completed as far as its candidates agree; when they part,
/// the status line lists them.
pub fn complete(app: &mut App, line: &str) -> String {
    let (head, partial, candidates) = match line.rsplit_once(' ') {
        None => {
            let mut all: Vec<String> = Action::command_names()
                .into_iter()
                .map(str::to_string)
                .collect();
            all.extend(TEXT_COMMANDS.iter().map(|c| c.to_string()));
            all.sort();
            all.dedup();
            (String::new(), line.to_string(), all)
        }
        Some((head, partial)) => {
            let cmd = head.split_whitespace().next().unwrap_or_default();
            (format!("{head} "), partial.to_string(), values(app, cmd))
        }
    };
    let fits: Vec<&String> = candidates
        .iter()
        .filter(|c| c.starts_with(&partial))
        .collect();
    match fits.as_slice() {
        [] => line.to_string(),
        [one] => format!("{head}{one} "),
        many => {
            app.status = Some(
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("  "),
            );
            let common = many.iter().skip(1).fold(many[0].clone(), |acc, s| {
                acc.chars()
                    .zip(s.chars())
                    .take_while(|(a, b)| a == b)
                    .map(|(a, _)| a)
                    .collect()
            });
            format!("{head}{common}")
        }
    }
}

#[cfg(test)]
mod tests {
    use posture_core::config::keymap::{Key, KeyCode, Keymap};
    use posture_core::query::SortKey;

    use crate::app::App;
    use crate::app::update::on_key;

    fn app() -> App {
        let session = posture_core::session::Session::new(posture_core::session::SessionParts {
            findings: posture_core::demo::load_current().findings,
            now: posture_core::model::Timestamp::parse("2026-11-17T00:00:00Z"),
            ..Default::default()
        });
        App::new(
            session,
            posture_core::config::theme::Theme::monochrome(),
            Keymap::defaults(),
        )
    }

    fn keys(a: &mut App, s: &str) {
        for c in s.chars() {
            on_key(a, Key::char(c));
        }
    }
    #[test]
    fn a_status_message_goes_after_ten_ticks_and_a_new_one_starts_again() {
        let mut a = app();
        let tick = |a: &mut App| {
            crate::app::update::update(a, crate::app::effect::Event::Tick { now: None });
        };
        a.status = Some("marked acknowledged: 1 finding".into());
        for _ in 0..crate::app::update::STATUS_TICKS {
            assert!(a.status.is_some());
            tick(&mut a);
        }
        assert_eq!(a.status, None, "stale after ten ticks");
        a.status = Some("first".into());
        for _ in 0..5 {
            tick(&mut a);
        }
        a.status = Some("second".into());
        for _ in 0..5 {
            tick(&mut a);
        }
        assert_eq!(
            a.status.as_deref(),
            Some("second"),
            "a new message counts anew"
        );
    }

    #[test]
    fn the_command_line_completes_and_remembers() {
        let mut a = app();
        keys(&mut a, ":sor");
        on_key(&mut a, Key::plain(KeyCode::Tab));
        keys(&mut a, "ti");
        on_key(&mut a, Key::plain(KeyCode::Tab));
        assert!(
            matches!(&a.modal, Some(crate::app::Modal::Command(l)) if l == "sort title "),
            "{:?}",
            a.modal
        );
        on_key(&mut a, Key::plain(KeyCode::Enter));
        assert_eq!(a.view.sort, SortKey::Title);
        // Several fit: they are listed, and the line goes as far as they agree.
        keys(&mut a, ":sort s");
        on_key(&mut a, Key::plain(KeyCode::Tab));
        assert!(matches!(&a.modal, Some(crate::app::Modal::Command(l)) if l == "sort s"));
        let listed = a.status.clone().unwrap_or_default();
        assert!(
            listed.contains("severity") && listed.contains("source") && listed.contains("scope"),
            "{listed}"
        );
        on_key(&mut a, Key::plain(KeyCode::Esc));
        // Up brings back what ran; Down goes forward to an empty line.
        keys(&mut a, ":floor high");
        on_key(&mut a, Key::plain(KeyCode::Enter));
        keys(&mut a, ":");
        on_key(&mut a, Key::plain(KeyCode::Up));
        assert!(matches!(&a.modal, Some(crate::app::Modal::Command(l)) if l == "floor high"));
        on_key(&mut a, Key::plain(KeyCode::Up));
        assert!(matches!(&a.modal, Some(crate::app::Modal::Command(l)) if l == "sort title"));
        on_key(&mut a, Key::plain(KeyCode::Down));
        on_key(&mut a, Key::plain(KeyCode::Down));
        assert!(matches!(&a.modal, Some(crate::app::Modal::Command(l)) if l.is_empty()));
    }
}
