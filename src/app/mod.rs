//! The dashboard's state machine: events → actions → state. No drawing here.

pub mod export;
pub mod live;
pub mod review;
pub mod state;
pub mod sync;
pub mod triage;
pub mod update;
pub mod view;

pub use state::{App, Mode, SourceStatus, TableLayout};
