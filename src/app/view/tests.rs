//! The view against plain scans, fresh views and the demo data.

use super::shown::PARALLEL_FILTER_MIN;
use super::*;

fn demo() -> Vec<Finding> {
    posture_core::demo::load_current().findings
}

#[test]
fn default_view_is_open_findings_critical_first() {
    let f = demo();
    let mut v = View::default();
    v.recompute(&f, &[], &RouteTable::default());
    assert_eq!(v.rows.len(), f.iter().filter(|x| x.open).count());
    let Some(Row::Finding(i)) = v.rows.first() else {
        panic!()
    };
    assert_eq!(f[*i].severity, Severity::Critical);
}

#[test]
fn filter_narrows_and_keeps_the_selection() {
    let f = demo();
    let mut v = View::default();
    v.recompute(&f, &[], &RouteTable::default());
    v.move_by(3);
    let Some(Row::Finding(sel)) = v.selected_row().cloned() else {
        panic!()
    };
    v.filter.text = f[sel].rule_id.display().to_string();
    v.recompute(&f, &[], &RouteTable::default());
    assert!(v.rows.len() < f.len());
    assert_eq!(v.selected_row(), Some(&Row::Finding(sel)));
}

#[test]
fn typing_narrows_from_the_last_result_and_agrees_with_a_fresh_filter() {
    typing_agrees_with_a_plain_scan(&demo());
}

/// Enough findings for every core to filter its share.
#[test]
fn filtering_on_every_core_agrees_with_a_plain_scan() {
    let f: Vec<Finding> = demo()
        .into_iter()
        .cycle()
        .take(2 * PARALLEL_FILTER_MIN + 7)
        .collect();
    typing_agrees_with_a_plain_scan(&f);
}

/// Typed into a view as it is when the findings arrive, and into one with
/// everything prepared (the search text among it).
fn typing_agrees_with_a_plain_scan(f: &[Finding]) {
    for prepare in [false, true] {
        typing_agrees(f, prepare);
    }
}

fn typing_agrees(f: &[Finding], prepare: bool) {
    let routes = RouteTable::default();
    let mut typed = View::default();
    typed.recompute(f, &[], &routes);
    let mut steps = 0;
    while prepare && typed.prepare_one(f) {
        steps += 1;
    }
    assert_eq!(typed.prepared.text.is_some(), prepare);
    assert!(!prepare || steps > 2);
    for text in ["p", "pr", "pri", "priv", "pri", "", "c", "cv", "cve-2023"] {
        typed.filter.text = text.to_string();
        typed.recompute(f, &[], &routes);
        let mut fresh = View::default();
        fresh.filter.text = text.to_string();
        fresh.recompute(f, &[], &routes);
        assert_eq!(typed.shown, fresh.shown, "after typing {text:?}");
        // And both agree with a plain scan (no masks, no earlier results).
        let mut naive: Vec<usize> = (0..f.len())
            .filter(|&i| typed.filter.matches(&f[i], &Facts::default()))
            .collect();
        let mut got = typed.shown.clone();
        naive.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, naive, "{text:?}");
        assert_eq!(typed.counts, fresh.counts);
        let counted: usize = typed.counts.iter().map(|(_, n)| n).sum();
        assert_eq!(counted, naive.len(), "{text:?}");
        for (severity, n) in typed.counts {
            let scanned = naive.iter().filter(|&&i| f[i].severity == severity).count();
            assert_eq!(n, scanned, "{text:?} {severity:?}");
        }
    }
    assert!(!typed.shown.is_empty());
    assert!(posture_core::query::filter::contains_ci(
        "Privileged",
        "PRIV"
    ));
    assert!(!posture_core::query::filter::contains_ci("ab", "abc"));
    // The character masks never rule out what the scan would find.
    for (hay, needle) in [
        ("Kelvin \u{212a}", "k"),
        ("İstanbul", "i"),
        ("a-b_c/d", "_c/"),
        ("ÄBC", "äb"),
    ] {
        let m = posture_core::query::filter::letter_mask(hay);
        let n = posture_core::query::filter::letter_mask(needle);
        assert!(
            posture_core::query::filter::contains_ci(hay, needle),
            "{hay} {needle}"
        );
        assert_eq!(n & !m, 0, "{hay:?} / {needle:?}");
    }
    assert!(posture_core::query::filter::contains_ci("xxaB", "ab"));
}

#[test]
fn grouping_gives_one_row_per_rule_with_every_member() {
    let f = demo();
    let mut v = View {
        grouped: true,
        ..View::default()
    };
    v.recompute(&f, &[], &RouteTable::default());
    let members: usize = v
        .rows
        .iter()
        .map(|r| match r {
            Row::Group(g) => g.members.len(),
            Row::Finding(_) => 1,
        })
        .sum();
    assert_eq!(members, v.shown.len());
    assert!(v.rows.len() < v.shown.len());
    for r in &v.rows {
        let Row::Group(g) = r else { panic!() };
        let worst = g.members.iter().map(|&i| f[i].severity).max().unwrap();
        assert_eq!(g.severity, worst);
    }
}

/// The rule keys kept between keystrokes give the groups a fresh view
/// gives, and are worked out again when the findings change.
#[test]
fn grouped_typing_agrees_with_a_fresh_grouped_view() {
    let mut f = demo();
    let routes = RouteTable::default();
    let grouped = || View {
        grouped: true,
        ..View::default()
    };
    let mut typed = grouped();
    for text in ["", "c", "cv", "c", "priv"] {
        typed.filter.text = text.to_string();
        typed.recompute(&f, &[], &routes);
        let mut fresh = grouped();
        fresh.filter.text = text.to_string();
        fresh.recompute(&f, &[], &routes);
        assert_eq!(typed.rows, fresh.rows, "{text:?}");
        assert!(!typed.rows.is_empty(), "{text:?}");
    }
    f.truncate(f.len() / 2);
    typed.invalidate();
    typed.recompute(&f, &[], &routes);
    let mut fresh = grouped();
    fresh.filter.text = "priv".to_string();
    fresh.recompute(&f, &[], &routes);
    assert_eq!(typed.rows, fresh.rows);
    assert!(!typed.rows.is_empty());
}

#[test]
fn scrolling_window_follows_the_selection() {
    let f = demo();
    let mut v = View::default();
    v.recompute(&f, &[], &RouteTable::default());
    v.move_by(50);
    v.ensure_visible(10);
    assert_eq!(v.offset, 41);
    assert_eq!(v.visible(10).len(), 10);
    v.move_by(-1000);
    v.ensure_visible(10);
    assert_eq!((v.selected, v.offset), (0, 0));
}
