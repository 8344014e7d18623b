//! An untyped JSON record that borrows its strings from the input text.
//!
//! `serde_json::Value` copies every key and string and, because a dependency
//! turns on serde_json's `preserve_order` for the whole build, hashes every
//! object's keys into an index map. A record is read a handful of times and
//! then dropped, so that work was most of a load: here objects are plain
//! vectors searched in order (records have tens of keys, not thousands) and
//! strings without escapes point into the input.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// One JSON value. Numbers keep serde_json's form, so they print as before.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Object<'a>),
}

/// A JSON object's members in document order. A repeated key is looked up as
/// its last occurrence, as a parsed map keeps it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object<'a>(Vec<(Cow<'a, str>, Node<'a>)>);

impl<'a> Object<'a> {
    pub const EMPTY: Object<'static> = Object(Vec::new());

    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v)
    }

    /// Members in document order; a repeated key is given once, where it
    /// first came, with its last value (as serde_json's ordered map does).
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&str, &Node<'a>)> + '_> {
        let plain = self.0.iter().map(|(k, v)| (k.as_ref(), v));
        if !self.has_repeats() {
            return Box::new(plain);
        }
        let last: foldhash::HashMap<&str, &Node<'a>> = plain.clone().collect();
        let mut given = foldhash::HashSet::default();
        Box::new(
            plain
                .filter(move |&(k, _)| given.insert(k))
                .map(move |(k, _)| (k, last[k])),
        )
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &Node<'a>> {
        self.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn push(&mut self, key: impl Into<Cow<'a, str>>, value: Node<'a>) {
        self.0.push((key.into(), value));
    }

    /// Whether any key comes twice: rare, so `iter` checks once and then
    /// walks the members plainly.
    fn has_repeats(&self) -> bool {
        let members = &self.0;
        if members.len() <= 16 {
            return members
                .iter()
                .enumerate()
                .any(|(i, (k, _))| members[i + 1..].iter().any(|(e, _)| e == k));
        }
        let mut keys: Vec<&str> = members.iter().map(|(k, _)| k.as_ref()).collect();
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    }
}

impl<'a> Node<'a> {
    /// The member `key` of an object; None for anything else.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Object(o) => o.get(key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Node::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Node::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node<'a>]> {
        match self {
            Node::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Node::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Node::Object(_))
    }

    /// Parses one JSON text; strings without escapes borrow from it.
    pub fn parse(text: &'a str) -> Result<Node<'a>, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// A view of an already parsed value (live API pages, YAML, the cache),
    /// borrowing its strings.
    pub fn of_value(v: &'a serde_json::Value) -> Node<'a> {
        use serde_json::Value;
        match v {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => Node::Number(n.clone()),
            Value::String(s) => Node::String(Cow::Borrowed(s)),
            Value::Array(a) => Node::Array(a.iter().map(Node::of_value).collect()),
            Value::Object(m) => Node::Object(Object(
                m.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Node::of_value(v)))
                    .collect(),
            )),
        }
    }

    /// The record as compact JSON, members in document order (a repeated
    /// key once, at its last value).
    pub fn to_compact(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// JSON text that parsed, without the line breaks and indentation between
/// its tokens. A one-line text is kept as it is: copying it is far cheaper
/// than printing its tree again, and it is the record as the tool wrote it.
pub fn compact_text(text: &str) -> Box<str> {
    let text = text.trim();
    if memchr::memchr(b'\n', text.as_bytes()).is_none() {
        return text.into();
    }
    let mut out = Vec::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in text.as_bytes() {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            in_string = b == b'"';
            out.push(b);
        }
    }
    // Only ASCII whitespace outside strings was dropped: still UTF-8.
    String::from_utf8(out).map_or_else(|_| text.into(), String::into_boxed_str)
}

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Number(n) => n.serialize(s),
            Node::String(t) => s.serialize_str(t),
            Node::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Object(o) => {
                let mut map = s.serialize_map(None)?;
                for (k, v) in o.iter() {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Node<'de>, E> {
        // As serde_json's own tree: a number too large for f64 is null.
        Ok(serde_json::Number::from_f64(n).map_or(Node::Null, Node::Number))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(s)))
    }

    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        // Records' objects mostly have a few to twenty members: starting with
        // room for eight saves the first regrowths.
        let mut members = Vec::with_capacity(8);
        while let Some(Key(key)) = map.next_key()? {
            members.push((key, map.next_value()?));
        }
        Ok(Node::Object(Object(members)))
    }
}

