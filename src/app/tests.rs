//! The dashboard driven by keys, mouse and `:` commands, without a terminal.

use super::actions::apply;
use super::command::run as run_command;
use super::effect::{Effect, Mouse};
use super::modal::Mode;
use super::state::App;
use super::update::{on_key, on_mouse};
use super::view::Row;
use posture_core::config::keymap::{Action, Key, KeyCode, Keymap, Step};
use posture_core::config::theme;
use posture_core::model::{Severity, Source};
use posture_core::query::SortKey;

fn app() -> App {
    app_of(
        posture_core::demo::load_current().findings,
        posture_core::routing::Router::default(),
    )
}

/// The dashboard on these findings routed so, on the demo's date.
fn app_of(
    findings: Vec<posture_core::model::Finding>,
    router: posture_core::routing::Router,
) -> App {
    let session = posture_core::session::Session::new(posture_core::session::SessionParts {
        findings,
        router,
        now: Some(posture_core::model::Timestamp::parse("2026-11-17T00:00:00Z").unwrap()),
        ..Default::default()
    });
    App::new(
        session,
        theme::load("dark", None).unwrap(),
        Keymap::defaults(),
    )
}

fn keys(a: &mut App, s: &str) {
    for c in s.chars() {
        on_key(a, Key::char(c));
    }
}

fn enter(a: &mut App) -> Vec<Effect> {
    on_key(a, Key::plain(KeyCode::Enter))
}

#[test]
fn slash_filters_live_and_esc_clears() {
    let mut a = app();
    let all = a.view.rows.len();
    keys(&mut a, "/");
    assert_eq!(a.mode(), Mode::Filter);
    keys(&mut a, "CVE-2023-38545");
    let narrowed = a.view.rows.len();
    assert!(narrowed > 0 && narrowed < all, "{narrowed} of {all}");
    on_key(&mut a, Key::plain(KeyCode::Esc));
    assert_eq!(a.view.rows.len(), all);
    assert_eq!(a.mode(), Mode::Normal);
}

#[test]
fn severity_keys_set_a_floor() {
    let mut a = app();
    keys(&mut a, "1");
    assert!(a.view.rows.iter().all(|r| match r {
        Row::Finding(i) => a.session.findings[*i].severity == Severity::Critical,
        Row::Group(_) => false,
    }));
    keys(&mut a, "0");
    assert_eq!(a.view.filter.min_severity, None);
}

#[test]
fn g_groups_and_q_quits() {
    let mut a = app();
    let flat = a.view.rows.len();
    keys(&mut a, "g");
    assert!(a.view.rows.len() < flat);
    assert!(matches!(a.view.rows[0], Row::Group(_)));
    keys(&mut a, "q");
    assert!(a.quit);
}

#[test]
fn navigation_is_clamped() {
    let mut a = app();
    a.layout.rows = 10;
    apply(&mut a, Action::Scroll(Step::Bottom));
    assert_eq!(a.view.selected, a.view.rows.len() - 1);
    apply(&mut a, Action::Scroll(Step::PageDown));
    assert_eq!(a.view.selected, a.view.rows.len() - 1);
    apply(&mut a, Action::Scroll(Step::Top));
    assert_eq!(a.view.selected, 0);
    apply(&mut a, Action::Scroll(Step::Up));
    assert_eq!(a.view.selected, 0);
}

#[test]
fn command_line_runs_actions_and_arguments() {
    let mut a = app();
    keys(&mut a, ":");
    keys(&mut a, "sort title");
    enter(&mut a);
    assert_eq!(a.view.sort, SortKey::Title);
    run_command(&mut a, "source kubescape");
    assert!(a.view.rows.iter().all(
        |r| matches!(r, Row::Finding(i) if a.session.findings[*i].source == Source::Kubescape)
    ));
    run_command(&mut a, "group");
    assert!(a.view.grouped);
    // Loading a theme reads files: the terminal layer does it.
    assert_eq!(
        run_command(&mut a, "theme light"),
        vec![Effect::LoadTheme("light".into())]
    );
    run_command(&mut a, "bogus");
    assert!(
        a.status
            .as_deref()
            .unwrap_or("")
            .contains("unknown command")
    );
}

