//! The triage file on disk: crash-safe writes, a lock shared by every posture
//! on the machine, merge-before-write so that concurrent instances keep each
//! other's marks, a backup of the last good version, and refusal to write
//! over a file that does not parse.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::sources::error::{Location, SourceError};

use super::file::{self, Marks, MergeReport};
use super::history::{self, HistoryEntry};
use super::mark::Mark;
use crate::storage::write_atomic;
use crate::storage::{file_name, parent_dir, remove_stale_temp_files};

/// How long a save waits for another posture holding the lock.
const LOCK_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{0}\nposture will not save over a broken triage file; fix that line, or run \
         `posture triage recover` to start from the last good backup (the broken file is kept)"
    )]
    Broken(SourceError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{0}: another posture has held the triage lock for {LOCK_WAIT:?}; try again")]
    LockTimeout(PathBuf),
    #[error("{0}: no good backup to recover from")]
    NoBackup(PathBuf),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The marks of one triage file, kept in step with the disk.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    marks: Marks,
    broken: Option<SourceError>,
    /// Read on first use: only the detail pane and `triage show` need it.
    history: OnceCell<HashMap<String, Vec<HistoryEntry>>>,
}

impl Store {
    /// Opens the store. Never fails: a broken file is reported by `broken()`
    /// and makes every save fail until it is fixed.
    pub fn open(path: &Path) -> Store {
        let mut s = Store {
            path: path.to_path_buf(),
            marks: Marks::new(),
            broken: None,
            history: OnceCell::new(),
        };
        s.reload();
        s
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn marks(&self) -> &Marks {
        &self.marks
    }

    pub fn get(&self, fingerprint: &str) -> Option<&Mark> {
        self.marks.get(fingerprint)
    }

    /// The mark to change for a finding: its current one, or a fresh `new` one.
    pub fn mark_or_new(&self, fingerprint: &str, by: &str, at: crate::model::Timestamp) -> Mark {
        self.get(fingerprint)
            .cloned()
            .unwrap_or_else(|| Mark::new(super::Status::New, by, at))
    }

    pub fn broken(&self) -> Option<&SourceError> {
        self.broken.as_ref()
    }

    /// Re-reads the file (another instance or `git pull` may have changed it).
    pub fn reload(&mut self) {
        match read_marks(&self.path) {
            Ok(m) => {
                self.marks = m;
                self.broken = None;
            }
            Err(e) => self.broken = Some(e),
        }
        self.history = OnceCell::new();
    }

    /// Sets marks and saves, keeping whatever other writers saved meanwhile.
    pub fn apply(&mut self, changes: Vec<(String, Mark)>, via: &str) -> Result<(), StoreError> {
        self.transact(|marks| {
            let mut entries = Vec::with_capacity(changes.len());
            for (fp, m) in changes {
                entries.push(HistoryEntry::of(&fp, marks.get(&fp), &m, via));
                marks.insert(fp, m);
            }
            entries
        })
        .map(|_| ())
    }

    /// Merges another triage file's marks (newest decision wins per finding).
    pub fn import(&mut self, theirs: Marks) -> Result<MergeReport, StoreError> {
        let mut report = MergeReport::default();
        self.transact(|marks| {
            let before = marks.clone();
            let (r, changed) = file::merge(marks, theirs);
            report = r;
            changed
                .iter()
                .filter_map(|fp| {
                    marks
                        .get(fp)
                        .map(|m| HistoryEntry::of(fp, before.get(fp), m, "import"))
                })
                .collect()
        })?;
        Ok(report)
    }

    /// Under the lock: re-read, change, write atomically, back up, log.
    fn transact(
        &mut self,
        change: impl FnOnce(&mut Marks) -> Vec<HistoryEntry>,
    ) -> Result<(), StoreError> {
        let dir = parent_dir(&self.path);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let _lock = Lock::acquire(&self.path)?;
        remove_stale_temp_files(&self.path);
        let previous = match fs::read(&self.path) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(&self.path)(e)),
        };
        let mut marks = match &previous {
            Some(bytes) => parse_bytes(bytes, &self.path).map_err(|e| {
                self.broken = Some(e.clone());
                StoreError::Broken(e)
            })?,
            None => Marks::new(),
        };
        let entries = change(&mut marks);
        let text = file::render(&marks);
        if let Some(prev) = &previous
            && prev.as_slice() != text.as_bytes()
        {
            let bak = backup_path(&self.path);
            write_atomic(&bak, prev).map_err(io_err(&bak))?;
        }
        // The history first: a mark is never saved without its history
        // line. If the marks cannot be written after it, the line is taken
        // back, and neither changed.
        let hist = history_path(&self.path);
        let start = history::append(&hist, &entries).map_err(io_err(&hist))?;
        if let Err(e) = write_atomic(&self.path, text.as_bytes()) {
            let _ = history::truncate(&hist, start);
            return Err(io_err(&self.path)(e));
        }
        if let Some(h) = self.history.get_mut() {
            for e in entries {
                h.entry(e.fingerprint.clone()).or_default().push(e);
            }
        }
        self.marks = marks;
        self.broken = None;
        Ok(())
    }

    /// The changes to one finding, oldest first.
    pub fn history(&self, fingerprint: &str) -> &[HistoryEntry] {
        let h = self.history.get_or_init(|| {
            history::read(&history_path(&self.path))
                .map(|(h, _)| h)
                .unwrap_or_default()
        });
        h.get(fingerprint).map_or(&[], Vec::as_slice)
    }

    /// What a recovery from the backup would lose: the marks of the broken
    /// file that still parse and differ from the backup's, and the tables
    /// that do not parse.
    pub fn recovery_plan(path: &Path) -> Result<RecoveryPlan, StoreError> {
        let bak = backup_path(path);
        let backup = match fs::read(&bak) {
            Ok(b) => parse_bytes(&b, &bak).map_err(|_| StoreError::NoBackup(bak.clone()))?,
            Err(_) => return Err(StoreError::NoBackup(bak)),
        };
        let broken = fs::read(path).map_err(io_err(path))?;
        let salvaged = file::salvage(&String::from_utf8_lossy(&broken), path);
        let newer = salvaged
            .marks
            .into_iter()
            .filter(|(fp, m)| backup.get(fp) != Some(m))
            .collect();
        Ok(RecoveryPlan {
            backup,
            newer,
            unreadable: salvaged.unreadable,
        })
    }

    /// Moves a broken file aside (kept, with a timestamp) and puts the last
    /// good backup in its place, with `keep` (marks of the broken file that
    /// still parse) over it. Returns where the broken file went.
    pub fn recover(path: &Path, stamp: &str, keep: Marks) -> Result<PathBuf, StoreError> {
        let _lock = Lock::acquire(path)?;
        let bak = backup_path(path);
        let mut marks = match fs::read(&bak) {
            Ok(b) => parse_bytes(&b, &bak).map_err(|_| StoreError::NoBackup(bak.clone()))?,
            Err(_) => return Err(StoreError::NoBackup(bak)),
        };
        let entries: Vec<HistoryEntry> = keep
            .iter()
            .map(|(fp, m)| HistoryEntry::of(fp, marks.get(fp), m, "recover"))
            .collect();
        marks.extend(keep);
        let aside = path.with_file_name(format!("{}.broken-{stamp}", file_name(path)));
        let hist = history_path(path);
        let start = history::append(&hist, &entries).map_err(io_err(&hist))?;
        fs::rename(path, &aside).map_err(io_err(path))?;
        if let Err(e) = write_atomic(path, file::render(&marks).as_bytes()) {
            let _ = history::truncate(&hist, start);
            let _ = fs::rename(&aside, path);
            return Err(io_err(path)(e));
        }
        Ok(aside)
    }
}

