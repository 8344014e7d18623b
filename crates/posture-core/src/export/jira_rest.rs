//! Tickets as Jira Cloud's REST API v3 takes them: the fields of a created
//! issue (the description in Atlassian Document Format), the JQL that asks
//! which of posture's labels exist, and the bulk-create answer read back.
//! Pure: the HTTP lives in `posture-live`.

use serde_json::{Value, json};

use super::jira::Ticket;

/// At most this many issues per bulk create (Jira's limit).
pub const BULK_MAX: usize = 50;
/// At most this many labels per JQL search (the query stays short).
pub const LABELS_PER_SEARCH: usize = 50;

/// Plain text as an ADF document: a paragraph per block of lines, each
/// line a text node with a hard break between (ADF text holds no newlines).
pub fn adf(text: &str) -> Value {
    let mut content = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut nodes = Vec::new();
        for (n, line) in block.lines().enumerate() {
            if n > 0 {
                nodes.push(json!({"type": "hardBreak"}));
            }
            if !line.is_empty() {
                nodes.push(json!({"type": "text", "text": line}));
            }
        }
        content.push(json!({"type": "paragraph", "content": nodes}));
    }
    json!({"type": "doc", "version": 1, "content": content})
}

/// The `fields` of one issue to create; an error when it has no project.
pub fn issue_fields(t: &Ticket) -> Result<Value, String> {
    let project = t.project.as_deref().ok_or_else(|| {
        format!(
            "no project for {:?}: set `project` under [jira] in the config, or route it to one",
            t.summary
        )
    })?;
    let mut fields = json!({
        "project": {"key": project},
        "summary": t.summary,
        "issuetype": {"name": t.issue_type},
        "priority": {"name": t.priority},
        "labels": t.labels,
        "description": adf(&t.description),
    });
    if let Some(c) = &t.component {
        fields["components"] = json!([{"name": c}]);
    }
    if let Some(d) = t.due {
        fields["duedate"] = json!(crate::model::date::format_date(d));
    }
    if let Some(p) = &t.parent {
        fields["parent"] = json!({"key": p});
    }
    Ok(fields)
}

/// JQL for the issues that carry any of `labels` (quoted: labels hold `-`).
pub fn labels_jql(labels: &[&str]) -> String {
    let quoted: Vec<String> = labels
        .iter()
        .map(|l| format!("\"{}\"", l.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("labels in ({})", quoted.join(", "))
}

/// For each issue of a search answer, its key and its labels.
pub fn found(answer: &Value) -> Vec<(String, Vec<String>)> {
    answer["issues"]
        .as_array()
        .map(|issues| {
            issues
                .iter()
                .filter_map(|i| {
                    let key = i["key"].as_str()?.to_string();
                    let labels = i["fields"]["labels"]
                        .as_array()
                        .map(|l| {
                            l.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    Some((key, labels))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a Jira error object says: its `errorMessages`, then each field's
/// message from `errors` (`priority: Specify a valid priority`).
pub fn error_messages(v: &Value) -> Vec<String> {
    let mut said: Vec<String> = v["errorMessages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if let Some(map) = v["errors"].as_object() {
        said.extend(
            map.iter()
                .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default())),
        );
    }
    said
}

/// A bulk create's answer: the keys created, in the order sent (`None` for
/// the ones that failed), and each failure's message.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Bulk {
    pub created: Vec<Option<String>>,
    pub failed: Vec<(usize, String)>,
}

/// Reads `{"issues": [{key}...], "errors": [{failedElementNumber,
/// elementErrors: {errorMessages, errors}}]}` for `sent` issues: the
/// created ones fill the places not named as failed, in order.
pub fn bulk_answer(answer: &Value, sent: usize) -> Bulk {
    let mut failed: Vec<(usize, String)> = answer["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| {
                    let n = e["failedElementNumber"].as_u64()? as usize;
                    let mut said = error_messages(&e["elementErrors"]);
                    if said.is_empty() {
                        said.push(format!("HTTP {}", e["status"].as_u64().unwrap_or(400)));
                    }
                    (n < sent).then(|| (n, said.join("; ")))
                })
                .collect()
        })
        .unwrap_or_default();
    failed.sort();
    failed.dedup_by_key(|(n, _)| *n);
    let mut keys = answer["issues"]
        .as_array()
        .map(|issues| {
            issues
                .iter()
                .filter_map(|i| i["key"].as_str().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter();
    let created = (0..sent)
        .map(|n| {
            if failed.iter().any(|(f, _)| *f == n) {
                None
            } else {
                keys.next()
            }
        })
        .collect();
    Bulk { created, failed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adf_keeps_lines_and_paragraphs() {
        let d = adf("Severity: high\nRule: X\n\nDescription\n\n");
        assert_eq!(d["type"], "doc");
        let paragraphs = d["content"].as_array().unwrap();
        assert_eq!(paragraphs.len(), 2);
        assert_eq!(paragraphs[0]["content"][1]["type"], "hardBreak");
        assert_eq!(paragraphs[0]["content"][2]["text"], "Rule: X");
    }

    #[test]
    fn labels_are_quoted_and_the_bulk_answer_is_read_in_order() {
        assert_eq!(
            labels_jql(&["posture-a", "x\"y"]),
            "labels in (\"posture-a\", \"x\\\"y\")"
        );
        let answer = serde_json::json!({
            "issues": [{"key": "SEC-1"}, {"key": "SEC-3"}],
            "errors": [{"status": 400, "failedElementNumber": 1,
                        "elementErrors": {"errorMessages": [], "errors": {"priority": "Priority name 'Blocker' is not valid"}}}]
        });
        let b = bulk_answer(&answer, 3);
        assert_eq!(
            b.created,
            [Some("SEC-1".into()), None, Some("SEC-3".into())]
        );
        assert_eq!(
            b.failed,
            [(1, "priority: Priority name 'Blocker' is not valid".into())]
        );
    }
}
