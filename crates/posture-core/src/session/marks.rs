//! Triage through the session: changing the marks of loaded findings,
//! carrying marks to Security Hub's consolidated findings, what a sync would
//! send, and the marks whose finding has gone.

use std::collections::HashSet;

use super::Session;
use crate::model::SafeText;
use crate::triage::file::{Marks, MergeReport};
use crate::triage::store::StoreError;
use crate::triage::sync::{Batch, batches, plan};
use crate::triage::{Mark, Store};

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("triage marks cannot be saved: no home directory; start with --triage-file PATH")]
    NoStore,
    #[error("triage file is broken, not saving: {0} — fix it or run `posture triage recover`")]
    Broken(String),
    #[error("{}", SafeText::line(&.0.to_string()).display())]
    Store(#[from] StoreError),
    #[error("{fingerprint}: {source}")]
    Invalid {
        fingerprint: String,
        source: crate::triage::MarkError,
    },
}

impl Session {
    /// Why marks cannot be saved right now, if they cannot.
    pub fn save_problem(&self) -> Option<SaveError> {
        match &self.store {
            None => Some(SaveError::NoStore),
            Some(s) => s.broken().map(|e| SaveError::Broken(e.to_string())),
        }
    }

    /// Changes the marks of findings `idx` and saves them (`via` names the
    /// front-end in the history). On failure nothing changes in memory or on
    /// disk. Returns how many marks were saved.
    pub fn update_marks(
        &mut self,
        idx: &[usize],
        via: &str,
        change: impl Fn(&mut Mark),
    ) -> Result<usize, SaveError> {
        let targets: Vec<(String, Option<usize>)> = idx
            .iter()
            .filter_map(|&i| Some((self.findings.get(i)?.fingerprint.to_string(), Some(i))))
            .collect();
        self.save_marks(&targets, via, change)
    }

    /// Changes the marks of these fingerprints, loaded or not (a triage
    /// command marks what a scan showed yesterday), and saves them in one
    /// write. Returns how many marks were saved.
    pub fn set_marks(
        &mut self,
        fingerprints: &[String],
        via: &str,
        change: impl Fn(&mut Mark),
    ) -> Result<usize, SaveError> {
        let loaded: std::collections::HashMap<&str, usize> = self
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| (f.fingerprint.as_str(), i))
            .collect();
        let targets: Vec<(String, Option<usize>)> = fingerprints
            .iter()
            .map(|fp| (fp.clone(), loaded.get(fp.as_str()).copied()))
            .collect();
        self.save_marks(&targets, via, change)
    }

    /// Each target is a fingerprint and, when loaded, its finding (whose
    /// title and resource the mark keeps). A mark that `change` leaves
    /// invalid saves nothing.
    fn save_marks(
        &mut self,
        targets: &[(String, Option<usize>)],
        via: &str,
        change: impl Fn(&mut Mark),
    ) -> Result<usize, SaveError> {
        if let Some(problem) = self.save_problem() {
            return Err(problem);
        }
        let (now, user) = (self.now, self.user.clone());
        let findings = &self.findings;
        let store = self.store.as_mut().ok_or(SaveError::NoStore)?;
        let mut carried = self.carried.clone();
        let mut changes = Vec::with_capacity(targets.len() + carried.len());
        for (fp, i) in targets {
            // A carried mark is the decision the user sees: change that one.
            let mut m = match carried.iter().position(|c| &c.to == fp) {
                Some(at) if store.get(fp).is_none() => carried.swap_remove(at).mark,
                _ => store.mark_or_new(fp, &user, now),
            };
            change(&mut m);
            m.stamp(&user, now, i.and_then(|i| findings.get(i)));
            m.validate().map_err(|source| SaveError::Invalid {
                fingerprint: fp.clone(),
                source,
            })?;
            changes.push((fp.clone(), m));
        }
        let n = changes.len();
        // Carried marks are saved with the first change the user saves.
        changes.extend(carried.into_iter().map(|c| (c.to, c.mark)));
        let saved = changes.len();
        if saved == 0 {
            return Ok(0);
        }
        store.apply(changes, via)?;
        self.carried.clear();
        if !self.stale {
            self.refresh_facts();
        }
        Ok(if targets.is_empty() { saved } else { n })
    }

    /// Writes every mark to `path` in the triage file format (to share
    /// with a teammate, who imports it). Returns how many.
    pub fn export_marks(&self, path: &std::path::Path) -> std::io::Result<usize> {
        let empty = Marks::new();
        let marks = self.marks().unwrap_or(&empty);
        let text = crate::triage::file::render(marks);
        crate::storage::write_atomic(path, text.as_bytes())?;
        Ok(marks.len())
    }

    /// Merges marks from another triage file (newest decision wins, see
    /// `triage::file`), in one write.
    pub fn import_marks(&mut self, theirs: Marks) -> Result<MergeReport, SaveError> {
        if let Some(problem) = self.save_problem() {
            return Err(problem);
        }
        let store = self.store.as_mut().ok_or(SaveError::NoStore)?;
        let report = store.import(theirs)?;
        if !self.stale {
            self.refresh_facts();
        }
        Ok(report)
    }

    /// Once every source is in: marks follow Security Hub's consolidated
    /// control findings, one to one (see `triage::carry`). In memory only:
    /// the marks show at once, and are saved by the next save or by
    /// [`Session::save_carried`]. Returns how many would move.
    pub fn carry_marks(&mut self) -> usize {
        let Some(store) = self.store.as_ref().filter(|s| s.broken().is_none()) else {
            return 0;
        };
        let carried = crate::triage::carry::plan(&self.findings, store.marks());
        let changed = !(carried.is_empty() && self.carried.is_empty());
        self.carried = carried;
        // Stale facts are rebuilt by `settle`, with the routes; nothing to
        // carry (the usual case) costs no second pass over a million facts.
        if changed && !self.stale {
            self.refresh_facts();
        }
        self.carried.len()
    }

    /// Saves the carried marks (`posture triage carry`). Returns how many.
    pub fn save_carried(&mut self) -> Result<usize, SaveError> {
        self.save_marks(&[], "carry", |_| {})
    }

    /// What Security Hub does not know yet of the marks on live findings.
    pub fn plan_sync(&self) -> Vec<Batch> {
        let Some(store) = self.store.as_ref() else {
            return Vec::new();
        };
        let live: Vec<crate::model::Finding> = (0..self.findings.len())
            .filter(|&i| !self.from_file(i))
            .map(|i| self.findings[i].clone())
            .collect();
        batches(plan(
            &live,
            |f| store.get(f.fingerprint.as_str()).cloned(),
            self.today(),
        ))
    }

    /// Marks whose finding is not among the loaded findings, newest first.
    pub fn gone(&self) -> Vec<(&String, &Mark)> {
        let Some(marks) = self.store.as_ref().map(Store::marks) else {
            return Vec::new();
        };
        let present: HashSet<&str> = self
            .findings
            .iter()
            .map(|f| f.fingerprint.as_str())
            .collect();
        let mut v: Vec<(&String, &Mark)> = marks
            .iter()
            .filter(|(fp, _)| !present.contains(fp.as_str()))
            .collect();
        v.sort_by_key(|e| std::cmp::Reverse(e.1.at));
        v
    }
}
