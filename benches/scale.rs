//! posture at scale: parse throughput per format, end-to-end load, the
//! keystroke → new view → frame path, sort and group-by, and one frame of
//! the main table, at 100k and 1M findings. Run: `cargo bench --bench scale`.
//! Targets (BENCHMARKS.md): load 1M ≤ 3 s; keystroke → frame ≤ 16 ms at 100k,
//! ≤ 50 ms at 1M; rendering independent of row count.

use std::path::Path;
use std::sync::OnceLock;

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use posture::app::App;
use posture_core::config::keymap::Keymap;
use posture_core::config::theme::Theme;
use posture_core::demo::generate::{GenFormat, write};
use posture_core::model::Finding;
use posture_core::query::SortKey;
use posture_core::session::{Session, SessionParts};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn main() {
    // As the posture binary runs.
    posture::memory::tune();
    divan::main();
}

const FORMATS: [GenFormat; 3] = [GenFormat::Asff, GenFormat::Kubescape, GenFormat::Starboard];

fn input(format: GenFormat, count: usize) -> Vec<u8> {
    let mut out = Vec::new();
    write(format, count, 42, &mut out).expect("generate");
    out
}

fn parse(bytes: &[u8]) -> Vec<Finding> {
    posture_core::sources::parse_bytes(Path::new("bench"), bytes, None).findings
}

/// Findings of all three formats, a third each.
fn findings(count: usize) -> Vec<Finding> {
    FORMATS
        .iter()
        .flat_map(|&f| {
            parse(&input(
                f,
                count / 3 + usize::from(f == GenFormat::Asff) * (count % 3),
            ))
        })
        .collect()
}

/// The dashboard's state for these findings: the session (routes and
/// facts, built once) and the sorted view.
fn app_of(findings: Vec<Finding>) -> App {
    let session = Session::new(SessionParts {
        findings,
        ..SessionParts::default()
    });
    App::new(session, Theme::monochrome(), Keymap::defaults())
}

fn app(count: usize) -> App {
    app_of(findings(count))
}

fn cached(count: usize) -> &'static std::sync::Mutex<App> {
    static SMALL: OnceLock<std::sync::Mutex<App>> = OnceLock::new();
    static LARGE: OnceLock<std::sync::Mutex<App>> = OnceLock::new();
    let cell = if count <= 100_000 { &SMALL } else { &LARGE };
    cell.get_or_init(|| std::sync::Mutex::new(app(count)))
}

/// Parse throughput: bytes and findings per second, 20k findings per format.
#[divan::bench(args = FORMATS, sample_count = 10)]
fn parse_throughput(bencher: Bencher, format: GenFormat) {
    let bytes = input(format, 20_000);
    bencher
        .counter(BytesCount::of_slice(&bytes))
        .counter(ItemsCount::new(20_000usize))
        .bench(|| parse(&bytes));
}

/// Bytes in → dashboard state ready (findings, routes, triage facts, sorted
/// view), the inputs parsed as the dashboard parses files: several at once.
/// Three samples: on a shared 2-core VM one sample in a few is slowed by a
/// quarter by its neighbours, and the median of three is not.
#[divan::bench(args = [100_000, 1_000_000], sample_count = 3, sample_size = 1)]
fn load_end_to_end(bencher: Bencher, count: usize) {
    let inputs: Vec<(std::path::PathBuf, Vec<u8>)> = FORMATS
        .iter()
        .map(|&f| {
            let n = count / 3 + usize::from(f == GenFormat::Asff) * (count % 3);
            (format!("{f:?}.json").into(), input(f, n))
        })
        .collect();
    bencher.counter(ItemsCount::new(count)).bench(|| {
        let mut loaded = posture_core::sources::parse_all(&inputs);
        let all = posture_core::sources::take_findings(&mut loaded);
        app_of(all)
    });
}

