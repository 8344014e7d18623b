//! posture-live: the network edge. Security Hub and Kubernetes clients,
//! triage sync and the live cache.
//!
//! Live sources: the network edge. Pulls run on a tokio runtime in a
//! background thread and report through [`Event`]s, so the dashboard stays
//! responsive and fills page by page, and the headless commands print progress.

pub mod answer_limit;
pub mod asff_json;
pub mod aws_error;
pub mod cache;
pub mod jira;
pub mod kube;
pub mod post;
pub mod pull;
pub mod securityhub;
pub mod sync;

use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use posture_core::model::SafeText;

pub use posture_core::session::live::{LiveEvent as Event, Progress, Slot, Unit};

/// Server text can carry escape sequences: it becomes one inert line.
pub fn safe(s: &str) -> String {
    SafeText::line(s).display().to_string()
}

/// Counts pages and findings and says how fast they arrive.
pub struct Meter {
    started: Instant,
    pub pages: usize,
    pub findings: usize,
}

impl Default for Meter {
    fn default() -> Self {
        Meter {
            started: Instant::now(),
            pages: 0,
            findings: 0,
        }
    }
}

impl Meter {
    pub fn page(&mut self, findings: usize) {
        self.pages += 1;
        self.findings += findings;
    }

    pub fn progress(&self, unit: Unit) -> Progress {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        Progress {
            pages: self.pages,
            items: self.findings,
            per_second: (self.findings as f64 / secs).round() as u64,
            unit,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

const LIVE_STACK: usize = 2 << 20;

/// Starts the Security Hub and Kubernetes pulls asked for, side by side;
/// `None` when none is.
pub fn start(
    securityhub: Option<securityhub::Plan>,
    kube: Option<kube::Plan>,
) -> Option<Receiver<Event>> {
    if securityhub.is_none() && kube.is_none() {
        return None;
    }
    Some(spawn(move |tx| async move {
        let sh_tx = tx.clone();
        let sh = async move {
            if let Some(plan) = securityhub {
                securityhub::pull(plan, sh_tx).await;
            }
        };
        let k8s = async move {
            if let Some(plan) = kube {
                kube::pull(plan, tx).await;
            }
        };
        tokio::join!(sh, k8s);
    }))
}

/// Starts `work` on its own runtime in a background thread; events arrive on
/// the returned receiver, the last one is [`Event::Finished`].
pub fn spawn<F, Fut>(work: F) -> Receiver<Event>
where
    F: FnOnce(Sender<Event>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (tx, rx) = channel();
    // Stacks are pinned at 2 MiB (tokio's default) so that the debug-build
    // tests prove the SDK's deep finding types fit (see Cargo.toml's
    // opt-level for aws-sdk-securityhub), whatever RUST_MIN_STACK says.
    let spawned = std::thread::Builder::new()
        .name("posture-live".into())
        .stack_size(LIVE_STACK)
        .spawn(move || {
            // Two providers are compiled in (see Cargo.toml); an error only
            // means one was installed already.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_stack_size(LIVE_STACK)
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => rt.block_on(work(tx.clone())),
                Err(e) => {
                    let _ = tx.send(Event::Failed {
                        slot: 0,
                        error: format!("cannot start the network runtime: {e}"),
                    });
                }
            }
            let _ = tx.send(Event::Finished);
        });
    if let Err(e) = spawned {
        let (tx, rx) = channel();
        let _ = tx.send(Event::Failed {
            slot: 0,
            error: format!("cannot start the network thread: {e}"),
        });
        let _ = tx.send(Event::Finished);
        return rx;
    }
    rx
}
