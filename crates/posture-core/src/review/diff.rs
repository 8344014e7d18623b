//! What changed between two postures, by fingerprint. With OLD and NEW the
//! open findings of each side:
//!
//! - `new` = open in NEW, not open in OLD (appeared, or reopened);
//! - `resolved` = open in OLD, not open in NEW (gone, or closed);
//! - `still_open` = open in both; `severity_changed` ⊆ `still_open`.
//!
//! So OLD's open = resolved ∪ still_open and NEW's open = new ∪ still_open.

use std::collections::HashMap;

use crate::model::Finding;

/// Indices into the two sides' findings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Diff {
    /// Into NEW.
    pub new: Vec<usize>,
    /// Into OLD, with whether the finding is still in NEW (closed) or gone.
    pub resolved: Vec<Resolved>,
    /// Into NEW.
    pub still_open: Vec<usize>,
    /// (NEW, OLD) pairs whose severity differs.
    pub severity_changed: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub old: usize,
    /// The finding in NEW when it is there but closed; `None` when it is gone.
    pub closed_in_new: Option<usize>,
}

fn index(findings: &[Finding]) -> HashMap<&str, usize> {
    // A fingerprint seen twice (the same file loaded twice) counts once: the
    // open copy wins, so that "open" means open somewhere.
    let mut at: HashMap<&str, usize> = HashMap::with_capacity(findings.len());
    for (i, f) in findings.iter().enumerate() {
        at.entry(f.fingerprint.as_str())
            .and_modify(|j| {
                if !findings[*j].open && f.open {
                    *j = i;
                }
            })
            .or_insert(i);
    }
    at
}

pub fn diff(old: &[Finding], new: &[Finding]) -> Diff {
    let old_at = index(old);
    let new_at = index(new);
    let mut d = Diff::default();
    let mut new_idx: Vec<usize> = new_at.values().copied().collect();
    new_idx.sort_unstable();
    for i in new_idx {
        let f = &new[i];
        if !f.open {
            continue;
        }
        match old_at.get(f.fingerprint.as_str()) {
            Some(&j) if old[j].open => {
                d.still_open.push(i);
                if old[j].severity != f.severity {
                    d.severity_changed.push((i, j));
                }
            }
            _ => d.new.push(i),
        }
    }
    let mut old_idx: Vec<usize> = old_at.values().copied().collect();
    old_idx.sort_unstable();
    for j in old_idx {
        let f = &old[j];
        if !f.open {
            continue;
        }
        match new_at.get(f.fingerprint.as_str()) {
            Some(&i) if new[i].open => {}
            Some(&i) => d.resolved.push(Resolved {
                old: j,
                closed_in_new: Some(i),
            }),
            None => d.resolved.push(Resolved {
                old: j,
                closed_in_new: None,
            }),
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn f(id: &str, sev: Severity, open: bool) -> Finding {
        let v = serde_json::json!({
            "SchemaVersion": "2018-10-08", "Id": id, "ProductArn": "arn:p",
            "AwsAccountId": "1", "Region": "r", "Title": id,
            "Severity": {"Label": sev.to_string().to_uppercase()},
            "RecordState": if open { "ACTIVE" } else { "ARCHIVED" }
        });
        crate::sources::parse_values(std::path::Path::new("t"), [v])
            .findings
            .remove(0)
    }

    #[test]
    fn partitions_by_fingerprint() {
        use Severity::*;
        let old = vec![
            f("stays", High, true),
            f("fixed", High, true),
            f("closed", Low, true),
            f("worse", Low, true),
            f("was-closed", Medium, false),
        ];
        let new = vec![
            f("stays", High, true),
            f("closed", Low, false),
            f("worse", Critical, true),
            f("was-closed", Medium, true),
            f("brand-new", Info, true),
        ];
        let d = diff(&old, &new);
        let titles = |side: &[Finding], idx: &[usize]| -> Vec<String> {
            idx.iter()
                .map(|&i| side[i].title.original().to_string())
                .collect()
        };
        assert_eq!(titles(&new, &d.new), ["was-closed", "brand-new"]);
        assert_eq!(titles(&new, &d.still_open), ["stays", "worse"]);
        let resolved: Vec<usize> = d.resolved.iter().map(|r| r.old).collect();
        assert_eq!(titles(&old, &resolved), ["fixed", "closed"]);
        assert_eq!(d.resolved[0].closed_in_new, None);
        assert_eq!(d.resolved[1].closed_in_new, Some(1));
        assert_eq!(d.severity_changed, [(2, 3)]);
    }
}
