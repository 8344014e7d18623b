//! Triage: the decision on each finding (status, note, JIRA key), who took
//! it and when, kept in a file that survives crashes and concurrent writers.

pub mod carry;
pub mod file;
pub mod history;
pub mod mark;
pub mod status;
pub mod store;
pub mod sync;

pub use file::Marks;
pub use mark::{Effective, Mark, MarkError};
pub use status::Status;
pub use store::{Store, StoreError};
