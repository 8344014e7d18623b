//! Lenient accessors over untyped records: the inputs are written by many tool
//! versions, and a field of an unexpected type that the rules do not need must
//! never reject a record.

use std::borrow::Cow;

use super::node::Node;

/// Walks `path` (object keys; numeric parts index arrays).
pub fn at<'a, 'j>(v: &'a Node<'j>, path: &[&str]) -> Option<&'a Node<'j>> {
    let mut cur = v;
    for key in path {
        cur = match cur {
            Node::Object(m) => m.get(key)?,
            Node::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// A string at `path`; numbers and booleans are accepted as their text.
pub fn text<'a>(v: &'a Node, path: &[&str]) -> Option<Cow<'a, str>> {
    match at(v, path)? {
        Node::String(s) => Some(Cow::Borrowed(s.as_ref())),
        Node::Number(n) => Some(Cow::Owned(n.to_string())),
        Node::Bool(b) => Some(Cow::Owned(b.to_string())),
        _ => None,
    }
}

/// A string at `path`, or "" (for fields that are merely informative);
/// borrowed from the record unless it had to be decoded or converted.
pub fn text_or_empty<'a>(v: &'a Node, path: &[&str]) -> Cow<'a, str> {
    text(v, path).unwrap_or_default()
}

/// The first non-empty string among several paths.
pub fn first_text<'a>(v: &'a Node, paths: &[&[&str]]) -> Cow<'a, str> {
    paths
        .iter()
        .filter_map(|p| text(v, p))
        .find(|s| !s.trim().is_empty())
        .unwrap_or_default()
}

/// A number at `path`; numeric strings (`"40"`) count, as real AWS samples carry them.
pub fn number(v: &Node, path: &[&str]) -> Option<f64> {
    match at(v, path)? {
        Node::Number(n) => n.as_f64(),
        Node::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

/// An array at `path`, or an empty slice.
pub fn array<'a, 'j>(v: &'a Node<'j>, path: &[&str]) -> &'a [Node<'j>] {
    match at(v, path) {
        Some(Node::Array(a)) => a,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_access() {
        let v = json!({"S": {"Label": "HIGH", "Normalized": "40", "N": 7}, "R": [{"Id": "x"}]});
        let v = Node::of_value(&v);
        assert_eq!(text(&v, &["S", "Label"]).as_deref(), Some("HIGH"));
        assert_eq!(number(&v, &["S", "Normalized"]), Some(40.0));
        assert_eq!(text(&v, &["S", "N"]).as_deref(), Some("7"));
        assert_eq!(text(&v, &["R", "0", "Id"]).as_deref(), Some("x"));
        assert_eq!(text(&v, &["S", "Label", "deeper"]), None);
        assert!(array(&v, &["S"]).is_empty());
    }
}