#[test]
fn open_only_by_default_and_toggle() {
    let mut a = app();
    let open = a.view.rows.len();
    keys(&mut a, "o");
    assert!(a.view.rows.len() > open);
}

#[test]
fn mouse_click_selects_the_row_under_it() {
    let mut a = app();
    a.layout = super::TableLayout {
        offset: 0,
        first_row_y: 5,
        rows: 10,
        x: 0,
        width: 80,
        ..Default::default()
    };
    on_mouse(&mut a, Mouse::Click { x: 3, y: 8 });
    assert_eq!(a.view.selected, 3);
    on_mouse(&mut a, Mouse::ScrollDown);
    assert_eq!(a.view.selected, 6);
    on_mouse(&mut a, Mouse::Click { x: 3, y: 2 });
    assert_eq!(a.view.selected, 6, "clicks outside the table do nothing");
}

#[test]
fn actions_with_arguments_come_from_keys_and_the_command_line_alike() {
    let mut a = app();
    run_command(&mut a, "floor high");
    assert_eq!(a.view.filter.min_severity, Some(Severity::High));
    run_command(&mut a, "severity all");
    assert_eq!(a.view.filter.min_severity, None);
    run_command(&mut a, "sort nonsense");
    assert!(
        a.status
            .as_deref()
            .unwrap_or("")
            .contains("sort needs one of")
    );
    run_command(&mut a, "scroll bottom");
    assert_eq!(a.view.selected, a.view.rows.len() - 1);
}

#[test]
fn marking_is_an_effect_and_the_picker_keys_come_from_the_keymap() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = posture_core::demo::load_current();
    let session = posture_core::session::Session::new(posture_core::session::SessionParts {
        findings: loaded.findings,
        store: Some(posture_core::triage::Store::open(
            &dir.path().join("t.toml"),
        )),
        ..Default::default()
    });
    let f = vec!["F".to_string()];
    let keymap = Keymap::with_overrides([("picker: mark false-positive", f.as_slice())]).unwrap();
    let mut a = App::new(session, theme::Theme::monochrome(), keymap);
    keys(&mut a, "m");
    assert_eq!(a.mode(), Mode::StatusPick);
    let effects = on_key(&mut a, Key::char('F'));
    assert!(matches!(
        &effects[..],
        [Effect::SaveMarks { targets, .. }] if targets.len() == 1
    ));
    assert!(!dir.path().join("t.toml").exists(), "update wrote a file");
    // The old key no longer marks.
    keys(&mut a, "m");
    assert!(on_key(&mut a, Key::char('f')).is_empty());
    assert_eq!(a.status.as_deref(), Some("status unchanged"));
}

#[test]
fn popups_scroll_with_their_own_keys_and_close_on_any_other() {
    let mut a = app();
    keys(&mut a, "?");
    assert_eq!(a.mode(), Mode::Help);
    keys(&mut a, "jjj");
    assert!(matches!(a.modal, Some(super::Modal::Help(s)) if s.offset == 3));
    keys(&mut a, "x");
    assert_eq!(a.mode(), Mode::Normal);
}

#[test]
fn files_read_in_the_background_join_the_table_and_q_works_before() {
    let session = posture_core::session::Session::new(posture_core::session::SessionParts {
        sources: vec![posture_core::session::SourceStatus {
            label: "1 input".into(),
            busy: true,
            ..Default::default()
        }],
        ..Default::default()
    });
    let mut a = App::new(session, theme::Theme::monochrome(), Keymap::defaults());
    assert!(a.session.loading());
    assert!(a.view.rows.is_empty());
    let loaded = posture_core::demo::load_current();
    let n = loaded.findings.iter().filter(|f| f.open).count();
    let status = posture_core::session::SourceStatus {
        label: "demo.json".into(),
        findings: loaded.findings.len(),
        ..Default::default()
    };
    super::update::update(
        &mut a,
        super::Event::InputsLoaded {
            findings: loaded.findings.into(),
            sources: vec![status],
        },
    );
    assert!(!a.session.loading());
    assert_eq!(a.view.rows.len(), n);
    assert_eq!(a.session.sources.len(), 1);
    keys(&mut a, "q");
    assert!(a.quit);
}

