//! Exports through the session: JIRA-ready CSV (with the importer's
//! configuration beside each file, and each exported finding remembered so
//! the next export does not ticket it again) and the tracking sheet.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::Session;
use crate::export::jira::{self, Item, Ticket, TicketDefaults};
use crate::export::sheet::{self, SheetRow};
use crate::model::{Finding, Severity};
use crate::storage::write_atomic;
use crate::triage::Mark;
use crate::triage::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    write_atomic(path, bytes).map_err(|source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// What to write for JIRA.
#[derive(Debug, Clone)]
pub struct JiraRequest<'a> {
    /// The findings to ticket, in ticket order.
    pub findings: &'a [usize],
    /// Also ticket findings that have a JIRA key, were exported, or are closed by triage.
    pub include_ticketed: bool,
    /// One ticket per rule and owner instead of one per finding.
    pub by_rule: bool,
    /// Overrides the site's issue type (`[jira] issue_type`, else Task).
    pub issue_type: Option<&'a str>,
    /// The CSV; with a split, FILE-1.csv, FILE-2.csv, ...
    pub out: &'a Path,
    /// At most this many tickets per file.
    pub split: Option<usize>,
}

/// One CSV written, with its importer configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenCsv {
    pub csv: PathBuf,
    pub config: PathBuf,
    pub tickets: usize,
}

/// What an export did.
#[derive(Debug)]
pub struct JiraExported {
    pub files: Vec<WrittenCsv>,
    pub tickets: usize,
    /// Findings left out because they have a ticket or a decision.
    pub skipped: usize,
    /// Recording the export in the triage file failed: the CSVs are written,
    /// but the next export would ticket these findings again.
    pub not_recorded: Option<(usize, StoreError)>,
}

impl Session {
    /// Whether finding `i` has a ticket or a decision (exports skip it).
    pub fn already_handled(&self, i: usize) -> bool {
        jira::already_handled(&self.facts_of(i), self.mark(i))
    }

    /// The tickets for findings `idx`: one each, or one per rule and owner;
    /// `issue_type` overrides the site's.
    pub fn tickets(&self, idx: &[usize], by_rule: bool, issue_type: Option<&str>) -> Vec<Ticket> {
        let today = self.today();
        let fallback = crate::routing::default_route(Severity::Unknown);
        let items: Vec<Item> = idx
            .iter()
            .filter_map(|&i| {
                let f = self.findings.get(i)?;
                Some(Item {
                    finding: f,
                    route: self.routes.get(i).unwrap_or(&fallback),
                    due: crate::routing::due_date(
                        &self.router.sla,
                        f.severity,
                        f.first_seen,
                        today,
                    ),
                    note: self.mark(i).map_or("", |m| m.note.as_str()),
                })
            })
            .collect();
        let defaults = TicketDefaults {
            issue_type: issue_type.unwrap_or_else(|| self.jira.issue_type()),
            site: &self.jira,
        };
        jira::tickets(&items, by_rule, &defaults)
    }

    /// Writes the JIRA CSVs and their importer configurations, then records
    /// each exported finding in the triage file. An empty export still
    /// writes the header, so scripts find the file.
    pub fn export_jira(&mut self, req: &JiraRequest) -> Result<JiraExported, ExportError> {
        let (idx, skipped): (Vec<usize>, Vec<usize>) = req
            .findings
            .iter()
            .partition(|&&i| req.include_ticketed || !self.already_handled(i));
        let tickets = self.tickets(&idx, req.by_rule, req.issue_type);
        let chunk = req.split.unwrap_or(usize::MAX).max(1);
        let parts = tickets.len().div_ceil(chunk).max(1);
        let mut files = Vec::new();
        let mut exported: Vec<(PathBuf, &Ticket)> = Vec::new();
        let chunks = tickets
            .chunks(chunk)
            .enumerate()
            .chain(tickets.is_empty().then_some((0, &tickets[..])));
        for (n, part) in chunks {
            let path = part_path(req.out, n + 1, parts);
            let bytes = jira::write_csv(Vec::new(), part)?;
            write(&path, &bytes)?;
            let config_path = path.with_extension("json");
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let config = serde_json::to_vec_pretty(&jira::importer_config(part, &name))?;
            write(&config_path, &config)?;
            exported.extend(part.iter().map(|t| (path.clone(), t)));
            files.push(WrittenCsv {
                csv: path,
                config: config_path,
                tickets: part.len(),
            });
        }
        let not_recorded = self.record_export(&exported);
        Ok(JiraExported {
            files,
            tickets: tickets.len(),
            skipped: skipped.len(),
            not_recorded,
        })
    }

    /// Remembers what went out, so the next export does not create it again.
    /// An export is not a decision: it records `exported` and `exported_at`
    /// and never changes a mark's status, note, author or time, so that
    /// "newest decision wins" still holds when marks are merged.
    fn record_export(&mut self, exported: &[(PathBuf, &Ticket)]) -> Option<(usize, StoreError)> {
        let now = self.now;
        let files: Vec<String> = exported
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        let changes = self.changed_marks(exported.iter().zip(&files).flat_map(|((_, t), file)| {
            t.fingerprints.iter().map(move |fp| {
                (fp, move |m: &mut Mark| {
                    m.exported = file.clone();
                    m.exported_at = Some(now);
                })
            })
        }));
        let n = changes.len();
        self.save_changed(changes, "export").err().map(|e| (n, e))
    }

