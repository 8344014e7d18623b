//! A large scanner report (one Trivy, SARIF, Grype, kube-bench or Inspector
//! document)
//! cut into its items, parsed on every core: as one document, its tree is
//! built and walked on one core. The head (what was scanned, the tool and
//! its rules) is parsed as a tree; each item stays raw text until a core
//! takes it. What comes out is what the whole-document parse gives.

use serde_json::value::RawValue;

use super::{grype, inspector, kube_bench, sarif, trivy};
use crate::model::Source;
use crate::parallel;
use crate::sources::document::{Places, RawRecord};
use crate::sources::kubescape::split::{Parts, raw_items};
use crate::sources::node::{Node, Object};
use crate::sources::{Format, Loaded, MAX_RAW_PER_INPUT, Shared, Sink, detect};

/// A report cut into groups of raw items, each group with what its items
/// share.
pub struct Doc<'a> {
    input: &'a str,
    record: RawRecord<'a>,
    groups: Vec<Group<'a>>,
    /// Every item, with its group.
    items: Vec<(usize, &'a RawValue)>,
}

/// What the items of one group share.
enum Group<'a> {
    Grype(grype::Scanned),
    Inspector,
    KubeBench,
    Sarif {
        source: Source,
        rules: Node<'a>,
    },
    Trivy {
        target: std::sync::Arc<trivy::Target>,
        file: String,
        kind: trivy::Kind,
    },
}

/// The key of the top-level array of items, per format.
fn items_key(format: Format) -> Option<&'static str> {
    Some(match format {
        Format::Grype => "matches",
        Format::Inspector => "findings",
        Format::KubeBench => "Controls",
        Format::Sarif => "runs",
        Format::Trivy => "Results",
        _ => return None,
    })
}