/// After a frame is drawn the view asks, once, for what it still lacks to be
/// prepared in the background; the pieces come back as events and give the
/// rows that working them out on demand gives.
#[test]
fn the_first_frame_starts_preparing_and_the_pieces_are_kept() {
    use super::effect::Event;
    use super::update::update;
    let mut a = app();
    let layout = a.layout;
    let effects = update(&mut a, Event::Layout(layout));
    let Some(Effect::Prepare(job)) = effects.into_iter().next() else {
        panic!("no preparation asked for")
    };
    assert!(
        update(&mut a, Event::Layout(layout)).is_empty(),
        "asked twice"
    );
    let generation = job.generation;
    let mut pieces = Vec::new();
    job.run(|piece| {
        pieces.push(piece);
        true
    });
    assert!(pieces.len() >= 3, "{pieces:?}");
    for piece in pieces {
        update(&mut a, Event::Prepared { generation, piece });
    }
    let findings = a.session.findings.clone();
    assert!(!a.view.prepare_one(&findings), "something left unprepared");
    let mut fresh = app();
    for app in [&mut a, &mut fresh] {
        keys(app, "/privileged");
        on_key(app, Key::plain(KeyCode::Enter));
        keys(app, "gs");
    }
    assert_eq!(a.view.rows, fresh.view.rows);
    assert!(!a.view.rows.is_empty());
}

/// A piece prepared for findings since replaced is dropped.
#[test]
fn pieces_for_older_findings_are_dropped() {
    use super::effect::Event;
    use super::update::update;
    let mut a = app();
    let layout = a.layout;
    let Some(Effect::Prepare(job)) = update(&mut a, Event::Layout(layout)).into_iter().next()
    else {
        panic!("no preparation asked for")
    };
    let stale = job.generation + 1;
    job.run(|piece| {
        update(
            &mut a,
            Event::Prepared {
                generation: stale,
                piece,
            },
        );
        true
    });
    let findings = a.session.findings.clone();
    assert!(a.view.prepare_one(&findings), "a stale piece was kept");
}

/// In the dashboard a sort order that is not ready is not worked out in the
/// keystroke: the rows keep their order, the header says "sorting…", a job
/// brings the order, and the rows are then those of a view that sorted at once.
#[test]
fn a_sort_order_not_ready_comes_from_a_job_and_the_rows_wait_for_it() {
    use super::effect::Event;
    use super::update::update;
    let mut a = app();
    a.view.background = true;
    let before = a.view.rows.clone();
    let effects = update(&mut a, Event::Key(Key::char('s')));
    assert_eq!(a.view.sort, SortKey::Source);
    assert_eq!(a.view.waiting, Some((SortKey::Source, false)));
    assert_eq!(a.view.rows, before, "rows changed before the order came");
    let Some(Effect::Prepare(job)) = effects.into_iter().next() else {
        panic!("no job for the order")
    };
    assert_eq!(job.orders, [(SortKey::Source, false)]);
    // Asked once, however many frames pass meanwhile.
    let layout = a.layout;
    let again = update(&mut a, Event::Layout(layout));
    assert!(
        again
            .iter()
            .all(|e| !matches!(e, Effect::Prepare(j) if j.orders == [(SortKey::Source, false)]))
    );
    let generation = job.generation;
    job.run(|piece| {
        update(&mut a, Event::Prepared { generation, piece });
        true
    });
    assert_eq!(a.view.waiting, None);
    let mut at_once = app();
    keys(&mut at_once, "s");
    assert_eq!(a.view.rows, at_once.view.rows);
    assert_ne!(a.view.rows, before);
}

