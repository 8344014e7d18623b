//! Input formats. Every file is recognised by its content, never its name, and
//! parsed record by record: a bad record is a located error, the rest load.

pub mod asff;
mod codec;
pub mod document;
pub mod draft;
pub mod error;
mod files;
pub mod json;
pub mod kubescape;
pub mod node;
pub mod ocsf;
pub mod parse_cache;
pub mod progress;
mod scan;
pub mod scanners;
pub mod signals;
pub mod snapshot;
pub mod starboard;
mod stream;
mod yaml;

use std::path::{Path, PathBuf};

use serde_json::Value;

use node::Node;

pub use error::{Location, SourceError};
pub use files::{expand_inputs, load_all, load_file};

use crate::model::Finding;

/// A file with thousands of broken records reports the first ones and a count,
/// not a wall of text.
pub const MAX_ERRORS_PER_FILE: usize = 50;

/// Inputs larger than this are refused with a message instead of exhausting memory.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Collects what the parsers produce for one record.
pub struct Sink<'a> {
    findings: &'a mut Vec<Finding>,
    messages: Vec<(bool, String)>,
    /// Tags Kubernetes findings read from a live cluster; files leave it unset.
    pub cluster: Option<String>,
    /// The record's JSON text, when it was read from one.
    text: Option<&'a str>,
    shared: &'a mut Shared,
}

/// What the records of one input share while they are parsed.
#[derive(Debug)]
pub struct Shared {
    descriptions: crate::model::safe_text::Interner,
    remediations: crate::model::safe_text::Interner,
    /// Findings that may still keep their raw record.
    raw_left: usize,
}

impl Shared {
    pub(crate) fn new(raw_left: usize) -> Shared {
        Shared {
            descriptions: Default::default(),
            remediations: Default::default(),
            raw_left,
        }
    }
}

/// Raw input records (the detail pane's raw view, `list --raw`) are kept for
/// this many findings per input file; beyond, memory goes to the findings (a
/// million raw ASFF records alone would be a gigabyte). Live sources keep all.
pub const MAX_RAW_PER_INPUT: usize = 100_000;

impl<'a> Sink<'a> {
    pub(crate) fn new(
        findings: &'a mut Vec<Finding>,
        cluster: Option<&str>,
        shared: &'a mut Shared,
    ) -> Sink<'a> {
        Sink {
            findings,
            messages: Vec::new(),
            cluster: cluster.map(str::to_string),
            text: None,
            shared,
        }
    }

    /// The record being parsed is this JSON text.
    pub(crate) fn with_text(mut self, text: &'a str) -> Sink<'a> {
        self.text = Some(text);
        self
    }

    /// What was said about the record (error?, message).
    pub(crate) fn into_messages(self) -> Vec<(bool, String)> {
        self.messages
    }

    /// The record as compact JSON for the raw view, while the input's budget
    /// lasts (serialising records that would be dropped is wasted work).
    pub fn raw(&self, v: &Node) -> Option<Box<str>> {
        (self.shared.raw_left > 0).then(|| v.to_compact().into_boxed_str())
    }

    /// As [`Sink::raw`] for the whole record `v`: its own text when it came
    /// as text.
    pub fn raw_record(&self, v: &Node) -> Option<Box<str>> {
        match self.text {
            Some(_) => self.raw_text(),
            None => self.raw(v),
        }
    }

    /// `text` (a part of the record, as it came) for the raw view, while
    /// the input's budget lasts.
    pub fn raw_of_text(&self, text: &str) -> Option<Box<str>> {
        (self.shared.raw_left > 0).then(|| node::compact_text(text))
    }

    /// The record's own text for the raw view (when it came as text, and
    /// while the input's budget lasts).
    pub fn raw_text(&self) -> Option<Box<str>> {
        let text = self.text?;
        (self.shared.raw_left > 0).then(|| node::compact_text(text))
    }

    pub fn push(&mut self, mut f: Finding) {
        f.description = std::mem::take(&mut f.description).interned(&mut self.shared.descriptions);
        f.remediation.text =
            std::mem::take(&mut f.remediation.text).interned(&mut self.shared.remediations);
        if self.shared.raw_left == 0 {
            f.raw = None;
        } else {
            self.shared.raw_left -= 1;
        }
        self.findings.push(f);
        if self.findings.len().is_multiple_of(progress::FINDINGS_STEP) {
            progress::findings_parsed(progress::FINDINGS_STEP);
        }
    }

    /// Something odd that did not stop the record (shown, exit status unchanged).
    pub fn warn(&mut self, msg: String) {
        self.messages.push((false, msg));
    }

    /// A part of the record that could not be read.
    pub fn error(&mut self, msg: String) {
        self.messages.push((true, msg));
    }
}

