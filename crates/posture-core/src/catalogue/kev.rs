//! CISA's Known Exploited Vulnerabilities catalogue, as downloaded
//! (`known_exploited_vulnerabilities.json`: `{"catalogVersion", "count",
//! "vulnerabilities": [{"cveID", …}]}`), or a bare list of its entries
//! (the copy Grype keeps).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::cve::CveKey;
use super::{CatalogueError, Problem, Problems, located};

/// The CVEs of the catalogue.
#[derive(Debug, Clone, Default)]
pub struct Kev {
    pub cves: foldhash::HashSet<CveKey>,
    /// `catalogVersion`, when the file has one.
    pub version: Option<String>,
}

#[derive(Deserialize)]
struct Catalogue<'a> {
    #[serde(borrow)]
    vulnerabilities: Option<Vec<&'a RawValue>>,
    #[serde(rename = "catalogVersion")]
    catalog_version: Option<serde_json::Value>,
    count: Option<serde_json::Value>,
    #[serde(rename = "cveID")]
    cve_id: Option<serde::de::IgnoredAny>,
}

/// Reads the catalogue's text; `Problems` are its entries that were
/// skipped (the rest load).
pub fn parse(path: &std::path::Path, text: &str) -> Result<(Kev, Problems), CatalogueError> {
    let fail = |at: Option<(usize, usize)>, message: String| CatalogueError {
        path: path.to_path_buf(),
        at,
        message,
    };
    let json_error = |e: serde_json::Error| {
        let at = (e.line() > 0).then(|| (e.line(), e.column()));
        fail(at, format!("not a KEV catalogue: {e}"))
    };
    let start = text.trim_start();
    let (entries, version, count) = if start.starts_with('[') {
        let list: Vec<&RawValue> = serde_json::from_str(text).map_err(json_error)?;
        (list, None, None)
    } else {
        let doc: Catalogue = serde_json::from_str(text).map_err(json_error)?;
        match doc.vulnerabilities {
            Some(list) => (list, doc.catalog_version, doc.count),
            None if doc.cve_id.is_some() => {
                return Err(fail(
                    Some((1, 1)),
                    "one KEV entry, not the catalogue: download known_exploited_vulnerabilities.json \
                     from cisa.gov"
                        .to_string(),
                ));
            }
            None => {
                return Err(fail(
                    Some((1, 1)),
                    "not a KEV catalogue: no \"vulnerabilities\" list".to_string(),
                ));
            }
        }
    };
    let mut kev = Kev {
        cves: foldhash::HashSet::default(),
        version: version.and_then(|v| v.as_str().map(super::shown)),
    };
    let mut problems = Problems::default();
    for (n, raw) in entries.iter().enumerate() {
        let at = located(text, raw.get());
        let id = serde_json::from_str::<serde_json::Value>(raw.get())
            .ok()
            .and_then(|v| {
                v.get("cveID")
                    .and_then(|id| id.as_str().map(str::to_string))
            });
        match id.as_deref().map(CveKey::parse) {
            Some(Some(key)) => {
                kev.cves.insert(key);
            }
            Some(None) => problems.push(Problem {
                at,
                message: format!(
                    "entry {}: cveID {:?} is not a CVE id; skipped",
                    n + 1,
                    super::shown(id.as_deref().unwrap_or_default())
                ),
            }),
            None => problems.push(Problem {
                at,
                message: format!("entry {}: no string \"cveID\"; skipped", n + 1),
            }),
        }
    }
    if kev.cves.is_empty() && !entries.is_empty() {
        return Err(fail(
            Some((1, 1)),
            format!(
                "none of its {} entries has a CVE id: not a KEV catalogue",
                entries.len()
            ),
        ));
    }
    if let Some(said) = count.as_ref().and_then(serde_json::Value::as_u64)
        && said != entries.len() as u64
    {
        problems.push(Problem {
            at: None,
            message: format!(
                "\"count\" says {said} entries, the file has {}: an old or cut copy?",
                entries.len()
            ),
        });
    }
    Ok((kev, problems))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn catalogue_and_bare_list_are_read() {
        let text = r#"{"catalogVersion": "2025.02.19", "count": 2, "vulnerabilities": [
            {"cveID": "CVE-2025-0108"}, {"cveID": "CVE-2024-53704"}]}"#;
        let (kev, problems) = parse(Path::new("k.json"), text).unwrap();
        assert_eq!(kev.cves.len(), 2);
        assert_eq!(kev.version.as_deref(), Some("2025.02.19"));
        assert!(problems.list.is_empty());
        let (list, _) = parse(Path::new("k.json"), r#"[{"cveID": "CVE-2025-24989"}]"#).unwrap();
        assert!(
            list.cves
                .contains(&CveKey::parse("CVE-2025-24989").unwrap())
        );
    }

    #[test]
    fn bad_entries_are_skipped_with_their_line() {
        let text = "{\"vulnerabilities\": [\n{\"cveID\": \"CVE-2025-0108\"},\n{\"cveID\": 7},\n\"junk\",\n{\"cveID\": \"CVE-x\"}\n], \"count\": 9}";
        let (kev, problems) = parse(Path::new("k.json"), text).unwrap();
        assert_eq!(kev.cves.len(), 1);
        let lines: Vec<Option<(usize, usize)>> = problems.list.iter().map(|p| p.at).collect();
        assert_eq!(lines, [Some((3, 1)), Some((4, 1)), Some((5, 1)), None]);
        assert!(problems.list[3].message.contains("says 9"));
    }

    #[test]
    fn what_is_not_a_catalogue_is_an_error_naming_the_place() {
        let one = parse(Path::new("e.json"), r#"{"cveID": "CVE-2025-0108"}"#).unwrap_err();
        assert!(one.to_string().contains("one KEV entry"), "{one}");
        let torn = parse(
            Path::new("t.json"),
            "{\"vulnerabilities\": [\n{\"cveID\": \"CVE-2025",
        )
        .unwrap_err();
        assert_eq!(torn.at.map(|a| a.0), Some(2), "{torn}");
        assert!(torn.to_string().starts_with("t.json:2:"), "{torn}");
        let none = parse(Path::new("n.json"), r#"[{"id": 1}]"#).unwrap_err();
        assert!(none.to_string().contains("none of its 1 entries"), "{none}");
        assert!(parse(Path::new("x.json"), r#"{"a": 1}"#).is_err());
    }
}