/// See [`Store::recovery_plan`].
#[derive(Debug)]
pub struct RecoveryPlan {
    pub backup: Marks,
    /// Marks saved after the backup that still parse: lost unless kept.
    pub newer: Marks,
    /// Tables of the broken file that do not parse (fingerprint, line): lost.
    pub unreadable: Vec<(String, usize)>,
}

/// Reads a triage file; a missing file is an empty one.
pub fn read_marks(path: &Path) -> Result<Marks, SourceError> {
    match fs::read(path) {
        Ok(b) => parse_bytes(&b, path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Marks::new()),
        Err(e) => Err(SourceError::new(path, Location::START, e.to_string())),
    }
}

fn parse_bytes(bytes: &[u8], path: &Path) -> Result<Marks, SourceError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let text = String::from_utf8_lossy(&bytes[..e.valid_up_to()]);
        SourceError::new(
            path,
            Location::of_offset(&text, text.len()),
            "not UTF-8 text",
        )
    })?;
    file::parse(text, path)
}

pub fn backup_path(path: &Path) -> PathBuf {
    path.with_file_name(format!("{}.bak", file_name(path)))
}

/// `triage.toml` → `triage.history.jsonl`.
pub fn history_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "triage".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}.history.jsonl"))
}

/// An exclusive advisory lock on `<file>.lock`, released on drop (and by the
/// OS if the holder dies).
struct Lock {
    _file: File,
}

