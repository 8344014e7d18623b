//! A Kubescape scan is one JSON document: at a million findings, a 60 MB
//! file whose tree takes over a gigabyte and parses on one core. A large scan
//! is split instead: its `results` and `resources` stay raw text, parsed one
//! at a time on every core, and only the small rest (summary, cluster) is
//! parsed as a tree. What comes out is what the whole-document parse gives.

use foldhash::{HashMap, HashSet, HashSetExt};
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::sources::node::{Node, Object as Members};

use super::{Object, ScanHead, Seen, object_entry};
use crate::parallel;
use crate::sources::document::{Places, RawRecord};
use crate::sources::{Format, Loaded, MAX_RAW_PER_INPUT, Shared, Sink, detect};

/// Smaller scans parse whole: splitting costs more than it saves.
pub(crate) const SPLIT_MIN_BYTES: usize = 1 << 20;

/// A scan document cut into its parts.
pub struct Scan<'a> {
    /// The input's text, the scan a part of it.
    input: &'a str,
    record: RawRecord<'a>,
    head: Node<'a>,
    results: Vec<&'a RawValue>,
    resources: Vec<&'a RawValue>,
}

/// The top level with every value still raw text.
pub(crate) struct Parts<'a>(pub(crate) Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Parts<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Parts<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Parts<'de>, M::Error> {
                let mut out = Vec::new();
                while let Some(key) = m.next_key::<String>()? {
                    out.push((key, m.next_value::<&'de RawValue>()?));
                }
                Ok(Parts(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A raw JSON array's items, still raw; None when it is not an array.
pub(crate) fn raw_items(raw: &RawValue) -> Option<Vec<&RawValue>> {
    serde_json::from_str::<Vec<&RawValue>>(raw.get()).ok()
}

impl<'a> Scan<'a> {
    /// The parts of `record` when it is a large Kubescape scan whose results
    /// and resources are arrays; None sends it down the whole-document path
    /// (which also reports anything odd).
    pub fn of(input: &'a str, record: &RawRecord<'a>) -> Option<Scan<'a>> {
        if record.text.len() < SPLIT_MIN_BYTES || !record.text.starts_with('{') {
            return None;
        }
        Scan::of_parts(input, record, serde_json::from_str(record.text).ok()?)
    }

    /// As [`Scan::of`], the record's top level already cut into `parts`.
    pub(crate) fn of_parts(
        input: &'a str,
        record: &RawRecord<'a>,
        parts: Parts<'a>,
    ) -> Option<Scan<'a>> {
        let Parts(parts) = parts;
        // Recognised as the whole-document path would: by its keys (values do
        // not matter to the scan test) and its apiVersion.
        let mut probe = Members::default();
        for (k, v) in &parts {
            let value = match k.as_str() {
                "apiVersion" | "kind" => Node::parse(v.get()).unwrap_or(Node::Null),
                _ => Node::Null,
            };
            probe.push(k.as_str(), value);
        }
        if detect(&Node::Object(probe)) != Some(Format::KubescapeScan) {
            return None;
        }
        let mut head = Members::default();
        let (mut results, mut resources) = (None, None);
        // A repeated key counts once, the last, as in a parsed tree.
        for (key, raw) in parts {
            match key.as_str() {
                "results" => results = Some(raw),
                "resources" => resources = Some(raw),
                _ => {
                    head.push(key, Node::parse(raw.get()).ok()?);
                }
            }
        }
        let results = match results {
            Some(r) if r.get() != "null" => raw_items(r)?,
            _ => Vec::new(),
        };
        let resources = match resources {
            Some(r) => raw_items(r)?,
            None => Vec::new(),
        };
        Some(Scan {
            input,
            record: *record,
            head: Node::Object(head),
            results,
            resources,
        })
    }

    /// Parses the scan into `loaded`, on every core.
    pub fn parse(self, loaded: &mut Loaded, cluster: Option<&str>) {
        let objects = self.objects();
        let head = ScanHead::new(&self.head, cluster, objects);
        let path = loaded.path.clone();
        let parts = parallel::in_chunks(
            &self.results,
            parallel::MIN_ITEMS,
            |chunk| self.parse_results(&head, chunk, &path, cluster),
            |range| Part {
                loaded: Loaded::internal_error(
                    &path,
                    Some(Places::new(self.input).of(self.record.text)),
                    range,
                ),
                emitted: Vec::new(),
            },
        );
        merge_parts(loaded, parts);
    }

    /// resourceID → the object scanned; a repeated ID counts once, the last.
    fn objects(&self) -> HashMap<String, Object> {
        let parts = parallel::in_chunks(
            &self.resources,
            parallel::MIN_ITEMS,
            |chunk| {
                chunk
                    .items
                    .iter()
                    .filter_map(|raw| {
                        let v = Node::parse(raw.get()).ok()?;
                        object_entry(&v)
                    })
                    .collect::<Vec<_>>()
            },
            |_| Vec::new(),
        );
        parts.into_iter().flatten().collect()
    }

    fn parse_results(
        &self,
        head: &ScanHead,
        chunk: parallel::Chunk<'_, &RawValue>,
        path: &std::path::Path,
        cluster: Option<&str>,
    ) -> Part {
        let mut part = Part {
            loaded: Loaded {
                path: path.to_path_buf(),
                ..Loaded::default()
            },
            emitted: Vec::new(),
        };
        let mut shared = Shared::new(MAX_RAW_PER_INPUT / chunk.of);
        let mut seen = Seen::default();
        let mut places = Places::new(self.input);
        for (done, raw) in chunk.items.iter().enumerate() {
            crate::sources::reserve_for_rest(
                &mut part.loaded.findings,
                done,
                chunk.room_for(self.results.len()),
            );
            let start = part.loaded.findings.len();
            let mut sink = Sink::new(&mut part.loaded.findings, cluster, &mut shared);
            let result = match Node::parse(raw.get()) {
                Ok(value) => {
                    if let Some(e) = head.parse_result(&value, &mut seen, &mut sink) {
                        part.emitted.push((e, start));
                    }
                    Ok(())
                }
                Err(e) => Err(format!("invalid JSON: {e}")),
            };
            let messages = sink.into_messages();
            if !messages.is_empty() || result.is_err() {
                part.loaded.report(places.of(raw.get()), messages, result);
            }
        }
        part
    }
}

/// The findings of a run of results, and which controls of which resource
/// each result gave (from the index into `loaded.findings` it started at).
struct Part {
    loaded: Loaded,
    emitted: Vec<(super::Emitted, usize)>,
}

/// Appends the parts in order, dropping a resource's control that an earlier
/// part already gave: each part saw only its own repeats. Only resources
/// that more than one part gave are checked (almost always none).
fn merge_parts(loaded: &mut Loaded, parts: Vec<Part>) {
    let drops = repeats_across(&parts);
    let mut merged = Vec::with_capacity(parts.len());
    for (mut part, drop) in parts.into_iter().zip(drops) {
        if !drop.is_empty() {
            let mut keep = vec![true; part.loaded.findings.len()];
            for i in drop {
                keep[i] = false;
            }
            let mut flags = keep.into_iter();
            part.loaded
                .findings
                .retain(|_| flags.next().unwrap_or(true));
        }
        merged.push(part.loaded);
    }
    crate::sources::merge_all(loaded, merged);
}

/// Per part, the findings that repeat a (resource, control) an earlier part gave.
fn repeats_across(parts: &[Part]) -> Vec<Vec<usize>> {
    let mut first: HashMap<&str, usize> = HashMap::default();
    let mut shared: HashSet<&str> = HashSet::new();
    for (p, part) in parts.iter().enumerate() {
        for (e, _) in &part.emitted {
            let at = *first.entry(&e.resource_id).or_insert(p);
            if at != p {
                shared.insert(&e.resource_id);
            }
        }
    }
    let mut given: HashMap<&str, HashSet<&str>> = HashMap::default();
    parts
        .iter()
        .map(|part| {
            let mut drop = Vec::new();
            for (e, start) in &part.emitted {
                if !shared.contains(e.resource_id.as_str()) {
                    continue;
                }
                let controls = given.entry(&e.resource_id).or_default();
                for (i, control) in e.controls.iter().enumerate() {
                    if !controls.insert(control) {
                        drop.push(start + i);
                    }
                }
            }
            drop
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::demo::generate::{GenFormat, write};
    use crate::sources::parse_values;

    fn whole(bytes: &[u8]) -> Loaded {
        let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        parse_values(Path::new("scan.json"), [v])
    }

    #[test]
    fn a_split_scan_gives_what_the_whole_document_gives() {
        let mut bytes = Vec::new();
        write(GenFormat::Kubescape, 20_000, 7, &mut bytes).unwrap();
        assert!(bytes.len() > SPLIT_MIN_BYTES);
        let text = std::str::from_utf8(&bytes).unwrap();
        let record = RawRecord { text };
        let scan = Scan::of(text, &record).expect("a large scan splits");
        let mut split = Loaded::default();
        scan.parse(&mut split, None);
        let whole = whole(&bytes);
        assert_eq!(split.findings.len(), 20_000);
        assert_eq!(split.findings.len(), whole.findings.len());
        for (a, b) in split.findings.iter().zip(&whole.findings) {
            assert_eq!(a.fingerprint, b.fingerprint);
            assert_eq!(a.title.original(), b.title.original());
            assert_eq!(a.severity, b.severity);
            assert_eq!(a.tags, b.tags);
            assert_eq!(a.description.original(), b.description.original());
        }
    }

    #[test]
    fn repeats_across_parts_are_dropped_and_warnings_located_at_their_result() {
        let mut bytes = Vec::new();
        write(GenFormat::Kubescape, 20_000, 7, &mut bytes).unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let results = v["results"].as_array_mut().unwrap();
        // The first results again at the end (another part when split), and
        // one result without its resourceID.
        let again: Vec<serde_json::Value> = results[..50].to_vec();
        results.extend(again);
        results.push(serde_json::json!({"controls": []}));
        let text = serde_json::to_string_pretty(&v).unwrap();
        let record = RawRecord { text: &text };
        let mut split = Loaded::default();
        Scan::of(&text, &record)
            .expect("splits")
            .parse(&mut split, None);
        let whole = whole(text.as_bytes());
        assert_eq!(split.findings.len(), 20_000);
        let prints = |l: &Loaded| -> Vec<String> {
            l.findings
                .iter()
                .map(|f| f.fingerprint.to_string())
                .collect()
        };
        assert_eq!(prints(&split), prints(&whole));
        let [warning] = split.warnings.as_slice() else {
            panic!("one warning: {:?}", split.warnings);
        };
        assert!(warning.message.contains("without resourceID"));
        // The result without a resourceID is the last `"controls": []`;
        // where it falls depends on the key order serde_json prints in
        // (sorted, or as inserted when another crate asks for that).
        let at = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim() == "\"controls\": []")
            .map(|(i, _)| i + 1)
            .last()
            .expect("the result without a resourceID");
        assert!(
            warning.location.line.abs_diff(at) <= 3,
            "at the result (line {at}): {:?}",
            warning.location
        );
    }

    #[test]
    fn small_or_odd_scans_take_the_whole_document_path() {
        let small = r#"{"summaryDetails": {}, "results": [], "resources": []}"#;
        let at = |text| RawRecord { text };
        assert!(Scan::of(small, &at(small)).is_none());
        let pad = "x".repeat(SPLIT_MIN_BYTES);
        let odd = format!(r#"{{"summaryDetails": {{"p": "{pad}"}}, "results": "no"}}"#);
        assert!(Scan::of(&odd, &at(&odd)).is_none(), "results not an array");
        let asff = format!(r#"{{"ProductArn": "{pad}", "Id": "x"}}"#);
        assert!(Scan::of(&asff, &at(&asff)).is_none(), "not a scan");
    }
}
