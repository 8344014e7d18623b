//! The query language of `/`, `--query` and saved views: words that must all
//! appear, `"phrases"`, `~regex`, `field:value` terms with globs and sets,
//! comparisons (`sev>=high`, `age>30d`), `!` to negate a term and `or`
//! between groups of terms (it binds less tightly than the implicit and).
//!
//! A query is parsed once ([`Query::parse`], every error naming its term),
//! then bound to what it needs from the session (owners, today, the SLA) in
//! [`Query::bind`]; the bound query tests a finding with its facts alone.

mod bound;
mod parse;
#[cfg(test)]
mod tests;

use crate::model::{Layer, Severity, Source};
use crate::triage::Status;

pub use bound::Bound;

/// A query as written: alternatives (`or`), each a list of terms that must
/// all hold.
#[derive(Debug, Clone)]
pub struct Query {
    /// The query's text, as typed.
    pub text: String,
    pub any_of: Vec<Vec<Term>>,
}

/// One term, possibly negated.
#[derive(Debug, Clone)]
pub struct Term {
    /// The term as written (for messages).
    pub text: String,
    pub negated: bool,
    pub test: Test,
}

/// How a term compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, value: T, than: T) -> bool {
        match self {
            Cmp::Lt => value < than,
            Cmp::Le => value <= than,
            Cmp::Gt => value > than,
            Cmp::Ge => value >= than,
        }
    }
}

/// A text field of a finding a term can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Namespace,
    Account,
    Region,
    Cluster,
    Rule,
    Resource,
    Title,
}

/// What a term tests.
#[derive(Debug, Clone)]
pub enum Test {
    /// A case-insensitive substring of any searched field (title, resource,
    /// rule, account, namespace, owner, source, cluster); lower case.
    Words(String),
    /// A regular expression over the same fields.
    Regex(regex::Regex),
    /// One of these globs matches the whole field.
    Text(TextField, Vec<globset::GlobMatcher>),
    Owner(Vec<globset::GlobMatcher>),
    Source(Vec<globset::GlobMatcher>),
    Layers(Vec<Layer>),
    Statuses(Vec<Status>),
    Severities(Vec<Severity>),
    Severity(Cmp, Severity),
    /// `tag:KEY=VALUE` (AWS tags) and `label:KEY=VALUE` (workload labels):
    /// the key exactly, the value a glob.
    Tag {
        kubernetes: bool,
        key: String,
        value: globset::GlobMatcher,
    },
    New(bool),
    Overdue(bool),
    /// Days since first seen.
    Age(Cmp, i64),
    /// `exploit:yes|no|unknown`: an exploit is known (KEV included), the
    /// input says none, or nothing says.
    Exploit(Option<bool>),
    /// `fix:yes|no|unknown`: a fixed version is available, or not.
    Fix(Option<bool>),
    /// `kev:yes|no`: in CISA's catalogue of known exploited vulnerabilities.
    Kev(bool),
    /// `epss>=0.5`: the EPSS score compares (a finding without one never does).
    Epss(Cmp, f32),
}

/// A query that does not parse: which term, where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("in the query, {term:?} (at character {at}): {message}")]
pub struct QueryError {
    pub term: String,
    /// Where the term starts, counted in characters from 1.
    pub at: usize,
    pub message: String,
}

impl Query {
    /// Parses `text`; an empty text is the query that passes everything.
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        parse::parse(text)
    }

    /// Whether the query is only words (the dashboard's text index answers
    /// those): one alternative, no negation, no other term.
    pub fn only_words(&self) -> bool {
        self.any_of.len() <= 1
            && self
                .any_of
                .iter()
                .flatten()
                .all(|t| !t.negated && matches!(t.test, Test::Words(_)))
    }

    /// This query and `other` both: every pairing of their alternatives
    /// (a saved view's query and `--query` together).
    pub fn and(self, other: Query) -> Query {
        if self.is_empty() {
            return other;
        }
        if other.is_empty() {
            return self;
        }
        let any_of = self
            .any_of
            .iter()
            .flat_map(|a| {
                other.any_of.iter().map(move |b| {
                    let mut both = a.clone();
                    both.extend(b.iter().cloned());
                    both
                })
            })
            .collect();
        Query {
            text: format!("{} + {}", self.text, other.text),
            any_of,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.any_of.iter().all(Vec::is_empty)
    }

    /// The findings routed to `owner`, the name taken as it is (no glob;
    /// case-insensitive, as `owner:` is): `--owner NAME`.
    pub fn owner_is(owner: &str) -> Query {
        let glob = globset::GlobBuilder::new(&globset::escape(owner))
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map(|g| g.compile_matcher());
        Query {
            text: format!("owner:{owner}"),
            any_of: vec![vec![Term {
                text: format!("owner:{owner}"),
                negated: false,
                // An escaped name is always a glob; were it not, nothing passes.
                test: Test::Owner(glob.into_iter().collect()),
            }]],
        }
    }
}

/// The indices of `findings` that `query` passes, each with its owner
/// from `router` and its triage status from `marks`: for findings outside
/// a session (a snapshot file, the baseline of a review).
pub fn passing(
    findings: &[crate::model::Finding],
    query: &Query,
    router: &crate::routing::Router,
    marks: &crate::triage::Marks,
    today: time::Date,
) -> Vec<usize> {
    let routes = crate::routing::RouteTable::build(router, findings);
    let facts = crate::query::compute_facts(findings, marks, &routes, today);
    let bound = query.clone().bind(&routes, &router.sla, today);
    (0..findings.len())
        .filter(|&i| bound.matches(&findings[i], &facts[i]))
        .collect()
}

/// Names the sources a `source:` glob set matches among `known`, for
/// messages and for fixed sources.
pub fn source_matches(globs: &[globset::GlobMatcher], s: Source) -> bool {
    globs.iter().any(|g| g.is_match(s.as_str()))
}
