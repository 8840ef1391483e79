//! Writing CSV that people open in spreadsheets. A cell that begins with
//! `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by
//! Excel, LibreOffice and Google Sheets, so text anyone typed (a listing's
//! name, a search) could make a spreadsheet fetch a URL or run a command.
//! Every CSV Linkwork writes goes through `SpreadsheetCsv`, which prefixes
//! such cells with `'` (OWASP's rule for CSV injection): spreadsheets show
//! the text as typed, and a reader can strip the one leading quote.

use std::borrow::Cow;
use std::io::Write;

/// One cell of `SpreadsheetCsv::write_cells`.
pub(crate) enum Cell {
    Text(String),
    /// Formatted by the program from a number it computed.
    Number(String),
}

impl Cell {
    pub(crate) fn number(value: f64, decimals: usize) -> Cell {
        Cell::Number(format!("{value:.decimals$}"))
    }
}

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

    /// A row whose cells are text (neutralised like `write_row`) or
    /// numbers the program computed, written as they are: a negative
    /// figure ("-2.5") is data no one typed, and must stay a number for the
    /// file's figures to be recomputed.
    pub(crate) fn write_cells(&mut self, cells: &[Cell]) -> csv::Result<()> {
        self.writer.write_record(cells.iter().map(|c| match c {
            Cell::Text(t) => inert(t).into_owned(),
            Cell::Number(n) => n.clone(),
        }))
    }

    pub(crate) fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// The cell as a spreadsheet will show it without running it.
fn inert(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
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
            ("-5", "'-5"),
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
    fn computed_numbers_are_kept_and_text_beside_them_neutralised() {
        let mut out = Vec::new();
        let mut csv = SpreadsheetCsv::new(&mut out);
        csv.write_cells(&[
            Cell::Text("-1".into()),
            Cell::number(-2.5, 4),
            Cell::Number("-3".into()),
        ])
        .unwrap();
        csv.flush().unwrap();
        drop(csv);
        assert_eq!(String::from_utf8(out).unwrap(), "'-1,-2.5000,-3\n");
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
