//! posture at scale: parse throughput per format, end-to-end load, the
//! keystroke → new view → frame path, sort and group-by, and one frame of
//! the main table, at 100k and 1M findings. Run: `cargo bench --bench scale`.
//! Targets (BENCHMARKS.md): load 1M ≤ 3 s; every keystroke → frame ≤ 16 ms
//! at 100k, ≤ 50 ms at 1M, measured on the worst cases a user meets (every
//! prefix of real searches, every sort key, every grouping); rendering
//! independent of row count.

use std::path::Path;
use std::sync::OnceLock;

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use posture::app::App;
use posture_core::catalogue::Catalogues;
use posture_core::config::keymap::Keymap;
use posture_core::config::theme::Theme;
use posture_core::demo::generate::{GenFormat, write};
use posture_core::model::{Finding, Severity};
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

/// KEV and EPSS catalogues for these findings' CVEs, as a team that
/// downloads them has: an EPSS score for every CVE (spread from 0 to 1,
/// most low, as FIRST's are), one CVE in 200 in KEV.
fn catalogues_for(findings: &[Finding]) -> std::sync::Arc<Catalogues> {
    use posture_core::catalogue::{CveKey, Epss, Kev, Loaded, Problems};
    let mut kev = Kev::default();
    let mut epss = Epss {
        score_date: "2026-11-30".into(),
        ..Epss::default()
    };
    for f in findings {
        let Some(key) = CveKey::parse(f.rule_id.original()) else {
            continue;
        };
        let h = key
            .to_string()
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let u = (h % 10_000) as f32 / 10_000.0;
        epss.scores.insert(key, u * u * u);
        if h % 200 == 0 {
            kev.cves.insert(key);
        }
    }
    let loaded = |path: &str| (std::path::PathBuf::from(path), Problems::default());
    std::sync::Arc::new(Catalogues {
        kev: Some(Loaded {
            path: loaded("kev").0,
            data: kev,
            problems: loaded("kev").1,
        }),
        epss: Some(Loaded {
            path: loaded("epss").0,
            data: epss,
            problems: loaded("epss").1,
        }),
    })
}