/// The formats posture reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Asff,
    Ocsf,
    KubescapeScan,
    KubescapeOperator,
    Starboard,
    Snapshot,
    Trivy,
    Sarif,
    Grype,
    KubeBench,
    Popeye,
    Prowler,
    Inspector,
}

pub fn detect(v: &Node) -> Option<Format> {
    if !v.is_object() {
        return None;
    }
    Some(if snapshot::looks_like(v) {
        Format::Snapshot
    } else if starboard::is_report(v) {
        Format::Starboard
    } else if kubescape::is_operator_object(v) {
        Format::KubescapeOperator
    } else if kubescape::looks_like_scan(v) {
        Format::KubescapeScan
    } else if asff::looks_like(v) {
        Format::Asff
    } else if scanners::trivy::looks_like(v) {
        Format::Trivy
    } else if scanners::sarif::looks_like(v) {
        Format::Sarif
    } else if scanners::grype::looks_like(v) {
        Format::Grype
    } else if scanners::kube_bench::looks_like(v) {
        Format::KubeBench
    } else if scanners::popeye::looks_like(v) {
        Format::Popeye
    } else if scanners::prowler::looks_like(v) {
        Format::Prowler
    } else if scanners::inspector::looks_like(v) {
        Format::Inspector
    } else if ocsf::looks_like(v) {
        Format::Ocsf
    } else {
        return None;
    })
}

/// What one input gave.
#[derive(Debug, Default)]
pub struct Loaded {
    pub path: PathBuf,
    pub findings: Vec<Finding>,
    /// How many findings the input gave (kept when `findings` is moved out).
    pub findings_count: usize,
    pub errors: Vec<SourceError>,
    pub warnings: Vec<SourceError>,
}

