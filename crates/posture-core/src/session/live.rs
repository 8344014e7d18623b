//! What live sources report, as data: `posture-live` sends these, the
//! [`Session`](super::Session) applies them, and both front-ends show the
//! same source lines from them.

use crate::model::Finding;

/// Identifies one source line (one region of one account, one cluster...).
pub type Slot = usize;

/// Which live source each finding came from; files and demo data are [`FROM_FILE`].
pub type Origin = u32;

/// The origin of findings read from files or the demo data.
pub const FROM_FILE: Origin = u32::MAX;

/// What a pull has done so far: numbers, so each front-end words them itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub pages: usize,
    /// Findings (or, for Kubernetes, reports) received.
    pub items: usize,
    /// Items per second since the pull started.
    pub per_second: u64,
    /// What `items` counts: findings, or reports from a cluster.
    pub unit: Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    #[default]
    Findings,
    Reports,
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match self.unit {
            Unit::Findings => "findings",
            Unit::Reports => "reports",
        };
        write!(
            f,
            "page {} · {} {unit} · {}/s",
            self.pages, self.items, self.per_second
        )
    }
}

/// What a live pull reports. Text in events is display-safe.
#[derive(Debug)]
pub enum LiveEvent {
    /// A new source line, e.g. `securityhub 123456789012/eu-west-1`.
    Source { slot: Slot, label: String },
    /// Everything this source shows now (the cache at start, the merged result
    /// at the end of a pull).
    Replace {
        slot: Slot,
        findings: Vec<Finding>,
        note: String,
    },
    /// One more page of a first pull.
    Append { slot: Slot, findings: Vec<Finding> },
    /// Pages, findings and rate so far.
    Progress { slot: Slot, progress: Progress },
    /// Finished; what the source line says from now on.
    Done { slot: Slot, note: String },
    /// Something worth telling that did not stop the source.
    Warning { slot: Slot, message: String },
    /// The pull failed; what arrived before stays.
    Failed { slot: Slot, error: String },
    /// Every live source has finished.
    Finished,
}

/// One loaded input, for the header's source list and the commands' reports.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceStatus {
    pub label: String,
    pub findings: usize,
    /// The first error, display-safe, when the input failed.
    pub error: Option<String>,
    pub error_count: usize,
    /// Warnings that did not stop the source, display-safe.
    pub warnings: Vec<String>,
    /// A live source: its slot.
    pub live: Option<Slot>,
    /// What it is doing (progress, cache age).
    pub note: String,
    pub busy: bool,
    /// A catalogue (KEV, EPSS) that ranks findings rather than brings any.
    pub catalogue: bool,
}

/// What one live event changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveChange {
    /// The findings changed: routes and facts wait for [`Session::settle`].
    pub findings: bool,
    /// A warning to show (`label: message`), display-safe.
    pub warning: Option<String>,
    /// Every live source has finished.
    pub finished: bool,
}

impl super::Session {
    fn live_source(&mut self, slot: Slot) -> &mut SourceStatus {
        let i = match self.sources.iter().position(|s| s.live == Some(slot)) {
            Some(i) => i,
            None => {
                self.sources.push(SourceStatus {
                    label: format!("live {slot}"),
                    live: Some(slot),
                    busy: true,
                    ..SourceStatus::default()
                });
                self.sources.len() - 1
            }
        };
        &mut self.sources[i]
    }

    fn drop_origin(&mut self, origin: Origin) {
        if !self.origins.contains(&origin) {
            return;
        }
        let keep: Vec<bool> = self.origins.iter().map(|&o| o != origin).collect();
        let mut keep = keep.into_iter();
        self.findings_mut().retain(|_| keep.next().unwrap_or(true));
        self.origins.retain(|&o| o != origin);
    }

    fn add(&mut self, slot: Slot, findings: Vec<Finding>) {
        let origin = slot as Origin;
        self.origins
            .extend(std::iter::repeat_n(origin, findings.len()));
        self.findings_mut().extend(findings);
        let n = self.origins.iter().filter(|&&o| o == origin).count();
        self.live_source(slot).findings = n;
        self.stale = true;
    }

    /// Applies one live event. Findings that change leave routes and facts
    /// stale until [`Session::settle`]: a batch of pages costs one rebuild.
    pub fn apply_live(&mut self, event: LiveEvent) -> LiveChange {
        let mut change = LiveChange::default();
        match event {
            LiveEvent::Source { slot, label } => {
                let s = self.live_source(slot);
                s.label = label;
                s.busy = true;
                s.note = "connecting…".into();
            }
            LiveEvent::Replace {
                slot,
                findings,
                note,
            } => {
                self.drop_origin(slot as Origin);
                self.add(slot, findings);
                if !note.is_empty() {
                    self.live_source(slot).note = note;
                }
                change.findings = true;
            }
            LiveEvent::Append { slot, findings } => {
                self.add(slot, findings);
                change.findings = true;
            }
            LiveEvent::Progress { slot, progress } => {
                self.live_source(slot).note = progress.to_string();
            }
            LiveEvent::Done { slot, note } => {
                let s = self.live_source(slot);
                s.busy = false;
                s.note = note;
            }
            LiveEvent::Warning { slot, message } => {
                let s = self.live_source(slot);
                let said = format!("{}: {message}", s.label);
                s.warnings.push(message);
                change.warning = Some(said);
            }
            LiveEvent::Failed { slot, error } => {
                let s = self.live_source(slot);
                s.busy = false;
                s.error_count += 1;
                if s.error.is_none() {
                    s.error = Some(format!("{}: {error}", s.label));
                }
                s.note.clear();
            }
            LiveEvent::Finished => {
                for s in self.sources.iter_mut().filter(|s| s.live.is_some()) {
                    s.busy = false;
                }
                change.finished = true;
            }
        }
        change
    }

    /// The files' findings, read after the session started (the dashboard
    /// reads them in the background so that it answers keys at once). They
    /// replace the `loading` source lines; routes and facts wait for `settle`.
    /// Shared findings (another thread may still be keeping them in the
    /// parse cache) are taken as they are when the session has none yet.
    pub fn add_inputs(
        &mut self,
        findings: std::sync::Arc<Vec<Finding>>,
        sources: Vec<SourceStatus>,
    ) {
        self.origins
            .splice(0..0, std::iter::repeat_n(FROM_FILE, findings.len()));
        if self.findings.is_empty() {
            self.findings = findings;
        } else {
            let findings =
                std::sync::Arc::try_unwrap(findings).unwrap_or_else(|f| f.as_ref().clone());
            self.findings_mut().splice(0..0, findings);
        }
        self.sources.retain(|s| s.live.is_some() || !s.busy);
        self.sources.splice(0..0, sources);
        self.stale = true;
    }

    /// True while some live source is still pulling.
    pub fn loading(&self) -> bool {
        self.sources.iter().any(|s| s.busy)
    }
}