impl<'a> Doc<'a> {
    /// The parts of `record` (its top level already cut into `parts`) when
    /// it is a large report of a format parsed in parts; `None` sends it
    /// down the whole-document path (which also reports anything odd).
    pub(crate) fn of_parts(
        input: &'a str,
        record: &RawRecord<'a>,
        parts: Parts<'a>,
    ) -> Option<Doc<'a>> {
        let Parts(parts) = parts;
        // Recognised as the whole-document path would, the big arrays shown
        // to the tests empty (Inspector's with its first item).
        let mut head = Object::default();
        let mut arrays: Vec<(&str, &'a RawValue, Option<Vec<&'a RawValue>>)> = Vec::new();
        for (key, raw) in &parts {
            let big = matches!(
                key.as_str(),
                "matches" | "findings" | "runs" | "Results" | "Controls"
            );
            if big && raw.get().starts_with('[') {
                // Inspector's list is told by its first item; the others by
                // their keys (a SARIF run can be the whole report: not
                // parsed here).
                let (first, items) = if key == "findings" {
                    let items = raw_items(raw)?;
                    let first = items.first().map(|r| Node::parse(r.get()));
                    (first.transpose().ok()?, Some(items))
                } else {
                    (None, None)
                };
                arrays.push((key.as_str(), raw, items));
                head.push(key.clone(), Node::Array(first.into_iter().collect()));
            } else {
                head.push(key.clone(), Node::parse(raw.get()).ok()?);
            }
        }
        let head = Node::Object(head);
        let format = detect(&head)?;
        // A `trivy k8s` report nests deeper: parsed whole.
        if format == Format::Trivy && head.get("ClusterName").is_some() {
            return None;
        }
        let key = items_key(format)?;
        // A repeated key counts once, the last, as in a parsed tree.
        let (_, array, items) = arrays.into_iter().rev().find(|(k, _, _)| *k == key)?;
        let items = match items {
            Some(items) => items,
            None => raw_items(array)?,
        };
        let mut doc = Doc {
            input,
            record: *record,
            groups: Vec::new(),
            items: Vec::new(),
        };
        match format {
            Format::Grype => doc.add(Group::Grype(grype::Scanned::of(&head)), items),
            Format::Inspector => doc.add(Group::Inspector, items),
            Format::KubeBench => doc.add(Group::KubeBench, items),
            Format::Sarif => {
                for run in items {
                    doc.add_run(run)?;
                }
            }
            Format::Trivy => {
                let target = std::sync::Arc::new(trivy::Target::of_scan(&head, None));
                for result in items {
                    doc.add_result(&target, result)?;
                }
            }
            _ => return None,
        }
        Some(doc)
    }

    fn add(&mut self, group: Group<'a>, items: Vec<&'a RawValue>) {
        let g = self.groups.len();
        self.groups.push(group);
        self.items.extend(items.into_iter().map(|r| (g, r)));
    }

    /// A SARIF run: its results are the items, its tool and rules shared.
    fn add_run(&mut self, run: &'a RawValue) -> Option<()> {
        let Parts(parts) = serde_json::from_str(run.get()).ok()?;
        let mut head = Object::default();
        let mut results = Vec::new();
        for (key, raw) in parts {
            if key == "results" {
                results = if raw.get() == "null" {
                    Vec::new()
                } else {
                    raw_items(raw)?
                };
            } else {
                head.push(key, Node::parse(raw.get()).ok()?);
            }
        }
        let head = Node::Object(head);
        let tool = crate::sources::json::first_text(&head, &[&["tool", "driver", "name"]]);
        let rules = crate::sources::json::at(&head, &["tool", "driver", "rules"])
            .cloned()
            .unwrap_or(Node::Null);
        self.add(
            Group::Sarif {
                source: Source::named(&tool),
                rules,
            },
            results,
        );
        Some(())
    }

    /// A Trivy result: its vulnerabilities, misconfigurations and secrets
    /// are the items, its target shared.
    fn add_result(
        &mut self,
        target: &std::sync::Arc<trivy::Target>,
        result: &'a RawValue,
    ) -> Option<()> {
        let Parts(parts) = serde_json::from_str(result.get()).ok()?;
        let mut lists = Vec::new();
        let mut file = String::new();
        for (key, raw) in &parts {
            if let Some((kind, _)) = trivy::Kind::ALL.iter().find(|(_, k)| k == key) {
                // A repeated list counts once, the last.
                lists.retain(|(k, _)| k != kind);
                let items = if raw.get() == "null" {
                    Vec::new()
                } else {
                    raw_items(raw)?
                };
                lists.push((*kind, items));
            } else if key == "Target" {
                // As the whole-document parse reads it (a number as its text).
                let target = Node::parse(raw.get()).ok()?;
                file = crate::sources::json::text_or_empty(&target, &[]).into_owned();
            }
        }
        // In the whole-document order: vulnerabilities, misconfigurations, secrets.
        lists.sort_by_key(|(kind, _)| trivy::Kind::ALL.iter().position(|(k, _)| k == kind));
        for (kind, items) in lists {
            self.add(
                Group::Trivy {
                    target: target.clone(),
                    file: file.clone(),
                    kind,
                },
                items,
            );
        }
        Some(())
    }

    /// Parses the report into `loaded`, on every core.
    pub fn parse(self, loaded: &mut Loaded, cluster: Option<&str>) {
        let path = loaded.path.clone();
        let parts = parallel::in_chunks(
            &self.items,
            parallel::MIN_ITEMS,
            |chunk| self.parse_items(chunk, &path, cluster),
            |range| {
                Loaded::internal_error(
                    &path,
                    Some(Places::new(self.input).of(self.record.text)),
                    range,
                )
            },
        );
        crate::sources::merge_all(loaded, parts);
    }

    fn parse_items(
        &self,
        chunk: parallel::Chunk<'_, (usize, &RawValue)>,
        path: &std::path::Path,
        cluster: Option<&str>,
    ) -> Loaded {
        let mut out = Loaded {
            path: path.to_path_buf(),
            ..Loaded::default()
        };
        let mut shared = Shared::new(MAX_RAW_PER_INPUT / chunk.of);
        let mut places = Places::new(self.input);
        for (done, &(g, raw)) in chunk.items.iter().enumerate() {
            crate::sources::reserve_for_rest(
                &mut out.findings,
                done,
                chunk.room_for(self.items.len()),
            );
            let mut sink = Sink::new(&mut out.findings, cluster, &mut shared);
            let result = match (Node::parse(raw.get()), self.groups.get(g)) {
                (Ok(item), Some(group)) => {
                    let raw = sink.raw_of_text(raw.get());
                    item_of(group, &item, raw, &mut sink)
                }
                (Err(e), _) => Err(format!("invalid JSON: {e}")),
                (_, None) => Ok(()),
            };
            let messages = sink.into_messages();
            if !messages.is_empty() || result.is_err() {
                out.report(places.of(raw.get()), messages, result);
            }
        }
        out
    }
}

