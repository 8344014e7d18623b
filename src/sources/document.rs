//! Reads an input's text into records, whatever the container: JSON, JSON Lines,
//! YAML (multi-document), arrays, `{"Findings": [...]}` pages and Kubernetes
//! `List`s. Each record keeps the place it started, for located errors.

use serde_json::Value;
use serde_json::value::RawValue;

use super::error::Location;

/// One object to classify and parse, with where it starts in the file.
#[derive(Debug)]
pub struct Record {
    pub value: Value,
    pub location: Location,
}

/// A problem with the file as a whole (syntax), located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    pub location: Location,
    pub message: String,
}

impl DocError {
    fn at(location: Location, message: impl Into<String>) -> DocError {
        DocError {
            location,
            message: message.into(),
        }
    }
}

/// Containers nest at most this deep (array of Lists of ...); deeper is hostile.
const MAX_CONTAINER_DEPTH: usize = 6;

/// A JSON record not parsed yet: its text, and where it starts.
#[derive(Debug, Clone, Copy)]
pub struct RawRecord<'a> {
    pub text: &'a str,
    pub location: Location,
}

impl RawRecord<'_> {
    pub fn parse(&self) -> Result<Record, DocError> {
        let value = serde_json::from_str(self.text)
            .map_err(|e| DocError::at(self.location, format!("invalid JSON: {e}")))?;
        Ok(Record {
            value,
            location: self.location,
        })
    }
}

/// An input split into records: JSON ones as text (to be parsed one at a
/// time, so a large file never sits in memory as one tree), YAML ones parsed.
pub enum Split<'a> {
    Json(Vec<RawRecord<'a>>),
    Values(Vec<Record>),
}

/// Checks the bytes are text and splits them into records.
pub fn read_records(bytes: &[u8]) -> Result<Vec<Record>, DocError> {
    match split(bytes)? {
        Split::Values(v) => Ok(v),
        Split::Json(raw) => raw.iter().map(RawRecord::parse).collect(),
    }
}

/// As [`read_records`], leaving JSON records unparsed.
pub fn split(bytes: &[u8]) -> Result<Split<'_>, DocError> {
    let text = as_text(bytes)?;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(DocError::at(
            Location::START,
            "empty input: no findings document",
        ));
    }
    match trimmed.as_bytes()[0] {
        b'{' | b'[' => read_json(text).map(Split::Json),
        _ => read_yaml(text).map(Split::Values),
    }
}

fn as_text(bytes: &[u8]) -> Result<&str, DocError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let ok = &bytes[..e.valid_up_to()];
        let loc = Location::of_offset(std::str::from_utf8(ok).unwrap_or(""), ok.len());
        DocError::at(
            loc,
            format!(
                "not UTF-8 text (invalid byte 0x{:02x} at offset {}): is this a binary file?",
                bytes[e.valid_up_to()],
                e.valid_up_to()
            ),
        )
    })?;
    if let Some(pos) = text.find('\0') {
        return Err(DocError::at(
            Location::of_offset(text, pos),
            format!("NUL byte at offset {pos}: binary data, not a findings document"),
        ));
    }
    Ok(text)
}

fn offset_in(text: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

fn json_error(text: &str, e: &serde_json::Error) -> DocError {
    let loc = if e.line() == 0 {
        Location::of_offset(text, text.len())
    } else {
        Location {
            line: e.line(),
            column: e.column().max(1),
        }
    };
    DocError::at(
        loc,
        format!("invalid JSON: {e}")
            .replace(&format!(" at line {} column {}", e.line(), e.column()), ""),
    )
}

/// One JSON document, or several in a row (JSON Lines, as Prowler writes).
fn read_json(text: &str) -> Result<Vec<RawRecord<'_>>, DocError> {
    let mut out = Vec::new();
    let mut at = Locator::new(text);
    let stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    for doc in stream {
        let doc = doc.map_err(|e| json_error(text, &e))?;
        unwrap_json(&mut at, doc, 0, &mut out)?;
    }
    Ok(out)
}

/// Line and column of record offsets, which arrive in increasing order: one
/// pass over the text in all, not one per record (a million records in a
/// minified file would otherwise cost a million scans of it).
struct Locator<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    column: usize,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str) -> Locator<'a> {
        Locator {
            text,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    fn at(&mut self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = Locator::new(self.text);
        }
        let part = self.text.get(self.offset..offset).unwrap_or("");
        match part.rfind('\n') {
            Some(nl) => {
                self.line += part.bytes().filter(|&b| b == b'\n').count();
                self.column = part[nl + 1..].chars().count() + 1;
            }
            None => self.column += part.chars().count(),
        }
        self.offset = offset;
        Location {
            line: self.line,
            column: self.column,
        }
    }
}

#[derive(serde::Deserialize)]
struct Container<'a> {
    #[serde(borrow, rename = "Findings")]
    findings: Option<&'a RawValue>,
    #[serde(borrow)]
    items: Option<&'a RawValue>,
    kind: Option<Value>,
}

