//! YAML inputs (`kubectl get -o yaml`, hand-written reports): read
//! straight into JSON records, keeping every document before a broken one.

use serde_json::Value;

use super::document::{DocError, Record, Torn, unwrap_value};
use super::error::Location;

/// YAML, possibly several `---` documents (`kubectl get -o yaml` of many objects).
/// Every document before a broken one is kept; a file that ends mid-line
/// was cut short, and its last document is left out with an error.
pub(super) fn read_yaml(text: &str) -> Result<Torn<Vec<Record>>, DocError> {
    let starts = yaml_document_lines(text);
    let mut out = Vec::new();
    let mut broken = Vec::new();
    let mut docs = 0_usize;
    for (i, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let parsed: Result<JsonFromYaml, serde_yaml_ng::Error> =
            serde::Deserialize::deserialize(doc);
        let JsonFromYaml(value) = match parsed {
            Ok(v) => v,
            Err(e) => {
                let loc = e.location().map_or(Location::START, |l| Location {
                    line: l.line(),
                    column: l.column(),
                });
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                let error = DocError::at(loc, format!("invalid YAML: {msg}"));
                if out.is_empty() {
                    return Err(error);
                }
                broken.push(error);
                break;
            }
        };
        docs += 1;
        let location = Location {
            line: starts.get(i).copied().unwrap_or(1),
            column: 1,
        };
        unwrap_value(value, location, 0, &mut out)?;
    }
    if broken.is_empty() && docs > 0 && !text.ends_with('\n') {
        // Cut mid-line, or written without a final line break: the last
        // record may have lost its end, so it is left out; every earlier one
        // is kept.
        let lines = text.lines().count();
        if let Some(last) = out.pop() {
            broken.push(DocError::at(
                Location {
                    line: lines,
                    column: 1,
                },
                format!(
                    "the file does not end with a line break: cut short? Its last record \
                     (from line {}) is left out; if the file is whole, end it with a newline",
                    last.location.line
                ),
            ));
        }
    }
    if out.is_empty() && broken.is_empty() {
        return Err(DocError::at(Location::START, "no document found"));
    }
    Ok(Torn {
        records: out,
        broken,
    })
}

/// A YAML value read straight into JSON. Integers JSON cannot hold (beyond
/// 64 bits, which YAML allows) become their digits as a string, so that one
/// odd field does not reject the file; a tagged value is its value.
struct JsonFromYaml(Value);

impl<'de> serde::Deserialize<'de> for JsonFromYaml {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(YamlVisitor).map(JsonFromYaml)
    }
}

struct YamlVisitor;

impl<'de> serde::de::Visitor<'de> for YamlVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::from(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::from(u))
    }
    fn visit_i128<E>(self, i: i128) -> Result<Value, E> {
        Ok(i64::try_from(i).map_or_else(|_| Value::String(i.to_string()), Value::from))
    }
    fn visit_u128<E>(self, u: u128) -> Result<Value, E> {
        Ok(u64::try_from(u).map_or_else(|_| Value::String(u.to_string()), Value::from))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(f)
            .map_or_else(|| Value::String(f.to_string()), Value::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(YamlVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(JsonFromYaml(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some((JsonFromYaml(k), JsonFromYaml(v))) = map.next_entry()? {
            let key = match k {
                Value::String(s) => s,
                other => other.to_string(),
            };
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use serde::de::VariantAccess;
        let (_tag, variant) = data.variant::<String>()?;
        variant.newtype_variant::<JsonFromYaml>().map(|v| v.0)
    }
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