impl Loaded {
    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// Parses one input's bytes. `cluster` tags Kubernetes findings (live sources).
pub fn parse_bytes(path: &Path, bytes: &[u8], cluster: Option<&str>) -> Loaded {
    let mut loaded = Loaded {
        path: path.to_path_buf(),
        ..Loaded::default()
    };
    match document::text_of(bytes) {
        Ok(document::Text::Json(text)) => stream::parse_json(&mut loaded, text, cluster),
        Ok(document::Text::Yaml(text)) => match yaml::read_yaml(text) {
            Ok(torn) => {
                parse_records(
                    &mut loaded,
                    torn.records,
                    cluster,
                    &mut Shared::new(MAX_RAW_PER_INPUT),
                );
                report_broken(&mut loaded, torn.broken);
            }
            Err(e) => loaded
                .errors
                .push(SourceError::new(path, e.location, e.message)),
        },
        Err(e) => loaded
            .errors
            .push(SourceError::new(path, e.location, e.message)),
    }
    scanners::number_repeats(&mut loaded.findings);
    cap(&mut loaded.errors, path, "errors");
    cap(&mut loaded.warnings, path, "warnings");
    loaded
}

/// The places a torn input was broken, after its records' own errors.
fn report_broken(loaded: &mut Loaded, broken: Vec<document::DocError>) {
    let path = loaded.path.clone();
    loaded.errors.extend(
        broken
            .into_iter()
            .map(|e| SourceError::new(&path, e.location, e.message)),
    );
}

/// Parses JSON records one at a time (each tree dropped once its findings
/// are out), on every core for large inputs; results keep the file's order.
/// One large Kubescape scan (a single document) is split by resource first.
fn parse_raw(loaded: &mut Loaded, json: &document::JsonRecords, cluster: Option<&str>) {
    // One large document (a Kubescape scan, a scanner's report) is cut into
    // its items, parsed on every core; its top level is cut once for both.
    if let [one] = json.records.as_slice()
        && one.text.len() >= kubescape::split::SPLIT_MIN_BYTES
        && one.text.starts_with('{')
        && let Ok(kubescape::split::Parts(parts)) = serde_json::from_str(one.text)
    {
        let parts = || kubescape::split::Parts(parts.clone());
        if let Some(scan) = kubescape::split::Scan::of_parts(json.text, one, parts()) {
            scan.parse(loaded, cluster);
            return;
        }
        if let Some(doc) = scanners::split::Doc::of_parts(json.text, one, parts()) {
            doc.parse(loaded, cluster);
            return;
        }
    }
    let path = loaded.path.clone();
    let parts = crate::parallel::in_chunks(
        &json.records,
        crate::parallel::MIN_ITEMS,
        |chunk| {
            parse_batch(
                &path,
                chunk.items,
                chunk.room_for(json.records.len()),
                MAX_RAW_PER_INPUT / chunk.of,
                cluster,
                &mut document::Places::new(json.text),
            )
        },
        |range| {
            let at = json
                .records
                .get(range.start)
                .map(|r| document::Places::new(json.text).of(r.text));
            Loaded::internal_error(&path, at, range)
        },
    );
    merge_all(loaded, parts);
}

/// Parses JSON records one at a time, each tree dropped once its findings
/// are out, making room for the findings of `room` records; the first
/// `raw_left` findings keep their raw record.
fn parse_batch(
    path: &Path,
    records: &[document::RawRecord],
    room: usize,
    raw_left: usize,
    cluster: Option<&str>,
    places: &mut document::Places,
) -> Loaded {
    let mut out = Loaded {
        path: path.to_path_buf(),
        ..Loaded::default()
    };
    let mut shared = Shared::new(raw_left);
    // ASFF records are read straight from their text while they come (a
    // page of them); after a record of another format, through its tree.
    let mut asff_run = true;
    for (done, r) in records.iter().enumerate() {
        reserve_for_rest(&mut out.findings, done, room);
        let typed = asff_run.then(|| asff::typed::fields(r.text)).flatten();
        let (messages, result) = match typed {
            Some(fields) => {
                let mut sink = Sink::new(&mut out.findings, cluster, &mut shared).with_text(r.text);
                let raw = sink.raw_text();
                let result = asff::push(fields, raw, &mut sink);
                (sink.into_messages(), result)
            }
            None => match Node::parse(r.text) {
                Ok(value) => {
                    asff_run = detect(&value) == Some(Format::Asff);
                    let sink = Sink::new(&mut out.findings, cluster, &mut shared);
                    parse_one(sink.with_text(r.text), &value)
                }
                Err(e) => (Vec::new(), Err(format!("invalid JSON: {e}"))),
            },
        };
        if !messages.is_empty() || result.is_err() {
            out.report(places.of(r.text), messages, result);
        }
    }
    out
}

/// After the first records of a run, room for the findings `total` records
/// will likely give: growing a vector of a few hundred thousand findings by
/// doubling copies them again and again into fresh memory.
pub(crate) fn reserve_for_rest(findings: &mut Vec<Finding>, done: usize, total: usize) {
    const SAMPLE: usize = 256;
    if done == SAMPLE && total > 2 * SAMPLE {
        let expected = findings.len() * total / SAMPLE;
        findings.reserve((expected + expected / 16).saturating_sub(findings.len()));
    }
}

/// Appends the parts to `into` in order, copying each finding once.
/// The first part's vector is kept (it was given room for the whole input:
/// capacity never written costs no memory), so only the others are copied.
pub(crate) fn merge_all(into: &mut Loaded, parts: Vec<Loaded>) {
    let mut parts = parts.into_iter();
    if into.findings.is_empty()
        && let Some(first) = parts.next()
    {
        let errors = std::mem::take(&mut into.errors);
        let warnings = std::mem::take(&mut into.warnings);
        let path = std::mem::take(&mut into.path);
        *into = first;
        into.path = path;
        into.errors.splice(0..0, errors);
        into.warnings.splice(0..0, warnings);
    }
    let mut parts: Vec<Loaded> = parts.collect();
    let findings = parts
        .iter_mut()
        .map(|p| std::mem::take(&mut p.findings))
        .collect();
    crate::parallel::append_all(&mut into.findings, findings);
    for part in parts {
        merge(into, part);
    }
}

/// Every input's findings as one list (each input keeps its count), copied
/// once, on every core, into a list of the exact size.
pub fn take_findings(inputs: &mut [Loaded]) -> Vec<Finding> {
    let parts = inputs
        .iter_mut()
        .map(|l| {
            l.findings_count = l.findings.len();
            std::mem::take(&mut l.findings)
        })
        .collect();
    crate::parallel::concat(parts)
}

impl Loaded {
    /// Records (or, with an empty range, a whole input) whose parsing
    /// panicked: a bug, shown as one error.
    pub(crate) fn internal_error(
        path: &Path,
        at: Option<Location>,
        range: std::ops::Range<usize>,
    ) -> Loaded {
        Loaded {
            path: path.to_path_buf(),
            errors: vec![SourceError::new(
                path,
                at.unwrap_or(Location::START),
                format!(
                    "internal error: {} could not be parsed (a bug in posture; please report it)",
                    if range.is_empty() {
                        "this input".to_string()
                    } else {
                        format!("records {}..{}", range.start + 1, range.end)
                    }
                ),
            )],
            ..Loaded::default()
        }
    }
}

fn merge(into: &mut Loaded, mut part: Loaded) {
    into.findings.append(&mut part.findings);
    into.errors.append(&mut part.errors);
    into.warnings.append(&mut part.warnings);
}

/// Parses records that arrived as values (live API pages, the cache); each
/// record's place is its position, line = record number.
pub fn parse_values(path: &Path, values: impl IntoIterator<Item = Value>) -> Loaded {
    parse_values_in(path, values, None)
}

/// As [`parse_values`], tagging Kubernetes findings with their cluster.
pub fn parse_values_in(
    path: &Path,
    values: impl IntoIterator<Item = Value>,
    cluster: Option<&str>,
) -> Loaded {
    let mut loaded = Loaded {
        path: path.to_path_buf(),
        ..Loaded::default()
    };
    let records = values
        .into_iter()
        .enumerate()
        .map(|(i, value)| document::Record {
            value,
            location: Location {
                line: i + 1,
                column: 1,
            },
        });
    // Live records keep their raw form whatever the count: triage sync needs
    // each Security Hub finding's ProductArn and Id from it.
    parse_records(&mut loaded, records, cluster, &mut Shared::new(usize::MAX));
    scanners::number_repeats(&mut loaded.findings);
    let path = loaded.path.clone();
    cap(&mut loaded.errors, &path, "errors");
    cap(&mut loaded.warnings, &path, "warnings");
    loaded
}

fn parse_records(
    loaded: &mut Loaded,
    records: impl IntoIterator<Item = document::Record>,
    cluster: Option<&str>,
    shared: &mut Shared,
) {
    for record in records {
        let node = Node::of_value(&record.value);
        let sink = Sink::new(&mut loaded.findings, cluster, shared);
        let (messages, result) = parse_one(sink, &node);
        loaded.report(record.location, messages, result);
    }
}

/// Parses one record into the sink; what the parser said about it.
fn parse_one(mut sink: Sink, value: &Node) -> (Vec<(bool, String)>, Result<(), String>) {
    let result = match detect(value) {
        Some(Format::Asff) => asff::parse(value, &mut sink),
        Some(Format::Ocsf) => ocsf::parse(value, &mut sink),
        Some(Format::KubescapeScan) => kubescape::parse_scan(value, &mut sink),
        Some(Format::KubescapeOperator) => kubescape::parse_operator(value, &mut sink),
        Some(Format::Starboard) => starboard::parse(value, &mut sink),
        Some(Format::Snapshot) => snapshot::parse(value, &mut sink),
        Some(Format::Trivy) => scanners::trivy::parse(value, &mut sink),
        Some(Format::Sarif) => scanners::sarif::parse(value, &mut sink),
        Some(Format::Grype) => scanners::grype::parse(value, &mut sink),
        Some(Format::KubeBench) => scanners::kube_bench::parse(value, &mut sink),
        Some(Format::Popeye) => scanners::popeye::parse(value, &mut sink),
        Some(Format::Prowler) => scanners::prowler::parse(value, &mut sink),
        Some(Format::Inspector) => scanners::inspector::parse(value, &mut sink),
        None => Err(unrecognised(value)),
    };
    (sink.into_messages(), result)
}

impl Loaded {
    /// Files what the parser said about the record at `location`.
    pub(crate) fn report(
        &mut self,
        location: Location,
        messages: Vec<(bool, String)>,
        result: Result<(), String>,
    ) {
        for (is_error, msg) in messages {
            let e = SourceError::new(&self.path, location, msg);
            if is_error {
                self.errors.push(e);
            } else {
                self.warnings.push(e);
            }
        }
        if let Err(msg) = result {
            self.errors
                .push(SourceError::new(&self.path, location, msg));
        }
    }
}

fn cap(list: &mut Vec<SourceError>, path: &Path, what: &str) {
    if list.len() > MAX_ERRORS_PER_FILE {
        let more = list.len() - MAX_ERRORS_PER_FILE;
        list.truncate(MAX_ERRORS_PER_FILE);
        let last = list.last().map_or(Location::START, |e| e.location);
        list.push(SourceError::new(
            path,
            last,
            format!("... and {more} more {what} in this file"),
        ));
    }
}

fn unrecognised(v: &Node) -> String {
    let what = match v {
        Node::Object(m) => {
            let keys: Vec<&str> = m.keys().take(6).collect();
            match m.get("kind").and_then(Node::as_str) {
                Some(kind) => format!(
                    "a Kubernetes object of kind {kind:?} that holds no findings posture reads"
                ),
                None => format!("an object with keys {keys:?}"),
            }
        }
        Node::Array(_) => "a nested array".to_string(),
        Node::String(_) => "a string".to_string(),
        Node::Number(_) => "a number".to_string(),
        Node::Bool(_) => "a boolean".to_string(),
        Node::Null => "null".to_string(),
    };
    format!(
        "not a Security Hub (ASFF/OCSF), Kubescape, Starboard/Trivy-Operator, Trivy, SARIF, Grype, kube-bench, Popeye, Prowler, Inspector or posture snapshot record: found {what}"
    )
}

/// An input whose parsing panicked: a bug, shown as its error.
fn bug(path: &Path) -> Loaded {
    Loaded::internal_error(path, None, 0..0)
}
