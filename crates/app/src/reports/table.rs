//! A report's figure as a table: what the page shows beside its chart,
//! what its CSV file holds and what the command line prints. One shape
//! for all three, so they cannot disagree.

use std::fmt;

use linkwork_domain::report::{Shown, ShownFigure, protect_partition};

use crate::csv_export::SpreadsheetCsv;
use crate::error::{AppError, AppResult};

/// One cell, already suppressed where it must be.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(Shown),
    /// A percentage, median or mean, with its decimal places.
    Figure(ShownFigure, usize),
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Text(text) => f.write_str(text),
            Cell::Count(shown) => write!(f, "{shown}"),
            Cell::Figure(figure, decimals) => f.write_str(&figure.display(*decimals)),
        }
    }
}

impl Cell {
    /// The value a chart draws, when it may be shown.
    pub fn value(&self) -> Option<f64> {
        match self {
            Cell::Text(_) => None,
            Cell::Count(shown) => shown.value().map(|n| n as f64),
            Cell::Figure(figure, _) => figure.value(),
        }
    }

    /// Right-aligned in a table: a number.
    pub fn numeric(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

/// A chart's kind: bars for categories, a line for months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Bar,
    Line,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportTable {
    /// The table's name in addresses (`/reports/{id}.csv`) and files.
    pub id: &'static str,
    pub title: &'static str,
    /// "How this is counted": where the numbers come from, in plain words.
    pub how_counted: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    /// How the table is drawn too, if it is: a bar or point per row,
    /// labelled by the first column, as high as the second.
    pub chart: Option<ChartKind>,
}

impl ReportTable {
    /// The chart's points: each row's label and value, leaving out rows
    /// whose value is suppressed (the table says "fewer than …" for them).
    pub fn chart_points(&self) -> Vec<(String, f64)> {
        self.rows
            .iter()
            .filter_map(|row| {
                let label = row.first()?.to_string();
                Some((label, row.get(1)?.value()?))
            })
            .collect()
    }

    /// Whether a row was left out of the chart.
    pub fn chart_leaves_out_rows(&self) -> bool {
        self.chart.is_some() && self.chart_points().len() < self.rows.len()
    }

    /// Secondary suppression for a table whose `column` of counts adds up
    /// to a total published elsewhere (`protect_partition`): a count
    /// withheld takes the figures computed from it (`derived` columns of
    /// its row, such as a rate or a share) with it.
    pub fn protect_partition(mut self, column: usize, derived: &[usize]) -> ReportTable {
        let mut shown: Vec<Shown> = self
            .rows
            .iter()
            .map(|row| match row.get(column) {
                Some(Cell::Count(shown)) => *shown,
                _ => Shown::Count(u64::MAX),
            })
            .collect();
        protect_partition(&mut shown);
        for (row, shown) in self.rows.iter_mut().zip(shown) {
            if shown == Shown::Withheld {
                row[column] = Cell::Count(Shown::Withheld);
                for &d in derived {
                    if let Some(cell) = row.get_mut(d) {
                        *cell = Cell::Count(Shown::Withheld);
                    }
                }
            }
        }
        self
    }

    /// The table as CSV: the column names, then each row as shown.
    pub fn csv(&self) -> AppResult<Vec<u8>> {
        let mut out = Vec::new();
        let mut csv = SpreadsheetCsv::new(&mut out);
        let failed = |e: csv::Error| AppError::Export(e.to_string());
        csv.write_row(&self.columns).map_err(failed)?;
        for row in &self.rows {
            csv.write_row(row.iter().map(ToString::to_string))
                .map_err(failed)?;
        }
        csv.flush().map_err(|e| AppError::Export(e.to_string()))?;
        drop(csv);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use linkwork_domain::report::Suppression;

    use super::*;

    #[test]
    fn a_withheld_count_takes_its_derived_figures_with_it() {
        let s = Suppression::default();
        let row = |label: &str, n: u64, total: u64| {
            vec![
                Cell::Text(label.to_owned()),
                Cell::Count(s.count(n)),
                Cell::Figure(s.percent(n, total), 1),
            ]
        };
        let table = ReportTable {
            id: "t",
            title: "T",
            how_counted: String::new(),
            columns: vec!["Group", "People", "Share"],
            rows: vec![row("A", 50, 68), row("B", 3, 68), row("C", 15, 68)],
            chart: Some(ChartKind::Bar),
        }
        .protect_partition(1, &[2]);
        let shown: Vec<String> = table.rows[2].iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "C",
                "withheld to protect a small number",
                "withheld to protect a small number"
            ]
        );
        assert_eq!(table.rows[0][1].to_string(), "50");
        assert_eq!(table.rows[1][1].to_string(), "fewer than 5");
        assert_eq!(table.chart_points().len(), 1, "only A is drawn");
    }
}
