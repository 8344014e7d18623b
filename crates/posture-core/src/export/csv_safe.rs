//! The one CSV writer. Resource names and titles are attacker-influenced, and a
//! spreadsheet runs a cell that starts with `=`; so every text cell is made
//! inert here, once, for every export.

use std::io::Write;

/// Neutralises a cell for Excel, LibreOffice and Google Sheets (OWASP CSV
/// injection guidance): control and BiDi characters are stripped, and a cell
/// whose first non-blank character could start a formula gets a leading `'`.
pub fn safe_cell(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .filter(|&c| {
            // Keep line breaks: multi-line descriptions are one quoted field.
            c == '\n'
                || !crate::model::safe_text::is_dangerous(c, crate::model::safe_text::Lines::Multi)
        })
        .collect();
    let first = raw.trim_start_matches([' ', '\u{a0}']).chars().next();
    let starts_formula = matches!(
        first,
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\0' | '＝' | '＋' | '－' | '＠')
    );
    if starts_formula {
        format!("'{cleaned}")
    } else {
        cleaned
    }
}

/// RFC 4180 CSV (CRLF, quoting as needed) with every cell guarded.
pub struct SafeCsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> SafeCsvWriter<W> {
    /// `bom` for files people open in Excel (it needs it to read UTF-8).
    pub fn new(mut out: W, bom: bool) -> std::io::Result<SafeCsvWriter<W>> {
        if bom {
            out.write_all(b"\xef\xbb\xbf")?;
        }
        let inner = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(out);
        Ok(SafeCsvWriter { inner })
    }

    pub fn row<I, S>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.inner
            .write_record(cells.into_iter().map(|c| safe_cell(c.as_ref())))
    }

    pub fn finish(mut self) -> csv::Result<W> {
        self.inner.flush()?;
        self.inner
            .into_inner()
            .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_inert() {
        for payload in [
            "=cmd|' /C calc'!A0",
            "+1+1",
            "-2+3",
            "@SUM(1,1)",
            "\t=1",
            "\r=1",
            "  =HYPERLINK(\"http://x\")",
            "＝1",
        ] {
            let c = safe_cell(payload);
            assert!(c.starts_with('\''), "{payload:?} -> {c:?}");
        }
        assert_eq!(safe_cell("plain title"), "plain title");
        assert_eq!(safe_cell("a\x1b[31mb"), "a[31mb");
    }

    #[test]
    fn rows_round_trip_through_a_csv_reader() {
        let mut w = SafeCsvWriter::new(Vec::new(), false).unwrap();
        w.row(["title", "desc"]).unwrap();
        w.row(["=2+5", "line one\nline \"two\", with comma"])
            .unwrap();
        let bytes = w.finish().unwrap();
        let mut r = csv::Reader::from_reader(bytes.as_slice());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[0], "'=2+5");
        assert_eq!(&rec[1], "line one\nline \"two\", with comma");
    }
}
