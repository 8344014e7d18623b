//! A query bound to the session: owners resolved per route, ages and due
//! dates against today. Testing a finding then needs only it and its facts.

use std::sync::Arc;

use time::Date;

use super::{Query, Test, TextField};
use crate::model::{Finding, Source};
use crate::query::Facts;
use crate::query::filter::{contains_ci, searched};
use crate::routing::RouteTable;
use crate::routing::spec::SlaSpec;

/// A query ready to test findings.
#[derive(Debug, Clone)]
pub struct Bound {
    query: Arc<Query>,
    /// Per term (in the query's order, alternatives one after another), for
    /// owner terms: whether each route's owner matches; for words and
    /// regexes: whether each route's owner holds the word or matches.
    owners: Vec<Vec<bool>>,
    /// Per term, for words and regexes: per source number, whether the
    /// source's name holds it; for `source:` globs, whether it matches.
    sources: Vec<Vec<bool>>,
    /// Per term, for regexes without anchors: the same regex over bytes,
    /// for the dashboard's prepared text.
    byte_regexes: Vec<Option<regex::bytes::Regex>>,
    today: Date,
    sla: SlaSpec,
    /// The word every passing finding holds, if any (see
    /// [`Bound::required_word`]), worked out once.
    required: Option<Required>,
}

/// The required word: its term, and where outside the searched fields a
/// finding can hold it.
#[derive(Debug, Clone)]
struct Required {
    term: usize,
    word: String,
    /// The query is this word alone.
    alone: bool,
    /// Per route, whether its owner holds the word; per source number,
    /// whether the source's name does. `None`: no owner or source does.
    outside: Option<(Vec<bool>, Vec<bool>)>,
}

/// Two bound queries are the same filter when their text is: the view
/// compares filters to reuse results, and rebinding follows new findings.
impl PartialEq for Bound {
    fn eq(&self, other: &Bound) -> bool {
        self.query.text == other.query.text && self.today == other.today
    }
}

