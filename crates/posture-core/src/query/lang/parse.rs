//! The query's text into alternatives of terms, each error naming its term.

use globset::{GlobBuilder, GlobMatcher};

use super::{Cmp, Query, QueryError, Term, Test, TextField};
use crate::model::{Layer, Severity};
use crate::triage::Status;

/// A regex is compiled to at most this much memory (a hostile pattern is an
/// error, never a stall: the regex crate matches in linear time).
pub(super) const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Queries longer than this are refused (a pasted file is not a query).
const MAX_QUERY_CHARS: usize = 4096;

/// A token and where it starts (characters from 1).
struct Token<'a> {
    text: &'a str,
    at: usize,
}

pub(super) fn parse(text: &str) -> Result<Query, QueryError> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError {
            term: text.chars().take(20).collect::<String>() + "…",
            at: 1,
            message: format!("a query is at most {MAX_QUERY_CHARS} characters"),
        });
    }
    let mut any_of: Vec<Vec<Term>> = vec![Vec::new()];
    let tokens = tokens(text)?;
    for (n, token) in tokens.iter().enumerate() {
        if token.text.eq_ignore_ascii_case("or") {
            let last = n + 1 == tokens.len();
            if any_of.last().is_some_and(Vec::is_empty) || last {
                return Err(error(token, "`or` goes between two terms"));
            }
            any_of.push(Vec::new());
            continue;
        }
        let term = term(token)?;
        if let Some(all) = any_of.last_mut() {
            all.push(term);
        }
    }
    if any_of.len() == 1 && any_of[0].is_empty() {
        any_of.clear();
    }
    Ok(Query {
        text: text.to_string(),
        any_of,
    })
}

fn error(token: &Token, message: impl Into<String>) -> QueryError {
    QueryError {
        term: token.text.to_string(),
        at: token.at,
        message: message.into(),
    }
}

/// Whitespace-separated tokens; a double-quoted part (`"a phrase"`,
/// `title:"x y"`) keeps its spaces.
fn tokens(text: &str) -> Result<Vec<Token<'_>>, QueryError> {
    let mut out = Vec::new();
    let mut start: Option<(usize, usize)> = None; // (byte, char position)
    let mut quoted = false;
    let mut chars = 0;
    for (byte, c) in text.char_indices() {
        chars += 1;
        if c == '"' {
            quoted = !quoted;
        }
        match (c.is_whitespace() && !quoted, start) {
            (true, Some((from, at))) => {
                out.push(Token {
                    text: &text[from..byte],
                    at,
                });
                start = None;
            }
            (false, None) => start = Some((byte, chars)),
            _ => {}
        }
    }
    if let Some((from, at)) = start {
        out.push(Token {
            text: &text[from..],
            at,
        });
    }
    if quoted && let Some(last) = out.last() {
        return Err(error(last, "a quote is not closed"));
    }
    Ok(out)
}

fn term(token: &Token) -> Result<Term, QueryError> {
    let (negated, body) = match token.text.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, token.text),
    };
    if body.is_empty() {
        return Err(error(token, "`!` needs a term after it"));
    }
    let test = if let Some(phrase) = body.strip_prefix('"') {
        Test::Words(unquote_rest(phrase).to_lowercase())
    } else if let Some(pattern) = body.strip_prefix('~') {
        regex(token, pattern)?
    } else if let Some((field, op, value)) = split_field(body) {
        field_test(token, field, op, value)?
    } else {
        Test::Words(body.to_lowercase())
    };
    if matches!(&test, Test::Words(w) if w.is_empty()) {
        return Err(error(token, "an empty phrase"));
    }
    Ok(Term {
        text: token.text.to_string(),
        negated,
        test,
    })
}

/// `"text"` without its quotes (the opening one already taken).
fn unquote_rest(s: &str) -> &str {
    s.strip_suffix('"').unwrap_or(s)
}

fn unquote(s: &str) -> &str {
    match s.strip_prefix('"') {
        Some(rest) => unquote_rest(rest),
        None => s,
    }
}

