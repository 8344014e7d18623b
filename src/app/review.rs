//! The review screen: the weekly review built by the session from what is
//! loaded now, scrolled until a key closes it.

use super::state::{App, Mode};
use posture_core::config::keymap::{Action, Key};

/// `W`: builds the review from what is loaded now.
pub fn open(app: &mut App) {
    app.review = Some(app.session.review());
    app.review_scroll = 0;
    app.mode = Mode::Review;
}

pub fn on_key(app: &mut App, key: Key) {
    match app.keymap.action(&key) {
        Some(Action::Down | Action::DetailDown) => {
            app.review_scroll = app.review_scroll.saturating_add(1)
        }
        Some(Action::Up | Action::DetailUp) => {
            app.review_scroll = app.review_scroll.saturating_sub(1)
        }
        Some(Action::PageDown) => app.review_scroll = app.review_scroll.saturating_add(10),
        Some(Action::PageUp) => app.review_scroll = app.review_scroll.saturating_sub(10),
        Some(Action::Quit) if key == Key::ctrl('c') => app.quit = true,
        _ => {
            app.mode = Mode::Normal;
            app.review = None;
        }
    }
}
