//! The dashboard drawn into ratatui's TestBackend: insta snapshots at 80×24,
//! 120×40 and 200×60, and checks that hostile text stays inert on screen.

use std::path::Path;

use posture::app::actions::apply;
use posture::app::update::on_key;
use posture::app::{App, SourceStatus};
use posture_core::config::keymap::{Action, Key, Keymap};
use posture_core::config::theme;
use posture_core::model::Timestamp;
use posture_core::session::{Session, SessionParts};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn demo_app() -> App {
    let mut loaded = posture_core::demo::load_current();
    let sources = vec![SourceStatus {
        label: "demo-2026-11-16.json".to_string(),
        findings: loaded.findings.len(),
        error: None,
        error_count: 0,
        ..Default::default()
    }];
    app_of(SessionParts {
        findings: std::mem::take(&mut loaded.findings),
        sources,
        demo: true,
        now: Some(Timestamp::parse("2026-11-17T09:00:00Z").unwrap()),
        ..SessionParts::default()
    })
}

fn app_of(parts: SessionParts) -> App {
    App::new(
        Session::new(parts),
        theme::load("dark", None).unwrap(),
        Keymap::defaults(),
    )
}

fn render(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.layout = posture::ui::draw(f, app)).unwrap();
    app.view.offset = app.layout.offset;
    t
}

fn screen_text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

#[test]
fn main_table_at_three_sizes() {
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let mut app = demo_app();
        let t = render(&mut app, w, h);
        insta::assert_snapshot!(format!("main_{w}x{h}"), t.backend());
        let text = screen_text(&t);
        assert!(text.contains("DEMO DATA"));
        // Critical findings first.
        let first_row = text.lines().nth(5).unwrap();
        assert!(first_row.trim_start().starts_with("CRIT"), "{first_row}");
    }
}

#[test]
fn detail_pane_shows_remediation() {
    let mut app = demo_app();
    app.view.filter.text = "EC2.19".to_string();
    app.refresh_view();
    apply(&mut app, Action::ToggleDetail);
    let t = render(&mut app, 160, 48);
    insta::assert_snapshot!("detail_160x48", t.backend());
    let text = screen_text(&t);
    assert!(text.contains("Remediation"));
    assert!(text.contains("securityhub/EC2.19/remediatio"));
}

#[test]
fn grouped_view_and_help_overlay() {
    let mut app = demo_app();
    on_key(&mut app, Key::char('g'));
    let t = render(&mut app, 120, 40);
    insta::assert_snapshot!("grouped_120x40", t.backend());
    assert!(screen_text(&t).contains("resources"));
    on_key(&mut app, Key::char('?'));
    let t = render(&mut app, 120, 40);
    let text = screen_text(&t);
    for b in posture_core::config::keymap::BINDINGS.iter().take(20) {
        assert!(text.contains(b.help), "help lists {}", b.action);
    }
}

#[test]
fn tiny_and_resized_terminals_do_not_panic() {
    let mut app = demo_app();
    apply(&mut app, Action::ToggleDetail);
    for (w, h) in [(1, 1), (10, 3), (20, 6), (80, 24), (33, 200), (300, 10)] {
        render(&mut app, w, h);
    }
    apply(
        &mut app,
        Action::Scroll(posture_core::config::keymap::Step::Bottom),
    );
    let t = render(&mut app, 80, 24);
    assert!(screen_text(&t).contains(&format!("{}/{}", app.view.rows.len(), app.view.rows.len())));
}

#[test]
fn hostile_strings_render_as_inert_text() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile/ansi-titles.json");
    let loaded = posture_core::sources::load_file(&fixture);
    assert!(loaded.errors.is_empty());
    // A hostile note too: OSC 52 (clipboard write), BEL, CSI, BiDi override, zero-width.
    let dir = tempfile::tempdir().unwrap();
    let mut store = posture_core::triage::Store::open(&dir.path().join("triage.toml"));
    let fp = loaded.findings[0].fingerprint.to_string();
    let mut mark = posture_core::triage::Mark::new(
        posture_core::triage::Status::Acknowledged,
        "mallory\u{1b}[2J",
        Timestamp::parse("2026-11-17T09:00:00Z").unwrap(),
    );
    mark.note =
        "\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{1b}[31mred\u{202e}txt.exe\u{200b}\u{2066}".into();
    store.apply(vec![(fp, mark)], "test").unwrap();
    let mut app = app_of(SessionParts {
        findings: loaded.findings,
        store: Some(store),
        user: "tester".into(),
        ..SessionParts::default()
    });
    apply(&mut app, Action::ToggleDetail);
    for raw in [false, true] {
        app.raw = raw;
        let t = render(&mut app, 200, 40);
        for cell in t.backend().buffer().content() {
            for c in cell.symbol().chars() {
                assert!(
                    !posture_core::model::safe_text::is_dangerous(
                        c,
                        posture_core::model::safe_text::Lines::Single
                    ),
                    "{c:?} reached the screen"
                );
            }
        }
        if !raw {
            let text = screen_text(&t);
            assert!(text.contains("ZWNobyBwd25lZA"), "the note is shown: {text}");
        }
        let buf = t.backend().buffer();
        for cell in buf.content() {
            for c in cell.symbol().chars() {
                assert!(
                    !c.is_control()
                        && !('\u{202a}'..='\u{202e}').contains(&c)
                        && !('\u{2066}'..='\u{2069}').contains(&c)
                        && c != '\u{200b}',
                    "control or invisible character {c:?} reached the screen"
                );
            }
        }
        let text = screen_text(&t);
        assert!(text.contains("\\x1b"), "escapes are shown visibly");
        if !raw {
            assert!(text.contains("shown escaped"), "the detail pane warns");
        }
    }
}

