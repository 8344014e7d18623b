//! Events → actions → state. Every change to the dashboard happens here.

use posture_core::config::keymap::{self, Action, Key, KeyCode};
use posture_core::config::theme;
use posture_core::model::{Severity, Source};
use posture_core::query::SortKey;

use super::state::{App, Mode};
use super::triage;
use posture_core::triage::Status;

/// Mouse input, already translated from the terminal's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mouse {
    ScrollUp,
    ScrollDown,
    Click { x: u16, y: u16 },
}

pub fn on_key(app: &mut App, key: Key) {
    // Ctrl-C always leaves, whatever the key bindings say.
    if key == Key::ctrl('c') {
        app.quit = true;
        return;
    }
    match app.mode {
        Mode::Help => on_help_key(app, key),
        Mode::Filter => on_filter_key(app, key),
        Mode::Command => on_command_key(app, key),
        Mode::StatusPick => on_status_key(app, key),
        Mode::Note | Mode::Jira | Mode::RiskReason | Mode::RiskExpiry => on_prompt_key(app, key),
        Mode::Gone => on_gone_key(app, key),
        Mode::ConfirmSync => super::sync::on_confirm_key(app, key),
        Mode::Review => super::review::on_key(app, key),
        Mode::Normal => {
            if let Some(action) = app.keymap.action(&key) {
                apply(app, action);
            }
        }
    }
}

pub fn on_mouse(app: &mut App, mouse: Mouse) {
    if app.mode != Mode::Normal {
        return;
    }
    match mouse {
        Mouse::ScrollDown => move_selection(app, 3),
        Mouse::ScrollUp => move_selection(app, -3),
        Mouse::Click { x, y } => {
            let l = app.layout;
            let inside_x = x >= l.x && x < l.x.saturating_add(l.width);
            if inside_x && y >= l.first_row_y && y < l.first_row_y + l.rows {
                let row = l.offset + usize::from(y - l.first_row_y);
                if row < app.view.rows.len() {
                    app.view.select(row);
                    app.detail_scroll = 0;
                }
            }
        }
    }
}

/// Scroll keys scroll the help (it may not fit a small terminal); any other key closes it.
fn on_help_key(app: &mut App, key: Key) {
    match app.keymap.action(&key) {
        Some(Action::Down | Action::DetailDown) => {
            app.help_scroll = app.help_scroll.saturating_add(1)
        }
        Some(Action::Up | Action::DetailUp) => app.help_scroll = app.help_scroll.saturating_sub(1),
        Some(Action::PageDown) => app.help_scroll = app.help_scroll.saturating_add(10),
        Some(Action::PageUp) => app.help_scroll = app.help_scroll.saturating_sub(10),
        _ => app.mode = Mode::Normal,
    }
}

/// The status picker: the first letter of a status (`d` for resolved: done),
/// or its number; anything else cancels.
fn on_status_key(app: &mut App, key: Key) {
    app.mode = Mode::Normal;
    let chosen = match key.code {
        KeyCode::Char(c) if !key.ctrl && !key.alt => status_for_key(c),
        _ => None,
    };
    match chosen {
        Some(st) => triage::choose_status(app, st),
        None => app.status = Some("status unchanged".to_string()),
    }
}

/// Keys of the status picker, shown by the UI beside each status.
pub const STATUS_KEYS: [(char, Status); 6] = [
    ('n', Status::New),
    ('a', Status::Acknowledged),
    ('p', Status::InProgress),
    ('r', Status::AcceptedRisk),
    ('f', Status::FalsePositive),
    ('d', Status::Resolved),
];

fn status_for_key(c: char) -> Option<Status> {
    STATUS_KEYS
        .iter()
        .find(|(k, _)| *k == c)
        .map(|(_, s)| *s)
        .or_else(|| {
            c.to_digit(10)
                .and_then(|d| Status::ALL.get((d as usize).checked_sub(1)?).copied())
        })
}

