//! Triage in the dashboard, driven by keys as a user types them: marks land
//! in the triage file, survive a restart and a re-load of changed inputs,
//! apply to picked rows and to every member of a group.

use std::path::Path;

// Keys as a user types them, with their effects (saves) run.
use posture::app::{App, Mode};
use posture::term::press as on_key;
use posture_core::config::keymap::{Key, KeyCode, Keymap};
use posture_core::config::theme;
use posture_core::model::{Finding, Timestamp};
use posture_core::session::{Session, SessionParts};
use posture_core::triage::Status;
use posture_core::triage::store::{Store, read_marks};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW: &str = "2026-11-24T09:00:00Z";

fn app_with(findings: Vec<Finding>, triage: &Path) -> App {
    let session = Session::new(SessionParts {
        findings,
        store: Some(Store::open(triage)),
        user: "carol".to_string(),
        now: Some(Timestamp::parse(NOW).unwrap()),
        ..SessionParts::default()
    });
    let mut app = App::new(
        session,
        theme::load("dark", None).unwrap(),
        Keymap::defaults(),
    );
    app.clock_fixed = true;
    app
}

fn demo_findings() -> Vec<Finding> {
    posture_core::demo::load_current().findings
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        on_key(app, Key::char(c));
    }
}

fn press(app: &mut App, code: KeyCode) {
    on_key(app, Key::plain(code));
}

fn selected_fp(app: &App) -> String {
    app.selected_finding().unwrap().fingerprint.to_string()
}

fn status_in_file(path: &Path, fp: &str) -> Option<Status> {
    read_marks(path).unwrap().get(fp).map(|m| m.status)
}

#[test]
fn mark_the_row_then_restart_and_reload_changed_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("triage.toml");
    let mut app = app_with(demo_findings(), &file);
    let fp = selected_fp(&app);
    typed(&mut app, "ma");
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(status_in_file(&file, &fp), Some(Status::Acknowledged));
    // Marking moves on to the next row, as k9s and lazygit do.
    assert_eq!(app.view.selected, 1);
    assert_ne!(selected_fp(&app), fp);
    typed(&mut app, "k");
    assert_eq!(selected_fp(&app), fp);
    typed(&mut app, "n");
    assert_eq!(app.mode(), Mode::Note);
    typed(&mut app, "payments team owns this");
    press(&mut app, KeyCode::Enter);
    let marks = read_marks(&file).unwrap();
    assert_eq!(marks[&fp].note, "payments team owns this");
    assert_eq!(
        marks[&fp].status,
        Status::Acknowledged,
        "a note keeps the status"
    );
    assert_eq!(marks[&fp].by, "carol");

    // Restart: a new app on the same file shows the mark.
    let app2 = app_with(demo_findings(), &file);
    let i = app2
        .session
        .findings
        .iter()
        .position(|f| f.fingerprint.as_str() == fp)
        .unwrap();
    assert_eq!(app2.session.facts_of(i).status, Status::Acknowledged);

    // Re-load with changed inputs: the marked finding is gone, the mark is kept.
    let fewer: Vec<Finding> = demo_findings()
        .into_iter()
        .filter(|f| f.fingerprint.as_str() != fp)
        .collect();
    let mut app3 = app_with(fewer, &file);
    let gone = app3.session.gone();
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].0, &fp);
    typed(&mut app3, "ma");
    assert!(
        read_marks(&file).unwrap().contains_key(&fp),
        "never dropped"
    );
}

#[test]
fn picked_rows_and_groups_are_marked_together() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("triage.toml");
    let mut app = app_with(demo_findings(), &file);
    let first = selected_fp(&app);
    typed(&mut app, " ");
    let second = selected_fp(&app);
    typed(&mut app, " ");
    assert_eq!(app.picked.len(), 2);
    typed(&mut app, "mf");
    assert!(app.picked.is_empty(), "picks are cleared after the action");
    assert_eq!(status_in_file(&file, &first), Some(Status::FalsePositive));
    assert_eq!(status_in_file(&file, &second), Some(Status::FalsePositive));

    // Grouped: one keystroke marks every member of the rule.
    typed(&mut app, "g");
    let members = match app.view.selected_row().unwrap() {
        posture::app::view::Row::Group(g) => g.members.to_vec(),
        _ => panic!("grouped"),
    };
    assert!(members.len() > 1);
    typed(&mut app, "md");
    let marks = read_marks(&file).unwrap();
    for i in members {
        let fp = app.session.findings[i].fingerprint.to_string();
        assert_eq!(marks[&fp].status, Status::Resolved);
    }

    // `v` picks everything shown.
    typed(&mut app, "gg1v");
    assert_eq!(app.picked.len(), app.view.shown.len());
    press(&mut app, KeyCode::Esc);
    assert!(app.picked.is_empty());
}

