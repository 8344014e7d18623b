//! Loading a session's inputs: the files (each recognised by its content)
//! and the shipped demo data, with one source line per input.

use std::path::PathBuf;

use super::SourceStatus;
use crate::model::{Finding, SafeText};
use crate::sources::{self, Loaded};

/// What the inputs gave.
pub struct Inputs {
    pub findings: Vec<Finding>,
    /// One per input, failed ones with their first error.
    pub sources: Vec<SourceStatus>,
    pub demo: bool,
    /// Each input with every error and warning (the findings taken out),
    /// for a front-end that reports them all.
    pub files: Vec<Loaded>,
}

/// Reads `files` (directories: every file below), and the demo data when
/// `demo` is set.
pub fn read(files: &[PathBuf], demo: bool) -> Inputs {
    let mut loaded = if files.is_empty() {
        Vec::new()
    } else {
        sources::load_all(files)
    };
    if demo {
        loaded.push(crate::demo::load_current());
    }
    let findings = sources::take_findings(&mut loaded);
    Inputs {
        sources: source_statuses(&loaded),
        findings,
        demo,
        files: loaded,
    }
}

/// The source list: one entry per input, failed ones with their first error.
pub fn source_statuses(files: &[Loaded]) -> Vec<SourceStatus> {
    files
        .iter()
        .map(|f| {
            let label = f.path.file_name().map_or_else(
                || f.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            SourceStatus {
                label: SafeText::line(&label).display().to_string(),
                findings: f.findings_count,
                error: f.errors.first().map(ToString::to_string),
                error_count: f.errors.len(),
                ..Default::default()
            }
        })
        .collect()
}
