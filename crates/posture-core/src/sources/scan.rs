//! The records of a JSON input, found from its structure alone: containers
//! (arrays, `{"Findings": [...]}` pages, Kubernetes `List`s, several
//! documents in a row) are followed, every record is handed on as its text
//! the moment its end is found, and nothing is built. Each record's own
//! syntax is checked when it is parsed, so a broken record costs that
//! record; a break in the structure (a file cut off, a missing bracket)
//! ends the scan there, and every record before it stands.

use super::document::{MAX_CONTAINER_DEPTH, RawRecord};

/// Where the structure broke (a byte offset in the text) and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub offset: usize,
    pub message: String,
}

/// Hands every record of `text` (one JSON document or several in a row) to
/// `emit`, in order.
pub fn records<'a>(text: &'a str, emit: &mut dyn FnMut(RawRecord<'a>)) -> Result<(), Break> {
    let mut s = Scanner {
        text,
        pos: 0,
        open: Vec::new(),
        record: 0,
    };
    loop {
        s.skip_ws();
        if s.pos >= text.len() {
            return Ok(());
        }
        s.unwrap(0, emit)?;
    }
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    /// Closing brackets still owed while a value is skipped, innermost last
    /// (kept between values: most members of a record are skipped).
    open: Vec<u8>,
    /// Where the value being read as a record (or a container) starts: a
    /// file cut off is reported there, not at its last byte.
    record: usize,
}

/// What an object turned out to hold, once its last member is read.
#[derive(Default)]
struct Members<'a> {
    /// It is a holder whose records were handed on as they were found (a
    /// `Findings` page, or a `List` whose `kind` came before its items).
    gave: bool,
    /// Where its `items` start, kept until `kind` says whether it is a `List`.
    items: Option<Vec<usize>>,
    kind: Option<std::borrow::Cow<'a, str>>,
}