#[test]
fn accepting_a_risk_asks_reason_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("triage.toml");
    let mut app = app_with(demo_findings(), &file);
    let fp = selected_fp(&app);
    typed(&mut app, "mr");
    assert_eq!(app.mode(), Mode::RiskReason);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::RiskReason, "a reason is required");
    typed(&mut app, "compensating WAF rule");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::RiskExpiry);
    on_key(&mut app, Key::ctrl('u'));
    typed(&mut app, "2020-01-01");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::RiskExpiry, "a past date is refused");
    on_key(&mut app, Key::ctrl('u'));
    typed(&mut app, "30d");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Normal);
    let m = &read_marks(&file).unwrap()[&fp];
    assert_eq!(m.status, Status::AcceptedRisk);
    assert_eq!(m.reason, "compensating WAF rule");
    assert_eq!(
        m.expires
            .map(posture_core::model::date::format_date)
            .as_deref(),
        Some("2026-12-24")
    );

    // A month later the acceptance has run out: new again, flagged.
    let mut later = app_with(demo_findings(), &file);
    later.session.now = Timestamp::parse("2026-12-25T09:00:00Z").unwrap();
    later.refresh_facts();
    let i = later
        .session
        .findings
        .iter()
        .position(|f| f.fingerprint.as_str() == fp)
        .unwrap();
    let fx = later.session.facts_of(i);
    assert_eq!((fx.status, fx.expired), (Status::New, true));
}

#[test]
fn the_status_filter_narrows_to_what_needs_work() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("triage.toml");
    let mut app = app_with(demo_findings(), &file);
    let all = app.view.rows.len();
    typed(&mut app, "md");
    typed(&mut app, "x");
    assert_eq!(app.view.rows.len(), all - 1, "to do hides the resolved one");
    typed(&mut app, ":status-filter resolved");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.view.rows.len(), 1);
}

#[test]
fn a_broken_triage_file_is_not_overwritten_from_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("triage.toml");
    let broken = "version = 1\n[marks.x\n";
    std::fs::write(&file, broken).unwrap();
    let mut app = app_with(demo_findings(), &file);
    typed(&mut app, "m");
    assert_eq!(app.mode(), Mode::Normal, "the picker does not open");
    assert!(app.status.as_deref().unwrap_or("").contains("broken"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
    let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
    t.draw(|f| {
        posture::ui::draw(f, &app);
    })
    .unwrap();
    let text = format!("{:?}", t.backend());
    assert!(text.contains("triage file:"), "shown in the header");
}

#[test]
fn statuses_picker_and_detail_render() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("triage.toml");
    let mut app = app_with(demo_findings(), &file);
    // Each decision moves the cursor on: the first row acknowledged, the
    // second in progress, the third picked and given a note.
    typed(&mut app, "ma");
    typed(&mut app, "mp");
    typed(&mut app, " ");
    typed(&mut app, "n");
    typed(&mut app, "rotate the key \u{1b}[31m today");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    typed(&mut app, "k");
    let mut t = Terminal::new(TestBackend::new(160, 40)).unwrap();
    t.draw(|f| {
        posture::ui::draw(f, &app);
    })
    .unwrap();
    insta::assert_snapshot!("triage_detail_160x40", t.backend());
    let text = format!("{:?}", t.backend());
    assert!(
        text.contains("rotate the key \\x1b[31m today"),
        "the note, inert"
    );
    typed(&mut app, "m");
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| {
        posture::ui::draw(f, &app);
    })
    .unwrap();
    insta::assert_snapshot!("triage_picker_80x24", t.backend());
    let text = format!("{:?}", t.backend());
    assert!(text.contains("accepted-risk") && text.contains("false-positive"));
}

