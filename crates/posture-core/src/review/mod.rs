//! The weekly review: snapshots compared by fingerprint, and the numbers the
//! meeting asks for. Pure: callers bring the findings and the snapshots.

pub mod diff;
pub mod html;
pub mod markdown;
pub mod metrics;
pub mod notify;
pub mod report;

pub use diff::{Diff, diff};
pub use report::{Review, TrendPoint};
