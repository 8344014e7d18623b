//! The review as an HTML page for the room: its numbers read back with an
//! HTML parser and held to `posture summary`'s, its text inert, and the page
//! rendered by a real browser (headless Chromium) into a screenshot that is
//! not blank.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

struct Env(crate::common::env::TestEnv);

impl Env {
    fn new() -> Env {
        Env(crate::common::env::TestEnv::new())
    }
    fn posture(&self) -> assert_cmd::Command {
        let mut c = self.0.posture();
        c.env("POSTURE_NOW", "2026-11-24T10:00:00Z");
        c
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.dir.path().join(name)
    }
    fn run(&self, args: &[&str]) -> Vec<u8> {
        let out = self.posture().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_slice(&self.run(args)).unwrap()
    }
    /// The review page written with `--out`, as text.
    fn page(&self, name: &str, extra: &[&str]) -> String {
        let out = self.path(name);
        let mut args = vec!["review", "--format", "html", "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.run(&args);
        std::fs::read_to_string(out).unwrap()
    }
}

/// The rows of table `id`: each row's cells' texts.
fn table(html: &str, id: &str) -> Vec<Vec<String>> {
    let dom = tl::parse(html, tl::ParserOptions::default().track_ids()).expect("the page parses");
    let parser = dom.parser();
    let table = dom
        .get_element_by_id(id)
        .unwrap_or_else(|| panic!("no table #{id}"))
        .get(parser)
        .and_then(tl::Node::as_tag)
        .unwrap();
    let all = table.children().all(parser).to_vec();
    let rows: Vec<&tl::HTMLTag> = all
        .iter()
        .filter_map(tl::Node::as_tag)
        .filter(|t| t.name().as_utf8_str() == "tr")
        .collect();
    rows.iter()
        .map(|tr| {
            let top = tr.children().top().to_vec();
            let mut cells: Vec<&tl::HTMLTag> = Vec::new();
            for c in &top {
                if let Some(t) = c.get(parser).and_then(tl::Node::as_tag)
                    && matches!(t.name().as_utf8_str().as_ref(), "td" | "th")
                {
                    cells.push(t);
                }
            }
            cells
                .iter()
                .map(|c| c.inner_text(parser).trim().to_string())
                .collect()
        })
        .collect()
}

/// Owner → severity → count, read off the page's owners table.
fn owners(html: &str) -> BTreeMap<String, BTreeMap<String, u64>> {
    let rows = table(html, "owners");
    let header = &rows[0];
    rows[1..]
        .iter()
        .filter(|r| r[0] != "all")
        .map(|r| {
            let counts = header[1..7]
                .iter()
                .zip(&r[1..7])
                .filter(|(_, n)| n.as_str() != "0")
                .map(|(s, n)| (s.clone(), n.parse().unwrap()))
                .collect();
            (r[0].clone(), counts)
        })
        .collect()
}

fn summary_by_owner(v: &Value) -> BTreeMap<String, BTreeMap<String, u64>> {
    serde_json::from_value(v["by_owner"].clone()).unwrap()
}

fn card(html: &str, id: &str) -> u64 {
    let dom = tl::parse(html, tl::ParserOptions::default().track_ids()).unwrap();
    let parser = dom.parser();
    let node = dom
        .get_element_by_id(format!("card-{id}").as_str())
        .unwrap()
        .get(parser)
        .unwrap();
    let b = node
        .as_tag()
        .unwrap()
        .query_selector(parser, "b")
        .unwrap()
        .next()
        .unwrap();
    b.get(parser).unwrap().inner_text(parser).parse().unwrap()
}

#[test]
fn the_html_review_has_summarys_numbers_and_one_team_gets_its_own_page() {
    let env = Env::new();
    let html = env.page("review.html", &[]);
    let summary = env.json(&["summary", "--by", "owner", "--format", "json"]);
    assert_eq!(owners(&html), summary_by_owner(&summary));
    assert_eq!(card(&html, "open"), summary["open"].as_u64().unwrap());
    let review = env.json(&["review", "--format", "json"]);
    assert_eq!(card(&html, "new"), review["new"]["count"].as_u64().unwrap());
    assert_eq!(
        card(&html, "overdue"),
        review["overdue"]["count"].as_u64().unwrap()
    );
    // The trend: a chart, and the same numbers as a table (the snapshot and now).
    assert!(html.contains("<svg id=\"trend-chart\""));
    assert_eq!(table(&html, "trend-table").len(), 1 + 2);
    // The layers and the accounts and clusters add up to the open count.
    for id in ["layers", "scopes"] {
        let rows = table(&html, id);
        let all = rows.last().unwrap();
        assert_eq!(all[0], "all");
        assert_eq!(
            all[7].parse::<u64>().unwrap(),
            summary["open"].as_u64().unwrap(),
            "{id}"
        );
    }
    // One team's page: its findings only, its name in the title.
    let team = env.page("product.html", &["--owner", "product"]);
    let product = env.json(&[
        "summary", "--by", "owner", "--format", "json", "--owner", "product",
    ]);
    assert_eq!(owners(&team), summary_by_owner(&product));
    assert_eq!(owners(&team).len(), 1);
    assert!(
        team.contains("<title>Security review — product — "),
        "{}",
        &team[..400]
    );
    assert_eq!(card(&team, "open"), product["open"].as_u64().unwrap());
    let json = env.json(&["review", "--format", "json", "--owner", "product"]);
    assert_eq!(json["owner"], "product");
    assert_eq!(json["open"], product["open"]);
}

#[test]
fn hostile_titles_stay_text_in_the_html_review() {
    let env = Env::new();
    // A critical finding open for years: first among the oldest criticals.
    let record = serde_json::json!([{
        "SchemaVersion": "2018-10-08", "Id": "hostile-1",
        "ProductArn": "arn:aws:securityhub:eu-west-1::product/evil/scanner",
        "AwsAccountId": "210987654321", "Severity": {"Label": "CRITICAL"},
        "FirstObservedAt": "2020-01-01T00:00:00Z",
        "Title": "<img src=x onerror=alert(1)><script>alert(2)</script>\u{1b}[31mRED \u{202e}gnp.exe",
        "Resources": [{"Type": "Other", "Id": "<a href=\"http://evil.example\">click</a>"}]
    }]);
    let file = env.path("hostile.json");
    std::fs::write(&file, record.to_string()).unwrap();
    let html = env.page("hostile.html", &["--file", file.to_str().unwrap()]);
    let dom = tl::parse(&html, tl::ParserOptions::default().track_ids()).unwrap();
    for tag in ["img", "script", "a", "link", "iframe"] {
        assert_eq!(
            dom.query_selector(tag).unwrap().count(),
            0,
            "a <{tag}> element in the page"
        );
    }
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;"),
        "{html}"
    );
    assert!(html.contains("&lt;a href=&quot;http://evil.example&quot;&gt;"));
    assert!(
        !html.contains('\u{1b}') && !html.contains('\u{202e}'),
        "escapes reach the page"
    );
}

