//! Live sources for the headless commands: pull to the end, progress on
//! stderr when it is a terminal, each source's result as one input.

use std::io::{IsTerminal, Write};

use super::LiveArgs;
use posture_core::session::Session;
use posture_live::securityhub::{DEFAULT_PACE, Plan};
use posture_live::{Event, Slot};

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
        // 0 (a `LiveArgs::default()`) is the default bound, not one page.
        max_pages: match args.max_pages {
            0 => posture_live::securityhub::DEFAULT_MAX_PAGES,
            n => n,
        },
    })
}

/// Slots of Kubernetes sources start here, after any Security Hub regions.
const KUBE_FIRST_SLOT: Slot = 10_000;

pub fn kube_plan(args: &LiveArgs) -> Option<posture_live::kube::Plan> {
    args.kube.then(|| posture_live::kube::Plan {
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
    posture_live::start(securityhub_plan(args), kube_plan(args))
}

/// Runs the live pulls to the end, into the session (progress on stderr
/// when it is a terminal), then reports each live source's failure and
/// warnings. A failed source keeps what arrived. Routes and facts wait for
/// the session's `settle`.
pub fn pull(session: &mut Session, args: &LiveArgs) {
    let Some(rx) = start(args) else {
        return;
    };
    let mut err = std::io::stderr();
    let tty = err.is_terminal();
    let label = |s: &Session, slot: Slot| {
        s.sources
            .iter()
            .find(|x| x.live == Some(slot))
            .map_or_else(|| format!("live source {slot}"), |x| x.label.clone())
    };
    for event in rx {
        if tty {
            let _ = match &event {
                Event::Progress { slot, progress } => {
                    write!(err, "\r\x1b[2K{}: {progress}", label(session, *slot))
                        .and_then(|()| err.flush())
                }
                Event::Done { slot, note } => {
                    writeln!(err, "\r\x1b[2K{}: {note}", label(session, *slot))
                }
                Event::Failed { .. } => write!(err, "\r\x1b[2K"),
                _ => Ok(()),
            };
        }
        if session.apply_live(event).finished {
            break;
        }
    }
    for s in session.sources.iter().filter(|s| s.live.is_some()) {
        if let Some(e) = &s.error {
            let _ = writeln!(err, "{e}");
        }
        for w in &s.warnings {
            let _ = writeln!(err, "{}: warning: {w}", s.label);
        }
    }
}