/// Grouping asked for before its keys are ready waits for them the same way.
#[test]
fn grouping_before_its_keys_are_ready_waits_for_a_job() {
    use super::effect::Event;
    use super::update::update;
    let mut a = app();
    a.view.background = true;
    let effects = update(&mut a, Event::Key(Key::char('g')));
    assert!(a.view.grouped && a.view.waiting_groups);
    assert!(a.view.rows.iter().all(|r| matches!(r, Row::Finding(_))));
    let Some(Effect::Prepare(job)) = effects.into_iter().next() else {
        panic!("no job for the grouping keys")
    };
    assert!(job.rule_keys && job.orders.is_empty());
    let generation = job.generation;
    job.run(|piece| {
        update(&mut a, Event::Prepared { generation, piece });
        true
    });
    assert!(!a.view.waiting_groups);
    let mut at_once = app();
    keys(&mut at_once, "g");
    assert_eq!(a.view.rows, at_once.view.rows);
    assert!(a.view.rows.iter().all(|r| matches!(r, Row::Group(_))));
}

/// A grouping too long for a keystroke comes from a job: the rows stay the
/// last groups meanwhile (nothing acts on them), an answer to an older
/// request is dropped, and the groups that arrive are the ones worked out
/// at once.
#[test]
fn grouping_while_typing_comes_from_a_job_and_only_the_newest_is_shown() {
    use super::effect::Event;
    use super::update::update;
    use posture_core::query::grouping::Grouping;
    let mut a = app();
    a.view.background = true;
    a.view.group_inline_max = Some(0);
    while a.view.prepare_one(&a.session.findings) {}
    let grouping = |effects: Vec<Effect>| -> Grouping {
        let mut jobs = effects.into_iter().filter_map(|e| match e {
            Effect::Group(job) => Some(job),
            _ => None,
        });
        let job = jobs.next().expect("a grouping job");
        assert!(jobs.next().is_none(), "one job per keystroke");
        job
    };
    let first = grouping(update(&mut a, Event::Key(Key::char('g'))));
    assert!(a.view.grouped && a.view.groups_pending());
    // The rows meanwhile are the shown findings, and nothing acts on a group.
    assert!(a.view.rows.iter().all(|r| matches!(r, Row::Finding(_))));
    let groups = first.run().expect("not cancelled");
    let (generation, request) = (first.generation, first.request);
    update(
        &mut a,
        Event::Grouped {
            generation,
            request,
            groups,
        },
    );
    assert!(!a.view.groups_pending());
    assert!(a.view.rows.iter().all(|r| matches!(r, Row::Group(_))));
    assert!(!super::triage::targets(&a).is_empty());

    // Typing: each letter asks again and cancels the request before it.
    update(&mut a, Event::Key(Key::char('/')));
    let older = grouping(update(&mut a, Event::Key(Key::char('c'))));
    let stale_rows = a.view.rows.clone();
    assert!(matches!(stale_rows.first(), Some(Row::Group(_))));
    assert!(super::triage::targets(&a).is_empty(), "stale group members");
    let newer = grouping(update(&mut a, Event::Key(Key::char('v'))));
    assert!(older.run().is_none(), "cancelled by the next letter");
    let older_groups = newer.run().expect("not cancelled");
    update(
        &mut a,
        Event::Grouped {
            generation: older.generation,
            request: older.request,
            groups: older_groups.clone(),
        },
    );
    assert!(a.view.groups_pending(), "an older answer is not shown");
    assert_eq!(a.view.rows, stale_rows);
    update(
        &mut a,
        Event::Grouped {
            generation: newer.generation,
            request: newer.request,
            groups: older_groups,
        },
    );
    assert!(!a.view.groups_pending());
    let mut at_once = app();
    keys(&mut at_once, "g/cv");
    assert_eq!(a.view.shown, at_once.view.shown);
    assert_eq!(a.view.rows, at_once.view.rows);

    // Grouping switched off while a grouping is worked out: its answer is
    // not shown, and nothing says "grouping…".
    let pending = grouping(update(&mut a, Event::Key(Key::plain(KeyCode::Backspace))));
    a.view.grouped = false;
    a.refresh_view();
    assert!(!a.view.groups_pending());
    let groups = pending.run().unwrap_or_default();
    update(
        &mut a,
        Event::Grouped {
            generation: pending.generation,
            request: pending.request,
            groups,
        },
    );
    assert!(a.view.rows.iter().all(|r| matches!(r, Row::Finding(_))));
}

