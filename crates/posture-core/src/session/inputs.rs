//! Loading a session's inputs: the files (each recognised by its content)
//! and the shipped demo data, with one source line per input.

use std::path::{Path, PathBuf};

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

/// A parse of the inputs worth keeping: where, and what each input gave.
pub struct ToCache {
    pub entry: crate::sources::parse_cache::Entry,
    pub inputs: Vec<(PathBuf, usize)>,
}

impl ToCache {
    /// Keeps `findings` (what the inputs gave, as [`read_cached`] returned
    /// them) for the next read of the same inputs.
    pub fn write(&self, findings: &[Finding]) -> std::io::Result<()> {
        self.entry.write(findings, &self.inputs)
    }
}

/// As [`read`], through the parse cache in `dir`: inputs read before, and
/// unchanged since (path, size, modification time, the same posture
/// binary), are not parsed again. When they had to be parsed and gave no
/// error or warning, the second value says where to keep them: writing
/// takes time, so the caller does it when it can afford it (the dashboard,
/// in the background).
pub fn read_cached(files: &[PathBuf], demo: bool, dir: &Path) -> (Inputs, Option<ToCache>) {
    let (paths, repeats) = sources::expand_inputs(files);
    let entry = (!paths.is_empty() && repeats == 0 && !demo)
        .then(|| crate::sources::parse_cache::Entry::of(dir, &paths))
        .flatten();
    let Some(entry) = entry else {
        return (read(files, demo), None);
    };
    if let Some(cached) = entry.read() {
        let files: Vec<Loaded> = cached
            .inputs
            .into_iter()
            .map(|(path, n)| Loaded {
                path,
                findings_count: n,
                ..Loaded::default()
            })
            .collect();
        let mut sources = source_statuses(&files);
        for s in &mut sources {
            s.note = "parsed before".to_string();
        }
        let inputs = Inputs {
            sources,
            findings: cached.findings,
            demo,
            files,
        };
        return (inputs, None);
    }
    let inputs = read(files, demo);
    let clean = inputs
        .files
        .iter()
        .all(|f| f.errors.is_empty() && f.warnings.is_empty());
    let keep = clean.then(|| ToCache {
        entry,
        inputs: inputs
            .files
            .iter()
            .map(|f| (f.path.clone(), f.findings_count))
            .collect(),
    });
    (inputs, keep)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::generate::{GenFormat, write};

    fn input(dir: &Path, format: GenFormat) -> PathBuf {
        let mut bytes = Vec::new();
        write(format, 200, 3, &mut bytes).expect("generate");
        let p = dir.join(format!("{format:?}.json"));
        std::fs::write(&p, bytes).expect("write");
        p
    }

    #[test]
    fn unchanged_inputs_are_read_from_the_kept_parse_and_changed_ones_parsed() {
        let dir = tempfile::tempdir().expect("dir");
        let cache = dir.path().join("cache");
        let files = vec![
            input(dir.path(), GenFormat::Asff),
            input(dir.path(), GenFormat::Starboard),
        ];
        let (first, keep) = read_cached(&files, false, &cache);
        let keep = keep.expect("a clean parse is worth keeping");
        keep.write(&first.findings).expect("kept");
        let (second, again) = read_cached(&files, false, &cache);
        assert!(again.is_none(), "read from the cache, nothing new to keep");
        assert_eq!(second.findings, first.findings);
        let counts = |i: &Inputs| {
            i.sources
                .iter()
                .map(|s| (s.label.clone(), s.findings))
                .collect::<Vec<_>>()
        };
        assert_eq!(counts(&second), counts(&first));
        assert!(
            second
                .sources
                .iter()
                .all(|s| s.note.contains("parsed before"))
        );
        // One input rewritten: everything is parsed again.
        std::fs::write(&files[1], b"[]").expect("rewrite");
        let (third, _) = read_cached(&files, false, &cache);
        assert!(third.findings.len() < first.findings.len());
        assert!(third.sources.iter().all(|s| s.note.is_empty()));
        // A broken input is parsed every time, so its errors are seen.
        std::fs::write(&files[1], b"{\"Findings\": [").expect("break");
        let (broken, keep) = read_cached(&files, false, &cache);
        assert!(keep.is_none());
        assert!(broken.files.iter().any(|f| !f.errors.is_empty()));
    }
}
