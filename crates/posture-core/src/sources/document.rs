//! Reads an input's text into records, whatever the container: JSON, JSON Lines,
//! YAML (multi-document), arrays, `{"Findings": [...]}` pages and Kubernetes
//! `List`s. Each record keeps the place it started, for located errors.

use serde_json::Value;
use serde_json::value::RawValue;

use super::error::{Location, Locator};

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
    pub(super) fn at(location: Location, message: impl Into<String>) -> DocError {
        DocError {
            location,
            message: message.into(),
        }
    }
}

/// Containers nest at most this deep (array of Lists of ...); deeper is hostile.
const MAX_CONTAINER_DEPTH: usize = 6;

/// A JSON record not parsed yet: its text, a part of the input's text.
#[derive(Debug, Clone, Copy)]
pub struct RawRecord<'a> {
    pub text: &'a str,
}

/// An input's JSON records, with the input's text to locate them in.
pub struct JsonRecords<'a> {
    pub text: &'a str,
    pub records: Vec<RawRecord<'a>>,
}

/// Records read, and where the input was broken: every complete record of
/// a torn file is kept, and each broken place is an error.
pub struct Torn<T> {
    pub records: T,
    pub broken: Vec<DocError>,
}

/// Where records start in an input, worked out only when one is asked for
/// (an error or a warning): counting lines and columns up to every record of
/// a large file costs more than a core's share of parsing it.
pub struct Places<'a> {
    text: &'a str,
    locator: Option<Locator<'a>>,
}

impl<'a> Places<'a> {
    pub fn new(text: &'a str) -> Places<'a> {
        Places {
            text,
            locator: None,
        }
    }

    /// Where `part` (a slice of the text) starts. Cheapest asked in order.
    pub fn of(&mut self, part: &str) -> Location {
        let offset = offset_in(self.text, part);
        self.locator
            .get_or_insert_with(|| Locator::new(self.text))
            .at(offset)
    }
}

/// An input split into records: JSON ones as text (to be parsed one at a
/// time, so a large file never sits in memory as one tree), YAML ones parsed.
pub enum Split<'a> {
    Json(JsonRecords<'a>, Vec<DocError>),
    Values(Vec<Record>, Vec<DocError>),
}

/// Checks the bytes are text and splits them into records.
pub fn read_records(bytes: &[u8]) -> Result<Vec<Record>, DocError> {
    match split(bytes)? {
        Split::Values(_, mut broken) | Split::Json(_, mut broken) if !broken.is_empty() => {
            Err(broken.swap_remove(0))
        }
        Split::Values(v, _) => Ok(v),
        Split::Json(json, _) => {
            let mut places = Places::new(json.text);
            json.records
                .iter()
                .map(|r| {
                    let location = places.of(r.text);
                    let value = serde_json::from_str(r.text)
                        .map_err(|e| DocError::at(location, format!("invalid JSON: {e}")))?;
                    Ok(Record { value, location })
                })
                .collect()
        }
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
        b'{' | b'[' => read_json(text).map(|t| {
            Split::Json(
                JsonRecords {
                    text,
                    records: t.records,
                },
                t.broken,
            )
        }),
        _ => super::yaml::read_yaml(text).map(|t| Split::Values(t.records, t.broken)),
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
/// Each document is read once for its shape (values skipped, array items
/// kept as raw text); records are parsed later, on every core.
fn read_json(text: &str) -> Result<Torn<Vec<RawRecord<'_>>>, DocError> {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Shape>();
    let mut end = 0;
    while let Some(shape) = stream.next() {
        let shape = match shape {
            Ok(s) => s,
            // JSON Lines: a broken line costs that line, not the file.
            Err(_) if looks_like_json_lines(text) => return read_json_lines(text),
            Err(e) => return Err(json_error(text, &e)),
        };
        let body = text
            .get(end..stream.byte_offset())
            .unwrap_or("")
            .trim_start();
        end = stream.byte_offset();
        unwrap_shape(text, body, shape, 0, &mut out)?;
    }
    Ok(Torn {
        records: out,
        broken: Vec::new(),
    })
}

/// One JSON object per line (Prowler's `.json` and `.jsonl`): most of the
/// first lines each hold a whole object.
fn looks_like_json_lines(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(3)
        .collect();
    let whole = lines
        .iter()
        .filter(|l| l.starts_with('{') && l.ends_with('}'))
        .count();
    lines.len() >= 2 && whole >= 2.min(lines.len())
}

/// Every line on its own: the lines that parse are kept, each line that
/// does not is an error naming it.
fn read_json_lines(text: &str) -> Result<Torn<Vec<RawRecord<'_>>>, DocError> {
    let mut out = Vec::new();
    let mut broken = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let body = line.trim();
        if body.is_empty() {
            continue;
        }
        match serde_json::from_str::<Shape>(body) {
            Ok(shape) => unwrap_shape(text, body, shape, 0, &mut out)?,
            Err(e) => {
                let message = format!("invalid JSON: {e}")
                    .replace(&format!(" at line {} column {}", e.line(), e.column()), "");
                broken.push(DocError::at(
                    Location {
                        line: n + 1,
                        column: e.column().max(1),
                    },
                    format!("{message} (this line is left out; the others load)"),
                ));
            }
        }
    }
    Ok(Torn {
        records: out,
        broken,
    })
}