/// The demo plus a SARIF scan (code) and a Grype scan, Grype put in the code
/// layer by `[layers]`.
fn app_with_layers() -> App {
    let mut findings = posture_core::demo::load_current().findings;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for f in ["sarif/two-runs.sarif", "grype/image.json"] {
        findings.extend(posture_core::sources::load_file(&root.join(f)).findings);
    }
    let spec = posture_core::routing::parse_file(
        "[layers]\ngrype = \"code\"\n",
        std::path::Path::new("r.toml"),
    )
    .unwrap();
    app_of(findings, posture_core::routing::Router::new(spec))
}

#[test]
fn layers_filter_group_and_show_as_a_column() {
    use posture_core::model::Layer;
    use posture_core::query::grouping::GroupBy;
    let mut a = app_with_layers();
    let layer_of = |a: &App, r: &Row| match r {
        Row::Finding(i) => a.session.findings[*i].layer,
        Row::Group(_) => panic!("ungrouped"),
    };
    // `[layers]` moved Grype's image findings to code.
    let grype: Vec<_> = a
        .session
        .findings
        .iter()
        .filter(|f| f.source == Source::Grype)
        .collect();
    assert!(!grype.is_empty() && grype.iter().all(|f| f.layer == Layer::Code));
    // `L` cycles the layer filter: cloud, cluster, container, code, all.
    for want in Layer::ALL {
        keys(&mut a, "L");
        assert!(!a.view.rows.is_empty(), "{want}");
        assert!(
            a.view.rows.iter().all(|r| layer_of(&a, r) == want),
            "{want}"
        );
    }
    keys(&mut a, "L");
    assert!(a.view.filter.layers.is_empty());
    run_command(&mut a, "layer container");
    assert!(
        a.view
            .rows
            .iter()
            .all(|r| layer_of(&a, r) == Layer::Container)
    );
    run_command(&mut a, "layer kernel");
    assert!(
        a.status
            .as_deref()
            .unwrap_or_default()
            .contains("unknown layer")
    );
    run_command(&mut a, "layer all");
    // Grouped by layer: one row per layer, its members all of that layer.
    run_command(&mut a, "group layer");
    assert!(a.view.grouped && a.view.group_by == GroupBy::Layer);
    let groups: Vec<_> = a
        .view
        .rows
        .iter()
        .map(|r| match r {
            Row::Group(g) => g.clone(),
            Row::Finding(_) => panic!("grouped"),
        })
        .collect();
    assert_eq!(groups.len(), 4);
    for g in &groups {
        let layer = g.layer.expect("one layer per group");
        assert_eq!(g.rule_id(&a.session.findings), layer.as_str());
        assert!(
            g.members
                .iter()
                .all(|&i| a.session.findings[i].layer == layer)
        );
    }
    // `g` from by-layer goes back to one row per finding.
    keys(&mut a, "g");
    assert!(!a.view.grouped);
    // The LAYER column: shown from 140 columns; `c` then `2` (its place in
    // the chooser) flips it either way; any other key closes the chooser.
    a.layout.width = 120;
    assert!(!super::column_shown(
        posture_core::config::keymap::Column::Layer,
        120,
        &a.columns
    ));
    keys(&mut a, "c2");
    assert_eq!(a.mode(), super::Mode::ColumnPick);
    assert!(super::column_shown(
        posture_core::config::keymap::Column::Layer,
        120,
        &a.columns
    ));
    keys(&mut a, "2x");
    assert_eq!(a.mode(), super::Mode::Normal);
    assert!(!super::column_shown(
        posture_core::config::keymap::Column::Layer,
        200,
        &a.columns
    ));
}

