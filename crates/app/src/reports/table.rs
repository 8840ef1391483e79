//! A report's figure as a table: what the page shows beside its chart,
//! what its CSV file holds and what the command line prints. One shape
//! for all three, so they cannot disagree.

use std::fmt;

use linkwork_domain::report::{Shown, ShownFigure};

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
