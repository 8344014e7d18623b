//! Events → state, and the effects the terminal layer is to run. Every
//! change to the dashboard happens here; nothing here does I/O.

use posture_core::config::keymap::{Action, Context, Key, KeyCode};
use posture_core::model::SafeText;

use super::actions::apply;
use super::effect::{Effect, Event, Mouse};
use super::modal::{Modal, Prompt};
use super::state::App;
use super::{command, export, sync, triage};

/// Applies one event; returns what the terminal layer must do for it.
pub fn update(app: &mut App, event: Event) -> Vec<Effect> {
    let mut effects = handle(app, event);
    // A sort order or grouping keys too long to work out in a keystroke
    // come from a job.
    if let Some(job) = app.view.order_job(&app.session.findings) {
        effects.push(Effect::Prepare(job));
    }
    if let Some(job) = app.view.keys_job(&app.session.findings) {
        effects.push(Effect::Prepare(job));
    }
    let s = &app.session;
    if let Some(job) = app.view.grouping_job(&s.findings, &s.facts, &s.routes) {
        effects.push(Effect::Group(job));
    }
    effects
}

fn handle(app: &mut App, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) => on_key(app, key),
        Event::Mouse(m) => {
            on_mouse(app, m);
            Vec::new()
        }
        Event::Resize => Vec::new(),
        Event::Tick { now } => {
            if let Some(now) = now.filter(|_| !app.clock_fixed) {
                app.session.now = now;
            }
            expire_status(app);
            Vec::new()
        }
        Event::Live(events) => app.on_live_batch(events),
        Event::LoadProgress { counts, elapsed } => {
            app.load_progress = Some((counts, elapsed));
            Vec::new()
        }
        Event::InputsLoaded { findings, sources } => {
            app.load_progress = None;
            app.on_inputs(findings, sources);
            Vec::new()
        }
        Event::Layout(layout) => {
            app.layout = layout;
            app.view.offset = layout.offset;
            // Scrolling stops at the last line: what was drawn says where.
            app.detail_scroll.offset = app.detail_scroll.offset.min(layout.detail_max);
            if let Some(Modal::Help(s) | Modal::Gone(s) | Modal::Review { scroll: s, .. }) =
                app.modal.as_mut()
            {
                s.offset = s.offset.min(layout.popup_max);
            }
            // A frame of these findings is on screen: prepare the rest of
            // what later keys need, in the background.
            app.view
                .preparation_job(&app.session.findings)
                .map(Effect::Prepare)
                .into_iter()
                .collect()
        }
        Event::Prepared { generation, piece } => {
            if app.view.accept(generation, piece, &app.session.findings) {
                app.refresh_view();
            }
            Vec::new()
        }
        Event::Grouped {
            generation,
            request,
            groups,
        } => {
            app.view.accept_groups(generation, request, groups);
            Vec::new()
        }
        Event::MarksSaved { result, done } => {
            triage::saved(app, result, &done);
            Vec::new()
        }
        Event::Exported { path, result } => {
            export::exported(app, &path, result);
            Vec::new()
        }
        Event::Pushed(result) => export::pushed(app, result),
        Event::Said(text) => {
            app.status = Some(text);
            Vec::new()
        }
        Event::SyncStarted(result) => {
            sync::started(app, result);
            Vec::new()
        }
        Event::SyncDone(report) => {
            sync::done(app, &report);
            Vec::new()
        }
        Event::ThemeLoaded(result) => {
            match result {
                Ok(t) => {
                    app.status = Some(format!("theme: {}", t.name));
                    app.theme = t;
                }
                Err(e) => app.status = Some(SafeText::line(&e).display().to_string()),
            }
            Vec::new()
        }
    }
}

pub fn on_key(app: &mut App, key: Key) -> Vec<Effect> {
    // Ctrl-C always leaves, whatever the key bindings say.
    if key == Key::ctrl('c') {
        app.quit = true;
        return Vec::new();
    }
    let context = app.modal.as_ref().map_or(Context::Table, Modal::context);
    let action = app.keymap.action_in(context, &key);
    match app.modal.take() {
        None => action.map_or_else(Vec::new, |a| apply(app, a)),
        Some(Modal::Help(mut scroll)) => {
            if on_help_key(app, key, action, &mut scroll) {
                app.modal = Some(Modal::Help(scroll));
            } else {
                app.help_filter = None;
            }
            Vec::new()
        }
        Some(Modal::Gone(mut scroll)) => {
            if let Some(Action::Scroll(step)) = action {
                scroll.apply(step, 10);
                app.modal = Some(Modal::Gone(scroll));
            }
            Vec::new()
        }
        Some(Modal::Review { review, mut scroll }) => {
            if let Some(Action::Scroll(step)) = action {
                scroll.apply(step, 10);
                app.modal = Some(Modal::Review { review, scroll });
            }
            Vec::new()
        }
        Some(Modal::ColumnPicker) => {
            // A digit shows or hides that column and the chooser stays;
            // any other key closes it.
            if let KeyCode::Char(c @ '1'..='9') = key.code
                && let Some(&column) =
                    posture_core::config::keymap::Column::ALL.get(c as usize - '1' as usize)
            {
                app.modal = Some(Modal::ColumnPicker);
                return apply(app, Action::ToggleColumn(column));
            }
            Vec::new()
        }
        Some(Modal::ViewPicker { marked }) => {
            super::views::on_picker_key(app, marked, key, action);
            Vec::new()
        }
        Some(Modal::StatusPicker) => match action {
            Some(Action::Mark(status)) => triage::choose_status(app, status),
            _ => {
                app.status = Some("status unchanged".to_string());
                Vec::new()
            }
        },
        Some(Modal::ConfirmSync(batches)) => sync::answer(app, batches, action),
        Some(Modal::ConfirmExport(plan)) => export::answer(app, plan, action),
        Some(Modal::Filter) => {
            on_filter_key(app, key, action);
            Vec::new()
        }
        Some(Modal::Command(line)) => on_command_key(app, line, key, action),
        Some(Modal::Prompt(prompt)) => on_prompt_key(app, prompt, key, action),
    }
}

