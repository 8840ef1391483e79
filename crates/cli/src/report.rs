//! `linkwork report summary`: the reports dashboard's figures on the
//! command line, from the same tables (so suppressed the same way) as the
//! pages and their CSV files.

use std::io::Write;

use anyhow::Context;
use linkwork_app::App;
use linkwork_app::reports::{DashboardFilter, ReportTable};

use crate::commands::{explain, find_org};
use crate::config::ReportArgs;

pub async fn summary(app: &App, args: ReportArgs) -> anyhow::Result<()> {
    let id = |reference: Option<String>| async move {
        match reference {
            Some(r) => find_org(app, &r).await.map(|o| o.id.to_string()),
            None => Ok(String::new()),
        }
    };
    let network = id(args.network).await?;
    let practice = id(args.practice).await?;
    let filter = DashboardFilter::parse(&args.from, &args.to, &network, &practice, app.today())
        .map_err(explain)?;
    let dashboard = app.dashboard_for_cli(filter).await.map_err(explain)?;
    let tables: Vec<&ReportTable> = match &args.table {
        Some(id) => vec![dashboard.table(id).with_context(|| {
            let ids: Vec<&str> = dashboard.tables.iter().map(|t| t.id).collect();
            format!("no table {id:?}; the tables are {}", ids.join(", "))
        })?],
        None => dashboard.tables.iter().collect(),
    };
    let mut out = std::io::stdout().lock();
    let f = &dashboard.filter.period;
    if !args.csv {
        writeln!(
            out,
            "Reports from {} to {}; counts below {} shown as \"fewer than {}\".",
            f.from, f.to, dashboard.suppress_below, dashboard.suppress_below
        )?;
    }
    for table in tables {
        if args.csv {
            out.write_all(&table.csv()?)?;
        } else {
            writeln!(out, "\n{} ({})", table.title, table.id)?;
            write_aligned(&mut out, table)?;
        }
    }
    Ok(())
}

/// The table with its columns lined up: text to the left, numbers to the
/// right.
fn write_aligned(out: &mut impl Write, table: &ReportTable) -> std::io::Result<()> {
    let cells: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| row.iter().map(ToString::to_string).collect())
        .collect();
    let widths: Vec<usize> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .filter_map(|r| r.get(i))
                .map(|s| s.chars().count())
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| {
        values
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (v, w))| {
                if i == 0 {
                    format!("{v:<w$}")
                } else {
                    format!("{v:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(table.columns.clone()))?;
    for row in &cells {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}
