//! `W`: the weekly review, built by the session from what is loaded now.

use super::modal::{Modal, Scroll};
use super::state::App;

pub fn open(app: &mut App) {
    app.modal = Some(Modal::Review {
        review: Box::new(app.session.review()),
        scroll: Scroll::default(),
    });
}
