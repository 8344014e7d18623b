//! Input formats. Every file is recognised by its content, never its name, and
//! parsed record by record: a bad record is a located error, the rest load.

pub mod asff;
mod codec;
pub mod document;
pub mod draft;
pub mod error;
pub mod json;
pub mod kubescape;
pub mod node;
pub mod ocsf;
pub mod parse_cache;
pub mod progress;
pub mod snapshot;
pub mod starboard;
mod yaml;

use std::path::{Path, PathBuf};

use serde_json::Value;

use node::Node;

pub use error::{Location, SourceError};

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
            Some(text) => (self.shared.raw_left > 0).then(|| node::compact_text(text)),
            None => self.raw(v),
        }
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
    match document::split(bytes) {
        Ok(document::Split::Values(records, broken)) => {
            parse_records(
                &mut loaded,
                records,
                cluster,
                &mut Shared::new(MAX_RAW_PER_INPUT),
            );
            report_broken(&mut loaded, broken);
        }
        Ok(document::Split::Json(json, broken)) => {
            parse_raw(&mut loaded, &json, cluster);
            report_broken(&mut loaded, broken);
        }
        Err(e) => loaded
            .errors
            .push(SourceError::new(path, e.location, e.message)),
    }
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
    if let [one] = json.records.as_slice()
        && let Some(scan) = kubescape::split::Scan::of(json.text, one)
    {
        scan.parse(loaded, cluster);
        return;
    }
    let path = loaded.path.clone();
    let parts = crate::parallel::in_chunks(
        &json.records,
        crate::parallel::MIN_ITEMS,
        |chunk| {
            let mut out = Loaded {
                path: path.clone(),
                ..Loaded::default()
            };
            let mut shared = Shared::new(MAX_RAW_PER_INPUT / chunk.of);
            let mut places = document::Places::new(json.text);
            for (done, r) in chunk.items.iter().enumerate() {
                reserve_for_rest(&mut out.findings, done, chunk.room_for(json.records.len()));
                let (messages, result) = match Node::parse(r.text) {
                    Ok(value) => {
                        let sink = Sink::new(&mut out.findings, cluster, &mut shared);
                        parse_one(sink.with_text(r.text), &value)
                    }
                    Err(e) => (Vec::new(), Err(format!("invalid JSON: {e}"))),
                };
                if !messages.is_empty() || result.is_err() {
                    out.report(places.of(r.text), messages, result);
                }
            }
            out
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
        "not a Security Hub (ASFF/OCSF), Kubescape, Starboard/Trivy-Operator or posture snapshot record: found {what}"
    )
}

/// How much of an input is looked at before the rest is read: binary data
/// is refused from its first bytes, not after a gigabyte of them.
const SNIFF_BYTES: usize = 64 << 10;

/// Reads and parses one file; `-` is standard input. Only regular files are
/// read: a FIFO with no writer would wait for ever, `/dev/zero` never ends.
pub fn load_file(path: &Path) -> Loaded {
    let fail = |msg: String| Loaded {
        path: path.to_path_buf(),
        errors: vec![SourceError::new(path, Location::START, msg)],
        ..Loaded::default()
    };
    if path == Path::new("-") {
        return match read_bounded(std::io::stdin().lock()) {
            Ok(bytes) => parse_bytes(path, &bytes, None),
            Err(msg) => fail(msg),
        };
    }
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return fail(
                "not a regular file (a FIFO, device or socket): posture reads files; \
                 pipe data in with --file -"
                    .to_string(),
            );
        }
        Ok(m) if m.len() > MAX_INPUT_BYTES => {
            return fail(format!(
                "file is {} MiB, over the {} MiB input limit",
                m.len() >> 20,
                MAX_INPUT_BYTES >> 20
            ));
        }
        Ok(_) => {}
        Err(e) => return fail(format!("cannot read: {e}")),
    }
    let loaded = match std::fs::File::open(path)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(read_bounded)
    {
        Ok(bytes) => {
            progress::bytes_read(bytes.len());
            parse_bytes(path, &bytes, None)
        }
        Err(msg) => fail(msg),
    };
    progress::file_done();
    loaded
}

