//! Resident memory per finding at 1M: generate, load into the dashboard's
//! state, drop the inputs, and read the process's resident set. Prints one
//! line at the first frame and one once the dashboard has prepared its
//! indexes; run: `cargo bench --bench memory`. Target: ≤ 1.5 KB per finding.

use std::path::Path;

use posture::app::App;
use posture_core::config::keymap::Keymap;
use posture_core::config::theme::Theme;
use posture_core::demo::generate::{GenFormat, write};

fn resident_bytes() -> usize {
    // statm: size resident shared ... in pages.
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn main() {
    // As the posture binary runs.
    posture::memory::tune();
    let count: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(1_000_000);
    let before = resident_bytes();
    let mut findings = Vec::with_capacity(count);
    for format in [GenFormat::Asff, GenFormat::Kubescape, GenFormat::Starboard] {
        let n = count / 3 + usize::from(format == GenFormat::Asff) * (count % 3);
        let mut bytes = Vec::new();
        write(format, n, 42, &mut bytes).expect("generate");
        let loaded = posture_core::sources::parse_bytes(Path::new("bench"), &bytes, None);
        findings.extend(loaded.findings);
    }
    let session = posture_core::session::Session::new(posture_core::session::SessionParts {
        findings,
        ..Default::default()
    });
    let mut app = App::new(session, Theme::monochrome(), Keymap::defaults());
    let n = app.session.findings.len();
    let say = |what: &str, after: usize| {
        println!(
            "memory {what}: {n} findings, {:.0} MiB resident for them, {:.0} bytes per finding (target ≤ 1536)",
            (after.saturating_sub(before)) as f64 / (1 << 20) as f64,
            (after.saturating_sub(before)) as f64 / n.max(1) as f64
        );
    };
    say("at the first frame", resident_bytes());
    // What the dashboard then prepares in the background: the search text,
    // the grouping keys and every sort order.
    while app.prepare_one() {}
    say("once prepared", resident_bytes());
    std::hint::black_box(&app);
}