/// Debian's Chromium, installed by this test if it is missing (as the
/// Security Hub tests install moto): `None` only outside CI when it cannot be.
fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin/chromium");
    if path.exists() {
        return Some(path);
    }
    // Test binaries running at once install it once.
    let lock_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("chromium-install.lock");
    let lock = std::fs::File::create(lock_path).unwrap();
    lock.lock().unwrap();
    if !path.exists() {
        let installed = std::process::Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            let updated = std::process::Command::new("apt-get").arg("update").status();
            let _ = updated.map(|_| {
                std::process::Command::new("apt-get")
                    .args(["install", "-y", "--no-install-recommends", "chromium"])
                    .env("DEBIAN_FRONTEND", "noninteractive")
                    .status()
            });
        }
    }
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "Chromium could not be installed (apt-get install chromium), and CI is set"
    );
    eprintln!("skipping: no /usr/bin/chromium and it could not be installed");
    None
}

#[test]
fn a_real_browser_renders_the_review() {
    let Some(browser) = chromium() else {
        return;
    };
    let env = Env::new();
    let page = env.path("review.html");
    env.page("review.html", &[]);
    let shot = env.path("shot.png");
    let profile = env.path("profile");
    let status = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "chromium: {status}");
    let png = std::fs::read(&shot).expect("a screenshot");
    let (width, height, pixels) = rgb_pixels(&png);
    assert_eq!((width, height), (1280, 2000));
    // Not blank: many pixels are not the background, and several colours
    // show (text, table borders, the chart's severities).
    let background = pixels[0];
    let inked = pixels.iter().filter(|&&p| p != background).count();
    let colours: std::collections::BTreeSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(
        inked > pixels.len() / 50,
        "{inked} of {} pixels inked",
        pixels.len()
    );
    assert!(colours.len() > 20, "{} colours", colours.len());
}

/// A PNG's size and its pixels as RGB.
fn rgb_pixels(png_bytes: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).expect("its pixels");
    let channels = frame.color_type.samples();
    let pixels = buf[..frame.buffer_size()]
        .chunks(channels)
        .map(|p| match p {
            [g] | [g, _] => [*g, *g, *g],
            [r, g, b, ..] => [*r, *g, *b],
            _ => [0, 0, 0],
        })
        .collect();
    (frame.width, frame.height, pixels)
}