fn unwrap_json<'a>(
    at: &mut Locator<'a>,
    raw: &'a RawValue,
    depth: usize,
    out: &mut Vec<RawRecord<'a>>,
) -> Result<(), DocError> {
    let text = at.text;
    let location = at.at(offset_in(text, raw.get()));
    if depth > MAX_CONTAINER_DEPTH {
        return Err(DocError::at(location, "containers nested too deeply"));
    }
    let body = raw.get();
    if body.starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(body).map_err(|e| json_error(text, &e))?;
        for item in items {
            unwrap_json(at, item, depth + 1, out)?;
        }
        return Ok(());
    }
    if body.starts_with('{') {
        // A cheap look at the top keys before paying for a full parse.
        if let Ok(c) = serde_json::from_str::<Container>(body) {
            if let Some(f) = c.findings.filter(|f| f.get().starts_with('[')) {
                return unwrap_json(at, f, depth + 1, out);
            }
            let is_list = c
                .kind
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("List"));
            if let Some(items) = c.items.filter(|i| is_list && i.get().starts_with('[')) {
                return unwrap_json(at, items, depth + 1, out);
            }
        }
    }
    out.push(RawRecord {
        text: body,
        location,
    });
    Ok(())
}

/// YAML, possibly several `---` documents (`kubectl get -o yaml` of many objects).
fn read_yaml(text: &str) -> Result<Vec<Record>, DocError> {
    let starts = yaml_document_lines(text);
    let mut out = Vec::new();
    for (i, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let value = serde::Deserialize::deserialize(doc).map_err(|e: serde_yaml_ng::Error| {
            let loc = e.location().map_or(Location::START, |l| Location {
                line: l.line(),
                column: l.column(),
            });
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            DocError::at(loc, format!("invalid YAML: {msg}"))
        })?;
        let location = Location {
            line: starts.get(i).copied().unwrap_or(1),
            column: 1,
        };
        unwrap_value(value, location, 0, &mut out)?;
    }
    if out.is_empty() {
        return Err(DocError::at(Location::START, "no document found"));
    }
    Ok(out)
}

/// Line where each YAML document starts, for locating records.
fn yaml_document_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut in_doc = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_end();
        let separator = t == "---" || t.starts_with("--- ");
        let implicit_first = !in_doc && !t.is_empty() && !t.starts_with('#');
        if separator || implicit_first {
            starts.push(i + 1);
            in_doc = true;
        }
    }
    starts
}

fn unwrap_value(
    value: Value,
    location: Location,
    depth: usize,
    out: &mut Vec<Record>,
) -> Result<(), DocError> {
    if depth > MAX_CONTAINER_DEPTH {
        return Err(DocError::at(location, "containers nested too deeply"));
    }
    match value {
        Value::Array(items) => {
            for item in items {
                unwrap_value(item, location, depth + 1, out)?;
            }
            Ok(())
        }
        Value::Object(mut map) => {
            if matches!(map.get("Findings"), Some(Value::Array(_))) {
                let inner = map.remove("Findings").unwrap_or(Value::Null);
                return unwrap_value(inner, location, depth + 1, out);
            }
            let is_list = map
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("List"));
            if is_list && matches!(map.get("items"), Some(Value::Array(_))) {
                let inner = map.remove("items").unwrap_or(Value::Null);
                return unwrap_value(inner, location, depth + 1, out);
            }
            out.push(Record {
                value: Value::Object(map),
                location,
            });
            Ok(())
        }
        Value::Null => Ok(()),
        other => {
            out.push(Record {
                value: other,
                location,
            });
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locator_agrees_with_a_scan_from_the_start() {
        let text = "[{\"a\": 1},\n  {\"é\": 2}, {\"b\": 3},\n\n {\"c\": 4}]";
        let mut at = Locator::new(text);
        for (i, _) in text.char_indices() {
            assert_eq!(at.at(i), Location::of_offset(text, i), "offset {i}");
        }
        // Going back restarts rather than lying.
        assert_eq!(at.at(3), Location::of_offset(text, 3));
    }

    fn locs(text: &str) -> Vec<(usize, usize)> {
        read_records(text.as_bytes())
            .unwrap()
            .iter()
            .map(|r| (r.location.line, r.location.column))
            .collect()
    }

    #[test]
    fn findings_page_array_and_lines() {
        assert_eq!(
            locs("{\"Findings\": [\n {\"a\":1},\n {\"b\":2}]}"),
            vec![(2, 2), (3, 2)]
        );
        assert_eq!(locs("[{\"a\":1}, {\"b\":2}]").len(), 2);
        assert_eq!(
            locs("{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n"),
            vec![(1, 1), (2, 1), (3, 1)]
        );
    }

    #[test]
    fn kubernetes_list_in_yaml() {
        let y = "apiVersion: v1\nkind: List\nitems:\n- kind: A\n- kind: B\n---\nkind: C\n";
        let r = read_records(y.as_bytes()).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].location.line, 6);
    }

    #[test]
    fn errors_are_located() {
        let e = read_records(b"{\"Findings\": [\n {\"a\":1},\n {\"b\":").unwrap_err();
        assert_eq!(e.location.line, 3);
        assert!(e.message.contains("invalid JSON"), "{}", e.message);
        let e = read_records(b"\n\n").unwrap_err();
        assert!(e.message.contains("empty"));
        let e = read_records(b"ab\xff\xfe").unwrap_err();
        assert!(e.message.contains("UTF-8"));
        let e = read_records(b"{\"a\":\"\0\"}").unwrap_err();
        assert!(e.message.contains("NUL"));
        let e = read_records(b"a: [1, 2\nb: c").unwrap_err();
        assert!(e.message.contains("YAML"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        assert!(read_records(deep.as_bytes()).is_err());
    }
}
