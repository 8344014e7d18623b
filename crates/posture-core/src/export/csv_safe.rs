//! The one CSV writer. Resource names and titles are attacker-influenced, and a
//! spreadsheet runs a cell that starts with `=`; so every text cell is made
//! inert here, once, for every export.

use std::io::Write;

/// Neutralises a cell for Excel, LibreOffice and Google Sheets (OWASP CSV
/// injection guidance): control, BiDi and invisible characters are stripped
/// first, then a cell whose first character past any space or format
/// character could start a formula gets a leading `'`. (Guarding before
/// cleaning let `\u{200b}=cmd|…` through: the cleaned cell began with `=`.)
pub fn safe_cell(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .filter(|&c| {
            // Keep line breaks: multi-line descriptions are one quoted field.
            c == '\n'
                || !crate::model::safe_text::is_dangerous(c, crate::model::safe_text::Lines::Multi)
        })
        .collect();
    let first = cleaned
        .trim_start_matches(|c: char| c.is_whitespace() || crate::model::safe_text::is_format(c))
        .chars()
        .next();
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

    /// Every character a cell can start with and still look blank to a
    /// spreadsheet: every Unicode space and every format character.
    fn blank_leads() -> Vec<char> {
        (0..=0x10ffff_u32)
            .filter_map(char::from_u32)
            .filter(|&c| {
                c.is_whitespace()
                    || crate::model::safe_text::is_format(c)
                    || crate::model::safe_text::is_dangerous(
                        c,
                        crate::model::safe_text::Lines::Multi,
                    )
            })
            .collect()
    }

    #[test]
    fn no_invisible_or_blank_lead_hides_a_formula() {
        let leads = blank_leads();
        assert!(leads.len() > 100, "{}", leads.len());
        for payload in ["=cmd|' /C calc'!A0", "@SUM(1,1)", "+1+1", "-2+3", "＝1"] {
            for &a in &leads {
                let one = format!("{a}{payload}");
                assert!(safe_cell(&one).starts_with('\''), "{one:?}");
                for b in [' ', '\u{a0}', '\u{200b}', '\u{feff}', '\u{3000}'] {
                    let two = format!("{a}{b}{payload}");
                    assert!(safe_cell(&two).starts_with('\''), "{two:?}");
                }
            }
        }
        // The probe's cases, verbatim.
        for probe in [
            "\u{200b}=cmd|' /C calc'!A0",
            "\u{feff}=1+1",
            "\u{202e}=2+2",
            "\u{1b}=3+3",
            "\u{200b} =4+4",
            "\u{a0}@SUM(1)",
        ] {
            let c = safe_cell(probe);
            assert!(c.starts_with('\''), "{probe:?} -> {c:?}");
            assert!(
                !c.contains(['\u{200b}', '\u{feff}', '\u{202e}', '\u{1b}']),
                "{c:?}"
            );
        }
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
