//! What is new since the last snapshot, as one Slack-compatible incoming
//! webhook message (`text` for notifications and clients without blocks,
//! `blocks` for the rest). Texts from findings are escaped for Slack's
//! markup (`&`, `<`, `>`), so a title cannot mention a channel or make a link.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::report::Since;
use crate::model::{Finding, SafeText, Severity};

/// The titles listed in the message.
pub const TOP: usize = 10;

/// One new finding, with its owner.
pub struct New<'a> {
    pub finding: &'a Finding,
    pub owner: &'a str,
}

/// Text for Slack's markup.
fn esc(s: &str) -> String {
    SafeText::line(s)
        .display()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The message for `new` (most severe first), or `None` when there is
/// nothing to tell.
pub fn message(new: &[New], since: &Since, floor: Option<Severity>) -> Option<Value> {
    if new.is_empty() {
        return None;
    }
    let mut by_owner: BTreeMap<&str, BTreeMap<Severity, usize>> = BTreeMap::new();
    for n in new {
        *by_owner
            .entry(n.owner)
            .or_default()
            .entry(n.finding.severity)
            .or_default() += 1;
    }
    let counts = |c: &BTreeMap<Severity, usize>| -> String {
        Severity::ALL_DESC
            .iter()
            .filter_map(|s| c.get(s).map(|n| format!("{n} {s}")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let scope = match floor {
        Some(s) if s != Severity::Unknown => format!(" ({s} and above)"),
        _ => String::new(),
    };
    let headline = format!(
        "{} new finding{}{scope} since {} ({})",
        new.len(),
        if new.len() == 1 { "" } else { "s" },
        esc(&since.name),
        since.taken_at.date()
    );
    let owners: Vec<String> = by_owner
        .iter()
        .map(|(owner, c)| format!("• *{}*: {}", esc(owner), counts(c)))
        .collect();
    let mut sorted: Vec<&New> = new.iter().collect();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.finding.severity));
    let top: Vec<String> = sorted
        .iter()
        .take(TOP)
        .map(|n| {
            format!(
                "• `{}` {} — {}",
                n.finding.severity,
                esc(n.finding.title.original()),
                esc(n.owner)
            )
        })
        .collect();
    let more = new.len().saturating_sub(TOP);
    let open_them = format!(
        "Open them: `posture --query 'new:yes'` (the dashboard, `N`), or `posture diff --since {}`.",
        esc(&since.name).replace('\'', "")
    );
    let mut listed = top.join("\n");
    if more > 0 {
        listed.push_str(&format!("\n…and {more} more."));
    }
    Some(json!({
        "text": format!("posture: {headline}"),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": format!("posture: {}", SafeText::line(&format!("{} new since {}", new.len(), since.name)).display()), "emoji": false}},
            {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{headline}*\n{}", owners.join("\n"))}},
            {"type": "section", "text": {"type": "mrkdwn", "text": listed}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": open_them}]},
        ],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_owner_top_titles_and_escaped_text() {
        let mut findings = crate::demo::load_current().findings;
        findings.truncate(14);
        findings[0].title = SafeText::line("<!channel> <http://evil|click> & co");
        findings[0].severity = Severity::Critical;
        let new: Vec<New> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| New {
                finding: f,
                owner: if i % 2 == 0 { "SRE" } else { "payments" },
            })
            .collect();
        let since = Since {
            name: "week 46".into(),
            taken_at: crate::model::Timestamp::parse("2026-11-16T09:00:00Z").unwrap(),
        };
        let m = message(&new, &since, None).unwrap();
        let text = m.to_string();
        assert!(
            m["text"]
                .as_str()
                .unwrap()
                .starts_with("posture: 14 new findings since week 46")
        );
        assert!(
            !text.contains("<!channel>") && !text.contains("<http"),
            "{text}"
        );
        assert!(text.contains("&lt;!channel&gt;"));
        assert!(text.contains("*SRE*") && text.contains("*payments*"));
        assert!(text.contains("…and 4 more."));
        assert_eq!(m["blocks"].as_array().unwrap().len(), 4);
        assert!(message(&[], &since, None).is_none());
    }
}
