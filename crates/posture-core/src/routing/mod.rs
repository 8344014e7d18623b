//! Routing: which team owns a finding (rules, first match wins) and by when it
//! is due (per-severity SLA).

pub mod router;
pub mod spec;

use std::path::Path;

pub use router::{Route, RouteTable, Router, default_route};
pub use spec::{RoutingSpec, SlaSpec};

use crate::sources::error::SourceError;

/// Reads a `--routing FILE`: top-level `[[rules]]` and `[sla]`.
pub fn parse_file(text: &str, path: &Path) -> Result<RoutingSpec, SourceError> {
    SourceError::parse_toml(text, path)
}

/// The due date: `first_seen` (else `today`) plus the severity's SLA days.
pub fn due_date(
    sla: &SlaSpec,
    severity: crate::model::Severity,
    first_seen: Option<crate::model::Timestamp>,
    today: time::Date,
) -> Option<time::Date> {
    let days = sla.days(severity)?;
    let start = first_seen.map_or(today, crate::model::date::day_of);
    start.checked_add(time::Duration::days(i64::from(days)))
}

/// Open, still to act on (`active`: not resolved, accepted or a false
/// positive) and past its due date: overdue, as the review, the query's
/// `overdue:yes` and the tracking sheet count it.
pub fn is_overdue(
    sla: &SlaSpec,
    f: &crate::model::Finding,
    active: bool,
    today: time::Date,
) -> bool {
    f.open
        && active
        && due_date(sla, f.severity, f.first_seen, today).is_some_and(|due| due < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Finding, Severity};

    fn finding(sev: Severity, ns: &str) -> Finding {
        let mut f = crate::demo::load_current().findings.remove(0);
        f.severity = sev;
        f.namespace = crate::model::SafeText::line(ns);
        f.source = crate::model::Source::Kubescape;
        f.tags = crate::sources::draft::into_tags(vec![("team".into(), "payments".into())]);
        f
    }

    #[test]
    fn default_routing_by_severity() {
        let r = Router::default();
        assert_eq!(r.route(&finding(Severity::Critical, "x")).owner, "SRE");
        assert_eq!(r.route(&finding(Severity::High, "x")).owner, "product");
        assert_eq!(r.route(&finding(Severity::Medium, "x")).owner, "backlog");
        assert_eq!(r.route(&finding(Severity::Info, "x")).owner, "backlog");
    }

    #[test]
    fn first_matching_rule_wins_with_templates_and_labels() {
        let spec = parse_file(
            r#"
[[rules]]
name = "payments label"
severity = "high"
k8s_labels = { team = "pay*" }
owner = "team-{label:team}"
project = "PAY"
labels = ["security", "ns-{namespace}"]

[[rules]]
severity = ["medium", "low"]
namespace = ["checkout", "cart-*"]
owner = "checkout"

[[rules]]
severity = "high"
owner = "{namespace}"
"#,
            Path::new("r.toml"),
        )
        .unwrap();
        let r = Router::new(spec);
        let route = r.route(&finding(Severity::Critical, "payments"));
        assert_eq!(route.owner, "team-payments");
        assert_eq!(route.project.as_deref(), Some("PAY"));
        assert_eq!(route.labels, ["security", "ns-payments"]);
        assert_eq!(route.rule, Some(0));
        assert_eq!(
            r.route(&finding(Severity::Low, "cart-api")).owner,
            "checkout"
        );
        assert_eq!(
            r.route(&finding(Severity::Info, "cart-api")).owner,
            "backlog"
        );
        let mut f = finding(Severity::High, "search");
        f.tags = Box::new([]);
        let (steps, route) = r.explain(&f);
        assert_eq!(route.owner, "search");
        assert_eq!(steps[0].miss.as_deref(), Some("no label \"team\""));
        assert_eq!(
            steps[1].miss.as_deref(),
            Some("severity high is not listed")
        );
        assert_eq!(steps[2].miss, None);
        // A template without a value falls through to the next rule.
        f.namespace = crate::model::SafeText::line("");
        assert_eq!(r.route(&f).owner, "product");
    }

    /// Routes first met in the second core's share get their own ids after
    /// the first's; every finding keeps its own route.
    #[test]
    fn route_table_built_on_every_core_is_the_serial_one() {
        let spec = parse_file(
            "[[rules]]\nseverity = \"high\"\nowner = \"{namespace}\"\n",
            Path::new("r.toml"),
        )
        .unwrap();
        let r = Router::new(spec);
        let n = 3 * crate::parallel::MIN_ITEMS;
        let template = finding(Severity::High, "");
        let findings: Vec<Finding> = (0..n)
            .map(|i| {
                let mut f = template.clone();
                f.severity = Severity::ALL_DESC[i % Severity::ALL_DESC.len()];
                f.namespace = crate::model::SafeText::line(&format!("ns-{}", i * 7 / n));
                f
            })
            .collect();
        let t = RouteTable::build(&r, &findings);
        assert_eq!(t.of.len(), n);
        for (i, f) in findings.iter().enumerate() {
            assert_eq!(t.get(i), Some(&r.route(f)), "finding {i}");
        }
        let mut distinct = t.routes.clone();
        distinct.sort_by(|a, b| a.owner.cmp(&b.owner));
        distinct.dedup();
        assert_eq!(distinct.len(), t.routes.len(), "each route once");
        // Ids in order of first use, as one pass would give them.
        let mut first_use: Vec<u32> = Vec::new();
        for &id in &t.of {
            if !first_use.contains(&id) {
                first_use.push(id);
            }
        }
        assert_eq!(first_use, (0..t.routes.len() as u32).collect::<Vec<_>>());
    }

    #[test]
    fn rules_match_on_the_layer_and_sources_can_be_put_in_another() {
        use crate::model::{Layer, Source};
        let spec = parse_file(
            "[layers]\ngrype = \"code\"\n\n[[rules]]\nlayer = [\"code\", \"container\"]\nowner = \"appsec\"\n",
            Path::new("r.toml"),
        )
        .unwrap();
        let r = Router::new(spec);
        assert_eq!(r.layer_of(Source::Grype), Some(Layer::Code));
        assert_eq!(r.layer_of(Source::Trivy), None);
        let mut f = finding(Severity::High, "x");
        f.layer = Layer::Cluster;
        assert_eq!(r.route(&f).owner, "product");
        let (steps, _) = r.explain(&f);
        assert!(steps[0].miss.as_deref().unwrap().contains("layer cluster"));
        f.layer = Layer::Code;
        assert_eq!(r.route(&f).owner, "appsec");
    }

    #[test]
    fn invalid_rules_name_their_line() {
        let p = Path::new("r.toml");
        for (text, line, needle) in [
            (
                "[[rules]]\nowner = \"x\"\nnamespace = \"a[\"\n",
                3,
                "bad glob",
            ),
            (
                "[[rules]]\nowner = \"x\"\nseverity = \"urgent\"\n",
                3,
                "urgent",
            ),
            ("[[rules]]\nowner = \"x\"\ncolour = \"red\"\n", 3, "colour"),
            ("[[rules]]\nowner = \"{team}\"\n", 2, "placeholder"),
            ("[[rules]]\nseverity = \"high\"\n", 1, "owner"),
            ("[sla]\ncritical = -1\n", 2, ""),
            (
                "[[rules]]\nowner = \"x\"\nlayer = \"kernel\"\n",
                3,
                "kernel",
            ),
            ("[layers]\ngrype = \"cloudy\"\n", 1, "cloudy"),
        ] {
            let e = parse_file(text, p).unwrap_err();
            assert_eq!(e.location.line, line, "{text}: {e}");
            assert!(e.message.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn due_dates_follow_the_sla() {
        use time::macros::date;
        let sla = SlaSpec::default();
        let seen = crate::model::Timestamp::parse("2026-11-01T10:00:00Z");
        let today = date!(2026 - 11 - 24);
        assert_eq!(
            due_date(&sla, Severity::Critical, seen, today),
            Some(date!(2026 - 11 - 08))
        );
        assert_eq!(
            due_date(&sla, Severity::Low, None, today),
            Some(date!(2027 - 05 - 23))
        );
        assert_eq!(due_date(&sla, Severity::Info, None, today), None);
    }
}