#[test]
fn export_says_what_it_will_write_and_a_no_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let triage = dir.path().join("triage.toml");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let mut app = app_with(demo_findings(), &triage);
    app.export_dir = out.clone();
    let written = || std::fs::read_dir(&out).unwrap().count();

    typed(&mut app, "E");
    assert_eq!(app.mode(), Mode::ConfirmExport);
    let text = screen(&mut app, 120, 30);
    assert!(
        text.contains("Write 317 JIRA tickets for 317 findings"),
        "{text}"
    );
    assert!(text.contains("2 files of at most 250"), "{text}");
    assert_eq!(written(), 0, "asking wrote a file");
    typed(&mut app, "n");
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(written(), 0, "a no wrote a file");
    assert!(!triage.exists(), "a no recorded an export");
    assert!(
        app.status
            .as_deref()
            .unwrap_or("")
            .contains("nothing written")
    );

    // A yes writes what it said: two CSVs of at most 250 rows, each with
    // its importer configuration, and remembers every finding as exported.
    typed(&mut app, "E");
    typed(&mut app, "y");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(
        names[0].ends_with("-1.csv") && names[2].ends_with("-2.csv"),
        "{names:?}"
    );
    let marks = read_marks(&triage).unwrap();
    assert_eq!(marks.len(), 317);
    assert!(
        marks
            .values()
            .all(|m| m.exported_at.is_some() && !m.is_decided())
    );
    // Nothing is left to export: a second E says so and asks nothing.
    typed(&mut app, "E");
    assert_eq!(app.mode(), Mode::Normal);
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        posture::ui::draw(f, app);
    })
    .unwrap();
    format!("{:?}", t.backend())
}

/// The cursor moves on after a decision, unless the decision hid the row
/// (a status filter): then the next row is already under it.
#[test]
fn marking_moves_on_without_skipping_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("triage.toml");
    let mut app = app_with(demo_findings(), &file);
    let second = {
        typed(&mut app, "j");
        let fp = selected_fp(&app);
        typed(&mut app, "k");
        fp
    };
    // Only findings still to triage: acknowledging one hides it.
    app.view.filter.statuses = vec![Status::New];
    app.refresh_view();
    let first = selected_fp(&app);
    typed(&mut app, "ma");
    assert_eq!(status_in_file(&file, &first), Some(Status::Acknowledged));
    assert_eq!(app.view.selected, 0);
    assert_eq!(selected_fp(&app), second, "the next row, not the one after");
    // Picked rows: the cursor stays.
    typed(&mut app, " ");
    typed(&mut app, "mf");
    assert_eq!(app.view.selected, 0);
}

/// `y` and `Y` copy the id and the resource (OSC 52 in a terminal), `O`
/// opens the remediation link (said, outside a terminal); hostile text is
/// copied display-safe and a link that is not a web link is not opened.
#[test]
fn yank_and_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut findings = demo_findings();
    findings[0].resource = posture_core::model::SafeText::line("arn:aws:s3:::bucket\u{1b}[2J");
    findings[0].remediation.url = Some(posture_core::model::SafeText::line("file:///etc/passwd"));
    let mut app = app_with(findings, &dir.path().join("t.toml"));
    // The finding with the hostile resource and the local link, selected.
    app.view.selected = app
        .view
        .rows
        .iter()
        .position(|r| matches!(r, posture::app::view::Row::Finding(0)))
        .unwrap();
    let fp = selected_fp(&app);
    typed(&mut app, "y");
    assert_eq!(
        app.status.as_deref(),
        Some(format!("copied the fingerprint: {fp}").as_str())
    );
    typed(&mut app, "Y");
    let status = app.status.clone().unwrap();
    assert!(
        status.starts_with("copied the resource: arn:aws:s3:::bucket"),
        "{status}"
    );
    assert!(!status.contains('\u{1b}'), "{status}");
    typed(&mut app, "O");
    let status = app.status.clone().unwrap();
    assert!(status.contains("not a web link"), "{status}");
    // A finding with a web link: outside a terminal, the link is said.
    let web = app
        .view
        .rows
        .iter()
        .position(|r| match r {
            posture::app::view::Row::Finding(i) => app.session.findings[*i]
                .remediation
                .url
                .as_ref()
                .is_some_and(|u| u.display().starts_with("https://")),
            _ => false,
        })
        .unwrap();
    app.view.selected = web;
    typed(&mut app, "O");
    assert!(
        app.status.clone().unwrap().starts_with("link: https://"),
        "{:?}",
        app.status
    );
}