#[test]
fn the_slash_line_takes_a_query_and_a_malformed_one_keeps_the_rows() {
    let mut a = app();
    keys(&mut a, "/sev:critical ns:pay*");
    assert!(!a.view.rows.is_empty());
    assert!(a.view.rows.iter().all(|r| match r {
        Row::Finding(i) => {
            let f = &a.session.findings[*i];
            f.severity == Severity::Critical && f.namespace.original().starts_with("pay")
        }
        Row::Group(_) => false,
    }));
    // A term that does not parse: the error in place, the rows as the last
    // query that parsed left them.
    let before = a.view.rows.clone();
    run_command(&mut a, "filter sev:critical ns:pay* colour:red");
    assert_eq!(a.view.rows, before);
    let e = a.view.query_error.clone().expect("an error");
    assert_eq!(e.term, "colour:red");
    // The query put right is taken again.
    run_command(&mut a, "filter sev:critical ns:pay*");
    assert!(a.view.query_error.is_none());
    assert_eq!(a.view.rows, before);
    run_command(&mut a, "filter colour:red");
    assert!(a.view.query_error.is_some());
    keys(&mut a, "/");
    on_key(&mut a, Key::plain(KeyCode::Esc));
    assert!(a.view.query_error.is_none());
    // Words: all of them, anywhere; the owner counts (SRE owns critical
    // findings by default, and no title says "sre").
    keys(&mut a, "/sre privileged");
    assert!(!a.view.rows.is_empty());
    assert!(a.view.rows.iter().all(|r| match r {
        Row::Finding(i) => {
            a.session.routes.owner(*i) == "SRE"
                && a.session.findings[*i]
                    .title
                    .display()
                    .to_lowercase()
                    .contains("privileged")
        }
        Row::Group(_) => false,
    }));
}

#[test]
fn queries_in_the_dashboard_pass_what_they_pass_headless() {
    let mut a = app();
    // The prepared text in place: words and regexes are searched in it.
    while a.prepare_one() {}
    for text in [
        "privileged container",
        "cve-2023 sev:critical or source:kube*",
        "~cve-20(22|23)-\\d+",
        "~^deployment",
        "~checkout.*web",
        // Across two fields in the prepared text, in no one field.
        "~checkout.*payments or sev:low",
        "!privileged sre",
        "sre or ~kube-sys",
        "production or prod-eu",
        // Field globs, worked out per distinct value; signals.
        "ns:pay*,check* !status:resolved",
        "rule:CVE-2023-* or ns:monitoring",
        "kev:yes or epss>=0.2 fix:yes",
    ] {
        let s = &a.session;
        let bound = posture_core::query::Query::parse(text).unwrap().bind(
            &s.routes,
            &s.router.sla,
            s.today(),
        );
        let filter = posture_core::query::Filter {
            query: Some(bound),
            ..Default::default()
        };
        let mut want = s.select(&filter);
        want.sort_unstable();
        run_command(&mut a, &format!("filter {text}"));
        assert!(a.view.query_error.is_none(), "{text}");
        let mut got: Vec<usize> = a
            .view
            .rows
            .iter()
            .map(|r| match r {
                Row::Finding(i) => *i,
                Row::Group(_) => panic!("grouped"),
            })
            .collect();
        got.sort_unstable();
        assert_eq!(got, want, "{text}");
        assert!(!want.is_empty(), "{text}");
    }
}
