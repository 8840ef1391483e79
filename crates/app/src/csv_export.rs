//! Writing CSV that people open in spreadsheets. A cell that begins with
//! `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by
//! Excel, LibreOffice and Google Sheets, so text anyone typed (a listing's
//! name, a search) could make a spreadsheet fetch a URL or run a command.
//! Every CSV Linkwork writes goes through `SpreadsheetCsv`, which prefixes
//! such cells with `'` (OWASP's rule for CSV injection): spreadsheets show
//! the text as typed, and a reader can strip the one leading quote.

use std::borrow::Cow;
use std::io::Write;

/// A CSV writer whose cells are never formulas.
pub(crate) struct SpreadsheetCsv<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> SpreadsheetCsv<W> {
    pub(crate) fn new(out: W) -> Self {
        SpreadsheetCsv {
            writer: csv::Writer::from_writer(out),
        }
    }

    /// A file of several tables one after another, each with its own
    /// header row and width, separated by a blank line.
    pub(crate) fn sections(out: W) -> Self {
        SpreadsheetCsv {
            writer: csv::WriterBuilder::new().flexible(true).from_writer(out),
        }
    }

    pub(crate) fn write_row<I, T>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.writer
            .write_record(cells.into_iter().map(|c| inert(c.as_ref()).into_owned()))
    }

    pub(crate) fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// The cell as a spreadsheet will show it without running it. A plain
/// number (a negative change, "-0.52") is data, not a formula, and is kept
/// as it is so the figures can be recomputed from the file.
fn inert(cell: &str) -> Cow<'_, str> {
    let number = cell.starts_with('-')
        && cell.len() > 1
        && cell[1..].bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if !number && cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_written_as_text() {
        for (cell, written) in [
            ("=1+1", "'=1+1"),
            ("+44 1632 960001", "'+44 1632 960001"),
            ("-5", "-5"),
            ("-0.52", "-0.52"),
            ("-5+1", "'-5+1"),
            ("-", "'-"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("Lunch club = fun", "Lunch club = fun"),
            ("", ""),
            ("'quoted", "'quoted"),
        ] {
            assert_eq!(inert(cell), written, "{cell:?}");
        }
    }

    #[test]
    fn rows_are_quoted_and_neutralised() {
        let mut out = Vec::new();
        let mut csv = SpreadsheetCsv::new(&mut out);
        csv.write_row(["id", "=HYPERLINK(\"https://evil.example\",\"x\")"])
            .unwrap();
        csv.flush().unwrap();
        drop(csv);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"x\"\")\"\n"
        );
    }
}