#[test]
fn a_broken_input_shows_as_a_red_source_entry_and_the_rest_display() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let inputs = posture::cli::Inputs {
        files: vec![
            dir.join("hostile/truncated.json"),
            dir.join("starboard/polaris-configaudit.json"),
        ],
        demo: false,
        live: Default::default(),
        no_parse_cache: true,
        parse_cache_dir: None,
    };
    let set = posture::cli::load_quietly(&inputs);
    let mut app = app_of(SessionParts {
        findings: set.findings,
        sources: set.sources,
        ..SessionParts::default()
    });
    let t = render(&mut app, 160, 20);
    let text = screen_text(&t);
    assert!(text.contains("✗"), "{text}");
    assert!(text.contains("truncated.json:3:"), "{text}");
    assert!(text.contains("polaris-configaudit.json (2)"), "{text}");
    // The good file's two findings, and the cut file's complete record.
    assert_eq!(app.view.rows.len(), 3);
}

#[test]
fn no_color_theme_draws_without_colours() {
    let mut app = demo_app();
    app.theme = theme::Theme::monochrome();
    let t = render(&mut app, 80, 24);
    for cell in t.backend().buffer().content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset);
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
}

#[test]
fn review_screen_shows_owners_period_and_the_trend_chart() {
    use posture_core::review::TrendPoint;
    use posture_core::session::Baseline;
    let prev = posture_core::demo::load_previous().findings;
    let at = Timestamp::parse("2026-11-09T09:00:00Z").unwrap();
    let trend = vec![TrendPoint::of("demo week 45", at, &prev)];
    let mut loaded = posture_core::demo::load_current();
    let mut app = app_of(SessionParts {
        findings: std::mem::take(&mut loaded.findings),
        demo: true,
        now: Some(Timestamp::parse("2026-11-17T09:00:00Z").unwrap()),
        baseline: Some(Baseline::new("demo week 45".into(), at, prev)),
        trend,
        ..SessionParts::default()
    });
    // NEW markers and their filter.
    let t = render(&mut app, 140, 40);
    assert!(screen_text(&t).contains("NEW "), "{}", screen_text(&t));
    posture::app::update::on_key(&mut app, posture_core::config::keymap::Key::char('N'));
    assert!(app.view.shown.iter().all(|&i| app.session.facts[i].new));
    let shown_new = app.view.shown.len();
    posture::app::update::on_key(&mut app, posture_core::config::keymap::Key::char('W'));
    let t = render(&mut app, 140, 40);
    let text = screen_text(&t);
    let Some(posture::app::Modal::Review { review, .. }) = &app.modal else {
        panic!("the review is not open");
    };
    assert_eq!(review.new.count, shown_new);
    assert!(text.contains("weekly review"), "{text}");
    assert!(
        text.contains(&format!("{} new", review.new.count)),
        "{text}"
    );
    assert!(text.contains("Resolved this period"), "{text}");
    assert!(text.contains("open per severity, 2 snapshots"), "{text}");
    // The chart drew lines (braille cells), not just its frame.
    assert!(
        text.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)),
        "{text}"
    );
    for owner in ["SRE", "product", "backlog"] {
        assert!(text.contains(owner), "{owner}: {text}");
    }
    posture::app::update::on_key(&mut app, posture_core::config::keymap::Key::char('q'));
    assert!(app.modal.is_none() && !app.quit);
}

