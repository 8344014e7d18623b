//! FIRST's EPSS scores as published (`epss_scores-YYYY-MM-DD.csv`, once
//! decompressed): a `#model_version:…,score_date:…` line, the header
//! `cve,epss,percentile`, then one row per CVE.

use super::cve::CveKey;
use super::{CatalogueError, Problem, Problems};

/// Each CVE's probability of exploitation.
#[derive(Debug, Clone, Default)]
pub struct Epss {
    pub scores: foldhash::HashMap<CveKey, f32>,
    /// `score_date`'s day (`2025-02-20`).
    pub score_date: String,
    pub model_version: Option<String>,
}

pub fn parse(path: &std::path::Path, text: &str) -> Result<(Epss, Problems), CatalogueError> {
    let fail = |line: usize, message: String| CatalogueError {
        path: path.to_path_buf(),
        at: Some((line, 1)),
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let Some((_, first)) = lines.next() else {
        return Err(fail(1, "empty: not an EPSS scores file".to_string()));
    };
    let Some(meta) = first.trim().strip_prefix('#') else {
        return Err(fail(
            1,
            format!(
                "expected the line `#model_version:…,score_date:…` that FIRST's files start with, found {:?}",
                super::shown(first)
            ),
        ));
    };
    let field = |name: &str| {
        meta.split(',').find_map(|part| {
            let (k, v) = part.split_once(':')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
    };
    let score_date = field("score_date")
        .and_then(|d| d.get(..10).map(str::to_string))
        .filter(|d| time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).is_ok())
        .ok_or_else(|| {
            fail(
                1,
                "no score_date (YYYY-MM-DD…) in the first line: which day's scores these are is unknown"
                    .to_string(),
            )
        })?;
    let header = lines.next().map(|(_, l)| l.trim()).unwrap_or_default();
    let columns: Vec<String> = header
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    if columns.len() < 2 || columns[0] != "cve" || columns[1] != "epss" {
        return Err(fail(
            2,
            format!(
                "the header is {:?}, expected \"cve,epss,percentile\"",
                super::shown(header)
            ),
        ));
    }
    let mut epss = Epss {
        scores: foldhash::HashMap::default(),
        score_date,
        model_version: field("model_version").map(|v| super::shown(&v)),
    };
    let mut problems = Problems::default();
    let mut rows = 0usize;
    for (line, row) in lines {
        if row.trim().is_empty() {
            continue;
        }
        rows += 1;
        let mut cells = row.split(',');
        let cve = cells.next().unwrap_or_default();
        let score = cells.next().unwrap_or_default();
        let Some(key) = CveKey::parse(cve) else {
            problems.push(Problem {
                at: Some((line, 1)),
                message: format!("{:?} is not a CVE id; row skipped", super::shown(cve)),
            });
            continue;
        };
        match score
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(crate::model::Signals::epss_of)
        {
            Some(p) => {
                epss.scores.insert(key, p);
            }
            None => problems.push(Problem {
                at: Some((line, cve.len() + 2)),
                message: format!(
                    "{key}: score {:?} is not a probability from 0 to 1; row skipped",
                    super::shown(score)
                ),
            }),
        }
    }
    if rows > 0 && epss.scores.is_empty() {
        return Err(fail(
            3,
            format!("none of its {rows} rows is a CVE with a score"),
        ));
    }
    Ok((epss, problems))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const GOOD: &str = "#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000\n\
cve,epss,percentile\nCVE-1999-0001,0.00383,0.73075\nCVE-1999-0002,0.01328,0.85996\n";

    #[test]
    fn published_file_is_read() {
        let (e, problems) = parse(Path::new("e.csv"), GOOD).unwrap();
        assert_eq!(e.scores.len(), 2);
        assert_eq!(e.score_date, "2025-02-20");
        assert_eq!(e.model_version.as_deref(), Some("v2023.03.01"));
        assert_eq!(e.scores[&CveKey::parse("CVE-1999-0002").unwrap()], 0.01328);
        assert!(problems.list.is_empty());
    }

    #[test]
    fn bad_rows_are_skipped_with_their_line_and_a_torn_last_row_too() {
        let text =
            format!("{GOOD}junk,0.1,0.2\nCVE-2020-1111,7,0.9\nCVE-2020-2222,0.5,0.9\nCVE-2020-33");
        let (e, problems) = parse(Path::new("e.csv"), &text).unwrap();
        assert_eq!(e.scores.len(), 3);
        let at: Vec<usize> = problems
            .list
            .iter()
            .filter_map(|p| p.at.map(|a| a.0))
            .collect();
        assert_eq!(at, [5, 6, 8]);
    }

    #[test]
    fn broken_files_are_errors_naming_the_line() {
        let no_date = "#model_version:v2023.03.01\ncve,epss,percentile\nCVE-1999-0001,0.1,0.2\n";
        let e = parse(Path::new("m.csv"), no_date).unwrap_err();
        assert_eq!(e.at, Some((1, 1)));
        assert!(e.to_string().starts_with("m.csv:1:1: no score_date"), "{e}");
        let header =
            "#model_version:v1,score_date:2024-02-20T00:00:00+0000\ninvalid,header,format\n";
        let e = parse(Path::new("h.csv"), header).unwrap_err();
        assert_eq!(e.at, Some((2, 1)), "{e}");
        assert!(parse(Path::new("x.csv"), "cve,epss,percentile\n").is_err());
        assert!(parse(Path::new("x.csv"), "").is_err());
        let all_bad = format!("{}x,y\n", &GOOD[..GOOD.find("CVE-1999").unwrap()]);
        assert!(parse(Path::new("x.csv"), &all_bad).is_err());
    }
}
