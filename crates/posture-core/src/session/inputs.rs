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
    let mut findings = sources::take_findings(&mut loaded);
    drop_repeats(&mut findings, &mut loaded);
    Inputs {
        sources: source_statuses(&loaded),
        findings,
        demo,
        files: loaded,
    }
}

/// A finding read twice (the same export saved under two names, one record
/// twice in a file) is one finding: the first is kept, and each input says
/// how many of its findings were already read.
fn drop_repeats(findings: &mut Vec<Finding>, inputs: &mut [Loaded]) {
    let keep: Vec<bool> = {
        let mut seen = foldhash::HashSet::with_capacity_and_hasher(
            findings.len(),
            foldhash::fast::RandomState::default(),
        );
        findings
            .iter()
            .map(|f| seen.insert(f.fingerprint.as_str()))
            .collect()
    };
    if keep.iter().all(|&k| k) {
        return;
    }
    // Findings are in input order, `findings_count` of each.
    let mut at = 0;
    for input in inputs.iter_mut() {
        let end = at + input.findings_count;
        let repeats = keep[at..end.min(keep.len())]
            .iter()
            .filter(|&&k| !k)
            .count();
        if repeats > 0 {
            input.findings_count -= repeats;
            input.warnings.push(crate::sources::SourceError::new(
                &input.path.clone(),
                crate::sources::Location::NOWHERE,
                format!(
                    "{repeats} finding{} read before (the same fingerprint): shown once",
                    if repeats == 1 { " was" } else { "s were" }
                ),
            ));
        }
        at = end;
    }
    let mut kept = keep.iter();
    findings.retain(|_| kept.next().copied().unwrap_or(true));
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
