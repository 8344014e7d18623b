//! The public catalogues a user downloads to rank findings by what can
//! actually hurt: CISA's Known Exploited Vulnerabilities (`--kev FILE`) and
//! FIRST's EPSS scores (`--epss FILE`). Read once at start, never fetched:
//! posture needs no network to use them. A file that is not what it should
//! be is an error naming the file and the place; entries that cannot be
//! read are skipped, each named, and the rest load.

pub mod cve;
pub mod epss;
pub mod kev;

use std::path::{Path, PathBuf};

use crate::model::{Finding, SafeText, Signals};
use crate::session::SourceStatus;

pub use cve::CveKey;
pub use epss::Epss;
pub use kev::Kev;

/// A catalogue that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), at.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct CatalogueError {
    pub path: PathBuf,
    /// Line and column, from 1.
    pub at: Option<(usize, usize)>,
    pub message: String,
}

/// An entry skipped, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Option<(usize, usize)>,
    pub message: String,
}

/// The skipped entries: the first [`Problems::KEPT`] named, all counted (a
/// file of a million bad rows must not make a million messages).
#[derive(Debug, Clone, Default)]
pub struct Problems {
    pub list: Vec<Problem>,
    pub count: usize,
}

impl Problems {
    pub const KEPT: usize = 20;

    fn push(&mut self, p: Problem) {
        self.count += 1;
        if self.list.len() < Self::KEPT {
            self.list.push(p);
        }
    }

    /// Each as `path:line:column: warning: message`, and a line for those
    /// not named.
    pub fn messages(&self, path: &Path) -> Vec<String> {
        let mut out: Vec<String> = self
            .list
            .iter()
            .map(|p| match p.at {
                Some((l, c)) => format!("{}:{l}:{c}: warning: {}", path.display(), p.message),
                None => format!("{}: warning: {}", path.display(), p.message),
            })
            .collect();
        if self.count > self.list.len() {
            out.push(format!(
                "{}: warning: {} more entries skipped",
                path.display(),
                self.count - self.list.len()
            ));
        }
        out
    }
}

/// The catalogues in use (either, both or none).
#[derive(Debug, Clone, Default)]
pub struct Catalogues {
    pub kev: Option<Loaded<Kev>>,
    pub epss: Option<Loaded<Epss>>,
}

/// One catalogue as read: where from, what it holds, what was skipped.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub path: PathBuf,
    pub data: T,
    pub problems: Problems,
}

/// Catalogues larger than this are refused (CISA's is about 1.5 MB, FIRST's
/// decompressed scores about 10 MB).
pub const MAX_CATALOGUE_BYTES: u64 = 256 << 20;

/// How many CVE ids of one finding are looked up (its rule id and title
/// name one or two).
const CVES_PER_FINDING: usize = 8;

impl Catalogues {
    pub fn is_empty(&self) -> bool {
        self.kev.is_none() && self.epss.is_none()
    }

    /// Reads the KEV catalogue at `path`.
    pub fn read_kev(path: &Path) -> Result<Loaded<Kev>, CatalogueError> {
        read_with(path, kev::parse)
    }

    /// Reads the EPSS scores at `path`.
    pub fn read_epss(path: &Path) -> Result<Loaded<Epss>, CatalogueError> {
        read_with(path, epss::parse)
    }

    /// `f`'s signals with the catalogues' (its CVEs: those its rule id
    /// names, else those its title names): KEV when one of its CVEs is in
    /// the catalogue; the catalogue's EPSS score (the highest of its CVEs)
    /// over the input's, as the user's download is the newer.
    pub fn signals_of(&self, f: &Finding, cves: &mut Vec<CveKey>) -> Signals {
        let mut s = f.signals;
        if self.is_empty() {
            return s;
        }
        cves.clear();
        // The rule id names the CVE of most vulnerability findings; the
        // title, of the others (`CVE-2022-3643 - kernel`).
        CveKey::all_in(f.rule_id.original(), CVES_PER_FINDING, cves);
        if cves.is_empty() {
            CveKey::all_in(f.title.original(), CVES_PER_FINDING, cves);
        }
        if cves.is_empty() {
            return s;
        }
        if let Some(k) = &self.kev {
            s.kev |= cves.iter().any(|c| k.data.cves.contains(c));
        }
        if let Some(e) = &self.epss {
            let listed = cves
                .iter()
                .filter_map(|c| e.data.scores.get(c).copied())
                .reduce(f32::max);
            s.epss = listed.or(s.epss);
        }
        s
    }

    /// Reads the catalogues named (either, both or none). One that cannot
    /// be read is left out and its error returned with the rest: the
    /// findings still load and show, without what it would have said.
    pub fn read(kev: Option<&Path>, epss: Option<&Path>) -> (Catalogues, Vec<SourceStatus>) {
        let mut out = Catalogues::default();
        let mut statuses = Vec::new();
        if let Some(path) = kev {
            let read = Self::read_kev(path);
            statuses.push(status("KEV", path, &read, |k| {
                format!(
                    "{} CVEs{}",
                    k.cves.len(),
                    k.version
                        .as_deref()
                        .map(|v| format!(", {v}"))
                        .unwrap_or_default()
                )
            }));
            out.kev = read.ok();
        }
        if let Some(path) = epss {
            let read = Self::read_epss(path);
            statuses.push(status("EPSS", path, &read, |e| {
                format!("{} CVEs, scores of {}", e.scores.len(), e.score_date)
            }));
            out.epss = read.ok();
        }
        (out, statuses)
    }
}

