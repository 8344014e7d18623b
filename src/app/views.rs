//! Saved views in the dashboard: `:view NAME`, and `V` for the next one.
//! A view puts its query on the `/` line (so it shows, and can be edited),
//! and sets its sort, grouping and columns.

use posture_core::config::keymap::Column;

use posture_core::config::keymap::{Action, Key, KeyCode};

use super::Modal;
use super::state::App;

/// Shows the view `name`; an unknown name says which there are.
pub fn apply(app: &mut App, name: &str) {
    let Some(view) = app.views.get(name).cloned() else {
        app.status = Some(if app.views.is_empty() {
            "no saved views: add [views.NAME] to config.toml".to_string()
        } else {
            format!(
                "no view {name:?} (views: {})",
                app.views.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        });
        return;
    };
    app.view.filter.text = view.query.map(|q| q.text).unwrap_or_default();
    if let Some(key) = view.sort {
        app.view.sort = key;
        app.view.reverse = false;
    }
    if let Some(group) = view.group {
        app.view.grouped = group.is_some();
        app.view.group_by = group.unwrap_or_default();
    }
    if let Some(shown) = view.columns {
        for c in Column::ALL {
            app.columns.insert(c, shown.contains(&c));
        }
    }
    app.view.selected = 0;
    app.view.offset = 0;
    app.refresh_view();
    app.current_view = Some(name.to_string());
    app.status = Some(format!("view: {name}"));
}

/// `V`: the next view by name, after the one shown (the first after the
/// last).
pub fn next(app: &mut App) {
    let next = match &app.current_view {
        Some(current) => app
            .views
            .range::<String, _>((
                std::ops::Bound::Excluded(current),
                std::ops::Bound::Unbounded,
            ))
            .next()
            .or_else(|| app.views.iter().next()),
        None => app.views.iter().next(),
    }
    .map(|(name, _)| name.clone());
    match next {
        Some(name) => apply(app, &name),
        None => apply(app, ""),
    }
}

/// `V` and `:view` alone: the picker, the view after the one shown marked.
pub fn open_picker(app: &mut App) {
    if app.views.is_empty() {
        app.status = Some("no saved views: add [views.NAME] to config.toml".to_string());
        return;
    }
    let marked = app
        .current_view
        .as_ref()
        .and_then(|c| app.views.keys().position(|n| n == c))
        .map_or(0, |i| (i + 1) % app.views.len());
    app.modal = Some(Modal::ViewPicker { marked });
}

/// A key in the picker: a digit shows that view, `enter` the marked one,
/// up and down move the mark; anything else closes it.
pub fn on_picker_key(app: &mut App, marked: usize, key: Key, action: Option<Action>) {
    let count = app.views.len();
    let chosen = match (key.code, action) {
        (KeyCode::Char(c @ '1'..='9'), _) if !key.ctrl && !key.alt => {
            Some(c as usize - '1' as usize)
        }
        (_, Some(Action::Submit)) => Some(marked),
        (_, Some(Action::Scroll(step))) => {
            let next = (marked as isize + step.delta(count)).clamp(0, count as isize - 1);
            app.modal = Some(Modal::ViewPicker {
                marked: next as usize,
            });
            return;
        }
        _ => None,
    };
    if let Some(name) = chosen.and_then(|i| app.views.keys().nth(i)).cloned() {
        apply(app, &name);
    }
}

#[cfg(test)]
mod tests {
    use posture_core::config::Config;
    use posture_core::config::keymap::{Column, Key, Keymap};
    use posture_core::config::theme;
    use posture_core::model::Severity;
    use posture_core::query::SortKey;
    use posture_core::query::grouping::GroupBy;

    use crate::app::update::on_key;
    use crate::app::view::Row;
    use crate::app::{App, column_shown};

    fn app_with_views() -> App {
        let config = Config::parse(
            std::path::Path::new("c.toml"),
            "[views.criticals]\nquery = \"sev:critical\"\nsort = \"age\"\ngroup = \"off\"\ncolumns = [\"layer\"]\n\n\
             [views.payments]\nquery = \"ns:pay* sev>=high\"\ngroup = \"rule\"\n",
        )
        .unwrap();
        let loaded = posture_core::demo::load_current();
        let session = posture_core::session::Session::new(posture_core::session::SessionParts {
            findings: loaded.findings,
            now: Some(posture_core::model::Timestamp::parse("2026-11-17T00:00:00Z").unwrap()),
            ..Default::default()
        });
        let mut app = App::new(
            session,
            theme::load("dark", None).unwrap(),
            Keymap::defaults(),
        );
        app.views = config.views;
        app
    }

    #[test]
    fn a_view_is_picked_with_one_digit_and_sets_query_sort_group_and_columns() {
        let mut a = app_with_views();
        // `V` opens the picker, `1` shows the first view by name.
        on_key(&mut a, Key::char('V'));
        assert_eq!(a.mode(), crate::app::Mode::ViewPick);
        on_key(&mut a, Key::char('1'));
        assert_eq!(a.mode(), crate::app::Mode::Normal);
        assert_eq!(a.current_view.as_deref(), Some("criticals"));
        assert_eq!(a.view.filter.text, "sev:critical");
        assert_eq!(a.view.sort, SortKey::Age);
        assert!(!a.view.grouped);
        assert!(column_shown(Column::Layer, 80, &a.columns));
        assert!(!column_shown(Column::Owner, 200, &a.columns));
        assert!(!a.view.rows.is_empty());
        assert!(a.view.rows.iter().all(|r| matches!(r,
            Row::Finding(i) if a.session.findings[*i].severity == Severity::Critical)));
        // The picker marks the view after the one shown: `V` `enter` is the next.
        on_key(&mut a, Key::char('V'));
        on_key(
            &mut a,
            Key::plain(posture_core::config::keymap::KeyCode::Enter),
        );
        assert_eq!(a.current_view.as_deref(), Some("payments"));
        assert!(a.view.grouped && a.view.group_by == GroupBy::Rule);
        // `k` moves the mark up; a digit past the last, or `esc`, changes nothing.
        on_key(&mut a, Key::char('V'));
        on_key(&mut a, Key::char('j'));
        on_key(&mut a, Key::char('k'));
        on_key(
            &mut a,
            Key::plain(posture_core::config::keymap::KeyCode::Enter),
        );
        assert_eq!(a.current_view.as_deref(), Some("criticals"));
        on_key(&mut a, Key::char('V'));
        on_key(&mut a, Key::char('9'));
        assert_eq!(a.current_view.as_deref(), Some("criticals"));
        assert_eq!(a.mode(), crate::app::Mode::Normal);
        // ctrl-v: the next view without the picker, round to the first.
        on_key(&mut a, Key::ctrl('v'));
        assert_eq!(a.current_view.as_deref(), Some("payments"));
        on_key(&mut a, Key::ctrl('v'));
        assert_eq!(a.current_view.as_deref(), Some("criticals"));
        // The picker draws each view with its number and query.
        let backend = ratatui::backend::TestBackend::new(80, 24);
        let mut term = ratatui::Terminal::new(backend).unwrap();
        on_key(&mut a, Key::char('V'));
        term.draw(|f| {
            crate::ui::draw(f, &a);
        })
        .unwrap();
        let screen: String = term
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(screen.contains("1 criticals (shown)"), "{screen}");
        assert!(screen.contains("2 payments  ns:pay* sev>=high"), "{screen}");
        on_key(
            &mut a,
            Key::plain(posture_core::config::keymap::KeyCode::Esc),
        );
        // `:view NAME`, and an unknown one names the views.
        crate::app::command::run(&mut a, "view payments");
        assert_eq!(a.current_view.as_deref(), Some("payments"));
        crate::app::command::run(&mut a, "view nope");
        let status = a.status.clone().unwrap_or_default();
        assert!(status.contains("criticals, payments"), "{status}");
        assert_eq!(a.current_view.as_deref(), Some("payments"));
    }
}
