//! The dashboard's state machine: events → `update` → state, and effects
//! for the terminal layer. No drawing and no I/O here.

pub mod actions;
mod clipboard;
pub mod command;
mod command_line;
pub mod effect;
pub mod export;
pub mod live;
pub mod modal;
pub mod review;
pub mod state;
pub mod sync;
pub mod triage;
pub mod update;
pub mod view;
pub mod views;

#[cfg(test)]
mod tests;

pub use effect::{Effect, Event, Mouse};
pub use modal::{Modal, Mode, Scroll};
pub use state::{App, SourceStatus, TableLayout, column_shown};
