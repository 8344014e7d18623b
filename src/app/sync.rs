//! Sending triage marks to Security Hub from the dashboard: what Security
//! Hub does not know yet, a yes/no question, then the request, which the
//! terminal layer runs in the background.

use posture_core::config::keymap::Action;
use posture_core::triage::sync::{Batch, Report};

use super::effect::Effect;
use super::modal::Modal;
use super::state::App;

/// `U`: works out what Security Hub does not know yet and asks.
pub fn ask(app: &mut App) {
    if !app.sync.available {
        app.status =
            Some("sync needs a live Security Hub source (start with --securityhub)".into());
        return;
    }
    if app.sync.running {
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
    app.modal = Some(Modal::ConfirmSync(pending));
}

/// The answer to the question: only a yes sends.
pub fn answer(app: &mut App, batches: Vec<Batch>, action: Option<Action>) -> Vec<Effect> {
    if action != Some(Action::Confirm) {
        app.status = Some("sync cancelled: nothing sent".into());
        return Vec::new();
    }
    vec![Effect::StartSync(batches)]
}

pub fn started(app: &mut App, result: Result<usize, String>) {
    match result {
        Ok(n) => {
            app.sync.running = true;
            app.status = Some(format!("sending {n} updates to Security Hub…"));
        }
        Err(e) => app.status = Some(format!("cannot start the sync: {e}")),
    }
}

pub fn done(app: &mut App, report: &Report) {
    app.sync.running = false;
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
    use posture_core::config::keymap::Key;
    use posture_core::config::keymap::Keymap;
    use posture_core::config::theme::Theme;
    use posture_core::session::LiveEvent as Event;
    use posture_core::triage::{Mark, Status, Store};

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
        app.sync.available = true;
        ask(&mut app);
        let Some(Modal::ConfirmSync(pending)) = &app.modal else {
            panic!("no question asked: {:?}", app.status);
        };
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].workflow, "SUPPRESSED");
        let effects = super::super::update::on_key(&mut app, Key::char('n'));
        assert!(effects.is_empty());
        assert!(app.modal.is_none());
        assert!(!app.sync.running);
        assert!(app.status.as_deref().unwrap().contains("nothing sent"));
        // A yes asks the terminal layer to send exactly what was asked about.
        ask(&mut app);
        let effects = super::super::update::on_key(&mut app, Key::char('y'));
        assert!(matches!(&effects[..], [Effect::StartSync(b)] if b.len() == 1));
    }
}