    /// Remembers the Jira issues a push created or found (`keys`: each
    /// ticket's findings and its key): the key goes on each finding's mark
    /// where it has none (a key typed by someone is never replaced), and
    /// the push is recorded as an export. Status, note, author and time stay.
    pub fn record_pushed(&mut self, keys: &[(&[String], &str)]) -> Result<usize, StoreError> {
        let now = self.now;
        let changes = self.changed_marks(keys.iter().flat_map(|&(fingerprints, key)| {
            fingerprints.iter().map(move |fp| {
                (fp, move |m: &mut Mark| {
                    if m.jira.is_empty() {
                        m.jira = key.to_string();
                    }
                    m.exported = format!("jira {key}");
                    m.exported_at = Some(now);
                })
            })
        }));
        let n = changes.len();
        self.save_changed(changes, "jira push").map(|()| n)
    }

    /// Each fingerprint's mark (a new undecided one where it has none, that
    /// says what the finding was) with its change made; none without a
    /// triage file.
    fn changed_marks<'a, F: Fn(&mut Mark)>(
        &self,
        items: impl IntoIterator<Item = (&'a String, F)>,
    ) -> Vec<(String, Mark)> {
        let Some(store) = self.store.as_ref() else {
            return Vec::new();
        };
        let by_fp: HashMap<&str, &Finding> = self
            .findings
            .iter()
            .map(|f| (f.fingerprint.as_str(), f))
            .collect();
        items
            .into_iter()
            .map(|(fp, change)| {
                let mut m = match store.get(fp) {
                    Some(m) => m.clone(),
                    None => Mark::undecided(by_fp.get(fp.as_str()).copied()),
                };
                change(&mut m);
                (fp.clone(), m)
            })
            .collect()
    }

    /// Saves changed marks as `why`, and the facts follow them.
    fn save_changed(&mut self, changes: Vec<(String, Mark)>, why: &str) -> Result<(), StoreError> {
        let Some(store) = self.store.as_mut().filter(|_| !changes.is_empty()) else {
            return Ok(());
        };
        store.apply(changes, why)?;
        self.refresh_facts();
        Ok(())
    }

    /// Writes the tracking sheet for findings `idx`: one file, or one per
    /// key `split` gives a finding (FILE-KEY.csv). Returns each file and its rows.
    pub fn export_sheet(
        &self,
        idx: &[usize],
        out: &Path,
        split: Option<&dyn Fn(usize) -> String>,
        bom: bool,
        jira_base_url: Option<&str>,
    ) -> Result<Vec<(PathBuf, usize)>, ExportError> {
        let mut files: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        match split {
            None => {
                files.insert(String::new(), idx.to_vec());
            }
            Some(key) => {
                for &i in idx {
                    files.entry(key(i)).or_default().push(i);
                }
            }
        }
        let mut written = Vec::new();
        for (key, members) in files {
            let path = if key.is_empty() {
                out.to_path_buf()
            } else {
                let stem = out
                    .file_stem()
                    .map_or_else(|| "sheet".into(), |s| s.to_string_lossy().into_owned());
                out.with_file_name(format!(
                    "{stem}-{}.csv",
                    crate::text::distinct_file_component(&key, "none")
                ))
            };
            let today = self.today();
            let sla = &self.router.sla;
            let rows: Vec<SheetRow> = members
                .iter()
                .map(|&i| {
                    let mark = self.mark(i);
                    let f = &self.findings[i];
                    let facts = self.facts[i];
                    let accepted = facts.status == crate::triage::Status::AcceptedRisk;
                    SheetRow {
                        finding: f,
                        owner: self.routes.owner(i),
                        status: facts.status_label(),
                        note: mark.map_or("", |m| m.note.as_str()),
                        jira: mark.map_or("", |m| m.jira.as_str()),
                        jira_base_url,
                        due: crate::routing::due_date(sla, f.severity, f.first_seen, today),
                        overdue: crate::routing::is_overdue(
                            sla,
                            f,
                            facts.status.is_active(),
                            today,
                        ),
                        risk_until: mark.filter(|_| accepted).and_then(|m| m.expires),
                        risk_reason: mark.filter(|_| accepted).map_or("", |m| m.reason.as_str()),
                    }
                })
                .collect();
            let bytes = sheet::write(Vec::new(), &rows, bom)?;
            write(&path, &bytes)?;
            written.push((path, rows.len()));
        }
        Ok(written)
    }
}

fn part_path(out: &Path, part: usize, parts: usize) -> PathBuf {
    if parts <= 1 {
        return out.to_path_buf();
    }
    let stem = out
        .file_stem()
        .map_or_else(|| "jira".into(), |s| s.to_string_lossy().into_owned());
    out.with_file_name(format!("{stem}-{part}.csv"))
}
