//! The last pull of a live source, kept in the XDG cache directory so that the
//! next start shows it at once (with its age) while a refresh runs.
//!
//! One file per source, account, region and scope. It holds the records as the
//! API returned them (mapped to the file formats), so loading the cache goes
//! through the same parsers as a file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use posture_core::model::Timestamp;

pub const CACHE_FORMAT: u32 = 1;

/// Which pull a cache file belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    /// `securityhub` or `securityhub-v2`.
    pub api: String,
    pub account: String,
    pub region: String,
    /// The server-side filters, e.g. `open` or `open-high` or `all`: a cache
    /// pulled with other filters does not hold the same set.
    pub scope: String,
}

impl CacheKey {
    pub fn path(&self, dir: &Path) -> PathBuf {
        dir.join(component(&self.api))
            .join(component(&self.account))
            .join(format!(
                "{}.{}.json",
                component(&self.region),
                component(&self.scope)
            ))
    }
}

fn component(s: &str) -> String {
    posture_core::text::file_component(s, "_")
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CacheFile {
    pub posture_cache: u32,
    pub api: String,
    pub account: String,
    pub region: String,
    pub scope: String,
    /// When the pull that wrote this started: the next refresh asks for what
    /// changed since then.
    pub pulled_at: Timestamp,
    pub records: Vec<Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("{path}: cannot read the cache: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: unreadable cache (it will be replaced by the next full pull): {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("{path}: cannot write the cache: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The cached pull, `None` when there is none yet.
pub fn load(path: &Path) -> Result<Option<CacheFile>, CacheError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(CacheError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let corrupt = |message: String| CacheError::Corrupt {
        path: path.to_path_buf(),
        message,
    };
    let file: CacheFile = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    if file.posture_cache != CACHE_FORMAT {
        return Err(corrupt(format!(
            "cache format {} (this posture writes {CACHE_FORMAT})",
            file.posture_cache
        )));
    }
    Ok(Some(file))
}

/// Replaces the cache atomically: a crash leaves the old one or the new one.
pub fn save(path: &Path, file: &CacheFile) -> Result<(), CacheError> {
    let write_err = |source| CacheError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(write_err)?;
    }
    let bytes = serde_json::to_vec(file).map_err(|e| write_err(std::io::Error::other(e)))?;
    posture_core::storage::write_atomic(path, &bytes).map_err(write_err)
}

/// Every fingerprint in the cached pulls below `dir` (an unreadable cache
/// file adds none). Kubernetes records are tagged with their cluster, as
/// the live source tags them.
pub fn fingerprints(dir: &Path) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    // api/account/region.scope.json: three levels.
    let mut dirs = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() && depth < 2 {
                dirs.push((p, depth + 1));
            } else if p.extension().is_some_and(|x| x == "json")
                && let Ok(Some(file)) = load(&p)
            {
                let cluster = (file.api == "kube").then_some(file.account.as_str());
                let loaded = posture_core::sources::parse_values_in(
                    &p,
                    file.records.iter().cloned(),
                    cluster,
                );
                out.extend(loaded.findings.iter().map(|f| f.fingerprint.to_string()));
            }
        }
    }
    out
}

/// What identifies a record across pulls: (ProductArn, Id) for ASFF, the
/// finding uid (with its product) for OCSF.
pub fn record_key(v: &Value) -> Option<String> {
    let v = posture_core::sources::node::Node::of_value(v);
    let s = |path: &[&str]| posture_core::sources::json::text(&v, path);
    if let Some(id) = s(&["Id"]) {
        return Some(format!(
            "{}\u{1f}{id}",
            s(&["ProductArn"]).unwrap_or_default()
        ));
    }
    let uid = s(&["finding_info", "uid"]).or_else(|| s(&["metadata", "uid"]))?;
    Some(format!(
        "{}\u{1f}{uid}",
        s(&["metadata", "product", "uid"])
            .or_else(|| s(&["metadata", "product", "name"]))
            .unwrap_or_default()
    ))
}

/// The cached records updated by a refresh: a record that came again replaces
/// the cached one in place, new ones follow. Records without a key are kept.
pub fn merge(cached: Vec<Value>, fresh: Vec<Value>) -> Vec<Value> {
    let mut out = cached;
    let mut at: HashMap<String, usize> = HashMap::with_capacity(out.len());
    for (i, v) in out.iter().enumerate() {
        if let Some(k) = record_key(v) {
            at.insert(k, i);
        }
    }
    for v in fresh {
        match record_key(&v).and_then(|k| at.get(&k).copied().map(|i| (k, i))) {
            Some((_, i)) => out[i] = v,
            None => {
                if let Some(k) = record_key(&v) {
                    at.insert(k, out.len());
                }
                out.push(v);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_replaces_by_product_and_id_and_appends_new() {
        let cached = vec![
            json!({"ProductArn": "p", "Id": "a", "Title": "old"}),
            json!({"ProductArn": "q", "Id": "a", "Title": "other product"}),
        ];
        let fresh = vec![
            json!({"ProductArn": "p", "Id": "a", "Title": "new"}),
            json!({"ProductArn": "p", "Id": "b", "Title": "added"}),
        ];
        let merged = merge(cached, fresh);
        let titles: Vec<&str> = merged
            .iter()
            .map(|v| v["Title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["new", "other product", "added"]);
    }

    #[test]
    fn paths_cannot_escape_the_cache_dir() {
        let key = CacheKey {
            api: "securityhub".into(),
            account: "../../etc".into(),
            region: "..".into(),
            scope: "open/high".into(),
        };
        let p = key.path(Path::new("/c"));
        assert_eq!(p, Path::new("/c/securityhub/.._.._etc/_.open_high.json"));
        assert!(!p.components().any(|c| c == std::path::Component::ParentDir));
    }

    #[test]
    fn save_then_load_round_trips_and_corruption_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x/y.json");
        assert!(load(&path).unwrap().is_none());
        let file = CacheFile {
            posture_cache: CACHE_FORMAT,
            api: "securityhub".into(),
            account: "1".into(),
            region: "r".into(),
            scope: "open".into(),
            pulled_at: Timestamp::from_unix(100),
            records: vec![json!({"Id": "a"})],
        };
        save(&path, &file).unwrap();
        let back = load(&path).unwrap().unwrap();
        assert_eq!(back.records, file.records);
        assert_eq!(back.pulled_at, file.pulled_at);
        std::fs::write(&path, b"{\"posture_cache\": 1, \"api\"").unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(
            e.contains("y.json") && e.contains("unreadable cache"),
            "{e}"
        );
    }
}