/// Parsed findings → dashboard ready, as `posture` starts: the session with
/// routing rules and a triage file, then the view. `rebuilt` adds what the
/// start-up did before the session core (issue 18): routes, facts and the
/// view built a second time once the triage file and rules were attached.
#[divan::bench(args = [false, true], sample_count = 3, sample_size = 1)]
fn startup_1m(bencher: Bencher, rebuilt: bool) {
    let dir = std::env::temp_dir().join(format!("posture-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let triage = dir.join("triage.toml");
    bencher
        .with_inputs(|| findings(1_000_000))
        .bench_values(|findings| {
            let session = Session::new(SessionParts {
                findings,
                store: Some(posture_core::triage::Store::open(&triage)),
                user: "bench".into(),
                ..SessionParts::default()
            });
            let mut app = App::new(session, Theme::monochrome(), Keymap::defaults());
            if rebuilt {
                let s = &mut app.session;
                s.routes = posture_core::routing::RouteTable::build(&s.router, &s.findings);
                app.refresh_facts();
            }
            app
        });
    let _ = std::fs::remove_dir_all(&dir);
}

fn frame(app: &mut App) {
    let mut t = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    t.draw(|f| app.layout = posture::ui::draw(f, app))
        .expect("draw");
}

/// One keystroke into the `/` filter and the frame after it. `steps` are
/// typed untimed (with earlier results forgotten), then `key` is timed.
fn keystroke(bencher: Bencher, count: usize, steps: &'static [&'static str], key: &'static str) {
    let app = std::cell::RefCell::new(cached(count).lock().expect("app"));
    bencher
        .with_inputs(|| {
            let mut a = app.borrow_mut();
            a.view.filter.text.clear();
            a.view.facts_changed();
            a.refresh_view();
            for s in steps {
                a.view.filter.text = (*s).to_string();
                a.refresh_view();
            }
        })
        .bench_local_values(|()| {
            let mut a = app.borrow_mut();
            a.view.filter.text = key.to_string();
            a.refresh_view();
            frame(&mut a);
        });
    let mut a = app.borrow_mut();
    a.view.filter.text.clear();
    a.refresh_view();
}

/// The first letter of a search ("" → "p"): every finding is tested.
#[divan::bench(args = [100_000, 1_000_000], sample_count = 10, sample_size = 1)]
fn keystroke_first(bencher: Bencher, count: usize) {
    keystroke(bencher, count, &[], "p");
}

/// One more letter ("pri" → "priv"): the last result is filtered.
#[divan::bench(args = [100_000, 1_000_000], sample_count = 10, sample_size = 1)]
fn keystroke_next(bencher: Bencher, count: usize) {
    keystroke(bencher, count, &["p", "pr", "pri"], "priv");
}

/// Backspace ("priv" → "pri"): back to a result typed moments ago.
#[divan::bench(args = [100_000, 1_000_000], sample_count = 10, sample_size = 1)]
fn keystroke_backspace(bencher: Bencher, count: usize) {
    keystroke(bencher, count, &["p", "pr", "pri", "priv"], "pri");
}

/// Pressing the sort key: from the default order to by-title (the view
/// is put back untimed before each sample).
#[divan::bench(args = [100_000, 1_000_000], sample_count = 5, sample_size = 1)]
fn sort_by_title(bencher: Bencher, count: usize) {
    let app = std::cell::RefCell::new(cached(count).lock().expect("app"));
    bencher
        .with_inputs(|| {
            let mut a = app.borrow_mut();
            a.view.sort = SortKey::Severity;
            a.refresh_view();
        })
        .bench_local_values(|()| {
            let mut a = app.borrow_mut();
            a.view.sort = SortKey::Title;
            a.refresh_view();
        });
    let mut a = app.borrow_mut();
    a.view.sort = SortKey::Severity;
    a.refresh_view();
}

#[divan::bench(args = [100_000, 1_000_000], sample_count = 5)]
fn group_by_rule(bencher: Bencher, count: usize) {
    let mut app = cached(count).lock().expect("app");
    bencher.bench_local(|| {
        app.view.grouped = true;
        app.refresh_view();
        app.view.grouped = false;
    });
    app.refresh_view();
}

/// One full frame of the main table: the same cost at 1k and 1M rows.
#[divan::bench(args = [1_000, 1_000_000], sample_count = 20)]
fn render_frame(bencher: Bencher, count: usize) {
    let mut app = if count > 100_000 {
        cached(count).lock().expect("app")
    } else {
        static TINY: OnceLock<std::sync::Mutex<App>> = OnceLock::new();
        TINY.get_or_init(|| std::sync::Mutex::new(app(count)))
            .lock()
            .expect("app")
    };
    bencher.bench_local(|| frame(&mut app));
}
