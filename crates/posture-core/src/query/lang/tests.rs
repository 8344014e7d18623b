use time::macros::date;

use super::*;
use crate::model::Finding;
use crate::query::Facts;
use crate::routing::{RouteTable, Router};

/// The demo's findings with their default routes, facts that mark every
/// seventh finding resolved and every fifth new, and the query's verdicts.
struct Demo {
    findings: Vec<Finding>,
    facts: Vec<Facts>,
    routes: RouteTable,
}

impl Demo {
    fn new() -> Demo {
        let mut findings = crate::demo::load_current().findings;
        // Tags on some cloud findings, labels on some workloads.
        for (i, f) in findings.iter_mut().enumerate() {
            let key = if f.source == Source::Securityhub {
                "Owner"
            } else {
                "team"
            };
            // The demo's CVEs carry KEV, EPSS and fix; some inputs say no exploit.
            if i % 4 == 1 && !f.signals.kev {
                f.signals.exploit = Some(false);
            }
            if i % 3 == 0 {
                let pair = (key.to_string(), format!("pay-{}", i % 2));
                f.tags = crate::sources::draft::into_tags(vec![pair]);
            }
        }
        let routes = RouteTable::build(&Router::default(), &findings);
        let facts = (0..findings.len())
            .map(|i| Facts {
                status: if i % 7 == 0 {
                    Status::Resolved
                } else {
                    Status::New
                },
                route: routes.of[i],
                new: i % 5 == 0,
                ..Facts::default()
            })
            .collect();
        Demo {
            findings,
            facts,
            routes,
        }
    }

    /// The indices `text` passes.
    fn run(&self, text: &str) -> Vec<usize> {
        let q = Query::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let b = q.bind(&self.routes, &Default::default(), date!(2026 - 11 - 17));
        (0..self.findings.len())
            .filter(|&i| b.matches(&self.findings[i], &self.facts[i]))
            .collect()
    }

    /// The indices `keep` passes, written out plainly.
    fn want(&self, keep: impl Fn(usize, &Finding) -> bool) -> Vec<usize> {
        (0..self.findings.len())
            .filter(|&i| keep(i, &self.findings[i]))
            .collect()
    }
}

fn has(f: &Finding, word: &str) -> bool {
    [
        &f.title,
        &f.resource,
        &f.rule_id,
        &f.account,
        &f.namespace,
        &f.cluster,
    ]
    .iter()
    .any(|t| t.display().to_lowercase().contains(word))
}

#[test]
fn terms_mean_what_the_grammar_says() {
    let d = Demo::new();
    let owner = |i: usize| d.routes.owner(i).to_string();
    let cases: Vec<(&str, Vec<usize>)> = vec![
        ("", d.want(|_, _| true)),
        (
            "PRIVILEGED container",
            d.want(|_, f| has(f, "privileged") && has(f, "container")),
        ),
        (
            "\"privileged container\"",
            d.want(|_, f| has(f, "privileged container")),
        ),
        ("!privileged", d.want(|_, f| !has(f, "privileged"))),
        (
            "~cve-20(22|23)-\\d+",
            d.want(|_, f| has(f, "cve-2022-") || has(f, "cve-2023-")),
        ),
        (
            "sev:critical,high",
            d.want(|_, f| f.severity >= Severity::High),
        ),
        ("sev>=high", d.want(|_, f| f.severity >= Severity::High)),
        ("sev<medium", d.want(|_, f| f.severity < Severity::Medium)),
        (
            "ns:pay*",
            d.want(|_, f| f.namespace.original().starts_with("pay")),
        ),
        (
            "namespace:PAYMENTS",
            d.want(|_, f| f.namespace.original() == "payments"),
        ),
        (
            "layer:container",
            d.want(|_, f| f.layer == Layer::Container),
        ),
        ("source:kube*", d.want(|_, f| f.source == Source::Kubescape)),
        ("owner:sre", d.want(|i, _| owner(i) == "SRE")),
        ("sre", d.want(|i, f| owner(i) == "SRE" || has(f, "sre"))),
        ("status:resolved", d.want(|i, _| i % 7 == 0)),
        (
            "new:yes !status:resolved",
            d.want(|i, _| i % 5 == 0 && i % 7 != 0),
        ),
        (
            "sev:critical ns:payments or layer:cloud sev:low",
            d.want(|_, f| {
                (f.severity == Severity::Critical && f.namespace.original() == "payments")
                    || (f.layer == Layer::Cloud && f.severity == Severity::Low)
            }),
        ),
        ("exploit:yes", d.want(|_, f| f.signals.exploited())),
        (
            "exploit:no",
            d.want(|_, f| !f.signals.kev && f.signals.exploit == Some(false)),
        ),
        ("kev:yes", d.want(|_, f| f.signals.kev)),
        ("fix:no", d.want(|_, f| f.signals.fix == Some(false))),
        ("fix:unknown", d.want(|_, f| f.signals.fix.is_none())),
        (
            "epss>=0.5",
            d.want(|_, f| f.signals.epss.is_some_and(|p| p >= 0.5)),
        ),
        (
            "epss<5% sev:critical",
            d.want(|_, f| {
                f.signals.epss.is_some_and(|p| p < 0.05) && f.severity == Severity::Critical
            }),
        ),
        (
            "age>30d",
            d.want(|_, f| {
                f.first_seen.is_some_and(|t| {
                    (date!(2026 - 11 - 17) - crate::model::date::day_of(t)).whole_days() > 30
                })
            }),
        ),
    ];
    for (text, want) in cases {
        let got = d.run(text);
        assert_eq!(got, want, "{text:?}");
        // The demo has findings either way of every case but the empty query.
        if !text.is_empty() {
            assert!(
                !got.is_empty() && got.len() < d.findings.len(),
                "{text:?}: {}",
                got.len()
            );
        }
    }
}