fn regex(token: &Token, pattern: &str) -> Result<Test, QueryError> {
    let pattern = unquote(pattern);
    if pattern.is_empty() {
        return Err(error(token, "`~` needs a regular expression after it"));
    }
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map(Test::Regex)
        .map_err(|e| {
            let first = e.to_string();
            let reason = first.lines().last().unwrap_or("not a regular expression");
            error(
                token,
                format!("not a regular expression: {}", reason.trim()),
            )
        })
}

/// `name:value`, `name>=value`, … when the text starts with a field name.
fn split_field(body: &str) -> Option<(&str, &str, &str)> {
    let end = body.find(|c: char| !(c.is_ascii_alphabetic() || c == '_'))?;
    if end == 0 {
        return None;
    }
    let (name, rest) = body.split_at(end);
    for op in [">=", "<=", ":", ">", "<"] {
        if let Some(value) = rest.strip_prefix(op) {
            return Some((name, op, value));
        }
    }
    None
}

const FIELDS: &str = "sev, source, layer, owner, status, ns, account, region, cluster, rule, resource, title, tag, label, new, overdue, age, exploit, kev, epss, fix";

fn field_test(token: &Token, field: &str, op: &str, value: &str) -> Result<Test, QueryError> {
    let field = field.to_ascii_lowercase();
    let value = unquote(value);
    let cmp = match op {
        ":" => None,
        ">=" => Some(Cmp::Ge),
        "<=" => Some(Cmp::Le),
        ">" => Some(Cmp::Gt),
        _ => Some(Cmp::Lt),
    };
    if value.is_empty() {
        return Err(error(token, format!("`{field}{op}` needs a value")));
    }
    let text = |f: TextField| -> Result<Test, QueryError> {
        no_cmp(token, cmp, &field)?;
        Ok(Test::Text(f, globs(token, value)?))
    };
    match field.as_str() {
        "sev" | "severity" => match cmp {
            Some(cmp) => Ok(Test::Severity(cmp, severity(token, value)?)),
            None => Ok(Test::Severities(set(token, value, |v| severity(token, v))?)),
        },
        "age" => match cmp {
            Some(cmp) => Ok(Test::Age(cmp, days(token, value)?)),
            None => Err(error(token, "age compares: age>30d, age<=2w")),
        },
        "source" => {
            no_cmp(token, cmp, &field)?;
            Ok(Test::Source(globs(token, value)?))
        }
        "owner" => {
            no_cmp(token, cmp, &field)?;
            Ok(Test::Owner(globs(token, value)?))
        }
        "layer" => {
            no_cmp(token, cmp, &field)?;
            let layers = set(token, value, |v| {
                v.parse::<Layer>().map_err(|e| error(token, e.to_string()))
            })?;
            Ok(Test::Layers(layers))
        }
        "status" => {
            no_cmp(token, cmp, &field)?;
            let statuses = set(token, value, |v| {
                v.parse::<Status>().map_err(|e| error(token, e.to_string()))
            })?;
            Ok(Test::Statuses(statuses))
        }
        "ns" | "namespace" => text(TextField::Namespace),
        "account" => text(TextField::Account),
        "region" => text(TextField::Region),
        "cluster" => text(TextField::Cluster),
        "rule" => text(TextField::Rule),
        "resource" => text(TextField::Resource),
        "title" => text(TextField::Title),
        "tag" | "label" => {
            no_cmp(token, cmp, &field)?;
            let Some((key, wanted)) = value.split_once('=') else {
                return Err(error(token, format!("{field} takes KEY=VALUE")));
            };
            if key.is_empty() {
                return Err(error(token, format!("{field} takes KEY=VALUE")));
            }
            Ok(Test::Tag {
                kubernetes: field == "label",
                key: key.to_string(),
                value: glob(token, if wanted.is_empty() { "*" } else { wanted })?,
            })
        }
        "new" | "overdue" | "kev" => {
            no_cmp(token, cmp, &field)?;
            let yes = match yes_no(value) {
                Some(Some(yes)) => yes,
                _ => return Err(error(token, format!("{field} is yes or no"))),
            };
            Ok(match field.as_str() {
                "new" => Test::New(yes),
                "kev" => Test::Kev(yes),
                _ => Test::Overdue(yes),
            })
        }
        "exploit" | "fix" => {
            no_cmp(token, cmp, &field)?;
            let Some(want) = yes_no(value) else {
                return Err(error(token, format!("{field} is yes, no or unknown")));
            };
            Ok(if field == "fix" {
                Test::Fix(want)
            } else {
                Test::Exploit(want)
            })
        }
        "epss" => match cmp {
            Some(cmp) => Ok(Test::Epss(cmp, probability(token, value)?)),
            None => Err(error(token, "epss compares: epss>=0.5, epss>10%")),
        },
        _ => Err(error(
            token,
            format!(
                "unknown field {field:?} (fields: {FIELDS}); to search for the text itself, quote it: \"{}\"",
                token.text.trim_start_matches('!')
            ),
        )),
    }
}