/// One item's finding, as the whole-document parse makes it.
fn item_of(
    group: &Group,
    item: &Node,
    raw: Option<Box<str>>,
    sink: &mut Sink,
) -> Result<(), String> {
    match group {
        Group::Grype(scanned) => grype::one(scanned, item, raw, sink),
        Group::Inspector => return inspector::finding(item, raw, sink),
        // A control's results keep their own raw records.
        Group::KubeBench => kube_bench::parse_control(item, sink),
        Group::Sarif { source, rules } => {
            let rules = rules.as_array().unwrap_or_default();
            sarif::push(item, sarif::rule_of(item, rules), *source, raw, sink);
        }
        Group::Trivy { target, file, kind } => trivy::item(*kind, item, raw, file, target, sink),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::model::Finding;
    use crate::sources::{parse_bytes, parse_values};

    /// Over a megabyte of each format, with repeated items, a broken item,
    /// several SARIF runs and Trivy results of every kind.
    fn reports() -> Vec<(&'static str, Value)> {
        let n = 4000;
        let pad = "a description long enough to make the report large. ".repeat(4);
        let vuln = |i: usize| {
            let severity = if i.is_multiple_of(2) { "HIGH" } else { "LOW" };
            json!({"VulnerabilityID": format!("CVE-2024-{}", i % 3000), "PkgName": "openssl",
                "InstalledVersion": "3.0.1", "Severity": severity, "Description": pad})
        };
        let grype_match = |i: usize| {
            json!({"vulnerability": {"id": format!("CVE-2022-{}", i % 3000), "severity": "High", "description": pad},
            "artifact": {"name": "zlib", "version": "1.2", "locations": [{"path": "/lib"}]}})
        };
        let inspector = |i: usize| {
            json!({"findingArn": format!("arn:aws:inspector2:eu-west-1:1:finding/{}", i % 3000),
            "severity": "MEDIUM", "status": "ACTIVE", "title": "t", "description": pad,
            "resources": [{"type": "AWS_ECR_CONTAINER_IMAGE", "id": "img"}]})
        };
        let result = |i: usize| {
            json!({"ruleId": format!("r{}", i % 7), "ruleIndex": i % 7,
            "message": {"text": pad}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("f{}.js", i % 2900)}, "region": {"startLine": 3}}}]})
        };
        let control = |c: usize| {
            json!({"id": format!("{c}"), "node_type": "master", "tests": [{"desc": "files",
            "results": (0..100).map(|i| json!({"test_number": format!("{c}.{i}"), "test_desc": pad,
                "status": if i % 3 == 0 { "PASS" } else { "FAIL" }})).collect::<Vec<_>>()}]})
        };
        let rules: Vec<Value> = (0..7).map(|r| json!({"id": format!("r{r}"), "properties": {"security-severity": format!("{r}.5")}})).collect();
        let mut matches: Vec<Value> = (0..n).map(grype_match).collect();
        matches.insert(10, json!("not a match"));
        let mut findings: Vec<Value> = (0..n).map(inspector).collect();
        findings.insert(7, json!({"severity": "LOW", "title": "no arn"}));
        vec![
            (
                "grype",
                json!({"descriptor": {"name": "grype"}, "source": {"type": "image", "target": {"userInput": "img:1"}}, "matches": matches}),
            ),
            (
                "inspector",
                json!({"findings": findings, "nextToken": null}),
            ),
            (
                "kube-bench",
                json!({"Controls": (0..70).map(control).collect::<Vec<_>>(), "Totals": {}}),
            ),
            (
                "sarif",
                json!({"version": "2.1.0", "runs": [
                {"tool": {"driver": {"name": "CodeQL", "rules": rules}}, "results": (0..n / 2).map(result).collect::<Vec<_>>()},
                {"tool": {"driver": {"name": "Semgrep"}}, "results": (0..n / 2).map(result).collect::<Vec<_>>()},
                {"tool": {"driver": {"name": "Empty"}}, "results": null}]}),
            ),
            (
                "trivy",
                json!({"SchemaVersion": 2, "ArtifactName": "img:1", "ArtifactType": "container_image", "Results": [
                {"Target": "img:1 (debian)", "Vulnerabilities": (0..n / 2).map(vuln).collect::<Vec<_>>(),
                 "Secrets": [{"RuleID": "aws-key", "Severity": "CRITICAL", "StartLine": 2}]},
                {"Target": "app.tf", "Misconfigurations": [{"ID": "AVD-1", "Severity": "HIGH", "Status": "FAIL"}, {"ID": "AVD-2", "Severity": "LOW", "Status": "PASS"}],
                 "Vulnerabilities": (0..n / 2).map(vuln).collect::<Vec<_>>()},
                {"Target": 42, "Vulnerabilities": [vuln(1)]}]}),
            ),
        ]
    }

    /// A finding with its raw record as a JSON value (the whole-document
    /// path writes the tree back, the split path compacts the item's text).
    fn plain(findings: Vec<Finding>) -> Vec<(Finding, Option<Value>)> {
        findings
            .into_iter()
            .map(|mut f| {
                let raw = f.raw.take().map(|r| serde_json::from_str(&r).unwrap());
                (f, raw)
            })
            .collect()
    }

    #[test]
    fn a_large_report_parsed_in_parts_is_the_whole_report_parsed() {
        let path = std::path::Path::new("report.json");
        for (name, report) in reports() {
            let text = serde_json::to_string(&report).unwrap();
            assert!(
                text.len() > crate::sources::kubescape::split::SPLIT_MIN_BYTES,
                "{name}: {} bytes",
                text.len()
            );
            let record = crate::sources::document::RawRecord { text: &text };
            let parts = serde_json::from_str(&text).unwrap();
            assert!(
                super::Doc::of_parts(&text, &record, parts).is_some(),
                "{name} splits"
            );
            let parts = parse_bytes(path, text.as_bytes(), None);
            let whole = parse_values(path, [report]);
            assert!(
                parts.findings.len() >= 4000,
                "{name}: {}",
                parts.findings.len()
            );
            let mut fps: Vec<_> = parts
                .findings
                .iter()
                .map(|f| f.fingerprint.clone())
                .collect();
            fps.sort();
            fps.dedup();
            assert_eq!(fps.len(), parts.findings.len(), "{name}: repeats numbered");
            let messages = |l: &crate::sources::Loaded| (l.errors.len(), l.warnings.len());
            assert_eq!(messages(&parts), messages(&whole), "{name}");
            assert_eq!(plain(parts.findings), plain(whole.findings), "{name}");
        }
    }
}