impl Query {
    /// The query for these routes (owners), with today's date and the SLA
    /// (ages, overdue).
    pub fn bind(self, routes: &RouteTable, sla: &SlaSpec, today: Date) -> Bound {
        let owners = self
            .any_of
            .iter()
            .flatten()
            .map(|t| match &t.test {
                Test::Owner(globs) => routes
                    .routes
                    .iter()
                    .map(|r| globs.iter().any(|g| g.is_match(&r.owner)))
                    .collect(),
                Test::Words(w) => routes
                    .routes
                    .iter()
                    .map(|r| contains_ci(&r.owner, w))
                    .collect(),
                Test::Regex(re) => routes
                    .routes
                    .iter()
                    .map(|r| re.is_match(&r.owner))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        let known = Source::known();
        let sources = self
            .any_of
            .iter()
            .flatten()
            .map(|t| match &t.test {
                Test::Words(w) => known.iter().map(|s| contains_ci(s.as_str(), w)).collect(),
                Test::Regex(re) => known.iter().map(|s| re.is_match(s.as_str())).collect(),
                // Each source's name tried once here, not once per finding.
                Test::Source(globs) => known
                    .iter()
                    .map(|&s| super::source_matches(globs, s))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        let byte_regexes = self
            .any_of
            .iter()
            .flatten()
            .map(|t| match &t.test {
                Test::Regex(re) => byte_regex(re.as_str()),
                _ => None,
            })
            .collect();
        let required = required(&self, routes);
        Bound {
            sources,
            byte_regexes,
            required,
            owners,
            query: Arc::new(self),
            today,
            sla: *sla,
        }
    }
}

impl Bound {
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// Whether `f` (with its facts) passes: some alternative whose every
    /// term holds (a negated term: does not hold).
    pub fn matches(&self, f: &Finding, facts: &Facts) -> bool {
        self.matches_with(f, facts, |_| None)
    }

    /// As [`Bound::matches`], `in_text(n)` telling (when it knows) whether
    /// word or regex term `n` is in the finding's searched fields, or field
    /// term `n` matches ([`Bound::field_hits`]): the dashboard works these
    /// out for every finding at once.
    pub fn matches_with(
        &self,
        f: &Finding,
        facts: &Facts,
        in_text: impl Fn(usize) -> Option<bool>,
    ) -> bool {
        if self.query.is_empty() {
            return true;
        }
        let mut n = 0;
        self.query.any_of.iter().any(|all| {
            let first = n;
            n += all.len();
            all.iter().enumerate().all(|(k, t)| {
                let n = first + k;
                let holds = match (&t.test, in_text(n)) {
                    (Test::Words(_) | Test::Regex(_), Some(hit)) => {
                        hit || self.outside_text(n, f, facts)
                    }
                    (Test::Text(..), Some(hit)) => hit,
                    (test, _) => self.holds(n, test, f, facts),
                };
                holds != t.negated
            })
        })
    }

    /// A word every passing finding holds, when there is one (one group of
    /// terms with a word in it): the longest, with its term's number. The
    /// dashboard searches its prepared text for it first; a finding whose
    /// fields lack it can still pass by its owner or source
    /// ([`Bound::outside_text`]).
    pub fn required_word(&self) -> Option<(usize, &str)> {
        self.required.as_ref().map(|r| (r.term, r.word.as_str()))
    }

    /// Whether `f` holds the required word by its owner or source (the
    /// text index holds neither): array lookups, for every finding a
    /// keystroke tests.
    #[inline]
    pub fn required_outside_text(&self, f: &Finding, facts: &Facts) -> bool {
        let Some((owners, sources)) = self.required.as_ref().and_then(|r| r.outside.as_ref())
        else {
            return false;
        };
        let at = |v: &Vec<bool>, i: usize| v.get(i).copied().unwrap_or(false);
        at(owners, facts.route as usize) || at(sources, f.source.index())
    }

    /// Whether word term `n` holds for `f` by its owner or its source (the
    /// fields the text index does not hold).
    pub fn outside_text(&self, n: usize, f: &Finding, facts: &Facts) -> bool {
        let by_owner = self
            .owners
            .get(n)
            .and_then(|routes| routes.get(facts.route as usize))
            .copied()
            .unwrap_or(false);
        by_owner
            || match self.sources.get(n).and_then(|v| v.get(f.source.index())) {
                Some(&hit) => hit,
                // A tool named after the query was bound.
                None => match self.query.any_of.iter().flatten().nth(n).map(|t| &t.test) {
                    Some(Test::Words(w)) => contains_ci(f.source.as_str(), w),
                    Some(Test::Regex(re)) => re.is_match(f.source.as_str()),
                    _ => false,
                },
            }
    }

    /// For a field term (`ns:pay*`, `rule:CVE-*`): whether each finding's
    /// field matches, every finding at once on every core, each distinct
    /// value tried once (a field holds a few hundred values over a million
    /// findings; a glob costs more than looking its answer up).
    pub fn field_hits(&self, n: usize, findings: &[Finding]) -> Option<Vec<bool>> {
        let Some(Test::Text(field, globs)) = self.terms().nth(n).map(|(_, t)| &t.test) else {
            return None;
        };
        let parts = crate::parallel::in_chunks(
            findings,
            crate::parallel::MIN_ITEMS,
            |chunk| {
                let mut seen: foldhash::HashMap<&str, bool> = foldhash::HashMap::default();
                chunk
                    .items
                    .iter()
                    .map(|f| {
                        let value = text_field(f, *field).original();
                        *seen
                            .entry(value)
                            .or_insert_with(|| globs.iter().any(|g| g.is_match(value)))
                    })
                    .collect::<Vec<bool>>()
            },
            |range| {
                findings[range]
                    .iter()
                    .map(|f| {
                        let value = text_field(f, *field).original();
                        globs.iter().any(|g| g.is_match(value))
                    })
                    .collect()
            },
        );
        Some(crate::parallel::concat(parts))
    }

    /// Per term, the regex to run over the prepared text (none for a term
    /// that is not a regex, or one with `^`/`$` anchors, which mean a field's
    /// ends, not the text's).
    pub fn byte_regex(&self, n: usize) -> Option<&regex::bytes::Regex> {
        self.byte_regexes.get(n)?.as_ref()
    }

    /// Every term with its number, in order.
    pub fn terms(&self) -> impl Iterator<Item = (usize, &super::Term)> {
        self.query.any_of.iter().flatten().enumerate()
    }

    /// Whether the query is its required word alone: a finding whose
    /// fields hold the word passes without the query being tested again.
    #[inline]
    pub fn just_one_word(&self) -> bool {
        self.required.as_ref().is_some_and(|r| r.alone)
    }

    /// Whether only words make the query (one group, none negated): then a
    /// query typed further keeps a subset of what it kept.
    pub fn only_words(&self) -> bool {
        self.query.only_words()
    }

    fn holds(&self, n: usize, test: &Test, f: &Finding, facts: &Facts) -> bool {
        match test {
            Test::Words(w) => {
                searched(f).iter().any(|t| contains_ci(t.display(), w))
                    || self.outside_text(n, f, facts)
            }
            Test::Regex(re) => {
                searched(f).iter().any(|t| re.is_match(t.display()))
                    || self.outside_text(n, f, facts)
            }
            Test::Text(field, globs) => {
                let value = text_field(f, *field).original();
                globs.iter().any(|g| g.is_match(value))
            }
            Test::Owner(_) => self
                .owners
                .get(n)
                .and_then(|routes| routes.get(facts.route as usize))
                .copied()
                .unwrap_or(false),
            Test::Source(globs) => {
                match self.sources.get(n).and_then(|v| v.get(f.source.index())) {
                    Some(&hit) => hit,
                    // A tool named after the query was bound.
                    None => super::source_matches(globs, f.source),
                }
            }
            Test::Layers(layers) => layers.contains(&f.layer),
            Test::Statuses(statuses) => statuses.contains(&facts.status),
            Test::Severities(set) => set.contains(&f.severity),
            Test::Severity(cmp, than) => cmp.holds(f.severity, *than),
            Test::Tag {
                kubernetes,
                key,
                value,
            } => {
                let cloud = matches!(
                    f.source,
                    Source::Securityhub | Source::Inspector | Source::Prowler
                );
                cloud != *kubernetes && f.tag(key).is_some_and(|v| value.is_match(v))
            }
            Test::New(yes) => facts.new == *yes,
            Test::Overdue(yes) => self.overdue(f, facts) == *yes,
            Test::Age(cmp, days) => cmp.holds(self.age(f), *days),
            Test::Exploit(want) => f.signals.exploit_known() == *want,
            Test::Fix(want) => f.signals.fix == *want,
            Test::Kev(yes) => f.signals.kev == *yes,
            Test::Epss(cmp, than) => f.signals.epss.is_some_and(|p| cmp.holds(p, *than)),
        }
    }

    /// Whole days since first seen (0 when unknown).
    fn age(&self, f: &Finding) -> i64 {
        f.first_seen.map_or(0, |t| {
            (self.today - crate::model::date::day_of(t))
                .whole_days()
                .max(0)
        })
    }

    /// Open, not decided away, and past its SLA due date, as the review
    /// counts it.
    fn overdue(&self, f: &Finding, facts: &Facts) -> bool {
        crate::routing::is_overdue(&self.sla, f, facts.status.is_active(), self.today)
    }
}

/// The field a field term names.
fn text_field(f: &Finding, field: TextField) -> &crate::model::SafeText {
    match field {
        TextField::Namespace => &f.namespace,
        TextField::Account => &f.account,
        TextField::Region => &f.region,
        TextField::Cluster => &f.cluster,
        TextField::Rule => &f.rule_id,
        TextField::Resource => &f.resource,
        TextField::Title => &f.title,
    }
}

/// The longest word of a query of one group of terms, not negated.
fn required(query: &Query, routes: &RouteTable) -> Option<Required> {
    let [all] = query.any_of.as_slice() else {
        return None;
    };
    let (term, word) = all
        .iter()
        .enumerate()
        .filter_map(|(n, t)| match &t.test {
            Test::Words(w) if !t.negated => Some((n, w.as_str())),
            _ => None,
        })
        .max_by_key(|(_, w)| w.len())?;
    let owners: Vec<bool> = routes
        .routes
        .iter()
        .map(|r| contains_ci(&r.owner, word))
        .collect();
    let sources: Vec<bool> = Source::known()
        .into_iter()
        .map(|s| contains_ci(s.as_str(), word))
        .collect();
    let any = owners.iter().chain(&sources).any(|&b| b);
    Some(Required {
        term,
        word: word.to_string(),
        alone: all.len() == 1,
        outside: any.then_some((owners, sources)),
    })
}

/// `pattern` over bytes, as the query's regex matches (case-insensitive,
/// bounded); none when it has anchors (`^`, `$`, `\A`, `\z`), which in the
/// prepared text would mean its ends, not a field's.
fn byte_regex(pattern: &str) -> Option<regex::bytes::Regex> {
    let anchored =
        pattern.contains(['^', '$']) || pattern.contains("\\A") || pattern.contains("\\z");
    if anchored {
        return None;
    }
    regex::bytes::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(super::parse::REGEX_SIZE_LIMIT)
        .build()
        .ok()
}
