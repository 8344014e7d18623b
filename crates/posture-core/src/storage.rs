//! Files the user owns, written so that a crash, a full disk or a kill
//! leaves either the old content or the new, never a torn file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| "triage".into(), |n| n.to_string_lossy().into_owned())
}

fn temp_prefix(path: &Path) -> String {
    format!(".{}.tmp.", file_name(path))
}

/// Writes to a temporary file in the same directory, flushes it, renames it
/// over the target and flushes the directory: the target is always either
/// the old or the new content.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_dir(path);
    let tmp = dir.join(format!("{}{}", temp_prefix(path), std::process::id()));
    let result = (|| {
        fault("open")?;
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        let (first, rest) = bytes.split_at(bytes.len() / 2);
        f.write_all(first)?;
        fault("write")?;
        f.write_all(rest)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(&dir)
}

/// Debug builds only: `POSTURE_FAULT=open-eacces` or `write-enospc` makes
/// saves fail like a read-only directory or a full disk, so the tests can
/// prove the old file survives (root, as in CI, cannot be refused otherwise).
#[cfg(debug_assertions)]
pub(crate) fn fault(stage: &str) -> io::Result<()> {
    let Ok(want) = std::env::var("POSTURE_FAULT") else {
        return Ok(());
    };
    match want.strip_prefix(stage).and_then(|w| w.strip_prefix('-')) {
        Some("enospc") => Err(io::Error::from_raw_os_error(28)),
        Some("eacces") => Err(io::Error::from_raw_os_error(13)),
        _ => Ok(()),
    }
}

#[cfg(not(debug_assertions))]
pub(crate) fn fault(_stage: &str) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Temporary files left by writers that were killed. Only called under the
/// lock, when no other writer can be half-way through one.
pub(crate) fn remove_stale_temp_files(path: &Path) {
    let prefix = temp_prefix(path);
    let Ok(entries) = fs::read_dir(parent_dir(path)) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(e.path());
        }
    }
}
