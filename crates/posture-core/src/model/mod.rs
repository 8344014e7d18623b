//! The pure core's data: findings, severities and display-safe text.

pub mod date;
pub mod finding;
pub mod layer;
pub mod record;
pub mod safe_text;
pub mod severity;
pub mod signals;
pub mod source;
pub mod timestamp;

pub use finding::{Finding, Fingerprint, Remediation, Source};
pub use layer::Layer;
pub use record::FindingRecord;
pub use safe_text::SafeText;
pub use severity::Severity;
pub use signals::Signals;
pub use timestamp::Timestamp;
