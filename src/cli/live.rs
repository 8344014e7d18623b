//! Live sources for the headless commands: pull to the end, progress on
//! stderr when it is a terminal, each source's result as one input.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use super::LiveArgs;
use crate::sources::live::securityhub::{DEFAULT_PACE, Plan};
use crate::sources::live::{self, Event, Slot};
use crate::sources::{Loaded, Location, SourceError};

/// The Security Hub pull the arguments ask for, if any.
pub fn securityhub_plan(args: &LiveArgs) -> Option<Plan> {
    (args.securityhub || args.securityhub_v2).then(|| Plan {
        profile: args.profile.clone(),
        regions: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        all: args.all,
        min_severity: args.min_severity,
        v2: args.securityhub_v2,
        cache_dir: args.cache_dir.clone(),
        first_slot: 0,
        pace: DEFAULT_PACE,
        timeout: std::time::Duration::from_secs(args.timeout.max(1)),
    })
}

/// Slots of Kubernetes sources start here, after any Security Hub regions.
const KUBE_FIRST_SLOT: Slot = 10_000;

pub fn kube_plan(args: &LiveArgs) -> Option<crate::sources::live::kube::Plan> {
    args.kube.then(|| crate::sources::live::kube::Plan {
        kubeconfig: args.kubeconfig.clone(),
        contexts: args.contexts.clone(),
        namespace: args.namespace.clone(),
        cache_dir: args.cache_dir.clone(),
        first_slot: KUBE_FIRST_SLOT,
        timeout: std::time::Duration::from_secs(args.timeout.max(1)),
    })
}

/// Starts the live pulls the arguments ask for; `None` when there are none.
pub fn start(args: &LiveArgs) -> Option<std::sync::mpsc::Receiver<Event>> {
    live::start(securityhub_plan(args), kube_plan(args))
}

/// Runs the live pulls to the end. A failed source keeps what arrived.
pub fn pull_blocking(args: &LiveArgs) -> Vec<Loaded> {
    let Some(rx) = start(args) else {
        return Vec::new();
    };
    let mut err = std::io::stderr();
    let tty = err.is_terminal();
    let mut sources: BTreeMap<Slot, Loaded> = BTreeMap::new();
    let entry = |sources: &mut BTreeMap<Slot, Loaded>, slot: Slot| -> PathBuf {
        sources
            .entry(slot)
            .or_insert_with(|| Loaded {
                path: PathBuf::from(format!("live source {slot}")),
                ..Loaded::default()
            })
            .path
            .clone()
    };
    for event in rx {
        match event {
            Event::Source { slot, label } => {
                sources.entry(slot).or_default().path = PathBuf::from(label);
            }
            Event::Replace { slot, findings, .. } => {
                entry(&mut sources, slot);
                if let Some(s) = sources.get_mut(&slot) {
                    s.findings = findings;
                }
            }
            Event::Append { slot, findings } => {
                entry(&mut sources, slot);
                if let Some(s) = sources.get_mut(&slot) {
                    s.findings.extend(findings);
                }
            }
            Event::Progress { slot, text } => {
                if tty {
                    let path = entry(&mut sources, slot);
                    let _ = write!(err, "\r\x1b[2K{}: {text}", path.display());
                    let _ = err.flush();
                }
            }
            Event::Done { slot, note } => {
                if tty {
                    let path = entry(&mut sources, slot);
                    let _ = writeln!(err, "\r\x1b[2K{}: {note}", path.display());
                }
            }
            Event::Warning { slot, message } => {
                let path = entry(&mut sources, slot);
                if let Some(s) = sources.get_mut(&slot) {
                    s.warnings
                        .push(SourceError::new(&path, Location::NOWHERE, message));
                }
            }
            Event::Failed { slot, error } => {
                let path = entry(&mut sources, slot);
                if tty {
                    let _ = write!(err, "\r\x1b[2K");
                }
                if let Some(s) = sources.get_mut(&slot) {
                    s.errors
                        .push(SourceError::new(&path, Location::NOWHERE, error));
                }
            }
            Event::Finished => break,
        }
    }
    sources.into_values().collect()
}