/// Text prompts (note, JIRA key, risk reason and expiry). Alt-Enter or
/// Ctrl-J starts a new line in a note.
fn on_prompt_key(app: &mut App, key: Key) {
    match key.code {
        KeyCode::Enter if key.alt && app.mode == Mode::Note => app.input.push('\n'),
        KeyCode::Char('j') if key.ctrl && app.mode == Mode::Note => app.input.push('\n'),
        KeyCode::Enter => triage::submit(app),
        KeyCode::Esc => {
            app.input.clear();
            app.risk_reason.clear();
            app.mode = Mode::Normal;
            app.status = Some("cancelled".to_string());
        }
        KeyCode::Backspace => {
            app.input.pop();
        }
        KeyCode::Char('u') if key.ctrl => app.input.clear(),
        KeyCode::Char(c) if !key.ctrl && !key.alt => app.input.push(c),
        _ => {}
    }
}

fn on_gone_key(app: &mut App, key: Key) {
    match app.keymap.action(&key) {
        Some(Action::Down | Action::DetailDown) => {
            app.gone_scroll = app.gone_scroll.saturating_add(1)
        }
        Some(Action::Up | Action::DetailUp) => app.gone_scroll = app.gone_scroll.saturating_sub(1),
        Some(Action::PageDown) => app.gone_scroll = app.gone_scroll.saturating_add(10),
        Some(Action::PageUp) => app.gone_scroll = app.gone_scroll.saturating_sub(10),
        _ => app.mode = Mode::Normal,
    }
}

/// The status filter's steps: everything, what still needs work, then each status.
const STATUS_FILTERS: &[&[Status]] = &[
    &[],
    &[Status::New, Status::Acknowledged, Status::InProgress],
    &[Status::New],
    &[Status::Acknowledged],
    &[Status::InProgress],
    &[Status::AcceptedRisk],
    &[Status::FalsePositive],
    &[Status::Resolved],
];

fn set_status_filter(app: &mut App, statuses: Vec<Status>) {
    app.status = Some(format!("triage: {}", status_filter_label(&statuses)));
    app.view.filter.statuses = statuses;
    app.refresh_view();
}