/// What a JSON value is, as far as splitting goes: an array (its items as
/// raw text), an object that holds records (a `{"Findings": [...]}` page or a
/// Kubernetes `List`), or anything else (a record, parsed later).
enum Shape<'a> {
    Array(Vec<&'a RawValue>),
    Holder(Vec<&'a RawValue>),
    Other,
}

/// An array's items, or None for any other value (skipped, not built).
struct ArrayItems<'a>(Option<Vec<&'a RawValue>>);

impl<'de> serde::Deserialize<'de> for ArrayItems<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ShapeVisitor { keys: false })
            .map(|shape| match shape {
                Shape::Array(items) => ArrayItems(Some(items)),
                _ => ArrayItems(None),
            })
    }
}

impl<'de> serde::Deserialize<'de> for Shape<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ShapeVisitor { keys: true })
    }
}

/// `keys`: look into an object's keys (else an object is skipped whole).
struct ShapeVisitor {
    keys: bool,
}

impl<'de> serde::de::Visitor<'de> for ShapeVisitor {
    type Value = Shape<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Shape<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<&RawValue>()? {
            items.push(item);
        }
        Ok(Shape::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Shape<'de>, A::Error> {
        use serde::de::IgnoredAny;
        let (mut findings, mut items, mut kind) = (None, None, None);
        if !self.keys {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(Shape::Other);
        }
        // A repeated key counts once, the last, as in a parsed tree.
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Findings => findings = map.next_value::<ArrayItems>()?.0,
                Key::Items => items = map.next_value::<ArrayItems>()?.0,
                Key::Kind => kind = map.next_value::<Option<Value>>()?,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let is_list = kind
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"));
        Ok(match (findings, items) {
            (Some(f), _) => Shape::Holder(f),
            (None, Some(i)) if is_list => Shape::Holder(i),
            _ => Shape::Other,
        })
    }

    fn visit_bool<E>(self, _: bool) -> Result<Shape<'de>, E> {
        Ok(Shape::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Shape<'de>, E> {
        Ok(Shape::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Shape<'de>, E> {
        Ok(Shape::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Shape<'de>, E> {
        Ok(Shape::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<Shape<'de>, E> {
        Ok(Shape::Other)
    }
    fn visit_unit<E>(self) -> Result<Shape<'de>, E> {
        Ok(Shape::Other)
    }
}

/// The keys a holder is recognised by (read without allocating).
enum Key {
    Findings,
    Items,
    Kind,
    Other,
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "Findings" => Key::Findings,
                    "items" => Key::Items,
                    "kind" => Key::Kind,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// Refuses containers nested deeper than any tool writes.
fn check_depth(text: &str, body: &str, depth: usize) -> Result<(), DocError> {
    if depth > MAX_CONTAINER_DEPTH {
        let location = Location::of_offset(text, offset_in(text, body));
        return Err(DocError::at(location, "containers nested too deeply"));
    }
    Ok(())
}

fn unwrap_shape<'a>(
    text: &'a str,
    body: &'a str,
    shape: Shape<'a>,
    depth: usize,
    out: &mut Vec<RawRecord<'a>>,
) -> Result<(), DocError> {
    check_depth(text, body, depth)?;
    let (items, depth) = match shape {
        Shape::Array(items) => (items, depth + 1),
        // The holder, then its array: two levels.
        Shape::Holder(items) => (items, depth + 2),
        Shape::Other => {
            out.push(RawRecord { text: body });
            return Ok(());
        }
    };
    for item in items {
        let body = item.get();
        if may_hold_records(body) {
            let shape = serde_json::from_str(body).map_err(|e| json_error(text, &e))?;
            unwrap_shape(text, body, shape, depth, out)?;
        } else {
            check_depth(text, body, depth)?;
            out.push(RawRecord { text: body });
        }
    }
    Ok(())
}

/// Whether an item needs a look at its shape: an array, or an object that
/// mentions a holder's key (possibly escaped). Most records do not, and are
/// not read twice.
fn may_hold_records(body: &str) -> bool {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    static KEYS: LazyLock<[Finder<'static>; 3]> = LazyLock::new(|| {
        [
            Finder::new("\"Findings\""),
            Finder::new("\"items\""),
            Finder::new("\\u"),
        ]
    });
    let b = body.as_bytes();
    match b.first() {
        Some(b'[') => true,
        Some(b'{') => KEYS.iter().any(|k| k.find(b).is_some()),
        _ => false,
    }
}

pub(super) fn unwrap_value(
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