/// While the inputs load, the table's place shows what is being read and how
/// far it has come, and the dashboard answers `?` and `q`.
#[test]
fn loading_view_shows_progress_and_answers_keys() {
    use posture::app::Event;
    use posture_core::sources::progress::LoadCounts;
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let mut app = app_of(SessionParts {
            sources: vec![SourceStatus {
                label: "3 inputs".to_string(),
                note: "loading…".to_string(),
                busy: true,
                ..Default::default()
            }],
            now: Some(Timestamp::parse("2026-11-17T09:00:00Z").unwrap()),
            ..SessionParts::default()
        });
        let counts = LoadCounts {
            files_done: 1,
            bytes_read: 412 << 20,
            findings: 640_000,
        };
        let elapsed = std::time::Duration::from_millis(2000);
        posture::app::update::update(&mut app, Event::LoadProgress { counts, elapsed });
        let t = render(&mut app, w, h);
        insta::assert_snapshot!(format!("loading_{w}x{h}"), t.backend());
        let text = screen_text(&t);
        assert!(text.contains("reading 3 inputs"), "{text}");
        assert!(text.contains("640,000 findings parsed"), "{text}");
        assert!(text.contains("320,000/s"), "{text}");
        assert!(text.contains("412 MB"), "{text}");
        on_key(&mut app, Key::char('?'));
        let help = screen_text(&render(&mut app, w, h));
        assert!(help.contains("Keys") && help.contains("next row"), "{help}");
        on_key(
            &mut app,
            Key::plain(posture_core::config::keymap::KeyCode::Esc),
        );
        on_key(&mut app, Key::char('q'));
        assert!(app.quit);
    }
}

/// WCAG's relative luminance of a theme colour (terminal colours 0–15 as
/// xterm draws them).
fn luminance(c: posture_core::config::theme::Color) -> Option<f64> {
    use posture_core::config::theme::Color;
    const XTERM: [(u8, u8, u8); 16] = [
        (0, 0, 0),
        (205, 0, 0),
        (0, 205, 0),
        (205, 205, 0),
        (0, 0, 238),
        (205, 0, 205),
        (0, 205, 205),
        (229, 229, 229),
        (127, 127, 127),
        (255, 0, 0),
        (0, 255, 0),
        (255, 255, 0),
        (92, 92, 255),
        (255, 0, 255),
        (0, 255, 255),
        (255, 255, 255),
    ];
    let (r, g, b) = match c {
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) if usize::from(i) < XTERM.len() => XTERM[usize::from(i)],
        _ => return None,
    };
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    Some(0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b))
}