pub fn status_filter_label(statuses: &[Status]) -> String {
    if statuses.is_empty() {
        "all".to_string()
    } else if statuses == STATUS_FILTERS[1] {
        "to do".to_string()
    } else {
        statuses
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn on_filter_key(app: &mut App, key: Key) {
    match key.code {
        KeyCode::Enter => app.mode = Mode::Normal,
        KeyCode::Esc => {
            app.view.filter.text.clear();
            app.mode = Mode::Normal;
            app.refresh_view();
        }
        KeyCode::Backspace => {
            app.view.filter.text.pop();
            app.refresh_view();
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => {
            app.view.filter.text.push(c);
            app.refresh_view();
        }
        _ => {}
    }
}

fn on_command_key(app: &mut App, key: Key) {
    match key.code {
        KeyCode::Enter => {
            let line = std::mem::take(&mut app.command);
            app.mode = Mode::Normal;
            run_command(app, &line);
        }
        KeyCode::Esc => {
            app.command.clear();
            app.mode = Mode::Normal;
        }
        // Backspace on an empty line leaves the command line, as in vim.
        KeyCode::Backspace if app.command.pop().is_none() => app.mode = Mode::Normal,
        KeyCode::Char(c) if !key.ctrl && !key.alt => app.command.push(c),
        _ => {}
    }
}

fn move_selection(app: &mut App, delta: isize) {
    app.view.move_by(delta);
    app.view.ensure_visible(app.page_size());
    app.detail_scroll = 0;
}

fn set_floor(app: &mut App, floor: Option<Severity>) {
    app.view.filter.min_severity = floor;
    app.refresh_view();
    app.status = Some(match floor {
        Some(s) => format!("showing {s} and above"),
        None => "showing every severity".to_string(),
    });
}

pub fn apply(app: &mut App, action: Action) {
    let page = app.page_size() as isize;
    match action {
        Action::Quit => app.quit = true,
        Action::Down => move_selection(app, 1),
        Action::Up => move_selection(app, -1),
        Action::PageDown => move_selection(app, page),
        Action::PageUp => move_selection(app, -page),
        Action::Top => move_selection(app, isize::MIN / 2),
        Action::Bottom => move_selection(app, isize::MAX / 2),
        Action::Filter => app.mode = Mode::Filter,
        Action::ClearFilter => {
            if !app.picked.is_empty() {
                app.picked.clear();
                app.status = Some("unpicked all".to_string());
            } else if app.detail {
                app.detail = false;
            } else {
                app.view.filter.text.clear();
                app.refresh_view();
            }
        }
        Action::FloorCritical => set_floor(app, Some(Severity::Critical)),
        Action::FloorHigh => set_floor(app, Some(Severity::High)),
        Action::FloorMedium => set_floor(app, Some(Severity::Medium)),
        Action::FloorLow => set_floor(app, Some(Severity::Low)),
        Action::FloorInfo => set_floor(app, Some(Severity::Info)),
        Action::FloorNone => set_floor(app, None),
        Action::CycleSource => {
            let current = app.view.filter.sources.first().copied();
            let next = match current {
                None => Some(Source::ALL[0]),
                Some(s) => Source::ALL
                    .iter()
                    .position(|x| *x == s)
                    .and_then(|i| Source::ALL.get(i + 1).copied()),
            };
            app.view.filter.sources = next.into_iter().collect();
            app.refresh_view();
            app.status = Some(format!("source: {}", next.map_or("all", Source::as_str)));
        }
        Action::ToggleOpenOnly => {
            app.view.filter.include_closed = !app.view.filter.include_closed;
            app.refresh_view();
            app.status = Some(
                if app.view.filter.include_closed {
                    "including closed findings"
                } else {
                    "open findings only"
                }
                .to_string(),
            );
        }
        Action::CycleSort => {
            app.view.sort = app.view.sort.next();
            app.refresh_view();
            app.status = Some(format!("sorted by {}", app.view.sort.name()));
        }
        Action::ReverseSort => {
            app.view.reverse = !app.view.reverse;
            app.refresh_view();
        }
        Action::ToggleGroup => {
            // Off → by rule → by owner → off.
            (app.view.grouped, app.view.by_owner) = match (app.view.grouped, app.view.by_owner) {
                (false, _) => (true, false),
                (true, false) => (true, true),
                (true, true) => (false, false),
            };
            app.view.selected = 0;
            app.view.offset = 0;
            app.refresh_view();
            app.status = Some(
                if app.view.grouped && app.view.by_owner {
                    "grouped by owner"
                } else if app.view.grouped {
                    "grouped by rule"
                } else {
                    "one row per finding"
                }
                .to_string(),
            );
        }
        Action::ToggleDetail => {
            app.detail = !app.detail;
            app.detail_scroll = 0;
        }
        Action::ToggleRaw => {
            app.raw = !app.raw;
            app.detail = true;
            app.detail_scroll = 0;
        }
        Action::DetailDown => app.detail_scroll = app.detail_scroll.saturating_add(3),
        Action::DetailUp => app.detail_scroll = app.detail_scroll.saturating_sub(3),
        Action::Help => {
            app.help_scroll = 0;
            app.mode = Mode::Help;
        }
        Action::Command => {
            app.command.clear();
            app.mode = Mode::Command;
        }
        Action::CycleTheme => {
            let next = theme::next_builtin(&app.theme.name);
            set_theme(app, next);
        }
        Action::TogglePick => triage::toggle_pick(app),
        Action::PickAll => triage::pick_all(app),
        Action::SetStatus => triage::begin(app, Mode::StatusPick),
        Action::EditNote => triage::begin(app, Mode::Note),
        Action::EditJira => triage::begin(app, Mode::Jira),
        Action::CycleStatusFilter => {
            let current = &app.view.filter.statuses;
            let next = STATUS_FILTERS
                .iter()
                .position(|f| *f == current.as_slice())
                .map_or(0, |i| (i + 1) % STATUS_FILTERS.len());
            set_status_filter(app, STATUS_FILTERS[next].to_vec());
        }
        Action::ExportJira => super::export::export_jira(app),
        Action::ShowGone => {
            app.gone_scroll = 0;
            app.mode = Mode::Gone;
        }
        Action::SyncSecurityHub => super::sync::ask(app),
        Action::ToggleNewOnly => {
            let Some(b) = &app.session.baseline else {
                app.status = Some(
                    "no snapshot to compare with yet: `posture snapshot save` after the review"
                        .into(),
                );
                return;
            };
            let label = format!("new since {}", b.name);
            app.view.filter.new_only = !app.view.filter.new_only;
            app.refresh_view();
            app.status = Some(if app.view.filter.new_only {
                label
            } else {
                "new and old findings".into()
            });
        }
        Action::Review => super::review::open(app),
    }
}

fn set_theme(app: &mut App, name: &str) {
    if !app.color_allowed {
        app.status = Some("NO_COLOR is set: themes are off".to_string());
        return;
    }
    match theme::load(name, app.user_theme_dir.as_deref()) {
        Ok(t) => {
            app.status = Some(format!("theme: {}", t.name));
            app.theme = t;
        }
        Err(e) => app.status = Some(e.to_string()),
    }
}

/// `:` commands: any action name from the key table, plus a few with arguments.
pub fn run_command(app: &mut App, line: &str) {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else { return };
    let arg: Vec<&str> = words.collect();
    let arg = arg.join(" ");
    match (cmd, arg.as_str()) {
        ("q" | "quit" | "exit", _) => app.quit = true,
        ("sort", name) if !name.is_empty() => {
            match SortKey::ALL.iter().find(|k| k.name() == name) {
                Some(k) => {
                    app.view.sort = *k;
                    app.refresh_view();
                    app.status = Some(format!("sorted by {name}"));
                }
                None => {
                    app.status = Some(format!(
                        "unknown column {name:?}: severity, source, title, resource, scope, age"
                    ))
                }
            }
        }
        ("severity", s) if !s.is_empty() => match s {
            "all" => set_floor(app, None),
            s => match s.parse::<Severity>() {
                Ok(sev) => set_floor(app, Some(sev)),
                Err(e) => app.status = Some(e.to_string()),
            },
        },
        ("source", s) if !s.is_empty() => {
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
        ("filter", text) => {
            app.view.filter.text = text.to_string();
            app.refresh_view();
        }
        ("theme", name) if !name.is_empty() => set_theme(app, name),
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
        ("owner", s) if !s.is_empty() => {
            if s == "all" {
                app.view.filter.routes = None;
                app.status = Some("every owner".to_string());
            } else {
                let names: Vec<String> = s.split(',').map(|n| n.trim().to_string()).collect();
                let ids = app.session.routes.ids_of_owners(&names);
                app.status = Some(if ids.is_empty() {
                    format!(
                        "no finding is owned by {s:?}; owners: {}",
                        app.session.routes.owners().join(", ")
                    )
                } else {
                    format!("owner: {s}")
                });
                app.view.filter.routes = Some(ids);
            }
            app.refresh_view();
        }
        ("mark", s) if !s.is_empty() => match s.parse::<Status>() {
            Ok(st) => {
                triage::begin(app, Mode::StatusPick);
                if app.mode == Mode::StatusPick {
                    app.mode = Mode::Normal;
                    triage::choose_status(app, st);
                }
            }
            Err(e) => app.status = Some(e.to_string()),
        },
        ("note" | "jira", text) if !text.is_empty() => {
            let mode = if cmd == "note" {
                Mode::Note
            } else {
                Mode::Jira
            };
            triage::begin(app, mode.clone());
            if app.mode == mode {
                app.input = text.to_string();
                triage::submit(app);
            }
        }
        (name, "") => match keymap::by_name(name) {
            Some(action) => apply(app, action),
            None => app.status = Some(format!("unknown command {name:?}: press ? for the list")),
        },
        (name, _) => app.status = Some(format!("{name} takes no argument")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::view::Row;
    use posture_core::config::keymap::Keymap;

    fn app() -> App {
        let loaded = posture_core::demo::load_current();
        let session = posture_core::session::Session::new(posture_core::session::SessionParts {
            findings: loaded.findings,
            now: Some(posture_core::model::Timestamp::parse("2026-11-17T00:00:00Z").unwrap()),
            ..Default::default()
        });
        App::new(
            session,
            theme::load("dark", None).unwrap(),
            Keymap::defaults(),
        )
    }

    fn keys(a: &mut App, s: &str) {
        for c in s.chars() {
            on_key(a, Key::char(c));
        }
    }

    #[test]
    fn slash_filters_live_and_esc_clears() {
        let mut a = app();
        let all = a.view.rows.len();
        keys(&mut a, "/");
        assert_eq!(a.mode, Mode::Filter);
        keys(&mut a, "CVE-2023-38545");
        let narrowed = a.view.rows.len();
        assert!(narrowed > 0 && narrowed < all, "{narrowed} of {all}");
        on_key(&mut a, Key::plain(KeyCode::Esc));
        assert_eq!(a.view.rows.len(), all);
        assert_eq!(a.mode, Mode::Normal);
    }

    #[test]
    fn severity_keys_set_a_floor() {
        let mut a = app();
        keys(&mut a, "1");
        assert!(a.view.rows.iter().all(|r| match r {
            Row::Finding(i) => a.session.findings[*i].severity == Severity::Critical,
            Row::Group(_) => false,
        }));
        keys(&mut a, "0");
        assert_eq!(a.view.filter.min_severity, None);
    }

    #[test]
    fn g_groups_and_q_quits() {
        let mut a = app();
        let flat = a.view.rows.len();
        keys(&mut a, "g");
        assert!(a.view.rows.len() < flat);
        assert!(matches!(a.view.rows[0], Row::Group(_)));
        keys(&mut a, "q");
        assert!(a.quit);
    }

    #[test]
    fn navigation_is_clamped() {
        let mut a = app();
        a.layout.rows = 10;
        apply(&mut a, Action::Bottom);
        assert_eq!(a.view.selected, a.view.rows.len() - 1);
        apply(&mut a, Action::PageDown);
        assert_eq!(a.view.selected, a.view.rows.len() - 1);
        apply(&mut a, Action::Top);
        assert_eq!(a.view.selected, 0);
        apply(&mut a, Action::Up);
        assert_eq!(a.view.selected, 0);
    }

    #[test]
    fn command_line_runs_actions_and_arguments() {
        let mut a = app();
        keys(&mut a, ":");
        keys(&mut a, "sort title");
        on_key(&mut a, Key::plain(KeyCode::Enter));
        assert_eq!(a.view.sort, SortKey::Title);
        run_command(&mut a, "source kubescape");
        assert!(a.view.rows.iter().all(
            |r| matches!(r, Row::Finding(i) if a.session.findings[*i].source == Source::Kubescape)
        ));
        run_command(&mut a, "group");
        assert!(a.view.grouped);
        run_command(&mut a, "theme light");
        assert_eq!(a.theme.name, "light");
        run_command(&mut a, "bogus");
        assert!(
            a.status
                .as_deref()
                .unwrap_or("")
                .contains("unknown command")
        );
    }

    #[test]
    fn open_only_by_default_and_toggle() {
        let mut a = app();
        let open = a.view.rows.len();
        keys(&mut a, "o");
        assert!(a.view.rows.len() > open);
    }

    #[test]
    fn mouse_click_selects_the_row_under_it() {
        let mut a = app();
        a.layout = crate::app::state::TableLayout {
            offset: 0,
            first_row_y: 5,
            rows: 10,
            x: 0,
            width: 80,
        };
        on_mouse(&mut a, Mouse::Click { x: 3, y: 8 });
        assert_eq!(a.view.selected, 3);
        on_mouse(&mut a, Mouse::ScrollDown);
        assert_eq!(a.view.selected, 6);
        on_mouse(&mut a, Mouse::Click { x: 3, y: 2 });
        assert_eq!(a.view.selected, 6, "clicks outside the table do nothing");
    }
}