/// A character to insert: a plain key that no input action takes.
fn typed(key: Key, action: Option<Action>) -> Option<char> {
    match key.code {
        KeyCode::Char(c) if action.is_none() && !key.ctrl && !key.alt => Some(c),
        _ => None,
    }
}

fn on_filter_key(app: &mut App, key: Key, action: Option<Action>) {
    match action {
        Some(Action::Submit) => {}
        Some(Action::Cancel) => {
            app.view.filter.text.clear();
            app.refresh_view();
        }
        Some(Action::DeleteBack) => {
            app.view.filter.text.pop();
            app.refresh_view();
            app.modal = Some(Modal::Filter);
        }
        Some(Action::ClearLine) => {
            app.view.filter.text.clear();
            app.refresh_view();
            app.modal = Some(Modal::Filter);
        }
        _ => {
            if let Some(c) = typed(key, action) {
                app.view.filter.text.push(c);
                app.refresh_view();
            }
            app.modal = Some(Modal::Filter);
        }
    }
}

fn on_command_key(
    app: &mut App,
    mut line: String,
    key: Key,
    action: Option<Action>,
) -> Vec<Effect> {
    match action {
        Some(Action::Submit) => {
            super::command_line::remember(app, &line);
            app.history_at = None;
            return command::run(app, &line);
        }
        Some(Action::Cancel) => {
            app.history_at = None;
            return Vec::new();
        }
        Some(Action::HistoryBack) => line = super::command_line::walk(app, &line, true),
        Some(Action::HistoryForward) => line = super::command_line::walk(app, &line, false),
        Some(Action::Complete) => line = super::command_line::complete(app, &line),
        // Backspace on an empty line leaves the command line, as in vim.
        Some(Action::DeleteBack) if line.pop().is_none() => return Vec::new(),
        Some(Action::ClearLine) => line.clear(),
        _ => {
            if let Some(c) = typed(key, action) {
                line.push(c);
            }
        }
    }
    app.modal = Some(Modal::Command(line));
    Vec::new()
}

/// Text prompts (note, JIRA key, risk reason and expiry). The new-line
/// action (alt-enter, ctrl-j) starts a new line in a note.
fn on_prompt_key(
    app: &mut App,
    mut prompt: Prompt,
    key: Key,
    action: Option<Action>,
) -> Vec<Effect> {
    match action {
        Some(Action::Submit) => return triage::submit(app, prompt),
        Some(Action::Cancel) => {
            app.status = Some("cancelled".to_string());
            return Vec::new();
        }
        Some(Action::NewLine) if prompt.kind == super::modal::PromptKind::Note => {
            prompt.text.push('\n')
        }
        Some(Action::DeleteBack) => {
            prompt.text.pop();
        }
        Some(Action::ClearLine) => prompt.text.clear(),
        _ => {
            if let Some(c) = typed(key, action) {
                prompt.text.push(c);
            }
        }
    }
    app.modal = Some(Modal::Prompt(prompt));
    Vec::new()
}

pub fn on_mouse(app: &mut App, mouse: Mouse) {
    if app.modal.is_some() {
        return;
    }
    match mouse {
        Mouse::ScrollDown => super::actions::move_selection(app, 3),
        Mouse::ScrollUp => super::actions::move_selection(app, -3),
        Mouse::Click { x, y } => {
            let l = app.layout;
            let inside_x = x >= l.x && x < l.x.saturating_add(l.width);
            if inside_x && y >= l.first_row_y && y < l.first_row_y + l.rows {
                let row = l.offset + usize::from(y - l.first_row_y);
                if row < app.view.rows.len() {
                    app.view.select(row);
                    app.detail_scroll = Default::default();
                }
            }
        }
    }
}

/// Ticks a message stays on the status line (a tick is a second).
pub const STATUS_TICKS: u32 = 10;

/// A message older than [`STATUS_TICKS`] goes: a stale "marked
/// acknowledged" must not read as news. A new message starts its own count.
fn expire_status(app: &mut App) {
    if app.status != app.status_shown {
        app.status_shown = app.status.clone();
        app.status_ticks = 1;
        return;
    }
    if app.status.is_some() {
        app.status_ticks += 1;
        if app.status_ticks >= STATUS_TICKS {
            app.status = None;
            app.status_shown = None;
            app.status_ticks = 0;
        }
    }
}

/// A key over `?`: `/` filters its lines as lazygit's help does (typed
/// until Enter; Esc clears it), j/k scroll, any other key closes. False
/// when it closes.
fn on_help_key(
    app: &mut App,
    key: Key,
    action: Option<Action>,
    scroll: &mut super::Scroll,
) -> bool {
    if let Some(filter) = app.help_filter.as_mut().filter(|_| app.help_typing) {
        match key.code {
            KeyCode::Enter => app.help_typing = false,
            KeyCode::Esc => {
                app.help_filter = None;
                app.help_typing = false;
            }
            KeyCode::Backspace => {
                filter.pop();
            }
            KeyCode::Char(c) if !key.ctrl && !key.alt && filter.chars().count() < 64 => {
                filter.push(c)
            }
            _ => {}
        }
        scroll.offset = 0;
        return true;
    }
    if key == Key::char('/') {
        app.help_filter = Some(String::new());
        app.help_typing = true;
        return true;
    }
    match action {
        Some(Action::Scroll(step)) => {
            scroll.apply(step, 10);
            true
        }
        _ => false,
    }
}