fn contrast(a: posture_core::config::theme::Color, b: posture_core::config::theme::Color) -> f64 {
    let (la, lb) = (luminance(a).unwrap(), luminance(b).unwrap());
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The selected row is drawn in the selection's own two colours (no
/// severity or status colour on its background), and those two are at
/// least 4.5:1 apart in every shipped theme.
#[test]
fn the_selected_row_is_readable_in_every_theme() {
    for (name, _) in posture_core::config::theme::BUILTIN {
        let theme = posture_core::config::theme::load(name, None).unwrap();
        let p = &theme.palette;
        let ratio = contrast(p.selection_fg, p.selection_bg);
        assert!(ratio >= 4.5, "{name}: selection {ratio:.2}:1");
        let mut app = demo_app();
        app.theme = theme.clone();
        let t = render(&mut app, 120, 40);
        let buf = t.backend().buffer();
        let fg = posture::ui::style::color(p.selection_fg);
        let bg = posture::ui::style::color(p.selection_bg);
        // The selected row, where the table says it drew it.
        let y = app.layout.first_row_y + (app.view.selected - app.layout.offset) as u16;
        let row = [y];
        assert!(
            (0..buf.area.width)
                .filter(|&x| buf[(x, y)].bg == bg)
                .count()
                > usize::from(buf.area.width) / 2,
            "{name}: the selected row has the selection's background"
        );
        for x in 0..buf.area.width {
            let cell = &buf[(x, row[0])];
            if cell.bg == bg && !cell.symbol().trim().is_empty() {
                assert_eq!(cell.fg, fg, "{name}: {:?} at {x}", cell.symbol());
            }
        }
    }
}

/// Every filter in force is in the header: owner, source, layer, status,
/// floor and query, at every size.
#[test]
fn the_header_names_every_filter_in_force() {
    let mut app = demo_app();
    for line in [":owner SRE", ":layer container", "t", "/curl"] {
        for c in line.chars() {
            on_key(&mut app, Key::char(c));
        }
        on_key(
            &mut app,
            Key::plain(posture_core::config::keymap::KeyCode::Enter),
        );
    }
    for (w, h) in [(200, 60), (120, 40)] {
        let t = render(&mut app, w, h);
        let top = screen_text(&t).lines().next().unwrap().to_string();
        for part in ["owner:SRE", "layer:container", "source:", "/curl"] {
            assert!(top.contains(part), "{w}x{h}: {part} in {top:?}");
        }
    }
}

/// Help, the detail pane and the review stop scrolling at their last line:
/// a hundred presses past it, one press back shows the line before.
#[test]
fn scrolling_stops_at_the_last_line() {
    let mut app = demo_app();
    on_key(&mut app, Key::char('?'));
    for _ in 0..500 {
        on_key(&mut app, Key::char('j'));
    }
    let t = render(&mut app, 80, 24);
    let layout = app.layout;
    posture::app::update::update(&mut app, posture::app::Event::Layout(layout));
    let offset = |app: &App| match &app.modal {
        Some(posture::app::Modal::Help(s)) => s.offset,
        _ => panic!("help closed"),
    };
    assert!(layout.popup_max > 0);
    assert_eq!(offset(&app), layout.popup_max);
    assert!(screen_text(&t).contains("Mouse"), "the last line is drawn");
    on_key(&mut app, Key::char('k'));
    assert_eq!(offset(&app), layout.popup_max - 1);
    // The detail pane likewise.
    on_key(
        &mut app,
        Key::plain(posture_core::config::keymap::KeyCode::Esc),
    );
    apply(&mut app, Action::ToggleDetail);
    for _ in 0..500 {
        on_key(&mut app, Key::char('J'));
    }
    render(&mut app, 120, 40);
    let layout = app.layout;
    posture::app::update::update(&mut app, posture::app::Event::Layout(layout));
    assert_eq!(app.detail_scroll.offset, layout.detail_max);
    assert!(layout.detail_max < 100);
}

/// `W` at the smallest size still says the headline numbers.
#[test]
fn the_review_keeps_its_headline_at_80x24() {
    let mut app = demo_app();
    on_key(&mut app, Key::char('W'));
    let t = render(&mut app, 80, 24);
    let text = screen_text(&t);
    let open = app.session.findings.iter().filter(|f| f.open).count();
    assert!(text.contains(&format!("{open} open")), "{text}");
    let overdue = app.session.review().overdue.count;
    assert!(text.contains(&format!("{overdue} overdue")), "{text}");
}

/// `/` in help narrows it to the lines that hold what is typed.
#[test]
fn help_filters_with_slash() {
    let mut app = demo_app();
    on_key(&mut app, Key::char('?'));
    for c in "/jira".chars() {
        on_key(&mut app, Key::char(c));
    }
    on_key(
        &mut app,
        Key::plain(posture_core::config::keymap::KeyCode::Enter),
    );
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let t = render(&mut app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("help /jira"), "{w}x{h}");
        assert!(text.to_lowercase().contains("jira key"), "{w}x{h}: {text}");
        assert!(
            !text.contains("scroll the detail pane"),
            "{w}x{h}: unfiltered"
        );
    }
    // Still open after Enter; j scrolls; any other key closes.
    assert_eq!(app.mode(), posture::app::Mode::Help);
    on_key(&mut app, Key::char('x'));
    assert_eq!(app.mode(), posture::app::Mode::Normal);
    assert!(app.help_filter.is_none());
}

/// `c`: the column chooser says what shows and why, at every size.
#[test]
fn the_column_chooser_at_three_sizes() {
    let mut app = demo_app();
    on_key(&mut app, Key::char('c'));
    on_key(&mut app, Key::char('4'));
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let t = render(&mut app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("columns"), "{w}x{h}");
        for name in ["source", "layer", "scope", "owner", "risk"] {
            assert!(text.contains(name), "{w}x{h}: {name}");
        }
        assert!(text.contains("your choice"), "{w}x{h}");
    }
}

/// Every popup at the three sizes: it opens, says what it is, and fits
/// (the status picker, which needs a triage file, has its own test).
#[test]
fn every_popup_at_three_sizes() {
    for (keys, title) in [
        ("?", "help"),
        ("c", "columns"),
        ("W", "weekly review"),
        ("E", "export to JIRA"),
    ] {
        for (w, h) in [(80, 24), (120, 40), (200, 60)] {
            let mut app = demo_app();
            for k in keys.chars() {
                on_key(&mut app, Key::char(k));
            }
            let t = render(&mut app, w, h);
            let text = screen_text(&t);
            assert!(text.contains(title), "{keys} at {w}x{h}: {title}\n{text}");
            // The footer names the popup's own keys.
            let last = text.lines().last().unwrap_or_default().to_string();
            assert!(!last.contains("crit only"), "{keys} at {w}x{h}: {last}");
        }
    }
}