/// At most [`MAX_INPUT_BYTES`]; the first [`SNIFF_BYTES`] are checked for
/// binary data (a NUL) before the rest is read.
fn read_bounded(mut r: impl std::io::Read) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    (&mut r)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if let Some(at) = memchr::memchr(0, &bytes) {
        return Err(format!(
            "NUL byte at offset {at}: binary data, not a findings document"
        ));
    }
    r.take(MAX_INPUT_BYTES + 1 - bytes.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(format!(
            "more than the {} MiB input limit",
            MAX_INPUT_BYTES >> 20
        ));
    }
    Ok(bytes)
}

/// Expands `--file` arguments: a directory means every file below it (sorted,
/// hidden files skipped), so results do not depend on directory order.
/// A file is read once however often it is named or reached (the same file
/// twice, a link to it, a link loop); the count of those left out is second.
pub fn expand_inputs(inputs: &[PathBuf]) -> (Vec<PathBuf>, usize) {
    /// Where a path really is: two names of one file are one input.
    fn real(p: &Path) -> PathBuf {
        std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
    }
    struct Walk {
        out: Vec<PathBuf>,
        seen: std::collections::HashSet<PathBuf>,
        dirs: std::collections::HashSet<PathBuf>,
        repeats: usize,
    }
    impl Walk {
        fn add(&mut self, p: PathBuf) {
            if self.seen.insert(real(&p)) {
                self.out.push(p);
            } else {
                self.repeats += 1;
            }
        }
    }
    fn walk(dir: &Path, w: &mut Walk, depth: usize) {
        // A directory reached again (a link loop) is not walked again.
        if !w.dirs.insert(real(dir)) {
            return;
        }
        let Ok(rd) = std::fs::read_dir(dir) else {
            w.add(dir.to_path_buf());
            return;
        };
        let mut entries: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                if depth < 8 {
                    walk(&p, w, depth + 1);
                }
            } else if is_candidate(&p) {
                w.add(p);
            }
        }
    }
    let mut w = Walk {
        out: Vec::new(),
        seen: Default::default(),
        dirs: Default::default(),
        repeats: 0,
    };
    for input in inputs {
        if input.is_dir() {
            walk(input, &mut w, 0);
        } else {
            w.add(input.clone());
        }
    }
    (w.out, w.repeats)
}

/// In a directory, documentation beside the data (README.md, SOURCES.md) is
/// not an input; a file named explicitly always is.
fn is_candidate(p: &Path) -> bool {
    !matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("md" | "txt" | "csv" | "toml" | "lock")
    )
}

/// Loads every input, several at once; failures stay per file. An input
/// named twice (or reached through a link) is read once, and the first
/// input's warnings say how many were left out.
pub fn load_all(inputs: &[PathBuf]) -> Vec<Loaded> {
    let (paths, repeats) = expand_inputs(inputs);
    let mut loaded = crate::parallel::each(&paths, |p| load_file(p), |p| bug(p));
    if repeats > 0
        && let Some(first) = loaded.first_mut()
    {
        first.warnings.push(SourceError::new(
            &first.path.clone(),
            Location::NOWHERE,
            format!(
                "{repeats} input{} named twice or reached through a link: read once",
                if repeats == 1 { "" } else { "s" }
            ),
        ));
    }
    loaded
}

/// Parses inputs already in memory (path, bytes), several at once.
pub fn parse_all(inputs: &[(PathBuf, Vec<u8>)]) -> Vec<Loaded> {
    crate::parallel::each(
        inputs,
        |(path, bytes)| parse_bytes(path, bytes, None),
        |(path, _)| bug(path),
    )
}

/// An input whose parsing panicked: a bug, shown as its error.
fn bug(path: &Path) -> Loaded {
    Loaded::internal_error(path, None, 0..0)
}