/// The file at `path`, read as text and parsed by `parse`.
fn read_with<T>(
    path: &Path,
    parse: impl Fn(&Path, &str) -> Result<(T, Problems), CatalogueError>,
) -> Result<Loaded<T>, CatalogueError> {
    let text = read_text(path)?;
    let (data, problems) = parse(path, &text)?;
    Ok(Loaded {
        path: path.to_path_buf(),
        data,
        problems,
    })
}

/// The source line's entry for a catalogue.
fn status<T>(
    kind: &str,
    path: &Path,
    read: &Result<Loaded<T>, CatalogueError>,
    note: impl Fn(&T) -> String,
) -> SourceStatus {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut s = SourceStatus {
        label: format!("{kind} {}", SafeText::line(&name).display()),
        catalogue: true,
        ..SourceStatus::default()
    };
    match read {
        Ok(loaded) => {
            s.note = note(&loaded.data);
            s.warnings = loaded
                .problems
                .messages(path)
                .iter()
                .map(|m| SafeText::line(m).display().to_string())
                .collect();
        }
        Err(e) => {
            s.error = Some(
                SafeText::line(&format!("{kind}: {e}"))
                    .display()
                    .to_string(),
            );
            s.error_count = 1;
        }
    }
    s
}

/// The file's text: a regular file, at most [`MAX_CATALOGUE_BYTES`], text
/// (not compressed, not binary).
fn read_text(path: &Path) -> Result<String, CatalogueError> {
    use std::io::Read as _;
    let fail = |message: String| CatalogueError {
        path: path.to_path_buf(),
        at: None,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(fail(
            "not a regular file (a FIFO, device, socket or directory)".to_string(),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CATALOGUE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_CATALOGUE_BYTES {
        return Err(fail(format!(
            "over the {} MiB limit for a catalogue",
            MAX_CATALOGUE_BYTES >> 20
        )));
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(fail(
            "gzip-compressed: decompress it first (gunzip FILE)".to_string(),
        ));
    }
    if let Some(at) = memchr::memchr(0, &bytes) {
        return Err(fail(format!("NUL byte at offset {at}: binary data")));
    }
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_column(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
        CatalogueError {
            path: path.to_path_buf(),
            at: Some((line, column)),
            message: "not UTF-8 text".to_string(),
        }
    })
}

/// Line and column (from 1) of `part`, a slice of `text`.
fn located(text: &str, part: &str) -> Option<(usize, usize)> {
    let offset = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (offset <= text.len()).then(|| line_column(&text.as_bytes()[..offset]))
}

/// Where the text after `before` starts.
fn line_column(before: &[u8]) -> (usize, usize) {
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, before.len() - line_start + 1)
}

/// Untrusted text from a catalogue, as one short safe line for messages.
fn shown(s: &str) -> String {
    let safe = SafeText::line(s);
    let text = safe.display();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, title: &str) -> Finding {
        let mut f = crate::demo::load_current().findings[0].clone();
        f.rule_id = SafeText::line(rule);
        f.title = SafeText::line(title);
        f.signals = Signals {
            epss: Some(0.1),
            ..Signals::default()
        };
        f
    }

    #[test]
    fn a_findings_cves_are_looked_up_in_both_catalogues() {
        let key = |s: &str| CveKey::parse(s).unwrap();
        let cats = Catalogues {
            kev: Some(Loaded {
                path: "k".into(),
                data: Kev {
                    cves: [key("CVE-2023-34256")].into_iter().collect(),
                    version: None,
                },
                problems: Problems::default(),
            }),
            epss: Some(Loaded {
                path: "e".into(),
                data: Epss {
                    scores: [(key("CVE-2022-3643"), 0.5), (key("CVE-2023-34256"), 0.9)]
                        .into_iter()
                        .collect(),
                    score_date: "2025-02-20".into(),
                    model_version: None,
                },
                problems: Problems::default(),
            }),
        };
        let mut cves = Vec::new();
        let s = cats.signals_of(&finding("GHSA-x", "CVE-2023-34256 - kernel"), &mut cves);
        assert!(s.kev);
        assert_eq!(s.epss, Some(0.9));
        let s = cats.signals_of(&finding("CVE-2022-3643", "kernel"), &mut cves);
        assert!(!s.kev);
        assert_eq!(s.epss, Some(0.5));
        // Not listed: the input's score stays.
        let s = cats.signals_of(&finding("C-0017", "Immutable root"), &mut cves);
        assert_eq!(s.epss, Some(0.1));
    }

    #[test]
    fn files_that_are_not_text_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("e.csv.gz");
        std::fs::write(&gz, [0x1f, 0x8b, 8, 0]).unwrap();
        assert!(
            Catalogues::read_epss(&gz)
                .unwrap_err()
                .message
                .contains("gunzip")
        );
        let bin = dir.path().join("k.json");
        std::fs::write(&bin, b"{\"a\0\"}").unwrap();
        assert!(
            Catalogues::read_kev(&bin)
                .unwrap_err()
                .message
                .contains("NUL")
        );
        let latin = dir.path().join("l.csv");
        std::fs::write(&latin, b"#x\nab\xe9").unwrap();
        assert_eq!(Catalogues::read_epss(&latin).unwrap_err().at, Some((2, 3)));
        assert!(
            Catalogues::read_kev(dir.path())
                .unwrap_err()
                .message
                .contains("regular file")
        );
        assert!(Catalogues::read_kev(&dir.path().join("none")).is_err());
    }
}