/// An object key, borrowed when it has no escapes (serde's `Cow` impl always
/// copies).
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Typed records read from a parsed tree (a snapshot's findings, each on its
/// own so that one bad finding does not reject the rest), as from
/// `&serde_json::Value`.
impl<'de, 'a: 'de> Deserializer<'de> for &'de Node<'a> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self {
            Node::Null => v.visit_unit(),
            Node::Bool(b) => v.visit_bool(*b),
            Node::Number(n) => n.deserialize_any(v).map_err(de::Error::custom),
            Node::String(s) => v.visit_borrowed_str(s),
            Node::Array(items) => {
                let mut seq = de::value::SeqDeserializer::new(items.iter());
                let out = v.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            Node::Object(o) => {
                let mut map = de::value::MapDeserializer::new(o.iter());
                let out = v.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self {
            Node::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    /// Unit variants are written as their name, as serde_json reads them.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        match self {
            Node::String(s) => v.visit_enum(de::value::BorrowedStrDeserializer::new(s)),
            _ => self.deserialize_any(v),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple tuple_struct
        map struct identifier ignored_any
    }
}

impl<'de, 'a: 'de> de::IntoDeserializer<'de, de::value::Error> for &'de Node<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_serde_json_does() {
        let text = r#"{"a":1,"b":[true,null,-2,1.5e3,"x\n\u00e9"],"c":{"d":"e"},"a":"last"}"#;
        let node = Node::parse(text).unwrap();
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(node.get("a").and_then(Node::as_str), Some("last"));
        assert_eq!(
            node.get("c")
                .and_then(|c| c.get("d"))
                .and_then(Node::as_str),
            Some("e")
        );
        // Escaped strings are decoded; plain ones point into the text.
        let b = node.get("b").and_then(Node::as_array).unwrap();
        assert_eq!(b[4].as_str(), Some("x\né"));
        assert!(matches!(
            node.get("c").and_then(|c| c.get("d")),
            Some(Node::String(Cow::Borrowed(_)))
        ));
        // Printed as serde_json prints its own tree of the same text.
        assert_eq!(node.to_compact(), value.to_string());
        assert_eq!(Node::of_value(&value).to_compact(), value.to_string());
        let keys: Vec<&str> = node.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["a", "b", "c"]);
    }

    #[test]
    fn compact_text_drops_only_the_layout() {
        let pretty = "{\n  \"a\": [1, 2],\n  \"b\": \"x \\\" \\n y\",\n\t\"c\": {}\n}\n";
        let compact = compact_text(pretty);
        assert_eq!(&*compact, r#"{"a":[1,2],"b":"x \" \n y","c":{}}"#);
        let again: serde_json::Value = serde_json::from_str(&compact).unwrap();
        assert_eq!(
            again,
            serde_json::from_str::<serde_json::Value>(pretty).unwrap()
        );
        // One line stays as written.
        assert_eq!(&*compact_text(" {\"a\": 1} "), r#"{"a": 1}"#);
    }

    #[test]
    fn bad_text_is_an_error_with_a_place() {
        let e = Node::parse("{\"a\": [1, 2").unwrap_err();
        assert!(e.is_eof(), "{e}");
        let e = Node::parse("{\"a\": tru}").unwrap_err();
        assert_eq!((e.line(), e.column()), (1, 10), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(10_000);
        assert!(Node::parse(&text).is_err());
    }
}