/// The dashboard's state for these findings: the session (routes and
/// facts, built once, the catalogues applied) and the sorted view.
fn app_of(findings: Vec<Finding>) -> App {
    let catalogues = catalogues_for(&findings);
    let session = Session::new(SessionParts {
        findings,
        catalogues,
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
/// Files → dashboard state, the three formats as three files. Three
/// samples: on a shared 2-core VM one sample in a few is slowed by a
/// quarter by its neighbours, and the median of three is not.
#[divan::bench(args = [100_000, 1_000_000], sample_count = 3, sample_size = 1)]
fn load_end_to_end(bencher: Bencher, count: usize) {
    // Files, as `posture -f` reads them (from the page cache).
    let dir = tempfile::tempdir().expect("a temporary directory");
    let paths: Vec<std::path::PathBuf> = FORMATS
        .iter()
        .map(|&f| {
            let n = count / 3 + usize::from(f == GenFormat::Asff) * (count % 3);
            let path = dir.path().join(format!("{f:?}.json"));
            std::fs::write(&path, input(f, n)).expect("the input written");
            path
        })
        .collect();
    bencher.counter(ItemsCount::new(count)).bench(|| {
        let mut loaded = posture_core::sources::load_all(&paths);
        let all = posture_core::sources::take_findings(&mut loaded);
        app_of(all)
    });
}

/// Parsed findings → dashboard ready, as `posture` starts: the session with
/// routing rules and a triage file, then the view. `rebuilt` adds what the
/// start-up did before the session core (issue 18): routes, facts and the
/// view built a second time once the triage file and rules were attached.
/// Building the session of a million findings, without and with the KEV
/// and EPSS catalogues to apply (each finding's CVEs looked up).
#[divan::bench(args = [false, true], sample_count = 3, sample_size = 1)]
fn session_with_catalogues_1m(bencher: Bencher, with: bool) {
    let all = findings(1_000_000);
    let catalogues = if with {
        catalogues_for(&all)
    } else {
        Default::default()
    };
    bencher
        .with_inputs(|| all.clone())
        .bench_values(|findings| {
            Session::new(SessionParts {
                findings,
                catalogues: catalogues.clone(),
                ..SessionParts::default()
            })
        });
}

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
                s.routes = std::sync::Arc::new(posture_core::routing::RouteTable::build(
                    &s.router,
                    &s.findings,
                ));
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

/// Three searches a reviewer types in a meeting: a word of the titles, a
/// CVE year, an AWS account id. Every prefix of each is one keystroke.
const SEARCHES: [&str; 3] = ["privileged", "cve-2023", "111122223333"];

fn prefixes(search: &'static str) -> impl Iterator<Item = &'static str> {
    (1..=search.len()).map(move |n| &search[..n])
}

fn every_prefix() -> Vec<&'static str> {
    SEARCHES.into_iter().flat_map(prefixes).collect()
}

/// The keystrokes before `key`: the shorter prefixes of its search.
fn typed_before(key: &'static str) -> Vec<&'static str> {
    let search = SEARCHES
        .into_iter()
        .find(|s| s.starts_with(key))
        .unwrap_or(key);
    prefixes(search)
        .take_while(|p| p.len() < key.len())
        .collect()
}

/// How the dashboard groups: off, by rule, by owner.
#[derive(Debug, Clone, Copy)]
enum Grouping {
    Off,
    Rule,
    Owner,
}

impl Grouping {
    fn set(self, app: &mut App) {
        use posture_core::query::grouping::GroupBy;
        (app.view.grouped, app.view.group_by) = match self {
            Grouping::Off => (false, GroupBy::Rule),
            Grouping::Rule => (true, GroupBy::Rule),
            Grouping::Owner => (true, GroupBy::Owner),
        };
    }
}

/// The view as it is at start: no filter, the default order, ungrouped.
fn reset(app: &mut App) {
    app.view.filter.text.clear();
    app.view.filter.min_severity = None;
    app.view.sort = SortKey::Severity;
    Grouping::Off.set(app);
    app.refresh_view();
}

/// One change of the view and the frame after it, timed: `setup` puts the
/// view where the change starts from, untimed, before each sample; the
/// view is put back to the start view after the benchmark.
fn timed(bencher: Bencher, count: usize, setup: impl Fn(&mut App), change: impl Fn(&mut App)) {
    let app = std::cell::RefCell::new(cached(count).lock().expect("app"));
    bencher
        .with_inputs(|| setup(&mut app.borrow_mut()))
        .bench_local_values(|()| {
            let mut a = app.borrow_mut();
            change(&mut a);
            a.refresh_view();
            frame(&mut a);
        });
    reset(&mut app.borrow_mut());
}

/// `texts` typed into the `/` filter, one after another.
fn type_in(app: &mut App, texts: &[&str]) {
    for t in texts {
        app.view.filter.text = (*t).to_string();
        app.refresh_view();
    }
}

/// One keystroke into the `/` filter: the search's shorter prefixes are
/// typed untimed (from a prepared view with earlier results forgotten,
/// grouped as given), then `key` is timed.
fn keystroke(bencher: Bencher, count: usize, grouping: Grouping, key: &'static str) {
    let steps = typed_before(key);
    let setup = |a: &mut App| {
        prepare(a);
        a.view.filter.text.clear();
        grouping.set(a);
        a.view.facts_changed();
        a.refresh_view();
        type_in(a, &steps);
    };
    timed(bencher, count, setup, |a| {
        a.view.filter.text = key.to_string()
    });
}

/// Every prefix of every search, typed one letter at a time: the worst
/// of these is what a user waits for.
#[divan::bench(consts = [100_000, 1_000_000], args = every_prefix(), sample_count = 5, sample_size = 1)]
fn type_search<const N: usize>(bencher: Bencher, key: &'static str) {
    keystroke(bencher, N, Grouping::Off, key);
}

/// Queries with several field terms, each put in whole (as `:filter` or a
/// saved view does) on a prepared view.
const QUERIES: [&str; 8] = [
    "kev:yes or epss>=0.5",
    "exploit:yes fix:yes sev>=high !status:resolved",
    "sev>=high layer:container",
    "ns:pay* !status:resolved",
    "cve-2023 sev:critical or source:kube*",
    "~cve-20(22|23)-\\d+",
    "owner:sre age>30d",
    "privileged ns:payments sev:critical,high !new:yes",
];

#[divan::bench(consts = [100_000, 1_000_000], args = QUERIES, sample_count = 5, sample_size = 1)]
fn query<const N: usize>(bencher: Bencher, query: &'static str) {
    let setup = |a: &mut App| {
        prepare(a);
        a.view.filter.text.clear();
        Grouping::Off.set(a);
        a.view.facts_changed();
        a.refresh_view();
    };
    timed(bencher, N, setup, |a| {
        a.view.filter.text = query.to_string()
    });
}

/// The same, with the rows grouped by rule and by owner.
#[divan::bench(consts = [100_000, 1_000_000], args = prefixes("cve-2023"), sample_count = 5, sample_size = 1)]
fn type_search_grouped_by_rule<const N: usize>(bencher: Bencher, key: &'static str) {
    keystroke(bencher, N, Grouping::Rule, key);
}

#[divan::bench(consts = [100_000, 1_000_000], args = prefixes("privileged"), sample_count = 5, sample_size = 1)]
fn type_search_grouped_by_owner<const N: usize>(bencher: Bencher, key: &'static str) {
    keystroke(bencher, N, Grouping::Owner, key);
}

/// Backspace ("priv" → "pri"): back to a result typed moments ago.
#[divan::bench(args = [100_000, 1_000_000], sample_count = 10, sample_size = 1)]
fn keystroke_backspace(bencher: Bencher, count: usize) {
    let setup = |a: &mut App| {
        reset(a);
        a.view.facts_changed();
        type_in(a, &["p", "pr", "pri", "priv"]);
    };
    timed(bencher, count, setup, |a| {
        a.view.filter.text = "pri".to_string()
    });
}

/// A press that changes the view, from the start view with every kept
/// result forgotten: the first press right after the findings arrived.
fn press(bencher: Bencher, count: usize, change: impl Fn(&mut App)) {
    let setup = |a: &mut App| {
        reset(a);
        forget_kept_results(a);
        a.refresh_view();
    };
    timed(bencher, count, setup, change);
}

/// What the view keeps between presses, dropped: sort orders, grouping
/// keys, the search text, as just after the findings arrived.
fn forget_kept_results(app: &mut App) {
    app.view.forget_prepared();
}

/// Everything the dashboard prepares in the background, done.
fn prepare(app: &mut App) {
    while app.prepare_one() {}
}

/// The sort key pressed, from the default order to each key.
#[divan::bench(consts = [100_000, 1_000_000], args = SortKey::ALL, sample_count = 5, sample_size = 1)]
fn sort_by<const N: usize>(bencher: Bencher, key: SortKey) {
    press(bencher, N, |a| a.view.sort = key);
}

/// Grouping switched on, by rule and by owner.
#[divan::bench(consts = [100_000, 1_000_000], args = [Grouping::Rule, Grouping::Owner], sample_count = 5, sample_size = 1)]
fn group<const N: usize>(bencher: Bencher, grouping: Grouping) {
    press(bencher, N, |a| grouping.set(a));
}

/// The start view once the dashboard has prepared in the background (the
/// usual case after the first seconds), earlier results forgotten.
fn prepared_start(a: &mut App) {
    reset(a);
    prepare(a);
    a.view.facts_changed();
}

#[divan::bench(consts = [100_000, 1_000_000], args = SortKey::ALL, sample_count = 5, sample_size = 1)]
fn sort_by_prepared<const N: usize>(bencher: Bencher, key: SortKey) {
    timed(bencher, N, prepared_start, |a| a.view.sort = key);
}

#[divan::bench(consts = [100_000, 1_000_000], args = [Grouping::Rule, Grouping::Owner], sample_count = 5, sample_size = 1)]
fn group_prepared<const N: usize>(bencher: Bencher, grouping: Grouping) {
    timed(bencher, N, prepared_start, |a| grouping.set(a));
}

/// Regrouping: by rule → by owner, prepared.
#[divan::bench(consts = [100_000, 1_000_000], sample_count = 5, sample_size = 1)]
fn regroup_prepared<const N: usize>(bencher: Bencher) {
    let setup = |a: &mut App| {
        reset(a);
        prepare(a);
        Grouping::Rule.set(a);
        a.refresh_view();
    };
    timed(bencher, N, setup, |a| Grouping::Owner.set(a));
}

/// What the dashboard does in a grouped keystroke itself: the filter, the
/// counts and a frame, the groups left to a background job (the figures
/// above are the time until the groups are on screen). Each case: grouped by
/// rule or owner, then the letter typed after its shorter prefixes, or
/// grouping switched on or changed.
#[divan::bench(consts = [100_000, 1_000_000], args = ["rule /c", "rule /cv", "rule /cve-2023", "owner /p", "owner /pr", "owner /privileged", "g by rule", "g by owner", "regroup"], sample_count = 5, sample_size = 1)]
fn grouped_keystroke_frame<const N: usize>(bencher: Bencher, case: &'static str) {
    let (mode, key) = case.split_once(' ').unwrap_or((case, ""));
    let setup = |a: &mut App| {
        prepared_start(a);
        a.view.background = true;
        match mode {
            "rule" => Grouping::Rule.set(a),
            "owner" => Grouping::Owner.set(a),
            "regroup" => Grouping::Rule.set(a),
            _ => {}
        }
        a.refresh_view();
        if let Some(search) = key.strip_prefix('/') {
            // Shorter prefixes typed first (their groups left pending).
            let before: Vec<&str> = prefixes(search)
                .take_while(|p| p.len() < search.len())
                .collect();
            type_in(a, &before);
        }
    };
    timed(bencher, N, setup, |a| match (mode, key) {
        (_, k) if k.starts_with('/') => a.view.filter.text = k[1..].to_string(),
        (_, "by rule") => Grouping::Rule.set(a),
        (_, "by owner") => Grouping::Owner.set(a),
        _ => Grouping::Owner.set(a),
    });
    cached(N).lock().expect("app").view.background = false;
}

/// The pieces the dashboard prepares while waiting for keys, each on its
/// own: the longest is how long a key pressed meanwhile can wait (the sort
/// orders are the `sort_by` figures).
#[divan::bench(consts = [100_000, 1_000_000], sample_count = 3, sample_size = 1)]
fn prepare_search_text<const N: usize>(bencher: Bencher) {
    let app = cached(N).lock().expect("app");
    bencher.bench_local(|| posture_core::query::TextIndex::build(&app.session.findings));
}

#[divan::bench(consts = [100_000, 1_000_000], sample_count = 3, sample_size = 1)]
fn prepare_group_keys<const N: usize>(bencher: Bencher) {
    let app = cached(N).lock().expect("app");
    bencher.bench_local(|| posture_core::query::group::RuleKeys::of(&app.session.findings));
}

/// A severity floor set ("high and up", "critical only").
#[divan::bench(consts = [100_000, 1_000_000], args = [Severity::High, Severity::Critical], sample_count = 5, sample_size = 1)]
fn severity_floor<const N: usize>(bencher: Bencher, floor: Severity) {
    press(bencher, N, |a| a.view.filter.min_severity = Some(floor));
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

/// Reopening inputs the dashboard parsed before: the files looked at, the
/// kept parse read back and checked, against parsing them (`load_end_to_end`
/// also builds the dashboard's state; here both stop at the findings).
#[divan::bench(args = [(100_000, true), (100_000, false), (1_000_000, true), (1_000_000, false)], sample_count = 3, sample_size = 1)]
fn reopen(bencher: Bencher, (count, cached): (usize, bool)) {
    let dir = std::env::temp_dir().join(format!(
        "posture-bench-reopen-{}-{count}",
        std::process::id()
    ));
    let _ = std::fs::create_dir_all(&dir);
    let files: Vec<std::path::PathBuf> = FORMATS
        .iter()
        .map(|&f| {
            let n = count / 3 + usize::from(f == GenFormat::Asff) * (count % 3);
            let p = dir.join(format!("{f:?}.json"));
            std::fs::write(&p, input(f, n)).expect("input");
            p
        })
        .collect();
    let cache = dir.join("cache");
    let read = |cache: &Path| posture_core::session::inputs::read_cached(&files, false, cache);
    if cached {
        let (inputs, keep) = read(&cache);
        keep.expect("clean inputs")
            .write(&inputs.findings)
            .expect("kept");
    }
    let nowhere = dir.join("no-cache-here");
    bencher.counter(ItemsCount::new(count)).bench(|| {
        let (inputs, _) = read(if cached { &cache } else { &nowhere });
        assert_eq!(inputs.findings.len(), count);
        inputs.findings
    });
    let _ = std::fs::remove_dir_all(&dir);
}