fn no_cmp(token: &Token, cmp: Option<Cmp>, field: &str) -> Result<(), QueryError> {
    match cmp {
        Some(_) => Err(error(
            token,
            format!("{field} does not compare; use {field}:VALUE"),
        )),
        None => Ok(()),
    }
}

fn set<T>(
    token: &Token,
    value: &str,
    each: impl Fn(&str) -> Result<T, QueryError>,
) -> Result<Vec<T>, QueryError> {
    value
        .split(',')
        .map(|v| {
            if v.trim().is_empty() {
                Err(error(token, "an empty value in the list"))
            } else {
                each(v.trim())
            }
        })
        .collect()
}

fn severity(token: &Token, v: &str) -> Result<Severity, QueryError> {
    v.parse::<Severity>().map_err(|_| {
        error(
            token,
            format!("{v:?} is not a severity (critical, high, medium, low, info, unknown)"),
        )
    })
}

/// `yes`/`no` (`true`/`false`, `y`/`n`) as `Some`, `unknown` as `None`
/// inside; anything else is no answer.
fn yes_no(value: &str) -> Option<Option<bool>> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" | "y" => Some(Some(true)),
        "no" | "false" | "n" => Some(Some(false)),
        "unknown" | "none" => Some(None),
        _ => None,
    }
}

/// `0.5` or `50%` as a probability from 0 to 1.
fn probability(token: &Token, v: &str) -> Result<f32, QueryError> {
    let v = v.trim();
    let (number, scale) = match v.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (v, 1.0),
    };
    number
        .parse::<f64>()
        .ok()
        .map(|n| n / scale)
        .filter(|p| (0.0..=1.0).contains(p))
        .map(|p| p as f32)
        .ok_or_else(|| {
            error(
                token,
                format!("{v:?} is not a probability such as 0.5 or 50%"),
            )
        })
}

/// `30`, `30d`, `2w`, `12h` (rounded down to days) as days.
fn days(token: &Token, v: &str) -> Result<i64, QueryError> {
    let v = v.trim().to_ascii_lowercase();
    let (number, unit) = match v.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => v.split_at(i),
        None => (v.as_str(), "d"),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| error(token, format!("{v:?} is not an age such as 30d or 2w")))?;
    match unit {
        "d" => Ok(n),
        "w" => Ok(n.saturating_mul(7)),
        "h" => Ok(n / 24),
        _ => Err(error(
            token,
            format!("{v:?} is not an age such as 30d or 2w"),
        )),
    }
}

fn globs(token: &Token, value: &str) -> Result<Vec<GlobMatcher>, QueryError> {
    set(token, value, |v| glob(token, v))
}

fn glob(token: &Token, pattern: &str) -> Result<GlobMatcher, QueryError> {
    GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(false)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| error(token, format!("bad glob: {}", e.kind())))
}
