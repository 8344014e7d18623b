//! Saved views (`[views.NAME]` in config.toml): a query, a sort, a grouping
//! and the columns shown, one keystroke or `--view NAME` away. Each part is
//! checked when the config is read: a bad query names its term there.

use serde::{Deserialize, Deserializer};

use super::action::Column;
use crate::query::grouping::GroupBy;
use crate::query::{Query, SortKey};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewSpec {
    /// The query (the `/` grammar).
    #[serde(default, deserialize_with = "query")]
    pub query: Option<Query>,
    /// A sort key by name (`severity`, `title`, `age`, …).
    #[serde(default, deserialize_with = "sort")]
    pub sort: Option<SortKey>,
    /// `rule`, `owner`, `layer` or `off`.
    #[serde(default, deserialize_with = "group")]
    pub group: Option<Option<GroupBy>>,
    /// The columns shown among those that can be hidden (`source`, `layer`,
    /// `scope`, `owner`); the others of them are hidden.
    #[serde(default, deserialize_with = "columns")]
    pub columns: Option<Vec<Column>>,
}

fn query<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Query>, D::Error> {
    let text = String::deserialize(d)?;
    Query::parse(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

fn sort<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SortKey>, D::Error> {
    let name = String::deserialize(d)?;
    SortKey::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .map(Some)
        .ok_or_else(|| {
            let names: Vec<&str> = SortKey::ALL.iter().map(|k| k.name()).collect();
            serde::de::Error::custom(format!(
                "unknown sort {name:?} (expected one of {})",
                names.join(", ")
            ))
        })
}

fn group<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<GroupBy>>, D::Error> {
    let name = String::deserialize(d)?;
    Ok(Some(match name.as_str() {
        "off" | "none" => None,
        "rule" => Some(GroupBy::Rule),
        "owner" => Some(GroupBy::Owner),
        "layer" => Some(GroupBy::Layer),
        _ => {
            return Err(serde::de::Error::custom(format!(
                "unknown group {name:?} (expected rule, owner, layer or off)"
            )));
        }
    }))
}

fn columns<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Column>>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    names
        .iter()
        .map(|n| {
            Column::ALL
                .into_iter()
                .find(|c| c.name() == n)
                .ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown column {n:?} (expected source, layer, scope or owner)"
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn views_read_and_each_mistake_names_its_line() {
        let text = r#"
[views.payments]
query = "ns:pay* sev>=high status:new"
sort = "age"
group = "rule"
columns = ["layer", "owner"]

[views.everything]
"#;
        let c = Config::parse(std::path::Path::new("c.toml"), text).unwrap();
        let v = &c.views["payments"];
        assert_eq!(
            v.query.as_ref().unwrap().text,
            "ns:pay* sev>=high status:new"
        );
        assert_eq!(v.sort, Some(SortKey::Age));
        assert_eq!(v.group, Some(Some(GroupBy::Rule)));
        assert_eq!(v.columns, Some(vec![Column::Layer, Column::Owner]));
        assert!(c.views["everything"].query.is_none());
        for (bad, line, needle) in [
            ("[views.x]\nquery = \"colour:red\"\n", 2, "colour:red"),
            ("[views.x]\nsort = \"colour\"\n", 2, "unknown sort"),
            ("[views.x]\ngroup = \"team\"\n", 2, "unknown group"),
            ("[views.x]\ncolumns = [\"age\"]\n", 2, "unknown column"),
            ("[views.x]\nfilter = \"a\"\n", 2, "filter"),
        ] {
            let e = Config::parse(std::path::Path::new("c.toml"), bad).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains(&format!("c.toml:{line}:")), "{bad}: {msg}");
            assert!(msg.contains(needle), "{bad}: {msg}");
        }
    }
}
