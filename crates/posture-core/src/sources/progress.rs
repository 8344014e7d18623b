//! How far the reading of input files has come, for a loading view: files
//! done, bytes read, findings parsed. Counted in the process as a whole
//! (one load at a time is what the dashboard does), with relaxed atomics
//! added to in batches, so the parsers pay nothing measurable for it.

use std::sync::atomic::{AtomicU64, Ordering};

static FILES_DONE: AtomicU64 = AtomicU64::new(0);
static BYTES_READ: AtomicU64 = AtomicU64::new(0);
static FINDINGS: AtomicU64 = AtomicU64::new(0);

/// Findings are counted in steps of this many (one atomic add per step).
pub(crate) const FINDINGS_STEP: usize = 4096;

/// The counts at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadCounts {
    pub files_done: u64,
    pub bytes_read: u64,
    /// Findings parsed so far (counted in steps of a few thousand).
    pub findings: u64,
}

impl LoadCounts {
    /// What was counted after `before`.
    pub fn since(self, before: LoadCounts) -> LoadCounts {
        LoadCounts {
            files_done: self.files_done.saturating_sub(before.files_done),
            bytes_read: self.bytes_read.saturating_sub(before.bytes_read),
            findings: self.findings.saturating_sub(before.findings),
        }
    }
}

/// The counts now.
pub fn now() -> LoadCounts {
    LoadCounts {
        files_done: FILES_DONE.load(Ordering::Relaxed),
        bytes_read: BYTES_READ.load(Ordering::Relaxed),
        findings: FINDINGS.load(Ordering::Relaxed),
    }
}

pub(crate) fn file_done() {
    FILES_DONE.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn bytes_read(n: usize) {
    BYTES_READ.fetch_add(n as u64, Ordering::Relaxed);
}

pub(crate) fn findings_parsed(n: usize) {
    FINDINGS.fetch_add(n as u64, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_grow_as_files_are_read() {
        let before = now();
        let dir = std::env::temp_dir().join(format!("posture-progress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("demo.json");
        let mut demo = Vec::new();
        crate::demo::generate::write(crate::demo::generate::GenFormat::Asff, 10, 7, &mut demo)
            .expect("generate");
        std::fs::write(&file, &demo).expect("write");
        let loaded = crate::sources::load_file(&file);
        let after = now();
        assert!(loaded.errors.is_empty());
        assert!(after.files_done > before.files_done);
        assert!(after.bytes_read >= before.bytes_read + demo.len() as u64);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
