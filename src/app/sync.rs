//! Sending triage marks to Security Hub from the dashboard: the plan, a
//! yes/no question, then the request in the background.

use std::sync::mpsc::{Receiver, TryRecvError, channel};

use super::state::{App, Mode};
use posture_core::config::keymap::{Key, KeyCode};
use posture_core::triage::sync::Batch;
use posture_live::securityhub::Plan;
use posture_live::sync::{Report, push_blocking};

#[derive(Default)]
pub struct SyncState {
    /// The Security Hub source to send to (set when the dashboard pulls one).
    pub plan: Option<Plan>,
    /// What the question is about.
    pub pending: Vec<Batch>,
    running: Option<Receiver<Report>>,
}

impl SyncState {
    pub fn running(&self) -> bool {
        self.running.is_some()
    }
}

/// `S`: works out what Security Hub does not know yet and asks.
pub fn ask(app: &mut App) {
    if app.sync.plan.is_none() {
        app.status =
            Some("sync needs a live Security Hub source (start with --securityhub)".into());
        return;
    }
    if app.sync.running() {
        app.status = Some("a sync is already running".into());
        return;
    }
    if app.session.store().is_none() {
        app.status = Some("no triage file: nothing to sync".into());
        return;
    }
    let pending = app.session.plan_sync();
    if pending.is_empty() {
        app.status = Some("Security Hub already agrees with every triage mark".into());
        return;
    }
    app.sync.pending = pending;
    app.mode = Mode::ConfirmSync;
}

pub fn on_confirm_key(app: &mut App, key: Key) {
    app.mode = Mode::Normal;
    let batches = std::mem::take(&mut app.sync.pending);
    if key.code != KeyCode::Char('y') || key.ctrl || key.alt {
        app.status = Some("sync cancelled: nothing sent".into());
        return;
    }
    let Some(plan) = app.sync.plan.clone() else {
        return;
    };
    let n: usize = batches.iter().map(|b| b.items.len()).sum();
    let by = app.session.user.clone();
    let (tx, rx) = channel();
    let started = std::thread::Builder::new()
        .name("posture-sync".into())
        .spawn(move || {
            let _ = tx.send(push_blocking(&plan, batches, &by));
        });
    match started {
        Ok(_) => {
            app.sync.running = Some(rx);
            app.status = Some(format!("sending {n} updates to Security Hub…"));
        }
        Err(e) => app.status = Some(format!("cannot start the sync: {e}")),
    }
}

/// Called every tick: reports a finished sync.
pub fn poll(app: &mut App) {
    let Some(rx) = &app.sync.running else { return };
    let report = match rx.try_recv() {
        Ok(r) => r,
        Err(TryRecvError::Empty) => return,
        Err(TryRecvError::Disconnected) => Report {
            processed: 0,
            failures: Vec::new(),
        },
    };
    app.sync.running = None;
    app.status = Some(match report.failures.first() {
        None => format!("Security Hub updated: {} findings", report.processed),
        Some(f) => format!(
            "Security Hub updated {}; {} not updated, e.g. {}: {} {}",
            report.processed,
            report.failures.len(),
            f.id,
            f.code,
            f.message
        ),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use posture_core::config::keymap::Keymap;
    use posture_core::config::theme::Theme;
    use posture_core::triage::{Mark, Status, Store};
    use posture_live::Event;

    fn live_app(dir: &std::path::Path) -> App {
        let record = serde_json::json!({
            "SchemaVersion": "2018-10-08", "Id": "f-1", "ProductArn": "arn:p",
            "AwsAccountId": "1", "Region": "eu-west-1", "Title": "t",
            "Severity": {"Label": "HIGH"}, "Workflow": {"Status": "NEW"}, "RecordState": "ACTIVE"
        });
        let findings =
            posture_core::sources::parse_values(std::path::Path::new("t"), [record]).findings;
        let fp = findings[0].fingerprint.to_string();
        let mut store = Store::open(&dir.join("triage.toml"));
        let mark = Mark::new(
            Status::FalsePositive,
            "ana",
            posture_core::model::Timestamp::from_unix(0),
        );
        store.apply(vec![(fp, mark)], "test").unwrap();
        let session = posture_core::session::Session::new(posture_core::session::SessionParts {
            store: Some(store),
            user: "ana".into(),
            ..Default::default()
        });
        let mut app = App::new(session, Theme::monochrome(), Keymap::defaults());
        app.on_live(Event::Replace {
            slot: 0,
            findings,
            note: String::new(),
        });
        app.after_live();
        app
    }

    #[test]
    fn sync_asks_first_and_a_no_sends_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = live_app(dir.path());
        ask(&mut app);
        assert!(app.status.as_deref().unwrap().contains("--securityhub"));
        app.sync.plan = Some(Plan {
            profile: None,
            regions: vec!["eu-west-1".into()],
            endpoint_url: Some("http://127.0.0.1:9".into()),
            all: false,
            min_severity: None,
            v2: false,
            cache_dir: None,
            first_slot: 0,
            pace: std::time::Duration::ZERO,
            timeout: std::time::Duration::from_secs(5),
        });
        ask(&mut app);
        assert_eq!(app.mode, Mode::ConfirmSync);
        assert_eq!(app.sync.pending.len(), 1);
        assert_eq!(app.sync.pending[0].workflow, "SUPPRESSED");
        on_confirm_key(&mut app, Key::plain(KeyCode::Char('n')));
        assert_eq!(app.mode, Mode::Normal);
        assert!(!app.sync.running());
        assert!(app.status.as_deref().unwrap().contains("nothing sent"));
    }
}