impl<'a> Scanner<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn broken(&self, message: impl Into<String>) -> Break {
        Break {
            offset: self.pos.min(self.text.len()),
            message: message.into(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), Break> {
        self.skip_ws();
        match self.peek() {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.broken(format!("invalid JSON: expected {what}"))),
            None => Err(self.cut_off()),
        }
    }

    /// The input ended between the items of a container.
    fn ended(&self) -> Break {
        Break {
            offset: self.text.len(),
            message: "invalid JSON: the input ends before its containers are closed (cut off?)"
                .to_string(),
        }
    }

    /// The input ended inside the value that starts at `record`.
    fn cut_off(&self) -> Break {
        Break {
            offset: self.record,
            message: "invalid JSON: the input ends inside the value that starts here (cut off?)"
                .to_string(),
        }
    }

    /// The value at `pos`: a container's records are handed on, anything
    /// else is one record.
    fn unwrap(&mut self, depth: usize, emit: &mut dyn FnMut(RawRecord<'a>)) -> Result<(), Break> {
        if depth > MAX_CONTAINER_DEPTH {
            return Err(self.broken("containers nested too deeply"));
        }
        self.record = self.pos;
        match self.peek() {
            Some(b'[') => self.array(depth + 1, emit),
            Some(b'{') => self.object(depth, emit),
            _ => {
                let start = self.pos;
                self.skip_value()?;
                emit(RawRecord {
                    text: &self.text[start..self.pos],
                });
                Ok(())
            }
        }
    }

    /// An array's items, each unwrapped at `depth`.
    fn array(&mut self, depth: usize, emit: &mut dyn FnMut(RawRecord<'a>)) -> Result<(), Break> {
        self.items(|s| s.unwrap(depth, emit))
    }

    /// Calls `item` with `pos` at each item of the array at `pos`.
    fn items(&mut self, mut item: impl FnMut(&mut Self) -> Result<(), Break>) -> Result<(), Break> {
        self.pos += 1; // '['
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.peek().is_none() {
                return Err(self.ended());
            }
            item(self)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(_) => return Err(self.broken("invalid JSON: expected ',' or ']'")),
                None => return Err(self.ended()),
            }
        }
    }

    /// An object: a holder's records are handed on, any other object is a
    /// record itself. An object whose members do not read as JSON, but
    /// whose brackets close, is a record too (its parse says what is wrong
    /// with it), unless it already gave records as a holder.
    fn object(&mut self, depth: usize, emit: &mut dyn FnMut(RawRecord<'a>)) -> Result<(), Break> {
        let start = self.pos;
        let mut m = Members::default();
        if let Err(broken) = self.members(start, depth, &mut m, emit) {
            if m.gave {
                return Err(broken);
            }
            self.pos = start;
            self.record = start;
            self.skip_value().map_err(|_| broken)?;
            m = Members::default();
        }
        if m.gave {
            return Ok(());
        }
        match m.items {
            // A List whose `kind` came after its items.
            Some(starts) if is_list(m.kind.as_deref()) => {
                let end = self.pos;
                for from in starts {
                    self.pos = from;
                    self.unwrap(depth + 2, emit)?;
                }
                self.pos = end;
            }
            _ => emit(RawRecord {
                text: &self.text[start..self.pos],
            }),
        }
        Ok(())
    }

    /// Reads the members of the object at `start` into `m`, handing on a
    /// holder's records as they are found.
    fn members(
        &mut self,
        start: usize,
        depth: usize,
        m: &mut Members<'a>,
        emit: &mut dyn FnMut(RawRecord<'a>),
    ) -> Result<(), Break> {
        self.pos += 1; // '{'
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            let key = self.key()?;
            self.expect(b':', "':' after an object key")?;
            self.skip_ws();
            let is_array = self.peek() == Some(b'[');
            match key.as_ref() {
                // A page's findings, or a List's items: the records.
                "Findings" | "items"
                    if is_array && (key == "Findings" || is_list(m.kind.as_deref())) =>
                {
                    self.array(depth + 2, emit)?;
                    self.record = start;
                    m.gave = true;
                }
                "items" if is_array => {
                    let mut starts = Vec::new();
                    self.items(|s| {
                        starts.push(s.pos);
                        s.skip_value()
                    })?;
                    m.items = Some(starts);
                }
                "kind" if self.peek() == Some(b'"') => m.kind = Some(self.string()?),
                _ => self.skip_value()?,
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(_) => return Err(self.broken("invalid JSON: expected ',' or '}'")),
                None => return Err(self.cut_off()),
            }
        }
    }

    /// An object key, its escapes undone (they are rare: read by serde).
    fn key(&mut self) -> Result<std::borrow::Cow<'a, str>, Break> {
        match self.peek() {
            Some(b'"') => self.string(),
            Some(_) => Err(self.broken("invalid JSON: expected an object key")),
            None => Err(self.cut_off()),
        }
    }

    /// The string at `pos`, its escapes undone.
    fn string(&mut self) -> Result<std::borrow::Cow<'a, str>, Break> {
        let start = self.pos;
        let escaped = self.skip_string()?;
        let raw = &self.text[start..self.pos];
        if !escaped {
            return Ok(raw[1..raw.len() - 1].into());
        }
        serde_json::from_str::<String>(raw)
            .map(Into::into)
            .map_err(|e| Break {
                offset: start,
                message: format!("invalid JSON: {e}"),
            })
    }

    /// Moves past the string at `pos`; whether it held an escape.
    fn skip_string(&mut self) -> Result<bool, Break> {
        let bytes = self.bytes();
        let mut at = self.pos + 1;
        let mut escaped = false;
        loop {
            match memchr::memchr2(b'"', b'\\', &bytes[at.min(bytes.len())..]) {
                Some(i) if bytes[at + i] == b'"' => {
                    self.pos = at + i + 1;
                    return Ok(escaped);
                }
                Some(i) => {
                    escaped = true;
                    at += i + 2;
                    if at > bytes.len() {
                        return Err(self.cut_off());
                    }
                }
                None => return Err(self.cut_off()),
            }
        }
    }

    /// Moves past the value at `pos`, following only its brackets and
    /// strings (the record's parse checks the rest).
    fn skip_value(&mut self) -> Result<(), Break> {
        match self.peek() {
            Some(b'"') => return self.skip_string().map(drop),
            Some(b'{' | b'[') => {}
            Some(b'}' | b']' | b',' | b':') => {
                return Err(self.broken("invalid JSON: expected a value"));
            }
            Some(_) => {
                // A number, true, false or null: up to the next delimiter.
                let from = self.pos;
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    if matches!(b, b'"' | b'{' | b'[' | b':') {
                        return Err(
                            self.broken("invalid JSON: expected ',' or the end of a container")
                        );
                    }
                    self.pos += 1;
                }
                debug_assert!(self.pos > from);
                return Ok(());
            }
            None => return Err(self.cut_off()),
        }
        let mut open = std::mem::take(&mut self.open);
        open.clear();
        let skipped = self.skip_brackets(&mut open);
        self.open = open;
        skipped
    }

    /// Moves past the object or array at `pos`, `open` holding the closing
    /// brackets owed.
    fn skip_brackets(&mut self, open: &mut Vec<u8>) -> Result<(), Break> {
        let bytes = self.bytes();
        while let Some(&b) = bytes.get(self.pos) {
            match b {
                b'"' => {
                    self.skip_string()?;
                    continue;
                }
                b'{' => open.push(b'}'),
                b'[' => open.push(b']'),
                b'}' | b']' => {
                    if open.pop() != Some(b) {
                        return Err(
                            self.broken(format!("invalid JSON: unexpected '{}'", char::from(b)))
                        );
                    }
                    if open.is_empty() {
                        self.pos += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        Err(self.cut_off())
    }
}

/// Whether a `kind` names a Kubernetes `List` (`List`, `VulnerabilityReportList`, …).
fn is_list(kind: Option<&str>) -> bool {
    kind.is_some_and(|k| k.ends_with("List"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> (Vec<&str>, Option<Break>) {
        let mut out = Vec::new();
        let result = records(text, &mut |r| out.push(r.text));
        (out, result.err())
    }

    #[test]
    fn containers_are_followed_and_records_kept_whole() {
        let (r, e) = scan(r#"{"Findings": [ {"a":1}, {"b":[2,{"c":"]}"}]} ], "NextToken": "x"}"#);
        assert_eq!(r, vec![r#"{"a":1}"#, r#"{"b":[2,{"c":"]}"}]}"#]);
        assert!(e.is_none());
        let (r, _) = scan(r#"[{"a":1}, [{"b":2}], {"Findings":[{"c":3}]}]"#);
        assert_eq!(r, vec![r#"{"a":1}"#, r#"{"b":2}"#, r#"{"c":3}"#]);
        // A List, its kind before or after its items; any other object is a record.
        let (r, _) =
            scan(r#"{"kind":"List","items":[{"x":1}]} {"items":[{"y":2}],"kind":"FooList"}"#);
        assert_eq!(r, vec![r#"{"x":1}"#, r#"{"y":2}"#]);
        let (r, _) = scan(r#"{"items":[{"y":2}],"kind":"Pod"}"#);
        assert_eq!(r, vec![r#"{"items":[{"y":2}],"kind":"Pod"}"#]);
        // Escaped keys are read as keys.
        let (r, _) = scan(r#"{"\u0046indings": [{"a":"\"q\\"}]}"#);
        assert_eq!(r, vec![r#"{"a":"\"q\\"}"#]);
        let (r, _) = scan("{\"a\":1}\n{\"b\":2}\n 7 \"s\" null");
        assert_eq!(r, vec![r#"{"a":1}"#, r#"{"b":2}"#, "7", r#""s""#, "null"]);
    }

    #[test]
    fn a_break_keeps_every_record_before_it() {
        let text = "{\"Findings\": [\n {\"a\":1},\n {\"b\":2},\n {\"c\":\"cut";
        let (r, e) = scan(text);
        assert_eq!(r, vec![r#"{"a":1}"#, r#"{"b":2}"#]);
        let e = e.unwrap();
        assert_eq!(
            e.offset,
            text.find("{\"c\"").unwrap(),
            "where the cut record starts"
        );
        assert!(e.message.contains("cut off"), "{}", e.message);
        let (r, e) = scan(r#"[{"a":1} {"b":2}]"#);
        assert_eq!(r, vec![r#"{"a":1}"#]);
        assert_eq!(e.unwrap().offset, 9);
        // Members that do not read, in brackets that close: a record.
        let (r, e) = scan(r#"[{"a" 1}, {"b":2}]"#);
        assert_eq!(r, vec![r#"{"a" 1}"#, r#"{"b":2}"#]);
        assert!(e.is_none());
        let (_, e) = scan(r#"[{"a":[1}]"#);
        assert!(e.unwrap().message.contains("unexpected '}'"));
        for cut in [
            r#"{"Findings""#,
            r#"{"Findings":"#,
            "[",
            r#"["\"#,
            r#"{"a"#,
            "[{",
        ] {
            let (r, e) = scan(cut);
            assert!(r.is_empty(), "{cut}");
            assert!(e.is_some(), "{cut}");
        }
    }

    #[test]
    fn deep_containers_are_refused() {
        let (_, e) = scan(&format!("{}{}", "[".repeat(5000), "]".repeat(5000)));
        assert!(e.unwrap().message.contains("nested too deeply"));
        // Deep nesting inside one record is the record's parse's business.
        let deep = format!("[{{\"a\":{}{}}}]", "[".repeat(5000), "]".repeat(5000));
        let (r, e) = scan(&deep);
        assert_eq!(r.len(), 1);
        assert!(e.is_none());
    }

    proptest::proptest! {
        /// Any bytes: no panic, the scan ends, every record is a slice of
        /// the text and they come in order, without overlapping.
        #[test]
        fn any_text_scans_to_an_end(text in "[\\[\\]{}\",:\\\\ a-zFindgs0-9\n]{0,200}") {
            let mut last_end = 0;
            let _ = records(&text, &mut |r| {
                let start = r.text.as_ptr() as usize - text.as_ptr() as usize;
                assert!(start >= last_end && start + r.text.len() <= text.len());
                last_end = start + r.text.len();
            });
        }

        /// A page of well-formed records gives exactly its records.
        #[test]
        fn a_page_gives_its_records(values in proptest::collection::vec(
            proptest::prelude::any::<(u32, String, bool)>(), 0..20)
        ) {
            let items: Vec<String> = values
                .iter()
                .map(|(n, s, b)| serde_json::json!({"n": n, "s": s, "a": [b, {"x": s}]}).to_string())
                .collect();
            let text = format!("{{\"NextToken\": null, \"Findings\": [{}]}}", items.join(",\n "));
            let (got, e) = scan(&text);
            proptest::prop_assert!(e.is_none());
            proptest::prop_assert_eq!(got, items.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