impl Lock {
    fn acquire(path: &Path) -> Result<Lock, StoreError> {
        let lock_path = path.with_file_name(format!("{}.lock", file_name(path)));
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            match f.try_lock() {
                Ok(()) => return Ok(Lock { _file: f }),
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::LockTimeout(lock_path));
                }
                Err(fs::TryLockError::Error(e)) => return Err(io_err(&lock_path)(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::triage::Status;

    fn mark(status: Status, secs: i64) -> Mark {
        Mark::new(status, "alice", Timestamp::from_unix(secs))
    }

    #[test]
    fn saves_reloads_and_logs_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/triage.toml");
        let mut s = Store::open(&path);
        assert!(s.marks().is_empty() && s.broken().is_none());
        s.apply(vec![("a".into(), mark(Status::Acknowledged, 10))], "cli")
            .unwrap();
        s.apply(vec![("a".into(), mark(Status::Resolved, 20))], "tui")
            .unwrap();
        let again = Store::open(&path);
        assert_eq!(again.get("a").map(|m| m.status), Some(Status::Resolved));
        let h = again.history("a");
        assert_eq!(h.len(), 2);
        assert_eq!(h[1].from, Some(Status::Acknowledged));
        assert_eq!(h[1].via, "tui");
        // The backup holds the version before the last save.
        let bak = read_marks(&backup_path(&path)).unwrap();
        assert_eq!(bak["a"].status, Status::Acknowledged);
    }

    #[test]
    fn two_stores_on_one_file_keep_each_others_marks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("triage.toml");
        let mut one = Store::open(&path);
        let mut two = Store::open(&path);
        one.apply(vec![("a".into(), mark(Status::Acknowledged, 1))], "tui")
            .unwrap();
        two.apply(vec![("b".into(), mark(Status::FalsePositive, 2))], "tui")
            .unwrap();
        one.apply(vec![("c".into(), mark(Status::InProgress, 3))], "tui")
            .unwrap();
        let m = read_marks(&path).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(
            one.marks().len(),
            3,
            "a save also picks up the others' marks"
        );
    }

    #[test]
    fn a_broken_file_is_reported_kept_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("triage.toml");
        let mut s = Store::open(&path);
        s.apply(vec![("a".into(), mark(Status::Acknowledged, 1))], "cli")
            .unwrap();
        s.apply(vec![("b".into(), mark(Status::Resolved, 2))], "cli")
            .unwrap();
        let broken = "version = 1\n[marks.a]\nstatus = \"acknowledged\"\nat = \"2026-\n";
        fs::write(&path, broken).unwrap();
        let mut s = Store::open(&path);
        let e = s.broken().expect("reported").clone();
        assert_eq!(e.location.line, 4, "{e}");
        let err = s
            .apply(vec![("c".into(), mark(Status::New, 3))], "cli")
            .unwrap_err();
        assert!(matches!(err, StoreError::Broken(_)), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), broken, "untouched");

        let aside = Store::recover(&path, "20261124T100000Z", Marks::new()).unwrap();
        assert_eq!(fs::read_to_string(&aside).unwrap(), broken, "kept aside");
        let m = read_marks(&path).unwrap();
        assert_eq!(m["a"].status, Status::Acknowledged, "last good backup");
    }

    #[test]
    fn leftover_temp_files_are_cleaned_and_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("triage.toml");
        fs::write(
            dir.path().join(".triage.toml.tmp.999"),
            "version = 1\n[marks.",
        )
        .unwrap();
        let mut s = Store::open(&path);
        s.apply(vec![("a".into(), mark(Status::Acknowledged, 1))], "cli")
            .unwrap();
        assert!(!dir.path().join(".triage.toml.tmp.999").exists());
    }
}
