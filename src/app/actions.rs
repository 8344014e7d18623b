//! What each action does to the table and its filters. Actions that write
//! return effects for the terminal layer to run.

use posture_core::config::keymap::{Action, Step};
use posture_core::config::theme;
use posture_core::model::{Layer, Severity, Source};
use posture_core::query::SortKey;
use posture_core::query::grouping::GroupBy;
use posture_core::triage::Status;

use super::effect::Effect;
use super::modal::{Modal, Scroll};
use super::state::App;
use super::triage;

/// Lines a page of the detail pane scrolls (its height is the renderer's).
const DETAIL_PAGE: usize = 20;

pub fn move_selection(app: &mut App, delta: isize) {
    app.view.move_by(delta);
    app.view.ensure_visible(app.page_size());
    app.detail_scroll = Scroll::default();
}

fn set_floor(app: &mut App, floor: Option<Severity>) {
    app.view.filter.min_severity = floor;
    app.refresh_view();
    app.status = Some(match floor {
        Some(s) => format!("showing {s} and above"),
        None => "showing every severity".to_string(),
    });
}

pub fn set_sort(app: &mut App, key: SortKey) {
    app.view.sort = key;
    app.refresh_view();
    app.status = Some(format!("sorted by {}", key.name()));
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

pub fn set_status_filter(app: &mut App, statuses: Vec<Status>) {
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

/// A theme by name, unless NO_COLOR asked for none (loading reads files).
pub fn set_theme(app: &mut App, name: &str) -> Vec<Effect> {
    if !app.color_allowed {
        app.status = Some("NO_COLOR is set: themes are off".to_string());
        return Vec::new();
    }
    vec![Effect::LoadTheme(name.to_string())]
}

pub fn apply(app: &mut App, action: Action) -> Vec<Effect> {
    let page = app.page_size();
    match action {
        Action::Quit => app.quit = true,
        Action::Scroll(step) => move_selection(app, step.delta(page)),
        Action::ScrollDetail(step) => {
            // A line at a time is too slow to read a long record by.
            let times = if matches!(step, Step::Down | Step::Up) {
                3
            } else {
                1
            };
            for _ in 0..times {
                app.detail_scroll.apply(step, DETAIL_PAGE);
            }
        }
        Action::Filter => app.modal = Some(Modal::Filter),
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
        Action::SetFloor(floor) => set_floor(app, floor),
        Action::CycleSource => {
            // Through the sources the findings come from (a SARIF file can
            // bring any tool), then all again.
            let present: std::collections::BTreeSet<Source> =
                app.session.findings.iter().map(|f| f.source).collect();
            let next = match app.view.filter.sources.first() {
                None => present.first().copied(),
                Some(s) => present
                    .range((std::ops::Bound::Excluded(s), std::ops::Bound::Unbounded))
                    .next()
                    .copied(),
            };
            app.view.filter.sources = next.into_iter().collect();
            app.refresh_view();
            app.status = Some(format!("source: {}", next.map_or("all", Source::as_str)));
        }
        Action::CycleLayer => {
            let next = match app.view.filter.layers.first() {
                None => Some(Layer::ALL[0]),
                Some(l) => Layer::ALL
                    .iter()
                    .position(|x| x == l)
                    .and_then(|i| Layer::ALL.get(i + 1).copied()),
            };
            app.view.filter.layers = next.into_iter().collect();
            app.refresh_view();
            app.status = Some(format!("layer: {}", next.map_or("all", Layer::as_str)));
        }
        Action::ToggleColumn(column) => {
            let shown = super::column_shown(column, app.layout.width, &app.columns);
            app.columns.insert(column, !shown);
            app.status = Some(format!(
                "{} column {}",
                column.name(),
                if shown { "hidden" } else { "shown" }
            ));
        }
        Action::GroupBy(by) => set_group(app, by),
        Action::NextView => super::views::next(app),
        Action::PickView => super::views::open_picker(app),
        Action::PickColumns => app.modal = Some(Modal::ColumnPicker),
        Action::CopyId | Action::CopyResource | Action::OpenLink => {
            return super::clipboard::act(app, action);
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
            let next = app.view.sort.next();
            set_sort(app, next);
        }
        Action::Sort(key) => set_sort(app, key),
        Action::ReverseSort => {
            app.view.reverse = !app.view.reverse;
            app.refresh_view();
        }
        Action::ToggleGroup => toggle_group(app),
        Action::ToggleDetail => {
            app.detail = !app.detail;
            app.detail_scroll = Scroll::default();
        }
        Action::ToggleRaw => {
            app.raw = !app.raw;
            app.detail = true;
            app.detail_scroll = Scroll::default();
        }
        Action::Help => app.modal = Some(Modal::Help(Scroll::default())),
        Action::Command => app.modal = Some(Modal::Command(String::new())),
        Action::CycleTheme => {
            let next = theme::next_builtin(&app.theme.name);
            return set_theme(app, next);
        }
        Action::TogglePick => triage::toggle_pick(app),
        Action::PickAll => triage::pick_all(app),
        Action::PickStatus => triage::open_picker(app),
        Action::Mark(status) => return triage::mark(app, status),
        Action::EditNote => triage::begin(app, super::modal::PromptKind::Note),
        Action::EditJira => triage::begin(app, super::modal::PromptKind::Jira),
        Action::CycleStatusFilter => {
            let current = &app.view.filter.statuses;
            let next = STATUS_FILTERS
                .iter()
                .position(|f| *f == current.as_slice())
                .map_or(0, |i| (i + 1) % STATUS_FILTERS.len());
            set_status_filter(app, STATUS_FILTERS[next].to_vec());
        }
        Action::ExportJira => super::export::export_jira(app),
        Action::ShowGone => app.modal = Some(Modal::Gone(Scroll::default())),
        Action::SyncSecurityHub => super::sync::ask(app),
        Action::ToggleNewOnly => toggle_new_only(app),
        Action::Review => super::review::open(app),
        // Popup and prompt actions mean nothing over the table.
        Action::Confirm
        | Action::PushJira
        | Action::Cancel
        | Action::Submit
        | Action::DeleteBack
        | Action::ClearLine
        | Action::NewLine
        | Action::HistoryBack
        | Action::HistoryForward
        | Action::Complete => {}
    }
    Vec::new()
}

fn toggle_group(app: &mut App) {
    // Off → by rule → by owner → by layer → off.
    let next = match (app.view.grouped, app.view.group_by) {
        (false, _) => Some(GroupBy::Rule),
        (true, GroupBy::Rule) => Some(GroupBy::Owner),
        (true, GroupBy::Owner) => Some(GroupBy::Layer),
        (true, GroupBy::Layer) => None,
    };
    set_group(app, next);
}

/// Groups the rows by `by` (`None`: one row per finding).
fn set_group(app: &mut App, by: Option<GroupBy>) {
    app.view.grouped = by.is_some();
    app.view.group_by = by.unwrap_or_default();
    app.view.selected = 0;
    app.view.offset = 0;
    app.refresh_view();
    app.status = Some(if app.view.grouped {
        format!("grouped by {}", app.view.group_by.name())
    } else {
        "one row per finding".to_string()
    });
}

fn toggle_new_only(app: &mut App) {
    let Some(b) = &app.session.baseline else {
        app.status = Some(
            "no snapshot to compare with yet: `posture snapshot save` after the review".into(),
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
