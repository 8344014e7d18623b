//! The pull-with-cache driver both APIs use: the last pull is shown at once
//! with its age while the refresh runs; a complete pull is kept for next
//! time; then the source's findings replace what was shown and its line says
//! how it went. A cache that cannot be read or written is a warning, never a
//! failed source.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use serde_json::Value;

use super::{Event, Slot, safe};
use crate::cache::{self, CacheFile, CacheKey};
use posture_core::model::{Finding, Timestamp};

pub struct CachedPull {
    slot: Slot,
    tx: Sender<Event>,
    key: CacheKey,
    /// `None` with `--no-cache`.
    path: Option<PathBuf>,
    /// When this pull started: the cache's `pulled_at`.
    pub started: Timestamp,
}

impl CachedPull {
    pub fn new(slot: Slot, tx: Sender<Event>, key: CacheKey, cache_dir: Option<&Path>) -> Self {
        CachedPull {
            slot,
            tx,
            path: cache_dir.map(|d| key.path(d)),
            key,
            started: Timestamp::now(),
        }
    }

    fn send(&self, e: Event) {
        let _ = self.tx.send(e);
    }

    fn warn(&self, message: &str) {
        self.send(Event::Warning {
            slot: self.slot,
            message: safe(message),
        });
    }

    /// The last pull, shown now (`cached 2h ago · refreshing`), if there is one.
    pub fn show_cached(&self, findings: impl Fn(&[Value]) -> Vec<Finding>) -> Option<CacheFile> {
        let cached = match cache::load(self.path.as_deref()?) {
            Ok(c) => c?,
            Err(e) => {
                self.warn(&e.to_string());
                return None;
            }
        };
        let age = posture_core::model::timestamp::age(cached.pulled_at, self.started);
        self.send(Event::Replace {
            slot: self.slot,
            findings: findings(&cached.records),
            note: format!("cached {age} ago · refreshing"),
        });
        Some(cached)
    }

    /// Keeps a complete pull's records for the next start. `scope` is what
    /// the file says it holds.
    pub fn keep(&self, records: Vec<Value>, scope: String) {
        let Some(path) = &self.path else {
            return;
        };
        let file = CacheFile {
            posture_cache: cache::CACHE_FORMAT,
            api: self.key.api.clone(),
            account: self.key.account.clone(),
            region: self.key.region.clone(),
            scope,
            pulled_at: self.started,
            records,
        };
        if let Err(e) = cache::save(path, &file) {
            self.warn(&e.to_string());
        }
    }

    /// What the source shows from now on. Failures and warnings sent between
    /// this and [`CachedPull::done`] stay on the source's line.
    pub fn replace(&self, findings: Vec<Finding>) {
        self.send(Event::Replace {
            slot: self.slot,
            findings,
            note: String::new(),
        });
    }

    /// The source's closing note.
    pub fn done(&self, note: String) {
        self.send(Event::Done {
            slot: self.slot,
            note,
        });
    }
}
