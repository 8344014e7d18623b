//! The review as Markdown, for meeting notes. Untrusted text (titles,
//! resources, owners) is made inert: no control characters, no Markdown or
//! HTML that could turn into links, images or tables.

use std::fmt::Write;

use super::report::{Counted, Review};
use crate::model::{SafeText, Severity};

/// One table cell: display-safe, Markdown specials escaped.
pub fn cell(s: &str) -> String {
    let safe = SafeText::line(s);
    let text = safe.display();
    let mut out = String::with_capacity(text.len());
    let mut prev: [char; 3] = [' '; 3];
    for c in text.chars() {
        // Markdown and HTML syntax; and what GitHub's and GitLab's autolinks
        // need: `scheme:`, `user@host`, and the dot of `www.` (an escaped
        // character renders as itself, and breaks the link's pattern).
        let www_dot = c == '.' && prev.iter().collect::<String>().eq_ignore_ascii_case("www");
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '['
                | ']'
                | '<'
                | '>'
                | '|'
                | '#'
                | '!'
                | '('
                | ')'
                | '~'
                | ':'
                | '@'
        ) || www_dot
        {
            out.push('\\');
        }
        out.push(c);
        prev = [prev[1], prev[2], c];
    }
    out
}

const COLUMNS: [Severity; 6] = Severity::ALL_DESC;

/// One table row's severity cells.
fn joined(counts: &std::collections::BTreeMap<Severity, usize>) -> String {
    super::report::in_columns(counts)
        .map(|n| n.to_string())
        .join(" | ")
}

fn list(out: &mut String, title: &str, c: &Counted, extra: &str) {
    let _ = writeln!(out, "\n## {title}: {}\n", c.count);
    if c.items.is_empty() {
        return;
    }
    let _ = writeln!(out, "| severity | title | resource | owner | {extra} |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for it in &c.items {
        let detail = match extra {
            "overdue" => format!(
                "{} days (due {})",
                it.overdue_days.unwrap_or(0),
                it.due.as_deref().unwrap_or("")
            ),
            "was" => it
                .previous_severity
                .map(|s| s.to_string())
                .unwrap_or_default(),
            _ => format!("{} days", it.age_days),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            it.severity,
            cell(&it.title),
            cell(&it.resource),
            cell(&it.owner),
            detail
        );
    }
    if c.count > c.items.len() {
        let _ = writeln!(out, "\n…and {} more.", c.count - c.items.len());
    }
}

pub fn render(r: &Review) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Security review — {}", r.taken_at.date());
    let _ = writeln!(out);
    if let Some(o) = &r.owner {
        let _ = writeln!(out, "Findings owned by **{}**.\n", cell(o));
    }
    if let Some(q) = &r.query {
        let _ = writeln!(out, "Findings matching the query **{}**.\n", cell(q));
    }
    match &r.since {
        Some(s) => {
            let _ = writeln!(
                out,
                "{} open findings. Since **{}** ({}): {} new, {} resolved, {} changed severity.",
                r.open,
                cell(&s.name),
                s.taken_at.date(),
                r.new.count,
                r.resolved.count,
                r.severity_changed.count
            );
        }
        None => {
            let _ = writeln!(
                out,
                "{} open findings. No earlier snapshot: save one with `posture snapshot save` to see what changes.",
                r.open
            );
        }
    }
    let _ = writeln!(out, "\n## Open findings by owner\n");
    let head: Vec<String> = COLUMNS.iter().map(|s| s.to_string()).collect();
    let _ = writeln!(out, "| owner | {} | total | overdue |", head.join(" | "));
    let _ = writeln!(out, "|---|{}---|---|", "---|".repeat(COLUMNS.len()));
    for (owner, counts) in &r.by_owner {
        let cells = joined(counts);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(owner),
            cells,
            counts.values().sum::<usize>(),
            r.overdue_by_owner.get(owner).copied().unwrap_or(0)
        );
    }
    let totals = joined(&r.by_severity);
    let _ = writeln!(
        out,
        "| **all** | {} | {} | {} |",
        totals, r.open, r.overdue.count
    );
    if r.since.is_some() {
        list(&mut out, "New since the last snapshot", &r.new, "age");
        list(
            &mut out,
            "Resolved since the last snapshot",
            &r.resolved,
            "age",
        );
        if r.severity_changed.count > 0 {
            list(&mut out, "Severity changed", &r.severity_changed, "was");
        }
    }
    list(
        &mut out,
        "Oldest open criticals",
        &r.oldest_criticals,
        "age",
    );
    list(&mut out, "Overdue by SLA", &r.overdue, "overdue");
    if r.query.is_some() {
        let _ = writeln!(
            out,
            "\n_No trend for a query: the snapshots count every finding._"
        );
        return out;
    }
    let _ = writeln!(out, "\n## Trend: open findings per severity\n");
    let _ = writeln!(out, "| snapshot | date | {} | total |", head.join(" | "));
    let _ = writeln!(out, "|---|---|{}---|", "---|".repeat(COLUMNS.len()));
    for p in &r.trend {
        let cells = joined(&p.open);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&p.name),
            p.taken_at.date(),
            cells,
            p.total()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_inject_markdown_or_html() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("[x](http://evil)"), "\\[x\\]\\(http\\://evil\\)");
        assert_eq!(cell("<img src=x>"), "\\<img src=x\\>");
        assert!(!cell("\x1b[31mred").contains('\x1b'));
    }

    #[test]
    fn no_text_from_a_finding_becomes_a_link() {
        let c = cell(
            "see http://evil.example/x, HTTPS://e.example, WWW.evil.example, ftp://f and a@b.example",
        );
        for link in ["http://", "HTTPS://", "WWW.", "ftp://", "a@b"] {
            assert!(!c.contains(link), "{link} in {c:?}");
        }
        assert!(
            c.contains("http\\://evil") && c.contains("WWW\\.evil") && c.contains("a\\@b"),
            "{c}"
        );
    }
}
