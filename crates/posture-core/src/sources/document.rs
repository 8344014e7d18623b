//! Reads an input's text into records, whatever the container: JSON, JSON Lines,
//! YAML (multi-document), arrays, `{"Findings": [...]}` pages and Kubernetes
//! `List`s. Each record keeps the place it started, for located errors.

use serde_json::Value;

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
pub(super) const MAX_CONTAINER_DEPTH: usize = 6;

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

/// Checks the bytes are text and splits them into parsed records; the
/// first place the input broke is the error.
pub fn read_records(bytes: &[u8]) -> Result<Vec<Record>, DocError> {
    let first_break = |mut broken: Vec<DocError>| {
        if broken.is_empty() {
            Ok(())
        } else {
            Err(broken.swap_remove(0))
        }
    };
    match text_of(bytes)? {
        Text::Yaml(text) => {
            let torn = super::yaml::read_yaml(text)?;
            first_break(torn.broken)?;
            Ok(torn.records)
        }
        Text::Json(text) => {
            let mut raw = Vec::new();
            first_break(scan_json(text, &mut |r| raw.push(r)))?;
            let mut places = Places::new(text);
            raw.iter()
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

/// An input's text, by how it is read.
pub enum Text<'a> {
    Json(&'a str),
    Yaml(&'a str),
}

/// Checks the bytes are text, not empty, and says how to read them.
pub fn text_of(bytes: &[u8]) -> Result<Text<'_>, DocError> {
    let text = as_text(bytes)?;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(DocError::at(
            Location::START,
            "empty input: no findings document",
        ));
    }
    Ok(match trimmed.as_bytes()[0] {
        b'{' | b'[' => Text::Json(text),
        _ => Text::Yaml(text),
    })
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
    // memchr's vector search: `str::find` was most of this check's time.
    if let Some(pos) = memchr::memchr(0, text.as_bytes()) {
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

/// Hands every record of a JSON input (one document, or several in a row)
/// to `emit` as soon as its end is found; the places the input broke.
/// Every record before a break stands. JSON Lines (as Prowler writes) are
/// read line by line: a broken line costs that line (its string left open
/// would otherwise run on into the lines after it).
pub fn scan_json<'a>(text: &'a str, emit: &mut dyn FnMut(RawRecord<'a>)) -> Vec<DocError> {
    if looks_like_json_lines(text) {
        return scan_json_lines(text, emit);
    }
    match super::scan::records(text, emit) {
        Ok(()) => Vec::new(),
        Err(b) => vec![DocError::at(Location::of_offset(text, b.offset), b.message)],
    }
}

fn scan_json_lines<'a>(text: &'a str, emit: &mut dyn FnMut(RawRecord<'a>)) -> Vec<DocError> {
    let mut broken = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        if let Err(b) = super::scan::records(line, emit) {
            broken.push(DocError::at(
                Location {
                    line: n + 1,
                    column: line[..b.offset].chars().count() + 1,
                },
                format!(
                    "{} (the rest of this line is left out; the other lines load)",
                    b.message
                ),
            ));
        }
    }
    broken
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