#[test]
fn overdue_tags_and_labels() {
    let d = Demo::new();
    let today = date!(2026 - 11 - 17);
    let sla = crate::routing::spec::SlaSpec::default();
    let overdue = d.want(|i, f| {
        f.open
            && d.facts[i].status.is_active()
            && crate::routing::due_date(&sla, f.severity, f.first_seen, today)
                .is_some_and(|due| due < today)
    });
    assert!(!overdue.is_empty());
    assert_eq!(d.run("overdue:yes"), overdue);
    let tagged = d.want(|_, f| f.source == Source::Securityhub && f.tag("Owner").is_some());
    let labelled = d.want(|_, f| f.source != Source::Securityhub && f.tag("team").is_some());
    assert!(!tagged.is_empty() && !labelled.is_empty());
    assert_eq!(d.run("tag:Owner="), tagged);
    assert_eq!(d.run("label:team=*"), labelled);
    let pay1 = d.want(|_, f| f.source != Source::Securityhub && f.tag("team") == Some("pay-1"));
    assert!(!pay1.is_empty());
    assert_eq!(d.run("label:team=PAY-1"), pay1);
    // A label is not a tag: the key is looked up on the other sources only.
    assert!(d.run("tag:team=*").is_empty());
}

#[test]
fn a_malformed_query_names_its_term() {
    for (text, term, at, needle) in [
        ("sev:high colour:red", "colour:red", 10, "unknown field"),
        ("sev:urgent", "sev:urgent", 1, "not a severity"),
        ("or sev:high", "or", 1, "between two terms"),
        ("sev:high or", "or", 10, "between two terms"),
        ("a or or b", "or", 6, "between two terms"),
        ("!", "!", 1, "needs a term"),
        ("title:\"half open", "title:\"half open", 1, "not closed"),
        ("~(unclosed", "~(unclosed", 1, "regular expression"),
        ("age:30d", "age:30d", 1, "compares"),
        ("age>soon", "age>soon", 1, "30d"),
        ("tag:Owner", "tag:Owner", 1, "KEY=VALUE"),
        ("status:wat", "status:wat", 1, "wat"),
        ("sev>=", "sev>=", 1, "needs a value"),
        ("ns>a", "ns>a", 1, "does not compare"),
        ("ns:[z-a]", "ns:[z-a]", 1, "glob"),
        ("layer:kernel", "layer:kernel", 1, "kernel"),
        ("sev:high,,low", "sev:high,,low", 1, "empty value"),
        ("kev:yes epss:0.5", "epss:0.5", 9, "compares"),
        ("epss>=2", "epss>=2", 1, "probability"),
        ("epss>high", "epss>high", 1, "probability"),
        ("exploit:maybe", "exploit:maybe", 1, "yes, no or unknown"),
        ("kev:unknown", "kev:unknown", 1, "yes or no"),
        ("fix>=yes", "fix>=yes", 1, "does not compare"),
    ] {
        let e = Query::parse(text).expect_err(text);
        assert_eq!((e.term.as_str(), e.at), (term, at), "{text}: {e}");
        assert!(e.to_string().contains(needle), "{text}: {e}");
    }
    let long = "a ".repeat(3000);
    assert!(Query::parse(&long).is_err());
    // A huge regex is refused, not compiled for ever.
    assert!(Query::parse("~(a{1000}){1000}").is_err());
}

#[test]
fn only_words_is_what_the_text_index_can_answer() {
    assert!(Query::parse("cve 2023").unwrap().only_words());
    assert!(Query::parse("").unwrap().only_words());
    for text in ["!cve", "sev:high", "a or b", "~x"] {
        assert!(!Query::parse(text).unwrap().only_words(), "{text}");
    }
}

#[test]
fn two_queries_together_pass_what_both_pass() {
    let d = Demo::new();
    let view = Query::parse("sev:critical or layer:cloud").unwrap();
    let more = Query::parse("ns:pay* or new:yes").unwrap();
    let both = view.and(more);
    assert_eq!(both.any_of.len(), 4);
    let routes = &d.routes;
    let b = both.bind(routes, &Default::default(), date!(2026 - 11 - 17));
    let got: Vec<usize> = (0..d.findings.len())
        .filter(|&i| b.matches(&d.findings[i], &d.facts[i]))
        .collect();
    let a = d.run("sev:critical or layer:cloud");
    let c = d.run("ns:pay* or new:yes");
    let want: Vec<usize> = a.into_iter().filter(|i| c.contains(i)).collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    // An empty side changes nothing.
    let plain = Query::parse("sev:low").unwrap();
    assert_eq!(
        plain.clone().and(Query::parse("").unwrap()).text,
        plain.text
    );
}
